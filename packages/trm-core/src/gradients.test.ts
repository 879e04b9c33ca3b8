import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import './gradients.js';

describe('gradient registration', () => {
  it('computes d/dA sum(sigmoid(A·A)) with the cpu backend and leaks nothing', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const init = tf.tensor2d([[0.1, 0.2], [0.3, 0.4]]);
    const a = tf.variable(init);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.sigmoid(tf.matMul(a, a))));
    const g = await grads[a.name]!.data();
    // Independent check by central finite differences in float64 JS.
    const A = [0.1, 0.2, 0.3, 0.4];
    const f = (m: number[]) => {
      const [p, q, r, s] = m as [number, number, number, number];
      const prod = [p * p + q * r, p * q + q * s, r * p + s * r, r * q + s * s];
      return prod.reduce((acc, v) => acc + 1 / (1 + Math.exp(-v)), 0);
    };
    for (let i = 0; i < 4; i++) {
      const hi = [...A]; hi[i]! += 1e-6;
      const lo = [...A]; lo[i]! -= 1e-6;
      expect(g[i]!).toBeCloseTo((f(hi) - f(lo)) / 2e-6, 5);
    }
    tf.dispose([init, value, a, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
