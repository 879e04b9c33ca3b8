import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { checkLeaksEachTest } from '@trm-ts/testing';
import { useWasmBackend } from './index.js';
import { installFastTranspose, restoreOriginalTranspose, transposesInTwoPasses } from './fast-transpose.js';

/** out[b, j, i] = x[b, i, j], by index arithmetic (independent of both kernels). */
function referenceSwapLast(values: Float32Array | Int32Array, shape: number[]): number[] {
  const R = shape.at(-2)!;
  const C = shape.at(-1)!;
  const batch = values.length / (R * C);
  const out = new Array<number>(values.length);
  for (let b = 0; b < batch; b++) for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) out[b * R * C + j * R + i] = values[b * R * C + i * C + j]!;
  return out;
}

/** The wasm backend's live buffers (tensors and any scratch a kernel forgot to free). */
function dataIds(): number {
  return (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
}

describe('fast Transpose on wasm', () => {
  checkLeaksEachTest();
  beforeAll(async () => {
    await useWasmBackend();
  });

  it('swaps the last two axes exactly where the row count is a multiple of 128 (the two-pass case), float32 and int32, rank 2–4', () => {
    const shapes = [[512, 32], [1024, 37], [2, 512, 16], [2, 3, 1024, 4], [4096, 9], [640, 32], [384, 64]];
    for (const dtype of ['float32', 'int32'] as const) {
      for (const shape of shapes) {
        const n = shape.reduce((a, c) => a * c, 1);
        const x = tf.tensor(Array.from({ length: n }, (_, i) => (i * 7919) % 10007 - 5000), shape, dtype);
        const r = shape.length;
        const perm = [...Array(r).keys()];
        [perm[r - 2], perm[r - 1]] = [perm[r - 1]!, perm[r - 2]!];
        expect(transposesInTwoPasses(shape, perm), `${shape}`).toBe(true);
        const ids = dataIds();
        const spy = vi.spyOn(tf.backend(), 'disposeData');
        const fast = tf.transpose(x, perm);
        expect(spy, 'the two-pass path ran (it frees one scratch buffer)').toHaveBeenCalledTimes(1);
        spy.mockRestore();
        expect(dataIds(), 'scratch buffer freed').toBe(ids + 1);
        expect(fast.shape).toEqual(perm.map((p) => shape[p]));
        expect(fast.dtype).toBe(dtype);
        expect(Array.from(fast.dataSync())).toEqual(referenceSwapLast(x.dataSync() as Float32Array, shape));
        restoreOriginalTranspose();
        const slow = tf.transpose(x, perm);
        installFastTranspose();
        expect(Array.from(fast.dataSync())).toEqual(Array.from(slow.dataSync()));
        tf.dispose([x, fast, slow]);
      }
    }
  });

  it('leaves other permutations and shapes to the original kernel, with the same values', () => {
    const cases: [number[], number[]][] = [[[6, 5], [1, 0]], [[512, 8], [1, 0]], [[2368, 8], [1, 0]], [[2368, 256], [1, 0]], [[1184, 64], [1, 0]], [[512, 40, 3], [1, 0, 2]], [[3, 512, 40], [2, 1, 0]], [[2, 3, 4], [0, 2, 1]]];
    for (const [shape, perm] of cases) {
      const n = shape.reduce((a, c) => a * c, 1);
      const x = tf.tensor(Array.from({ length: n }, (_, i) => i - 3), shape);
      expect(transposesInTwoPasses(shape, perm), `${shape}`).toBe(false);
      const spy = vi.spyOn(tf.backend(), 'disposeData');
      const fast = tf.transpose(x, perm);
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
      restoreOriginalTranspose();
      const slow = tf.transpose(x, perm);
      installFastTranspose();
      expect(fast.shape).toEqual(slow.shape);
      expect(Array.from(fast.dataSync())).toEqual(Array.from(slow.dataSync()));
      tf.dispose([x, fast, slow]);
    }
  });

  it('gradients through a two-pass transpose are the transposed upstream gradient', () => {
    const x = tf.tensor(Array.from({ length: 512 * 32 }, (_, i) => i % 11), [512, 32]);
    const w = tf.tensor(Array.from({ length: 32 * 512 }, (_, i) => (i % 5) - 2), [32, 512]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.transpose(t), w)))(x);
    expect(Array.from(g.dataSync())).toEqual(referenceSwapLast(w.dataSync() as Float32Array, [32, 512]));
    tf.dispose([x, w, g]);
  });
});
