/**
 * A `Slice` for the wasm backend that reads its input in place.
 *
 * tfjs-backend-wasm 4.22's Slice first copies the whole input out of the wasm heap (`readSync`) and then
 * copies the slice out of that copy, so taking K row blocks of a tensor copies it K times. Stacked training
 * (@trm-ts/core StackedNetwork on wasm) slices each activation into its K models' row blocks; the single model
 * slices its weights and heads every step. This kernel copies only the slice: one block copy when the slice is
 * contiguous, else one copy per innermost row, from a view of the heap. String tensors keep the original kernel.
 * The values are the original kernel's exactly (a copy either way; zero-copy.test.ts / fast-slice.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let original: { slice: tf.KernelConfig; splitV: tf.KernelConfig } | null = null;

/**
 * Replaces the wasm backend's Slice and SplitV (the gradient of Concat; tfjs-backend-wasm's calls its copying
 * slice once per part) (idempotent; no-op without tfjs-backend-wasm).
 */
export function installFastSlice(): void {
  if (original) return;
  const slice = tf.getKernel('Slice', 'wasm');
  const splitV = tf.getKernel('SplitV', 'wasm');
  if (!slice || !splitV) return;
  original = { slice, splitV };
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ ...slice, kernelFunc: (args) => fastSlice(args as unknown as SliceArgs, slice) });
  tf.unregisterKernel('SplitV', 'wasm');
  tf.registerKernel({
    ...splitV,
    kernelFunc: (args) => {
      const { inputs: { x }, attrs: { numOrSizeSplits, axis }, backend } = args as unknown as { inputs: { x: tf.TensorInfo }; attrs: { numOrSizeSplits: number | number[]; axis: number }; backend: WasmBackendLike };
      if (x.dtype === 'string') return splitV.kernelFunc(args);
      const $axis = tf.util.parseAxisParam(axis, x.shape)[0]!;
      const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, $axis);
      const begin = new Array<number>(x.shape.length).fill(0);
      return sizes.map((s) => {
        const size = [...x.shape];
        size[$axis] = s;
        const part = fastSlice({ inputs: { x }, attrs: { begin: [...begin], size }, backend }, slice);
        begin[$axis]! += s;
        return part;
      });
    },
  });
}

/** Puts tfjs-backend-wasm's own Slice and SplitV back (e.g. to measure the difference). */
export function restoreOriginalSlice(): void {
  if (!original) return;
  for (const k of [original.slice, original.splitV]) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  original = null;
}

type SliceArgs = { inputs: { x: tf.TensorInfo }; attrs: { begin: number | number[]; size: number | number[] }; backend: WasmBackendLike };

function fastSlice(args: SliceArgs, fallback: tf.KernelConfig): tf.TensorInfo {
  const { inputs: { x }, attrs: { begin, size }, backend } = args;
  if (x.dtype === 'string') return fallback.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size) as [number[], number[]];
  const out = backend.makeOutput(s, x.dtype);
  const n = tf.util.sizeFromShape(s);
  if (n === 0) return out;
  // Views after makeOutput: a growing heap detaches earlier views.
  const xs = backend.typedArrayFromHeap(x);
  const os = backend.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape);
  const rank = x.shape.length;
  if (rank === 0) {
    os.set(xs.subarray(0, 1));
    return out;
  }
  if (tf.slice_util.isSliceContinous(x.shape, b, s)) {
    const flat = tf.slice_util.computeFlatOffset(b, strides);
    os.set(xs.subarray(flat, flat + n));
    return out;
  }
  // One copy per innermost row: an odometer over the outer axes.
  const row = s[rank - 1]!;
  const idx = new Array<number>(rank - 1).fill(0);
  for (let o = 0; o < n; o += row) {
    let off = b[rank - 1]!;
    for (let a = 0; a < rank - 1; a++) off += (b[a]! + idx[a]!) * strides[a]!;
    os.set(xs.subarray(off, off + row), o);
    for (let a = rank - 2; a >= 0; a--) {
      if (++idx[a]! < s[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
}
