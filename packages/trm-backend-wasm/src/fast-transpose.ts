/**
 * A `Transpose` for the wasm backend that avoids the original kernel's aliasing case.
 *
 * tfjs-backend-wasm 4.22 transposes a matrix [R, C] writing with a stride of R elements. When R is a multiple of
 * 128 (a batch of 64 rows × D 64 = 4,096 rows: the token mixer's gradient operands) the writes of a row land in
 * few cache sets and the kernel slows down up to ~30× (14 ms for [4096, 256] against 1 ms for [2368, 256];
 * `node examples/bench/transpose.mjs`). The TRM's matrix-product gradients (`mm` in @trm-ts/core) transpose one
 * operand per product. For a permutation that swaps the last two axes (rank ≥ 2, leading axes kept) of such a
 * tensor this kernel runs the original kernel twice on views of the same buffer: blocks of 32 rows are
 * transposed first ([R/32, 32, C] → [R/32, C, 32]), then the blocks are put in place ([R/32, C, 32] →
 * [C, R/32, 32] = [C, R]). Neither pass aliases. Other shapes and permutations and string tensors run the
 * original kernel once. The values are the original kernel's exactly (a permutation of the same floats;
 * fast-transpose.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  disposeData(dataId: object): boolean;
}

/** Rows per block of the two-pass transpose (a divisor of 128). */
const BLOCK = 32;

let original: tf.KernelConfig | null = null;

/**
 * When the two-pass transpose wins (measured with examples/bench/transpose.mjs and a sweep of shapes): the original
 * kernel is fast unless the input's row count R has a large power-of-two factor (R a multiple of 128: its writes,
 * R·4 bytes apart, then fall into few cache sets) — e.g. [4096, 256] 14 → 2.5 ms, [256, 4096] 9.3 → 2.9 ms, [8192,
 * 37] 5.3 → 0.19 ms; for row counts such as 2,368 = 64 · 37 or 1,184 the original is as fast or faster.
 */
function aliases(R: number, n: number): boolean {
  return R % 128 === 0 && n >= 16384;
}

/** Whether the installed kernel takes the two-pass path for a float tensor of `shape` and permutation `perm`. */
export function transposesInTwoPasses(shape: readonly number[], perm: readonly number[]): boolean {
  return swapsLastTwo(perm) && aliases(shape[shape.length - 2]!, tf.util.sizeFromShape([...shape]));
}

/** Replaces the wasm backend's Transpose (idempotent; no-op without tfjs-backend-wasm). */
export function installFastTranspose(): void {
  if (original) return;
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!transpose) return;
  original = transpose;
  tf.unregisterKernel('Transpose', 'wasm');
  tf.registerKernel({ ...transpose, kernelFunc: (args) => fastTranspose(args as unknown as TransposeArgs, transpose) });
}

/** Puts tfjs-backend-wasm's own Transpose back (e.g. to measure the difference). */
export function restoreOriginalTranspose(): void {
  if (!original) return;
  tf.unregisterKernel('Transpose', 'wasm');
  tf.registerKernel(original);
  original = null;
}

type TransposeArgs = { inputs: { x: tf.TensorInfo }; attrs: { perm: number[] }; backend: WasmBackendLike };

/** Whether `perm` keeps every axis but the last two, which it swaps. */
function swapsLastTwo(perm: readonly number[]): boolean {
  const r = perm.length;
  if (r < 2 || perm[r - 2] !== r - 1 || perm[r - 1] !== r - 2) return false;
  for (let i = 0; i < r - 2; i++) if (perm[i] !== i) return false;
  return true;
}

function fastTranspose(args: TransposeArgs, fallback: tf.KernelConfig): tf.TensorInfo {
  const { inputs: { x }, attrs: { perm }, backend } = args;
  const run = (input: tf.TensorInfo, p: number[]): tf.TensorInfo => fallback.kernelFunc({ inputs: { x: input }, attrs: { perm: p }, backend } as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  if (x.dtype === 'string' || !transposesInTwoPasses(x.shape, perm)) return run(x, perm);
  const r = x.shape.length;
  const n = tf.util.sizeFromShape(x.shape);
  // batch × [R, C] → [batch·R1, R2, C] → (per block) [batch·R1, C, R2] → [batch, C, R1, R2] = batch × [C, R].
  const R = x.shape[r - 2]!;
  const C = x.shape[r - 1]!;
  const batch = n / (R * C);
  const R1 = R / BLOCK;
  const blocks = run({ ...x, shape: [batch * R1, BLOCK, C] }, [0, 2, 1]);
  try {
    const out = run({ ...blocks, shape: [batch, R1, C, BLOCK] }, [0, 2, 1, 3]);
    return { ...out, shape: perm.map((p) => x.shape[p]!) };
  } finally {
    backend.disposeData(blocks.dataId);
  }
}
