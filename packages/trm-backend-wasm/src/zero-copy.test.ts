import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { installZeroCopyKernels, restoreCopyingKernels, useWasmBackend } from './index.js';

describe('zero-copy Identity / Cast on wasm', () => {
  beforeAll(async () => {
    await useWasmBackend();
  });

  it('clone shares the buffer, and each reference keeps it alive', () => {
    const before = tf.memory();
    const x = tf.tensor([1.5, -2, 3]);
    const y = tf.clone(x);
    expect(tf.memory().numTensors).toBe(before.numTensors + 2);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 1); // one buffer, two tensors
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it('a same-dtype cast aliases; a dtype change still converts into a new buffer', () => {
    const before = tf.memory();
    const x = tf.tensor([1.7, -2.2, 3]);
    const same = tf.cast(x, 'float32');
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 1);
    const ints = tf.cast(x, 'int32');
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 2);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3]);
    const back = tf.cast(ints, 'float32');
    expect(Array.from(back.dataSync())).toEqual([1, -2, 3]);
    tf.dispose([x, same, ints, back]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });

  it('gradients that save and cast their inputs are unchanged, and nothing leaks', () => {
    const before = tf.memory().numTensors;
    const xs = [0.3, -1.2, 2.5, 0];
    const x = tf.tensor(xs);
    // f(x) = Σ x·sigmoid(x)·x  →  f'(x) = 2x·s + x²·s(1 − s), s = sigmoid(x)
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.mul(v, tf.sigmoid(v)), v)))(x);
    const got = Array.from(g.dataSync());
    xs.forEach((v, i) => {
      const s = 1 / (1 + Math.exp(-v));
      expect(got[i]).toBeCloseTo(2 * v * s + v * v * s * (1 - s), 5);
    });
    tf.dispose([x, g]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('restoreCopyingKernels puts the copying kernels back and installZeroCopyKernels re-installs', () => {
    const buffers = () => {
      const x = tf.tensor([1, 2]);
      const before = tf.memory().numDataBuffers;
      const y = tf.clone(x);
      const n = tf.memory().numDataBuffers - before;
      tf.dispose([x, y]);
      return n;
    };
    expect(buffers()).toBe(0);
    restoreCopyingKernels();
    expect(buffers()).toBe(1);
    installZeroCopyKernels();
    expect(buffers()).toBe(0);
  });
});
