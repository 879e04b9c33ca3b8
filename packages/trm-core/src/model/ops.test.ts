import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLeaksEachTest } from '@trm-ts/testing';
import '../gradients.js';
import { addRmsNorm, gatedSilu, mm, rmsNorm } from './ops.js';
import { Rng } from '../random.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
checkLeaksEachTest();

const EPS = 1e-5;
const randn = (n: number, seed: number, scale = 1) => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
};

/** Central finite differences of f at x in float64, one coordinate at a time. */
function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xp = Float64Array.from(x);
    const xm = Float64Array.from(x);
    xp[i]! += h;
    xm[i]! -= h;
    g[i] = (f(xp) - f(xm)) / (2 * h);
  }
  return g;
}

/** Σ w ⊙ rmsNorm(x + r) over rows of width D, in float64. */
function addRmsNormLoss64(x: Float64Array, r: Float64Array, w: Float32Array, D: number): number {
  let loss = 0;
  for (let row = 0; row < x.length / D; row++) {
    let ms = 0;
    for (let j = 0; j < D; j++) ms += (x[row * D + j]! + r[row * D + j]!) ** 2;
    const s = 1 / Math.sqrt(ms / D + EPS);
    for (let j = 0; j < D; j++) loss += w[row * D + j]! * (x[row * D + j]! + r[row * D + j]!) * s;
  }
  return loss;
}

function siluGateLoss64(g: Float64Array, u: Float64Array, w: Float32Array): number {
  let loss = 0;
  for (let i = 0; i < g.length; i++) loss += (w[i]! * g[i]! * u[i]!) / (1 + Math.exp(-g[i]!));
  return loss;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('addRmsNorm: rmsNorm(x + r) with a hand-written gradient', () => {
  const shape = [3, 4, 6];
  const n = 3 * 4 * 6;
  const xs = randn(n, 1);
  const rs = randn(n, 2, 0.5);
  const ws = randn(n, 3);

  it('outside a tape equals rmsNorm(x + r) exactly', () => {
    const [fused, plain] = tf.tidy(() => {
      const x = tf.tensor(xs, shape);
      const r = tf.tensor(rs, shape);
      return [addRmsNorm(x, r, EPS).dataSync(), rmsNorm(tf.add(x, r), EPS).dataSync()];
    });
    expect(Array.from(fused!)).toEqual(Array.from(plain!));
  });

  it('value and gradients match float64 finite differences and tfjs autodiff of the unfused chain', () => {
    const x64 = Float64Array.from(xs);
    const r64 = Float64Array.from(rs);
    const wantDx = numericGrad((v) => addRmsNormLoss64(v, r64, ws, 6), x64);
    const wantDr = numericGrad((v) => addRmsNormLoss64(x64, v, ws, 6), r64);
    const { value, grads } = tf.tidy(() => {
      const w = tf.tensor(ws, shape);
      const f = (x: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(w, addRmsNorm(x, r, EPS)));
      const out = tf.valueAndGrads(f)([tf.tensor(xs, shape), tf.tensor(rs, shape)]);
      return { value: out.value.dataSync()[0]!, grads: out.grads.map((g) => g.dataSync()) };
    });
    const auto = tf.tidy(() => {
      const w = tf.tensor(ws, shape);
      const f = (x: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(w, rmsNorm(tf.add(x, r), EPS)));
      return tf.grads(f)([tf.tensor(xs, shape), tf.tensor(rs, shape)]).map((g) => g.dataSync());
    });
    expect(value).toBeCloseTo(addRmsNormLoss64(x64, r64, ws, 6), 4);
    expect(maxAbs(grads[0]!, wantDx)).toBeLessThan(2e-4);
    expect(maxAbs(grads[1]!, wantDr)).toBeLessThan(2e-4);
    expect(maxAbs(grads[0]!, auto[0]!)).toBeLessThan(1e-5);
    expect(maxAbs(grads[1]!, auto[1]!)).toBeLessThan(1e-5);
  });

  it('runs fewer kernels under a tape than the unfused chain', async () => {
    const kernels = async (fused: boolean) => {
      const info = await tf.profile(() => {
        const x = tf.tensor(xs, shape);
        const r = tf.tensor(rs, shape);
        const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(fused ? addRmsNorm(a, b, EPS) : rmsNorm(tf.add(a, b), EPS));
        const gs = tf.grads(f)([x, r]);
        tf.dispose([x, r, ...gs]);
      });
      return info.kernels.length;
    };
    expect(await kernels(true)).toBeLessThan((await kernels(false)) - 8);
  });
});

describe('gatedSilu: silu(gate) ⊙ up with a hand-written gradient', () => {
  const shape = [5, 7];
  const gs = randn(35, 4, 2);
  const us = randn(35, 5);
  const ws = randn(35, 6);

  it('outside a tape equals the plain composition exactly', () => {
    const [fused, plain] = tf.tidy(() => {
      const g = tf.tensor(gs, shape);
      const u = tf.tensor(us, shape);
      return [gatedSilu(g, u).dataSync(), tf.mul(tf.mul(g, tf.sigmoid(g)), u).dataSync()];
    });
    expect(Array.from(fused!)).toEqual(Array.from(plain!));
  });

  it('gradients match float64 finite differences and tfjs autodiff', () => {
    const g64 = Float64Array.from(gs);
    const u64 = Float64Array.from(us);
    const wantDg = numericGrad((v) => siluGateLoss64(v, u64, ws), g64);
    const wantDu = numericGrad((v) => siluGateLoss64(g64, v, ws), u64);
    const [fused, auto] = tf.tidy(() => {
      const w = tf.tensor(ws, shape);
      const inputs = () => [tf.tensor(gs, shape), tf.tensor(us, shape)];
      const a = tf.grads((g: tf.Tensor, u: tf.Tensor) => tf.sum(tf.mul(w, gatedSilu(g, u))))(inputs()).map((t) => t.dataSync());
      const b = tf.grads((g: tf.Tensor, u: tf.Tensor) => tf.sum(tf.mul(w, tf.mul(tf.mul(g, tf.sigmoid(g)), u))))(inputs()).map((t) => t.dataSync());
      return [a, b];
    });
    expect(maxAbs(fused[0]!, wantDg)).toBeLessThan(1e-4);
    expect(maxAbs(fused[1]!, wantDu)).toBeLessThan(1e-4);
    expect(maxAbs(fused[0]!, auto[0]!)).toBeLessThan(1e-5);
    expect(maxAbs(fused[1]!, auto[1]!)).toBeLessThan(1e-5);
  });
});

describe('mm: a·b with a transpose-first gradient', () => {
  /** For L = Σ w ⊙ (a·b) over a batch of [M, K]·[K, N]: dL/da = w·bᵀ, dL/db = aᵀ·w, in float64 by index sums. */
  function grads64(a: Float32Array, b: Float32Array, w: Float32Array, batch: number, M: number, K: number, N: number) {
    const da = new Float64Array(a.length);
    const db = new Float64Array(b.length);
    for (let t = 0; t < batch; t++) {
      for (let i = 0; i < M; i++) {
        for (let k = 0; k < K; k++) {
          for (let j = 0; j < N; j++) {
            const wv = w[t * M * N + i * N + j]!;
            da[t * M * K + i * K + k]! += wv * b[t * K * N + k * N + j]!;
            db[t * K * N + k * N + j]! += wv * a[t * M * K + i * K + k]!;
          }
        }
      }
    }
    return { da, db };
  }

  it('gradients match float64 sums whichever operand is narrower (both product orders), rank 2 and 3', () => {
    for (const [batch, M, K, N] of [[1, 7, 5, 3], [1, 6, 3, 9], [2, 4, 2, 6], [2, 5, 6, 2]] as const) {
      const a = randn(batch * M * K, 1 + M);
      const b = randn(batch * K * N, 2 + N);
      const w = randn(batch * M * N, 3 + K);
      const shape = (r: number, c: number) => (batch === 1 ? [r, c] : [batch, r, c]);
      const ta = tf.tensor(a, shape(M, K));
      const tb = tf.tensor(b, shape(K, N));
      const tw = tf.tensor(w, shape(M, N));
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(mm(x, y), tw)))([ta, tb]);
      const ref = grads64(a, b, w, batch, M, K, N);
      expect(g[0]!.shape).toEqual(ta.shape);
      expect(g[1]!.shape).toEqual(tb.shape);
      expect(maxAbs(g[0]!.dataSync(), ref.da), `da ${[batch, M, K, N]}`).toBeLessThan(1e-5);
      expect(maxAbs(g[1]!.dataSync(), ref.db), `db ${[batch, M, K, N]}`).toBeLessThan(1e-5);
      tf.dispose([ta, tb, tw, ...g]);
    }
  });
});
