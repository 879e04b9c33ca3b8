import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BackendError } from '@trm-ts/core';
import { afterEach, describe, expect, it } from 'vitest';
import { expectBackendComputes } from '@trm-ts/testing';
import { NODE_GPU_MODULE, useNodeGpuBackend } from './index.js';

const installed = (() => {
  try {
    createRequire(import.meta.url).resolve(NODE_GPU_MODULE);
    return true;
  } catch {
    return false;
  }
})();

/**
 * A stand-in for @tensorflow/tfjs-node-gpu: importing it registers a 'tensorflow' backend (here the cpu
 * backend's kernels under that name) whose instance reports a device the way NodeJSKernelBackend does.
 */
function standIn(gpu: boolean) {
  return async () => {
    if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
    for (const kernel of tf.getKernelsForBackend('cpu')) {
      if (!tf.getKernel(kernel.kernelName, 'tensorflow')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
    }
    tf.registerBackend('tensorflow', () =>
      Object.assign(new MathBackendCPU(), { isUsingGpuDevice: gpu, binding: { TF_Version: '2.9.1' } }),
    );
    return { version: { 'tfjs-node': '4.22.0' } };
  };
}

const failure = (options: Parameters<typeof useNodeGpuBackend>[0]) => useNodeGpuBackend(options).catch((e) => e);
const loadThrowing = (message: string, code?: string) => async () => {
  throw Object.assign(new Error(message), { code });
};

describe('node-gpu backend adapter', () => {
  afterEach(() => {
    if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
  });

  it.skipIf(installed)('with the module absent, fails saying it is not installed and how to install it with CUDA', async () => {
    const err = await failure(undefined);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.message).toMatch(/^node-gpu: expected @tensorflow\/tfjs-node-gpu .*got: not installed\./);
    expect(err.message).toContain('npm install @tensorflow/tfjs-node-gpu@4.22.0');
    expect(err.message).toContain('CUDA 11.2 and cuDNN 8.1');
    expect(err.message).toContain('downloads libtensorflow');
  });

  it('says the native binding is missing (offline install) and names npm rebuild', async () => {
    const msg = 'The Node.js native addon module (tfjs_binding.node) can not be found at path: /x/napi-v8/tfjs_binding.node';
    const err = await failure({ load: loadThrowing(msg) });
    expect(err).toBeInstanceOf(BackendError);
    expect(err.message).toContain(`native binding (libtensorflow), got: ${msg}`);
    expect(err.message).toContain('npm rebuild @tensorflow/tfjs-node-gpu');
    expect(err.message).toContain('fails without internet access');
  });

  it('says which CUDA library is missing', async () => {
    const msg = 'libcudnn.so.8: cannot open shared object file: No such file or directory';
    const err = await failure({ load: loadThrowing(msg) });
    expect(err.message).toContain(`to load the CUDA libraries, got: ${msg}`);
    expect(err.message).toContain('LD_LIBRARY_PATH');
  });

  it("fails when the module registers no 'tensorflow' backend", async () => {
    const err = await failure({ load: async () => ({}) });
    expect(err.message).toContain("expected @tensorflow/tfjs-node-gpu to register the 'tensorflow' backend, got none");
  });

  it('activates the stand-in, reports the GPU and computes on it', async () => {
    const info = await useNodeGpuBackend({ load: standIn(true) });
    expect(info).toEqual({
      adapter: 'node-gpu',
      backend: 'tensorflow',
      float32: true,
      details: { gpu: true, tensorflow: '2.9.1', tfjsNode: '4.22.0' },
    });
    await expectBackendComputes();
  });

  it('refuses a CPU-only TensorFlow unless requireGpu is false', async () => {
    const err = await failure({ load: standIn(false) });
    expect(err.message).toContain('expected TensorFlow to run on a CUDA GPU, got the CPU');
    const info = await useNodeGpuBackend({ load: standIn(false), requireGpu: false });
    expect(info.details.gpu).toBe(false);
  });
});
