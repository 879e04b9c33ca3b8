/**
 * Every expected value is computed here by a second method (closed forms, brute-force enumeration, bisection on
 * directly summed binomial tails, Simpson integration of densities) or is a counted probability; where SciPy
 * 1.17.1 was also consulted its value is quoted. The functions under test create no tensors.
 */
import { ConfigError, ShapeError } from '@trm-ts/core';
import { DataError } from '@trm-ts/data';
import { describe, expect, it } from 'vitest';
import { bootstrapCI, clusterBootstrapCI, formatInterval, formatP, mannWhitney, meanCI, pairedBinary, pairedDiff, pearson, predictionDiversity, proportionCI, spearman } from './stats.js';

const Z975 = 1.959963984540054; // Φ⁻¹(0.975)

/** P(X ≤ k), X ~ Binomial(n, p), summed term by term in log space. */
function binomCdf(k: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return k >= n ? 1 : 0;
  let logC = 0;
  let s = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    s += Math.exp(logC + i * Math.log(p) + (n - i) * Math.log1p(-p));
  }
  return s;
}

/** Root of a monotone f on [lo, hi] by bisection. */
function bisect(f: (x: number) => number, lo: number, hi: number): number {
  const flo = f(lo);
  for (let it = 0; it < 200; it++) {
    const mid = (lo + hi) / 2;
    if (Math.sign(f(mid)) === Math.sign(flo)) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Simpson's rule on [a, b] with m (even) panels. */
function simpson(f: (x: number) => number, a: number, b: number, m = 4000): number {
  const h = (b - a) / m;
  let s = f(a) + f(b);
  for (let i = 1; i < m; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

/** Γ(x) for x a positive multiple of ½, by Γ(x + 1) = x Γ(x) from Γ(½) = √π and Γ(1) = 1. */
function gammaHalf(x: number): number {
  let g = Number.isInteger(x) ? 1 : Math.sqrt(Math.PI);
  for (let v = Number.isInteger(x) ? 1 : 0.5; v < x - 1e-9; v++) g *= v;
  return g;
}

/** Two-sided Student-t p of |t| with integer ν, integrating the density. */
function tTwoSided(t: number, nu: number): number {
  const c = gammaHalf((nu + 1) / 2) / (Math.sqrt(nu * Math.PI) * gammaHalf(nu / 2));
  return 1 - 2 * simpson((x) => c * (1 + (x * x) / nu) ** (-(nu + 1) / 2), 0, Math.abs(t));
}

/** Two-sided standard-normal p of |z|, integrating the density. */
function normalTwoSided(z: number): number {
  return 1 - 2 * simpson((x) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI), 0, Math.abs(z));
}

describe('proportionCI (Clopper–Pearson)', () => {
  it('matches bisection on the binomial tails: P(X ≥ k; lo) = P(X ≤ k; hi) = α/2', () => {
    for (const [k, n, level] of [[7, 20, 0.95], [41, 100, 0.95], [1, 10, 0.9], [299, 300, 0.99]] as const) {
      const a = (1 - level) / 2;
      const lo = bisect((p) => 1 - binomCdf(k - 1, n, p) - a, 0, 1);
      const hi = bisect((p) => binomCdf(k, n, p) - a, 0, 1);
      const ci = proportionCI(k, n, level);
      expect(ci.estimate).toBe(k / n);
      expect(ci.level).toBe(level);
      expect(ci.lo).toBeCloseTo(lo, 9);
      expect(ci.hi).toBeCloseTo(hi, 9);
    }
    // SciPy 1.17.1 binomtest(7, 20).proportion_ci(method='exact'): [0.1539092047845412, 0.5921885345328283].
    expect(proportionCI(7, 20).lo).toBeCloseTo(0.1539092047845412, 10);
    expect(proportionCI(7, 20).hi).toBeCloseTo(0.5921885345328283, 10);
  });
  it('has the closed forms at k = 0 and k = n: (1 − p)^n = α/2', () => {
    const n = 30;
    expect(proportionCI(0, n)).toMatchObject({ estimate: 0, lo: 0 });
    expect(proportionCI(0, n).hi).toBeCloseTo(1 - 0.025 ** (1 / n), 12);
    expect(proportionCI(n, n)).toMatchObject({ estimate: 1, hi: 1 });
    expect(proportionCI(n, n).lo).toBeCloseTo(0.025 ** (1 / n), 12);
  });
  it('rejects impossible counts and levels', () => {
    expect(() => proportionCI(3, 2)).toThrow(DataError);
    expect(() => proportionCI(1.5, 4)).toThrow(DataError);
    expect(() => proportionCI(0, 0)).toThrow(DataError);
    expect(() => proportionCI(1, 4, 95)).toThrow(ConfigError);
  });
});

describe('meanCI (Student t)', () => {
  it('is mean ± t · sd/√n with the tabulated t quantile, which integrates to 0.975', () => {
    // t_{0.975, 4} = 2.7764451051977934 (SciPy 1.17.1 t.ppf; printed tables: 2.776); check it by integration.
    const t4 = 2.7764451051977934;
    expect(tTwoSided(t4, 4)).toBeCloseTo(0.05, 9);
    const ci = meanCI([1, 2, 3, 4, 5]);
    const sd = Math.sqrt(2.5); // Σ(x − 3)² / 4 = 10 / 4
    expect(ci).toMatchObject({ n: 5, level: 0.95 });
    expect(ci.estimate).toBe(3);
    expect(ci.sd).toBeCloseTo(sd, 14);
    expect(ci.lo).toBeCloseTo(3 - (t4 * sd) / Math.sqrt(5), 10);
    expect(ci.hi).toBeCloseTo(3 + (t4 * sd) / Math.sqrt(5), 10);
  });
  it('gives the closed form at n = 2 (t_1 quantile = tan(π(q − ½)))', () => {
    const ci = meanCI([0, 2], 0.9);
    const t1 = Math.tan(Math.PI * 0.45); // Cauchy quantile at 0.95
    expect(ci.hi - ci.estimate).toBeCloseTo((t1 * Math.SQRT2) / Math.SQRT2, 9);
  });
  it('collapses to the mean for a constant sample', () => {
    expect(meanCI([0.5, 0.5, 0.5])).toMatchObject({ estimate: 0.5, lo: 0.5, hi: 0.5, sd: 0 });
  });
  it('rejects short samples and non-finite values', () => {
    expect(() => meanCI([1])).toThrow(ShapeError);
    expect(() => meanCI([1, Number.NaN])).toThrow(DataError);
    expect(() => meanCI([1, Infinity])).toThrow(/values\[1\]: expected a finite number/);
  });
});

describe('clusterBootstrapCI', () => {
  const meanOf = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  it('with one item per cluster draws exactly as bootstrapCI', () => {
    const xs = Array.from({ length: 30 }, (_, i) => Math.cos(i) * 3 + i / 7);
    const c = clusterBootstrapCI(xs.map((x) => [x]), meanOf, { seed: 5, resamples: 3000 });
    const b = bootstrapCI(xs, { seed: 5, resamples: 3000 });
    expect([c.estimate, c.lo, c.hi]).toEqual([b.estimate, b.lo, b.hi]);
    expect(c).toMatchObject({ skipped: 0, clusters: 30 });
  });
  it('resamples whole clusters: two clusters give the pooled mean of A, of B, or of both, with probabilities ¼, ¼, ½', () => {
    // Cluster A = [0, 0, 0] (mean 0), B = [1] (mean 1): resamples AA → 0, BB → 1, AB → 1/4 (pooled 4 items).
    // 2.5% / 97.5% quantiles of {0: ¼, ¼: ½, 1: ¼} are 0 and 1; a 40% interval lies in the middle atom (¼).
    const clusters = [[0, 0, 0], [1]];
    expect(clusterBootstrapCI(clusters, meanOf)).toMatchObject({ estimate: 0.25, lo: 0, hi: 1 });
    expect(clusterBootstrapCI(clusters, meanOf, { level: 0.4 })).toMatchObject({ lo: 0.25, hi: 0.25 });
  });
  it('leaves out and counts resamples whose statistic is not finite, and throws on bad input', () => {
    // The statistic is NaN when a resample holds only cluster A's items (probability ¼ with two clusters).
    const r = clusterBootstrapCI([[0], [1]], (xs) => (xs.every((x) => x === 0) ? NaN : meanOf(xs)), { resamples: 4000, seed: 2 });
    expect(r.skipped / 4000).toBeGreaterThan(0.2);
    expect(r.skipped / 4000).toBeLessThan(0.3);
    expect(() => clusterBootstrapCI([], meanOf)).toThrow(DataError);
    expect(() => clusterBootstrapCI([[1], []], meanOf)).toThrow(DataError);
    expect(() => clusterBootstrapCI([[1]], () => NaN)).toThrow(/not finite on any resample/);
    expect(() => clusterBootstrapCI([[1]], meanOf, { resamples: 1 })).toThrow(ConfigError);
  });
});

describe('bootstrapCI', () => {
  it('is deterministic in the seed and differs across seeds', () => {
    const xs = Array.from({ length: 40 }, (_, i) => Math.sin(i) + i / 10);
    expect(bootstrapCI(xs, { seed: 3, resamples: 2000 })).toEqual(bootstrapCI(xs, { seed: 3, resamples: 2000 }));
    expect(bootstrapCI(xs, { seed: 3, resamples: 2000 }).lo).not.toBe(bootstrapCI(xs, { seed: 4, resamples: 2000 }).lo);
  });
  it('covers the full range of a two-point sample: the resampled mean is 0, ½, 1 with probabilities ¼, ½, ¼', () => {
    // 2.5% and 97.5% quantiles of that distribution are 0 and 1.
    expect(bootstrapCI([0, 1])).toMatchObject({ estimate: 0.5, lo: 0, hi: 1 });
    // An 40% interval lies inside the middle atom: both ends are ½.
    expect(bootstrapCI([0, 1], { level: 0.4 })).toMatchObject({ lo: 0.5, hi: 0.5 });
  });
  it('agrees with the normal-theory interval of a large sample (within 10% of its half-width)', () => {
    const xs = Array.from({ length: 400 }, (_, i) => (i * 37) % 101);
    const boot = bootstrapCI(xs, { seed: 1 });
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length);
    const half = (Z975 * sd) / Math.sqrt(xs.length);
    expect(boot.estimate).toBeCloseTo(m, 12);
    expect(Math.abs(boot.lo - (m - half))).toBeLessThan(0.1 * half);
    expect(Math.abs(boot.hi - (m + half))).toBeLessThan(0.1 * half);
  });
  it('takes another statistic', () => {
    const median = (v: readonly number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    const ci = bootstrapCI([5, 1, 9, 3, 7], { statistic: median, resamples: 500 });
    expect(ci.estimate).toBe(5);
    expect(ci.lo).toBeGreaterThanOrEqual(1);
    expect(ci.hi).toBeLessThanOrEqual(9);
  });
  it('rejects empty input and bad options', () => {
    expect(() => bootstrapCI([])).toThrow(ShapeError);
    expect(() => bootstrapCI([1, 2], { resamples: 1 })).toThrow(ConfigError);
    expect(() => bootstrapCI([1, 2], { level: 1 })).toThrow(ConfigError);
  });
});

/** Wilson bounds as the roots of (p̂ − p)² = z² p(1 − p)/n (the score test inverted), by bisection. */
function wilsonByBisection(k: number, n: number): [number, number] {
  const ph = k / n;
  const g = (p: number) => (ph - p) ** 2 - (Z975 * Z975 * p * (1 - p)) / n;
  return [k === 0 ? 0 : bisect(g, 0, ph), k === n ? 1 : bisect(g, Math.max(ph, 1e-12), 1)]; // g(0) = 0 when k = 0
}

describe('pairedBinary', () => {
  const pairs = (both: number, aOnly: number, bOnly: number, neither: number) => {
    const a: boolean[] = [];
    const b: boolean[] = [];
    const push = (x: boolean, y: boolean, k: number) => {
      for (let i = 0; i < k; i++) a.push(x), b.push(y);
    };
    push(true, true, both);
    push(true, false, aOnly);
    push(false, true, bOnly);
    push(false, false, neither);
    return { a, b };
  };
  it('gives the exact McNemar p: 2 · P(Bin(8, ½) ≤ 1) = 18/256', () => {
    const { a, b } = pairs(20, 1, 7, 12);
    const r = pairedBinary(a, b);
    expect(r).toMatchObject({ aOnly: 1, bOnly: 7, n: 40 });
    expect(r.p).toBeCloseTo(18 / 256, 14); // SciPy 1.17.1 binomtest(1, 8).pvalue = 0.0703125
    expect(r.estimate).toBeCloseTo(6 / 40, 14);
  });
  it("has Newcombe's method-10 interval, rebuilt from bisected Wilson bounds", () => {
    for (const [both, aOnly, bOnly, neither] of [[20, 1, 7, 12], [5, 9, 2, 30], [0, 3, 0, 4], [10, 0, 0, 0]] as const) {
      const { a, b } = pairs(both, aOnly, bOnly, neither);
      const n = a.length;
      const k1 = both + bOnly; // b's successes
      const k2 = both + aOnly;
      const [p1, p2] = [k1 / n, k2 / n];
      const [l1, u1] = wilsonByBisection(k1, n);
      const [l2, u2] = wilsonByBisection(k2, n);
      const den = (both + bOnly) * (neither + aOnly) * (both + aOnly) * (neither + bOnly);
      const phi = den === 0 ? 0 : (both * neither - aOnly * bOnly) / Math.sqrt(den);
      const lo = p1 - p2 - Math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2);
      const hi = p1 - p2 + Math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2);
      const r = pairedBinary(a, b);
      expect(r.lo).toBeCloseTo(lo, 9);
      expect(r.hi).toBeCloseTo(hi, 9);
    }
  });
  it('says "no difference" when the outcomes agree everywhere', () => {
    const { a, b } = pairs(10, 0, 0, 5);
    const r = pairedBinary(a, b);
    expect(r).toMatchObject({ estimate: 0, p: 1, aOnly: 0, bOnly: 0 });
    expect(r.lo).toBeLessThan(0);
    expect(r.hi).toBeGreaterThan(0);
  });
  it('rejects unpaired input', () => {
    expect(() => pairedBinary([true], [true, false])).toThrow(ShapeError);
    expect(() => pairedBinary([], [])).toThrow(ShapeError);
  });
});

/** Two-sided sign-flip p by plain enumeration of all 2^n sign patterns. */
function signFlipBrute(d: readonly number[]): number {
  const obs = Math.abs(d.reduce((s, x) => s + x, 0));
  let hits = 0;
  for (let mask = 0; mask < 2 ** d.length; mask++) {
    let s = 0;
    for (let i = 0; i < d.length; i++) s += mask & (1 << i) ? -d[i]! : d[i]!;
    if (Math.abs(s) >= obs - 1e-9) hits++;
  }
  return hits / 2 ** d.length;
}

describe('pairedDiff', () => {
  it('matches brute-force enumeration of the sign flips, and its CI is meanCI of b − a', () => {
    const a = [0.61, 0.55, 0.7, 0.42, 0.58, 0.66, 0.5, 0.47];
    const b = [0.63, 0.6, 0.69, 0.47, 0.62, 0.65, 0.56, 0.49];
    const d = b.map((x, i) => x - a[i]!);
    const r = pairedDiff(a, b);
    expect(r.p).toBe(signFlipBrute(d));
    const ci = meanCI(d);
    expect(r).toMatchObject({ n: 8, estimate: ci.estimate, lo: ci.lo, hi: ci.hi, sd: ci.sd });
  });
  it('its t-test p is the two-sided Student-t tail of mean / (sd / √n), and below 0.05 exactly when the 95% CI excludes 0', () => {
    const a = [0.61, 0.55, 0.7, 0.42, 0.58];
    const b = [0.64, 0.6, 0.71, 0.47, 0.6]; // all positive: the sign-flip p is at its floor 2/32, the t-test p far below
    const d = b.map((x, i) => x - a[i]!);
    const m = d.reduce((s, x) => s + x, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / (d.length - 1));
    const r = pairedDiff(a, b);
    expect(r.tP).toBeCloseTo(tTwoSided(m / (sd / Math.sqrt(d.length)), d.length - 1), 6);
    expect(r.p).toBe(2 / 32);
    expect(r.tP).toBeLessThan(0.05);
    expect(r.lo).toBeGreaterThan(0);
    const mixed = pairedDiff([0.5, 0.5, 0.5, 0.5], [0.52, 0.47, 0.55, 0.49]);
    expect(mixed.tP).toBeGreaterThan(0.05);
    expect(mixed.lo).toBeLessThan(0);
    expect(pairedDiff([1, 2, 3], [2, 3, 4]).tP).toBe(0); // constant non-zero difference
    expect(pairedDiff([1, 2, 3], [1, 2, 3]).tP).toBeNaN(); // no difference at all
  });
  it('gives 2/2^n when every difference has the same sign and size', () => {
    expect(pairedDiff([0, 0, 0, 0, 0], [1, 1, 1, 1, 1]).p).toBe(2 / 32);
  });
  it('estimates p by seeded Monte Carlo above n = 20, within 4 standard errors of the exact value', () => {
    const a = Array.from({ length: 21 }, () => 0);
    const b = Array.from({ length: 21 }, (_, i) => Math.cos(i * 1.3) + 0.25);
    const exact = signFlipBrute(b);
    const r = pairedDiff(a, b);
    expect(Math.abs(r.p - exact)).toBeLessThan(4 * Math.sqrt((exact * (1 - exact)) / 100_000));
    expect(pairedDiff(a, b).p).toBe(r.p);
  });
  it('rejects mismatched lengths and a single pair', () => {
    expect(() => pairedDiff([1, 2], [1])).toThrow(ShapeError);
    expect(() => pairedDiff([1], [2])).toThrow(ShapeError);
    expect(() => pairedDiff([1, 2], [1, Number.NaN])).toThrow(DataError);
  });
});

describe('pearson', () => {
  it('gives r = 0.8 and p = 0.2 on a 4-point example (closed-form t CDF with 2 df)', () => {
    // dx = (−1.5, −.5, .5, 1.5), dy = (−1.5, .5, −.5, 1.5): Σdxdy = 4, Σdx² = Σdy² = 5, r = 0.8.
    // t = 0.8 √(2 / 0.36) and for 2 df P(|T| > t) = 1 − t / √(2 + t²) = 1 − 0.8 = 0.2.
    const r = pearson([1, 2, 3, 4], [1, 3, 2, 4]);
    expect(r.estimate).toBeCloseTo(0.8, 14);
    expect(r.p).toBeCloseTo(0.2, 10);
    expect(r.lo).toBeCloseTo(Math.tanh(Math.atanh(0.8) - Z975), 10);
    expect(r.hi).toBeCloseTo(Math.tanh(Math.atanh(0.8) + Z975), 10);
  });
  it('has the p of an integrated t density and the Fisher-z CI at n = 15 (the issue: r = −0.32, [−0.72, 0.23], p ≈ 0.24)', () => {
    const x = Array.from({ length: 15 }, (_, i) => i);
    const y = x.map((v) => Math.sin(v * 2.1) * 4 - 0.3 * v);
    const r = pearson(x, y);
    const t = r.estimate * Math.sqrt(13 / (1 - r.estimate ** 2));
    expect(r.p).toBeCloseTo(tTwoSided(t, 13), 8);
    expect(r.lo).toBeCloseTo(Math.tanh(Math.atanh(r.estimate) - Z975 / Math.sqrt(12)), 10);
    // The numbers, from r alone: tanh(atanh(−0.32) ± 1.96/√12) and the t test with 13 df.
    const z = Math.atanh(-0.32);
    expect(Math.tanh(z - Z975 / Math.sqrt(12))).toBeCloseTo(-0.715, 3);
    expect(Math.tanh(z + Z975 / Math.sqrt(12))).toBeCloseTo(0.23, 3);
    expect(tTwoSided(-0.32 * Math.sqrt(13 / (1 - 0.1024)), 13)).toBeCloseTo(0.245, 3);
  });
  it('handles a perfect correlation and rejects constants and short input', () => {
    expect(pearson([1, 2, 3, 4], [2, 4, 6, 8])).toMatchObject({ estimate: 1, p: 0, lo: 1, hi: 1 });
    expect(() => pearson([1, 1, 1, 1], [1, 2, 3, 4])).toThrow(/constant x/);
    expect(() => pearson([1, 2, 3], [1, 2, 3])).toThrow(ShapeError);
  });
});

describe('spearman', () => {
  it('gives the exact permutation p by counting: n = 5, rho = 0.9 → 2 · 5 / 120', () => {
    // rho = 1 − 6Σd²/(n(n² − 1)) = 0.9 ⇔ Σd² = 2. Permutations with Σd² ≤ 2: the identity and the 4 adjacent
    // swaps, so P(rho ≥ 0.9) = 5/120; by symmetry the two-sided p is 10/120.
    const r = spearman([1, 2, 3, 4, 5], [10, 30, 20, 40, 50]);
    expect(r.rho).toBeCloseTo(0.9, 14);
    expect(r.p).toBeCloseTo(10 / 120, 14);
    expect(spearman([4, 3, 2, 1], [1, 2, 3, 4])).toMatchObject({ rho: -1, p: 2 / 24 });
  });
  it('averages tied ranks', () => {
    // x ranks (1, 2.5, 2.5, 4), y ranks (1, 2, 3, 4): Σ dx dy = 2.25 + 0 + 0 + 2.25 = 4.5, Σdx² = 4.5, Σdy² = 5.
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4]).rho).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 14);
  });
  it('uses the t approximation above n = 9 (checked against the integrated t density)', () => {
    const y = [0, 2, 1, 3, 5, 4, 6, 8, 7, 11, 9, 10];
    const r = spearman(y.map((_, i) => i), y);
    // d = y − x = (0, 1, −1, 0, 1, −1, 0, 1, −1, 2, −1, −1), Σd² = 12: rho = 1 − 6·12/(12·143).
    expect(r.rho).toBeCloseTo(1 - 72 / 1716, 14); // SciPy 1.17.1 spearmanr: 0.9580419580419581, p 9.5436e-07
    expect(r.p).toBeCloseTo(tTwoSided(r.rho * Math.sqrt(10 / (1 - r.rho ** 2)), 10), 9);
    expect(r.p).toBeCloseTo(9.543581826838402e-7, 10);
  });
});

describe('mannWhitney', () => {
  it('is exact without ties: 9 below 3 → U = 0, p = 2 / C(12, 3) = 2/220', () => {
    const low = [0.1, 0.12, 0.15, 0.2, 0.22, 0.25, 0.3, 0.31, 0.33];
    const high = [0.4, 0.45, 0.5];
    expect(mannWhitney(low, high)).toEqual({ u: 0, p: 2 / 220, exact: true });
    expect(mannWhitney(high, low)).toEqual({ u: 27, p: 2 / 220, exact: true });
  });
  it('counts the U distribution: n1 = n2 = 2, U = 1 → P(U ≤ 1) = 2/6, two-sided 4/6', () => {
    // Arrangements of xxyy by U: 0 (xxyy), 1 (xyxy), 2 (xyyx, yxxy), 3 (yxyx), 4 (yyxx).
    expect(mannWhitney([1, 3], [2, 4])).toEqual({ u: 1, p: 4 / 6, exact: true });
    expect(mannWhitney([1, 4], [2, 3]).p).toBe(1);
  });
  it('uses the tie-corrected normal approximation with continuity correction when there are ties', () => {
    const x = [1, 2, 2, 3, 5];
    const y = [2, 3, 4, 4, 6, 7];
    // Pairs x > y: 1 (3 > 2) + 2 (5 > 2, 3, 4, 4 → 4)… counted directly below; ties count ½.
    let u = 0;
    for (const a of x) for (const b of y) u += a > b ? 1 : a === b ? 0.5 : 0;
    // Tie groups in the pooled sample: 2 ×3, 3 ×2, 4 ×2.
    const N = 11;
    const ties = 3 ** 3 - 3 + (2 ** 3 - 2) * 2;
    const sigma = Math.sqrt(((5 * 6) / 12) * (N + 1 - ties / (N * (N - 1))));
    const p = normalTwoSided((Math.abs(u - 15) - 0.5) / sigma);
    const r = mannWhitney(x, y);
    expect(r.exact).toBe(false);
    expect(r.u).toBe(u);
    expect(r.u).toBe(6.5);
    expect(r.p).toBeCloseTo(p, 9);
    expect(r.p).toBeCloseTo(0.13862587987892763, 9); // SciPy 1.17.1 mannwhitneyu(method='asymptotic')
  });
  it('rejects empty samples', () => {
    expect(() => mannWhitney([], [1])).toThrow(ShapeError);
  });
});

describe('predictionDiversity', () => {
  it('averages distinct fractions and pairwise disagreements over hand-made candidate sets', () => {
    const item1 = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]; // all agree: 1/3 distinct, 0 disagreement
    const item2 = [[1, 2, 3, 4], [1, 2, 3, 5], [4, 3, 2, 1]]; // 3 distinct; pairs differ in 1, 4, 4 of 4 cells
    const r = predictionDiversity([item1, item2]);
    expect(r.items).toBe(2);
    expect(r.distinctFraction).toBeCloseTo((1 / 3 + 1) / 2, 14);
    expect(r.pairwiseDisagreement).toBeCloseTo((0 + (1 / 4 + 1 + 1) / 3) / 2, 14);
  });
  it('takes typed arrays and k = 1', () => {
    const r = predictionDiversity([[Uint8Array.of(1, 2)], [Int32Array.of(3, 4), Int32Array.of(3, 5)]]);
    expect(r.distinctFraction).toBeCloseTo((1 + 1) / 2, 14);
    expect(r.pairwiseDisagreement).toBeCloseTo((0 + 0.5) / 2, 14);
  });
  it('rejects empty input and ragged candidates', () => {
    expect(() => predictionDiversity([])).toThrow(ShapeError);
    expect(() => predictionDiversity([[]])).toThrow(ShapeError);
    expect(() => predictionDiversity([[[1, 2], [1]]])).toThrow(/prediction 1: expected 2 cells/);
  });
});

describe('formatP / formatInterval', () => {
  it('formats p-values', () => {
    expect(formatP(0.0001)).toBe('p < 0.001');
    expect(formatP(0.013)).toBe('p = 0.013');
    expect(formatP(0.00909)).toBe('p = 0.0091');
    expect(formatP(0.245)).toBe('p = 0.24'); // 0.245 is stored just below 0.245
    expect(formatP(1)).toBe('p = 1.00');
    expect(() => formatP(1.5)).toThrow(DataError);
  });
  it('formats intervals as percentages or plain numbers', () => {
    expect(formatInterval({ estimate: 0.412, lo: 0.381, hi: 0.443, level: 0.95 }, { percent: true })).toBe('41.2% [38.1, 44.3]');
    expect(formatInterval({ estimate: -0.32, lo: -0.715, hi: 0.23, level: 0.95 })).toBe('-0.32 [-0.71, 0.23]');
    expect(formatInterval({ estimate: 0.5, lo: 0.25, hi: 0.75, level: 0.95 }, { digits: 0, percent: true })).toBe('50% [25, 75]');
    expect(() => formatInterval({ estimate: 0, lo: 0, hi: 0, level: 0.95 }, { digits: -1 })).toThrow(ConfigError);
  });
});
