import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useWasmBackend } from './index.js';

describe('wasm backend adapter', () => {
  it('starts without configuration in Node, with SIMD, and computes', async () => {
    const info = await useWasmBackend();
    expect(info.backend).toBe('wasm');
    expect(info.details.simd).toBe(true);
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])));
    expect(Array.from(await y.data())).toEqual([11]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
