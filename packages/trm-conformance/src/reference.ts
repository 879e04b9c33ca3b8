/**
 * Float64 references in plain JavaScript, written from the formulas (ALGORITHM §2.1, §4.6), independent of
 * TensorFlow.js: every backend is compared with these, never with another backend's output.
 */
import { Rng } from '@trm-ts/core';

/** Deterministic N(0, std²) data as float32 (what the backend receives) — the reference reads the same values. */
export function randn(n: number, seed: number, std = 1): Float32Array {
  return Float32Array.from(new Rng(seed).normalArray(n, std));
}

/** [m, k] · [k, n], row-major. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      for (let j = 0; j < n; j++) out[i * n + j]! += aip * b[p * n + j]!;
    }
  return out;
}

/** Transpose of a row-major [r, c] matrix. */
export function transpose2d(a: ArrayLike<number>, r: number, c: number): Float32Array {
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j]!;
  return out;
}

/** Applies `fn` to each row of length `n`. */
export function rows(x: ArrayLike<number>, n: number, fn: (row: number[]) => number[]): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / n; r++) out.set(fn(Array.from({ length: n }, (_, j) => x[r * n + j]!)), r * n);
  return out;
}

export const softmax = (v: number[]): number[] => {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** h / sqrt(mean(h²) + eps), no gain (ALGORITHM §2.1). */
export const rmsNorm = (eps: number) => (v: number[]): number[] => {
  const ms = v.reduce((a, x) => a + x * x, 0) / v.length;
  return v.map((x) => x / Math.sqrt(ms + eps));
};

/** Stablemax s(v) = v + 1 (v ≥ 0), 1/(1 − v) (v < 0), and its derivative (ALGORITHM §4.6). */
export const stablemaxS = (v: number): number => (v >= 0 ? v + 1 : 1 / (1 - v));
export const stablemaxDs = (v: number): number => (v >= 0 ? 1 : 1 / ((1 - v) * (1 - v)));

/** log p_c = log s(v_c) − log Σ_j s(v_j), for every c of one row. */
export const logStablemax = (v: number[]): number[] => {
  const total = v.reduce((a, x) => a + stablemaxS(x), 0);
  return v.map((x) => Math.log(stablemaxS(x)) - Math.log(total));
};

/** d(log p_label)/dv_j for one row: [j = label]·s'(v_label)/s(v_label) − s'(v_j)/Σ s. */
export const logStablemaxGrad = (v: number[], label: number): number[] => {
  const total = v.reduce((a, x) => a + stablemaxS(x), 0);
  return v.map((x, j) => (j === label ? stablemaxDs(x) / stablemaxS(x) : 0) - stablemaxDs(x) / total);
};

/** Central differences of a float64 function at `x`, one coordinate at a time. */
export function finiteDifferences(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-6): Float64Array {
  const p = Float64Array.from(x);
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const keep = p[i]!;
    p[i] = keep + h;
    const up = f(p);
    p[i] = keep - h;
    const down = f(p);
    p[i] = keep;
    out[i] = (up - down) / (2 * h);
  }
  return out;
}
