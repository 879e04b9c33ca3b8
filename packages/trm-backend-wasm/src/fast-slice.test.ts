import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLeaksEachTest } from '@trm-ts/testing';
import { useWasmBackend } from './index.js';
import { installFastSlice, restoreOriginalSlice } from './fast-slice.js';

describe('fast Slice on wasm', () => {
  checkLeaksEachTest();
  beforeAll(async () => {
    await useWasmBackend();
  });

  it('equals tfjs-backend-wasm’s own Slice on contiguous and strided slices of rank 1–5, float32 and int32', () => {
    const cases: [number[], number[], number[]][] = [
      [[10], [3], [4]],
      [[6, 5], [2, 0], [3, 5]], // contiguous row block
      [[6, 5], [1, 2], [4, 2]],
      [[4, 3, 5], [1, 0, 1], [2, 3, 3]],
      [[3, 4, 2, 5], [0, 1, 0, 2], [3, 2, 2, 3]],
      [[2, 3, 2, 2, 4], [1, 0, 1, 0, 1], [1, 3, 1, 2, 2]],
      [[4, 3], [4, 0], [0, 3]], // empty
    ];
    for (const dtype of ['float32', 'int32'] as const) {
      for (const [shape, begin, size] of cases) {
        const n = shape.reduce((a, c) => a * c, 1);
        const x = tf.tensor(Array.from({ length: n }, (_, i) => i * 3 - 7), shape, dtype);
        const fast = tf.slice(x, begin, size);
        restoreOriginalSlice();
        const slow = tf.slice(x, begin, size);
        installFastSlice();
        expect(fast.shape).toEqual(slow.shape);
        expect(fast.dtype).toBe(slow.dtype);
        expect(Array.from(fast.dataSync())).toEqual(Array.from(slow.dataSync()));
        tf.dispose([x, fast, slow]);
      }
    }
  });

  it('SplitV equals the original on every part (axis 0 and 1, uneven sizes)', () => {
    const x = tf.tensor(Array.from({ length: 6 * 5 }, (_, i) => i - 4), [6, 5]);
    for (const [sizes, axis] of [[[2, 4], 0], [[1, 3, 1], 1], [3, 0]] as [number | number[], number][]) {
      const fast = tf.split(x, sizes, axis);
      restoreOriginalSlice();
      const slow = tf.split(x, sizes, axis);
      installFastSlice();
      expect(fast.map((t) => t.shape)).toEqual(slow.map((t) => t.shape));
      fast.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(slow[i]!.dataSync())));
      tf.dispose([...fast, ...slow]);
    }
    x.dispose();
  });

  it('gradients through slices are unchanged', () => {
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.slice(t, [1, 1], [2, 2]), tf.slice(t, [0, 0], [2, 2]))))(x);
    expect(Array.from(g.dataSync())).toEqual([5, 6, 0, 8, 10, 2, 0, 4, 5]);
    tf.dispose([x, g]);
  });
});
