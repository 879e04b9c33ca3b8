/**
 * @trm-ts/backend-node-gpu — TensorFlow's C library with CUDA, through `@tensorflow/tfjs-node-gpu`.
 *
 * `@tensorflow/tfjs-node-gpu` is an optional peer: it is imported only when `setup()` runs, so installing
 * this adapter never installs it. Its own install script downloads libtensorflow (GPU build) from the
 * internet; without internet the package installs but its native binding is missing. Every way the import
 * can fail maps to one BackendError that says what failed and how to fix it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activateBackend, BackendError, type BackendAdapter, type BackendInfo } from '@trm-ts/core';

/** The optional peer this adapter loads. */
export const NODE_GPU_MODULE = '@tensorflow/tfjs-node-gpu';
/** The version that matches this workspace's tfjs-core. */
export const NODE_GPU_VERSION = '4.22.0';

const INSTALL =
  `On a Linux x64 machine with an NVIDIA GPU, its driver, CUDA 11.2 and cuDNN 8.1, and internet access: ` +
  `npm install ${NODE_GPU_MODULE}@${NODE_GPU_VERSION} (its install script downloads libtensorflow 2.9.1 with GPU support). ` +
  'Without such a machine, use @trm-ts/backend-webgpu (any GPU) or @trm-ts/backend-wasm (CPU).';

export interface NodeGpuBackendOptions {
  /**
   * Fail unless TensorFlow actually runs on a CUDA device (default true). libtensorflow silently falls back
   * to the CPU when CUDA or cuDNN cannot be loaded; pass false to accept that.
   */
  requireGpu?: boolean;
  /** Loads the module instead of `import('@tensorflow/tfjs-node-gpu')` (tests, custom builds). */
  load?: () => Promise<unknown>;
}

/** What the tfjs-node backend instance exposes about its device (NodeJSKernelBackend). */
interface TensorflowBackend {
  isUsingGpuDevice?: boolean;
  binding?: { TF_Version?: string; isUsingGpuDevice?: () => boolean };
}

/** Turns an import failure into the error a user can act on. */
export function explainLoadFailure(err: unknown): BackendError {
  const message = (err as Error)?.message ?? String(err);
  const code = (err as { code?: string })?.code;
  const what = `node-gpu: expected ${NODE_GPU_MODULE}`;
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(NODE_GPU_MODULE)) {
    return new BackendError(`${what} (an optional peer of @trm-ts/backend-node-gpu), got: not installed. ${INSTALL}`);
  }
  if (/libcudart|libcudnn|libcublas|libcufft|libcurand|libcusolver|libcusparse|CUDA/i.test(message)) {
    return new BackendError(
      `${what} to load the CUDA libraries, got: ${message}. Install CUDA 11.2 and cuDNN 8.1 and put their lib64 ` +
        'folders on LD_LIBRARY_PATH (nvidia-smi must list the GPU).',
    );
  }
  if (/tfjs_binding\.node|libtensorflow|napi-v\d/i.test(message)) {
    return new BackendError(
      `${what}'s native binding (libtensorflow), got: ${message}. It is downloaded by the package's install script, ` +
        `which fails without internet access. On a machine with internet run: npm rebuild ${NODE_GPU_MODULE} ` +
        `(or reinstall it). ${INSTALL}`,
    );
  }
  return new BackendError(`${what} to load, got: ${message}. ${INSTALL}`);
}

export const nodeGpuBackend: BackendAdapter<NodeGpuBackendOptions> = {
  name: 'node-gpu',
  async setup(options: NodeGpuBackendOptions = {}): Promise<BackendInfo> {
    const load = options.load ?? (() => import(/* @vite-ignore */ NODE_GPU_MODULE));
    let module: { version?: Record<string, string> };
    try {
      module = (await load()) as typeof module;
    } catch (err) {
      throw explainLoadFailure(err);
    }
    // Importing tfjs-node-gpu registers the 'tensorflow' backend in the shared tfjs engine (a global).
    if (!tf.findBackendFactory('tensorflow')) {
      throw new BackendError(
        `node-gpu: expected ${NODE_GPU_MODULE} to register the 'tensorflow' backend, got none. Its @tensorflow/tfjs-core ` +
          `must be ${tf.version_core} like this one: install ${NODE_GPU_MODULE}@${tf.version_core}.`,
      );
    }
    await activateBackend('tensorflow');
    const backend = tf.backend() as unknown as TensorflowBackend;
    const gpu = backend.isUsingGpuDevice ?? backend.binding?.isUsingGpuDevice?.() ?? false;
    if (!gpu && (options.requireGpu ?? true)) {
      throw new BackendError(
        'node-gpu: expected TensorFlow to run on a CUDA GPU, got the CPU: libtensorflow found no usable GPU. ' +
          'Check nvidia-smi and that CUDA 11.2 and cuDNN 8.1 are on LD_LIBRARY_PATH, or pass { requireGpu: false } ' +
          'to run on the CPU.',
      );
    }
    return {
      adapter: 'node-gpu',
      backend: tf.getBackend(),
      float32: true,
      details: {
        gpu,
        tensorflow: backend.binding?.TF_Version,
        tfjsNode: module.version?.['tfjs-node'],
      },
    };
  },
};

/** Loads @tensorflow/tfjs-node-gpu and activates its 'tensorflow' backend; resolves with whether it runs on a GPU. */
export function useNodeGpuBackend(options?: NodeGpuBackendOptions): Promise<BackendInfo> {
  return nodeGpuBackend.setup(options);
}
