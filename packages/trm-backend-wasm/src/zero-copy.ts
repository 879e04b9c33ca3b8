/**
 * Zero-copy `Identity` and same-dtype `Cast` for the wasm backend.
 *
 * tfjs-backend-wasm 4.22 implements both kernels as a full copy of the input. tfjs-core runs `Identity` for
 * every `clone()`, and its gradient tape clones every tensor a kernel saves for the backward pass; gradient
 * functions cast their saved inputs to float32 (a no-op cast, also a copy). A training step of a small TRM
 * spends about 10% of its time in these copies (docs/benchmarks.md). tfjs tensors are immutable and the wasm
 * backend counts references per buffer (its own `Reshape` shares the input buffer the same way), so both
 * kernels can return the input's buffer with one more reference, as tfjs's cpu backend does for `Identity`.
 * Casts between different dtypes and string tensors keep the original kernels.
 */
import * as tf from '@tensorflow/tfjs-core';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

let originals: { identity: tf.KernelConfig; cast: tf.KernelConfig } | null = null;
let installed = false;

/** Replaces the wasm backend's copying Identity / same-dtype Cast kernels (idempotent). */
export function installZeroCopyKernels(): void {
  if (installed) return;
  const identity = tf.getKernel('Identity', 'wasm');
  const cast = tf.getKernel('Cast', 'wasm');
  if (!identity || !cast) return; // tfjs-backend-wasm not registered: nothing to replace
  installed = true;
  originals = { identity, cast };
  const alias = (x: tf.TensorInfo, backend: unknown): tf.TensorInfo => {
    (backend as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    ...identity,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      return x.dtype === 'string' ? identity.kernelFunc(args) : alias(x, args.backend);
    },
  });
  tf.unregisterKernel('Cast', 'wasm');
  tf.registerKernel({
    ...cast,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      return x.dtype !== 'string' && (args.attrs as { dtype?: string }).dtype === x.dtype ? alias(x, args.backend) : cast.kernelFunc(args);
    },
  });
}

/** Puts tfjs-backend-wasm's own (copying) kernels back, e.g. to measure the difference (`trm bench --copying-kernels`). */
export function restoreCopyingKernels(): void {
  if (!installed || !originals) return;
  for (const k of [originals.identity, originals.cast]) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  installed = false;
}
