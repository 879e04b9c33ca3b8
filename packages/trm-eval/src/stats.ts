/**
 * Small-sample statistics for the experiment reports (issue 14): exact and bootstrap confidence intervals,
 * paired tests for read-out comparisons on the same models and puzzles, correlations with CIs, rank tests, and
 * a diversity measure of k predictions. Every function is pure and deterministic (seeded where it draws).
 *
 * The distribution functions (Student t, beta, normal, binomial) come from stdlib's per-distribution packages
 * (`@stdlib/stats-base-dists-*`) rather than jStat or simple-statistics: they are maintained, ship their own types,
 * each is one function (six small packages, not a whole library), and they give the beta and t quantiles that
 * Clopper–Pearson and Student t need (simple-statistics has neither). The tests check them against independent
 * computations and SciPy to ≤ 1e-9.
 */
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { ConfigError, Rng, ShapeError } from '@trm-ts/core';
import { DataError } from '@trm-ts/data';

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
  /** Confidence level, e.g. 0.95. */
  level: number;
}

/** Exact (Clopper–Pearson) CI of a proportion k / n: the beta quantiles that invert the two binomial tails. */
export function proportionCI(k: number, n: number, level = 0.95): Interval {
  checkLevel('proportionCI', level);
  if (!(Number.isInteger(n) && n >= 1)) throw new DataError(`proportionCI: n: expected a positive integer, got ${n}.`);
  if (!(Number.isInteger(k) && k >= 0 && k <= n)) throw new DataError(`proportionCI: k: expected an integer in [0, ${n}], got ${k}.`);
  const a = (1 - level) / 2;
  return {
    estimate: k / n,
    lo: k === 0 ? 0 : betaQuantile(a, k, n - k + 1),
    hi: k === n ? 1 : betaQuantile(1 - a, k + 1, n - k),
    level,
  };
}

/** CI of the mean of a small sample (e.g. per-seed scores): mean ± t_{n−1} · sd / √n. n ≥ 2. */
export function meanCI(values: readonly number[], level = 0.95): Interval & { sd: number; n: number } {
  checkLevel('meanCI', level);
  checkSample('meanCI', 'values', values, 2);
  const n = values.length;
  const m = mean(values);
  const sd = stdDev(values, m);
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { estimate: m, lo: m - half, hi: m + half, level, sd, n };
}

export interface BootstrapOptions {
  /** Default the mean. It receives a reused buffer: read it, do not keep it. */
  statistic?: (xs: readonly number[]) => number;
  level?: number;
  /** Default 10,000. */
  resamples?: number;
  /** Default 0. */
  seed?: number;
}

/**
 * Percentile bootstrap CI of `statistic(values)`: resample with replacement, take the (1 − level)/2 and
 * (1 + level)/2 quantiles (linear interpolation between order statistics, R's type 7) of the resampled statistic.
 */
export function bootstrapCI(values: readonly number[], options: BootstrapOptions = {}): Interval {
  const { statistic = mean, level = 0.95, resamples = 10_000, seed = 0 } = options;
  checkLevel('bootstrapCI', level);
  checkSample('bootstrapCI', 'values', values, 1);
  if (!(Number.isInteger(resamples) && resamples >= 2)) throw new ConfigError(`bootstrapCI: resamples: expected an integer ≥ 2, got ${resamples}.`);
  const n = values.length;
  const rng = new Rng(seed);
  const buf = new Array<number>(n);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) buf[i] = values[rng.int(0, n - 1)]!;
    stats[b] = statistic(buf);
  }
  stats.sort();
  const a = (1 - level) / 2;
  return { estimate: statistic(values), lo: quantileSorted(stats, a), hi: quantileSorted(stats, 1 - a), level };
}

/**
 * Cluster (block) percentile bootstrap CI of `statistic` over items that come in dependent groups — e.g. the models
 * of one seed, which share initial weights and data order: resample whole clusters with replacement, pool their
 * items, take the percentile interval of the statistic. Resamples whose statistic is not finite (e.g. a correlation
 * of a resample without variation) are left out and counted in `skipped`; all of them non-finite throws. With one
 * item per cluster it draws exactly as `bootstrapCI` does. Few clusters give a coarse, usually too narrow interval.
 */
export function clusterBootstrapCI<T>(clusters: readonly (readonly T[])[], statistic: (items: readonly T[]) => number, options: Omit<BootstrapOptions, 'statistic'> = {}): Interval & { skipped: number; clusters: number } {
  const { level = 0.95, resamples = 10_000, seed = 0 } = options;
  checkLevel('clusterBootstrapCI', level);
  if (!Array.isArray(clusters) || clusters.length < 1 || clusters.some((c) => !Array.isArray(c) || c.length < 1)) throw new DataError('clusterBootstrapCI: clusters: expected at least one cluster, each with at least one item.');
  if (!(Number.isInteger(resamples) && resamples >= 2)) throw new ConfigError(`clusterBootstrapCI: resamples: expected an integer ≥ 2, got ${resamples}.`);
  const n = clusters.length;
  const rng = new Rng(seed);
  const stats: number[] = [];
  let skipped = 0;
  for (let b = 0; b < resamples; b++) {
    const pooled: T[] = [];
    for (let i = 0; i < n; i++) pooled.push(...clusters[rng.int(0, n - 1)]!);
    const v = statistic(pooled);
    if (Number.isFinite(v)) stats.push(v);
    else skipped++;
  }
  if (stats.length === 0) throw new DataError('clusterBootstrapCI: the statistic was not finite on any resample.');
  const sorted = Float64Array.from(stats).sort();
  const a = (1 - level) / 2;
  return { estimate: statistic(clusters.flat() as T[]), lo: quantileSorted(sorted, a), hi: quantileSorted(sorted, 1 - a), level, skipped, clusters: n };
}

/**
 * Paired comparison of two binary outcomes on the same items (e.g. two read-outs of one model on the same
 * puzzles). `p`: exact McNemar test, two-sided, on the discordant pairs (aOnly vs bOnly ~ Binomial(m, ½)).
 * Interval: the difference of proportions b − a with Newcombe's (1998) method 10 for paired data — Wilson score
 * intervals of both marginals combined with the observed phi correlation, no continuity correction.
 */
export function pairedBinary(a: readonly boolean[], b: readonly boolean[], level = 0.95): Interval & { p: number; aOnly: number; bOnly: number; n: number } {
  checkLevel('pairedBinary', level);
  checkPaired('pairedBinary', a.length, b.length, 1);
  const n = a.length;
  let both = 0;
  let aOnly = 0;
  let bOnly = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] && b[i]) both++;
    else if (a[i]) aOnly++;
    else if (b[i]) bOnly++;
  }
  const neither = n - both - aOnly - bOnly;
  const m = aOnly + bOnly;
  const p = m === 0 ? 1 : Math.min(1, 2 * binomialCdf(Math.min(aOnly, bOnly), m, 0.5));
  // Newcombe's θ = p1 − p2 with group 1 = b, group 2 = a, so that θ = b − a.
  const z = normalQuantile(1 - (1 - level) / 2, 0, 1);
  const p1 = (both + bOnly) / n;
  const p2 = (both + aOnly) / n;
  const [l1, u1] = wilson(both + bOnly, n, z);
  const [l2, u2] = wilson(both + aOnly, n, z);
  const margins = (both + bOnly) * (neither + aOnly) * (both + aOnly) * (neither + bOnly);
  const phi = margins === 0 ? 0 : (both * neither - bOnly * aOnly) / Math.sqrt(margins);
  const theta = p1 - p2;
  const delta = Math.sqrt(Math.max(0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2));
  const eps = Math.sqrt(Math.max(0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2));
  return { estimate: theta, lo: Math.max(-1, theta - delta), hi: Math.min(1, theta + eps), level, p, aOnly, bOnly, n };
}

/** Sign-flip draws of {@link pairedDiff} above the exact-enumeration size. */
const SIGN_FLIP_DRAWS = 100_000;
const EXACT_SIGN_FLIP_MAX = 20;

/**
 * Paired differences d = b − a (e.g. per-seed scores of two read-outs of the same models): mean, Student-t CI
 * (n ≥ 2) with its two-sided paired t-test p (`tP`, n − 1 df: below 1 − level exactly when the CI excludes 0), and
 * a two-sided sign-flip permutation p (`p`): the share of the 2^n sign patterns with |Σ ±dᵢ| ≥ |Σ dᵢ|, enumerated
 * exactly for n ≤ 20, else estimated from 100,000 seeded draws as (1 + hits) / (1 + draws). The sign-flip p
 * assumes no distribution but cannot go below 2 / 2^n (0.0625 at n = 5).
 */
export function pairedDiff(a: readonly number[], b: readonly number[], level = 0.95): Interval & { p: number; tP: number; n: number; sd: number } {
  checkLevel('pairedDiff', level);
  checkPaired('pairedDiff', a.length, b.length, 2);
  checkFinite('pairedDiff', 'a', a);
  checkFinite('pairedDiff', 'b', b);
  const n = a.length;
  const d = Array.from({ length: n }, (_, i) => b[i]! - a[i]!);
  const ci = meanCI(d, level);
  const observed = Math.abs(d.reduce((s, x) => s + x, 0));
  const tol = 1e-9 * Math.max(1, d.reduce((s, x) => s + Math.abs(x), 0));
  let p: number;
  if (n <= EXACT_SIGN_FLIP_MAX) {
    // Gray-code walk: each step flips one sign, so the sum updates in O(1).
    const signs = new Int8Array(n).fill(1);
    let sum = d.reduce((s, x) => s + x, 0);
    let hits = 1;
    const total = 2 ** n;
    for (let k = 1; k < total; k++) {
      const j = 31 - Math.clz32(k & -k);
      sum -= 2 * signs[j]! * d[j]!;
      signs[j] = -signs[j]!;
      if (Math.abs(sum) >= observed - tol) hits++;
    }
    p = hits / total;
  } else {
    const rng = new Rng(0x5eed);
    let hits = 0;
    for (let k = 0; k < SIGN_FLIP_DRAWS; k++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += rng.next() < 0.5 ? -d[i]! : d[i]!;
      if (Math.abs(sum) >= observed - tol) hits++;
    }
    p = (1 + hits) / (1 + SIGN_FLIP_DRAWS);
  }
  // t = mean / (sd / √n); sd 0 gives p 0 for a non-zero mean and NaN for all-zero differences (no test).
  const t = Math.abs(ci.estimate) / (ci.sd / Math.sqrt(n));
  const tP = ci.sd === 0 ? (ci.estimate === 0 ? Number.NaN : 0) : Math.min(1, 2 * tCdf(-t, n - 1));
  return { estimate: ci.estimate, lo: ci.lo, hi: ci.hi, level, p, tP, n, sd: ci.sd };
}

/**
 * Pearson r with a Fisher-z CI (tanh(atanh r ± z / √(n − 3))) and a two-sided p from t = r √((n − 2)/(1 − r²))
 * with n − 2 degrees of freedom. n ≥ 4; neither variable may be constant.
 */
export function pearson(x: readonly number[], y: readonly number[], level = 0.95): Interval & { p: number; n: number } {
  checkLevel('pearson', level);
  checkPaired('pearson', x.length, y.length, 4);
  checkFinite('pearson', 'x', x);
  checkFinite('pearson', 'y', y);
  const n = x.length;
  const r = correlation('pearson', x, y);
  const z = Math.atanh(r);
  const half = normalQuantile(1 - (1 - level) / 2, 0, 1) / Math.sqrt(n - 3);
  return { estimate: r, lo: Math.tanh(z - half), hi: Math.tanh(z + half), level, p: tTestOfR(r, n), n };
}

/** Permutations enumerated by {@link spearman} up to this n (9! = 362,880). */
const EXACT_SPEARMAN_MAX = 9;

/**
 * Spearman's rho: Pearson r of the ranks (ties get their average rank). Two-sided p: exact over all n!
 * permutations of y's ranks for n ≤ 9 (share with |rho| ≥ the observed), else the t approximation with n − 2
 * degrees of freedom. n ≥ 3; neither variable may be constant.
 */
export function spearman(x: readonly number[], y: readonly number[]): { rho: number; p: number; n: number } {
  checkPaired('spearman', x.length, y.length, 3);
  checkFinite('spearman', 'x', x);
  checkFinite('spearman', 'y', y);
  const n = x.length;
  const rx = ranks(x).ranks;
  const ry = ranks(y).ranks;
  const rho = correlation('spearman', rx, ry);
  if (n > EXACT_SPEARMAN_MAX) return { rho, p: tTestOfR(rho, n), n };
  // Under permutation the rank means and variances are fixed, so |rho| orders as |Σ (rx − m)(ry − m)|.
  const m = (n + 1) / 2;
  const cx = rx.map((v) => v - m);
  const cy = ry.map((v) => v - m);
  const dot = (perm: readonly number[]) => perm.reduce((s, v, i) => s + cx[i]! * v, 0);
  const observed = Math.abs(dot(cy));
  const tol = 1e-9 * n * n;
  let hits = 0;
  let total = 0;
  forEachPermutation(cy, (perm) => {
    total++;
    if (Math.abs(dot(perm)) >= observed - tol) hits++;
  });
  return { rho, p: hits / total, n };
}

/** Sizes up to which {@link mannWhitney} is exact (no ties). */
const EXACT_MANN_WHITNEY_MAX = 30;

/**
 * Mann–Whitney U of x against y: u = #{(i, j): xᵢ > yⱼ} + ½ #{xᵢ = yⱼ} (R's W). Two-sided p: exact
 * (the null distribution of U by the Mann–Whitney recurrence) when n1 + n2 ≤ 30 and there are no ties; otherwise
 * the normal approximation with the tie-corrected variance and a continuity correction of ½ (as R and SciPy do).
 */
export function mannWhitney(x: readonly number[], y: readonly number[]): { u: number; p: number; exact: boolean } {
  checkSample('mannWhitney', 'x', x, 1);
  checkSample('mannWhitney', 'y', y, 1);
  const n1 = x.length;
  const n2 = y.length;
  const N = n1 + n2;
  const { ranks: r, tieSizes } = ranks([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += r[i]!;
  const u = r1 - (n1 * (n1 + 1)) / 2;
  if (N <= EXACT_MANN_WHITNEY_MAX && tieSizes.length === 0) {
    const counts = uDistribution(n1, n2);
    const total = counts.reduce((s, c) => s + c, 0);
    let below = 0;
    let above = 0;
    counts.forEach((c, k) => {
      if (k <= u) below += c;
      if (k >= u) above += c;
    });
    return { u, p: Math.min(1, (2 * Math.min(below, above)) / total), exact: true };
  }
  const ties = tieSizes.reduce((s, t) => s + t ** 3 - t, 0);
  const variance = ((n1 * n2) / 12) * (N + 1 - ties / (N * (N - 1)));
  const dev = Math.abs(u - (n1 * n2) / 2);
  if (variance === 0) return { u, p: 1, exact: false };
  const z = Math.max(0, dev - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * (1 - normalCdf(z, 0, 1))), exact: false };
}

/**
 * Diversity of k predictions per item (e.g. k read-out candidates per puzzle): `distinctFraction` is the mean
 * over items of (distinct predictions / k), 1/k when all agree and 1 when all differ; `pairwiseDisagreement` the
 * mean over items of the mean over the k(k − 1)/2 pairs of the fraction of cells that differ (0 when k = 1).
 */
export function predictionDiversity(predictions: readonly (readonly ArrayLike<number>[])[]): { distinctFraction: number; pairwiseDisagreement: number; items: number } {
  if (predictions.length === 0) throw new ShapeError('predictionDiversity: expected at least one item, got 0. Pass one list of k predictions per item.');
  let distinct = 0;
  let disagree = 0;
  predictions.forEach((cands, item) => {
    const k = cands.length;
    if (k === 0) throw new ShapeError(`predictionDiversity: item ${item}: expected at least one prediction, got 0.`);
    const L = cands[0]!.length;
    const keys = new Set<string>();
    for (let c = 0; c < k; c++) {
      const g = cands[c]!;
      if (g.length !== L) throw new ShapeError(`predictionDiversity: item ${item}, prediction ${c}: expected ${L} cells (as prediction 0), got ${g.length}.`);
      keys.add(Array.prototype.join.call(g, ','));
    }
    distinct += keys.size / k;
    if (k < 2 || L === 0) return;
    let sum = 0;
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        let diff = 0;
        for (let c = 0; c < L; c++) if (cands[i]![c] !== cands[j]![c]) diff++;
        sum += diff / L;
      }
    }
    disagree += sum / ((k * (k - 1)) / 2);
  });
  const items = predictions.length;
  return { distinctFraction: distinct / items, pairwiseDisagreement: disagree / items, items };
}

/** "p < 0.001", "p = 0.013" (two significant digits below 0.1), "p = 0.24" (two decimals from 0.1). */
export function formatP(p: number): string {
  if (!(p >= 0 && p <= 1)) throw new DataError(`formatP: expected a p-value in [0, 1], got ${p}.`);
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.1 ? p.toPrecision(2) : p.toFixed(2)}`;
}

/**
 * "41.2% [38.1, 44.3]" with `percent` (estimate and bounds × 100, default 1 digit), else "-0.32 [-0.72, 0.23]"
 * (default 2 digits).
 */
export function formatInterval(i: Interval, options: { percent?: boolean; digits?: number } = {}): string {
  const { percent = false } = options;
  const digits = options.digits ?? (percent ? 1 : 2);
  if (!(Number.isInteger(digits) && digits >= 0 && digits <= 20)) throw new ConfigError(`formatInterval: digits: expected an integer in [0, 20], got ${digits}.`);
  const f = (v: number) => (percent ? 100 * v : v).toFixed(digits);
  return `${f(i.estimate)}${percent ? '%' : ''} [${f(i.lo)}, ${f(i.hi)}]`;
}

// ── helpers ────────────────────────────────────────────────────────────────────────────────────────────────

function checkLevel(fn: string, level: number): void {
  if (!(level > 0 && level < 1)) throw new ConfigError(`${fn}: level: expected a confidence level in (0, 1), e.g. 0.95, got ${level}.`);
}

function checkSample(fn: string, what: string, xs: readonly number[], min: number): void {
  if (xs.length < min) throw new ShapeError(`${fn}: ${what}: expected at least ${min} value${min === 1 ? '' : 's'}, got ${xs.length}.`);
  checkFinite(fn, what, xs);
}

function checkFinite(fn: string, what: string, xs: readonly number[]): void {
  for (let i = 0; i < xs.length; i++) {
    if (!Number.isFinite(xs[i])) throw new DataError(`${fn}: ${what}[${i}]: expected a finite number, got ${xs[i]}. Drop or fix the value before testing.`);
  }
}

function checkPaired(fn: string, na: number, nb: number, min: number): void {
  if (na !== nb) throw new ShapeError(`${fn}: expected paired samples of equal length, got ${na} and ${nb}.`);
  if (na < min) throw new ShapeError(`${fn}: expected at least ${min} pairs, got ${na}.`);
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s / xs.length;
}

/** Sample standard deviation (n − 1 denominator). */
function stdDev(xs: readonly number[], m: number): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i]! - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

function correlation(fn: string, x: readonly number[], y: readonly number[]): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  if (sxx === 0 || syy === 0) throw new DataError(`${fn}: expected both variables to vary, got a constant ${sxx === 0 ? 'x' : 'y'}. A correlation is undefined then.`);
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Two-sided p of H0: ρ = 0 from t = r √((n − 2)/(1 − r²)), n − 2 df. */
function tTestOfR(r: number, n: number): number {
  if (Math.abs(r) === 1) return 0;
  const t = Math.abs(r) * Math.sqrt((n - 2) / (1 - r * r));
  return Math.min(1, 2 * tCdf(-t, n - 2));
}

/** Wilson score interval of k / n at critical value z. */
function wilson(k: number, n: number, z: number): [number, number] {
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const half = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const den = 1 + z2 / n;
  return [Math.max(0, (centre - half) / den), Math.min(1, (centre + half) / den)];
}

/** Type 7 quantile (linear interpolation) of an ascending array. */
function quantileSorted(s: Float64Array, q: number): number {
  const h = (s.length - 1) * q;
  const i = Math.floor(h);
  return i + 1 < s.length ? s[i]! + (h - i) * (s[i + 1]! - s[i]!) : s[i]!;
}

/** Ranks 1..n with ties averaged, and the sizes of the tie groups (> 1). */
function ranks(xs: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  const out = new Array<number>(xs.length);
  const tieSizes: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]!] === xs[order[i]!]) j++;
    for (let k = i; k <= j; k++) out[order[k]!] = (i + j) / 2 + 1;
    if (j > i) tieSizes.push(j - i + 1);
    i = j + 1;
  }
  return { ranks: out, tieSizes };
}

/** Calls `f` with every permutation of `xs` (Heap's algorithm; `f` gets a reused array). */
function forEachPermutation(xs: readonly number[], f: (perm: readonly number[]) => void): void {
  const a = [...xs];
  const c = new Array<number>(a.length).fill(0);
  f(a);
  for (let i = 1; i < a.length; ) {
    if (c[i]! < i) {
      const j = i % 2 === 0 ? 0 : c[i]!;
      const t = a[j]!;
      a[j] = a[i]!;
      a[i] = t;
      f(a);
      c[i]!++;
      i = 1;
    } else {
      c[i] = 0;
      i++;
    }
  }
}

/** Counts of U = 0..n1·n2 over the C(n1 + n2, n1) equally likely arrangements (no ties). */
function uDistribution(n1: number, n2: number): number[] {
  // f(i, j)[u]: arrangements of i x's and j y's with U = u; the largest value is an x (adds j) or a y (adds 0).
  let prev: number[][] = Array.from({ length: n2 + 1 }, () => [1]);
  for (let i = 1; i <= n1; i++) {
    const cur: number[][] = [[1]];
    for (let j = 1; j <= n2; j++) {
      const out = new Array<number>(i * j + 1).fill(0);
      prev[j]!.forEach((c, u) => (out[u + j]! += c));
      cur[j - 1]!.forEach((c, u) => (out[u]! += c));
      cur.push(out);
    }
    prev = cur;
  }
  return prev[n2]!;
}
