/**
 * Path independence: Asymptotic Alignment (AA), ALGORITHM.md §9.
 * Latents arrive as `Float32Array [B, P·D]` (one example's flattened y or z, prefix slots included).
 * - Derangement AA (§9.1): run 2 restarts every example from another example's final latents (π has no
 *   fixed point); AA = mean_i cos(final1_i, final2_i); the prediction agreement is tracked per step.
 * - All-pairs AA (§9.2): every example j rerun from every example i's final z; the biased mean includes i = j,
 *   the off-diagonal mean does not.
 */
import { ConfigError, Rng, ShapeError, check } from '@trm-ts/core';
import type { RowMask } from './metrics.js';
import type { TokenArray } from './readouts.js';

/** Floor of ‖a‖·‖b‖ in the cosine, as [jax] (§9.1). */
export const COSINE_EPS = 1e-8;

function rowSize(a: ArrayLike<number>, batch: number, what: string): number {
  check(Number.isInteger(batch) && batch >= 1, () => `${what}: expected batch >= 1, got ${batch}.`, ShapeError);
  const n = a.length / batch;
  check(Number.isInteger(n) && n >= 1, () => `${what}: expected length B·(P·D) with B = ${batch}, got ${a.length}.`, ShapeError);
  return n;
}

/** cos(a_i, b_i) = a_i·b_i / max(‖a_i‖‖b_i‖, 1e-8) per example over the flattened latent, float64 sums, `[B]`. */
export function cosinePerExample(a: Float32Array, b: Float32Array, batch: number): Float64Array {
  const n = rowSize(a, batch, 'cosinePerExample');
  check(b.length === a.length, () => `cosinePerExample: expected equal lengths, got ${a.length} and ${b.length}.`, ShapeError);
  const out = new Float64Array(batch);
  for (let i = 0; i < batch; i++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = i * n, end = j + n; j < end; j++) {
      const x = a[j]!;
      const y = b[j]!;
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    out[i] = dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), COSINE_EPS);
  }
  return out;
}

function maskedMean(values: ArrayLike<number>, valid?: RowMask): { sum: number; n: number } {
  if (valid) check(valid.length === values.length, () => `valid mask: expected ${values.length} entries, got ${valid.length}.`, ShapeError);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (valid && !valid[i]) continue;
    sum += values[i]!;
    n++;
  }
  return { sum, n };
}

/** Mean over (valid) examples of `cosinePerExample`. */
export function meanCosine(a: Float32Array, b: Float32Array, batch: number, valid?: RowMask): number {
  const { sum, n } = maskedMean(cosinePerExample(a, b, batch), valid);
  check(n > 0, () => 'meanCosine: no valid example.', ShapeError);
  return sum / n;
}

/** The [jax] derangement (§9.1): π(i) = (i − 1) mod B, a roll by one. Requires B ≥ 2. */
export function rollDerangement(batch: number): Int32Array {
  check(Number.isInteger(batch) && batch >= 2, () => `rollDerangement: expected B >= 2 (with B = 1 every example keeps its own state), got ${batch}.`, ConfigError);
  const p = new Int32Array(batch);
  for (let i = 0; i < batch; i++) p[i] = (i - 1 + batch) % batch;
  return p;
}

/** A uniformly random derangement of 0..B−1 (rejection sampling of permutations; ≈ e draws on average), seeded. */
export function randomDerangement(batch: number, rng: Rng | number): Int32Array {
  check(Number.isInteger(batch) && batch >= 2, () => `randomDerangement: expected B >= 2, got ${batch}.`, ConfigError);
  const g = typeof rng === 'number' ? new Rng(rng) : rng;
  for (;;) {
    const p = g.permutation(batch);
    if (p.every((v, i) => v !== i)) return p;
  }
}

/** Throws unless `perm` is a permutation of 0..B−1 with no fixed point. */
export function checkDerangement(perm: ArrayLike<number>): void {
  const B = perm.length;
  check(B >= 2, () => `derangement: expected B >= 2, got ${B}.`, ConfigError);
  const seen = new Uint8Array(B);
  for (let i = 0; i < B; i++) {
    const v = perm[i]!;
    check(Number.isInteger(v) && v >= 0 && v < B && !seen[v], () => `derangement: expected a permutation of 0..${B - 1}, got ${v} at ${i}.`, ConfigError);
    check(v !== i, () => `derangement: expected no fixed point, got π(${i}) = ${i}. Use rollDerangement or randomDerangement.`, ConfigError);
    seen[v] = 1;
  }
}

/** Run 2's init (§9.1): row i of the result = row π(i) of `latents [B, P·D]`. Checks that π is a derangement. */
export function permuteRows(latents: Float32Array, perm: ArrayLike<number>, batch: number): Float32Array {
  const n = rowSize(latents, batch, 'permuteRows');
  check(perm.length === batch, () => `permuteRows: expected a permutation of length ${batch}, got ${perm.length}.`, ShapeError);
  checkDerangement(perm);
  const out = new Float32Array(latents.length);
  for (let i = 0; i < batch; i++) out.set(latents.subarray(perm[i]! * n, (perm[i]! + 1) * n), i * n);
  return out;
}

/** Equal cells and cells counted, over all cells of valid rows (AA_pred, §9.1). */
export function agreementCounts(p1: TokenArray, p2: TokenArray, cells: number, valid?: RowMask): { equal: number; total: number } {
  const batch = p1.length / cells;
  check(Number.isInteger(batch) && batch >= 1 && p2.length === p1.length, () => `predictionAgreement: expected two [B·L] arrays with L = ${cells}, got ${p1.length} and ${p2.length}.`, ShapeError);
  if (valid) check(valid.length === batch, () => `predictionAgreement: expected a mask of ${batch}, got ${valid.length}.`, ShapeError);
  let equal = 0;
  let total = 0;
  for (let b = 0; b < batch; b++) {
    if (valid && !valid[b]) continue;
    for (let i = b * cells, end = i + cells; i < end; i++) if (p1[i] === p2[i]) equal++;
    total += cells;
  }
  return { equal, total };
}

/** AA_pred at one step: mean over rows and cells of [pred1 == pred2]. */
export function predictionAgreement(p1: TokenArray, p2: TokenArray, cells: number, valid?: RowMask): number {
  const { equal, total } = agreementCounts(p1, p2, cells, valid);
  check(total > 0, () => 'predictionAgreement: no valid row.', ShapeError);
  return equal / total;
}

/** Plain JSON-serialisable AA result; a field is absent when nothing was added for it. */
export interface AlignmentResult {
  aaY?: number;
  aaZ?: number;
  /** Prediction agreement at the last step added (s = N_test). */
  aaPred?: number;
  /** Agreement per step: `steps` ascending, `values` matching. */
  agreement: { steps: number[]; values: number[] };
  /** Examples counted for the latent cosines. */
  rows: number;
}

/**
 * Aggregates the derangement AA over batches: `addLatents` with the final latents of run 1 and run 2 (same
 * row order: example i in both), `addAgreement` with the two runs' predictions at each step.
 */
export class AlignmentAccumulator {
  private readonly cos = { y: { sum: 0, n: 0 }, z: { sum: 0, n: 0 } };
  private readonly agree = new Map<number, { equal: number; total: number }>();

  addLatents(kind: 'y' | 'z', first: Float32Array, second: Float32Array, batch: number, valid?: RowMask): void {
    check(kind === 'y' || kind === 'z', () => `AlignmentAccumulator.addLatents: expected kind 'y' or 'z', got ${String(kind)}.`, ConfigError);
    const { sum, n } = maskedMean(cosinePerExample(first, second, batch), valid);
    this.cos[kind].sum += sum;
    this.cos[kind].n += n;
  }

  addAgreement(step: number, p1: TokenArray, p2: TokenArray, cells: number, valid?: RowMask): void {
    check(Number.isInteger(step) && step >= 1, () => `AlignmentAccumulator.addAgreement: expected step >= 1, got ${step}.`, ConfigError);
    const { equal, total } = agreementCounts(p1, p2, cells, valid);
    const a = this.agree.get(step) ?? { equal: 0, total: 0 };
    a.equal += equal;
    a.total += total;
    this.agree.set(step, a);
  }

  result(): AlignmentResult {
    const steps = [...this.agree.keys()].sort((a, b) => a - b).filter((s) => this.agree.get(s)!.total > 0);
    const values = steps.map((s) => this.agree.get(s)!.equal / this.agree.get(s)!.total);
    const out: AlignmentResult = { agreement: { steps, values }, rows: Math.max(this.cos.y.n, this.cos.z.n) };
    if (this.cos.y.n > 0) out.aaY = this.cos.y.sum / this.cos.y.n;
    if (this.cos.z.n > 0) out.aaZ = this.cos.z.sum / this.cos.z.n;
    if (values.length > 0) out.aaPred = values[values.length - 1]!;
    return out;
  }
}

/** All-pairs AA (§9.2) from the matrix `cos[i·B + j] = cos(z*_j, f(x_j; z*_i))`. */
export interface AllPairsResult {
  /** (1/B²) Σ_{i,j}, Anil's pre-release statistic, biased upward by the i = j terms. */
  biased: number;
  /** 1/(B(B−1)) Σ_{i≠j}: the unbiased version. */
  offDiagonal: number;
  /** (1/B) Σ_i cos(z*_i, f(x_i; z*_i)): how well each example reproduces its own fixed point (≈ 1). */
  diagonal: number;
}

export function allPairsFromMatrix(cos: ArrayLike<number>, batch: number): AllPairsResult {
  check(Number.isInteger(batch) && batch >= 2, () => `allPairsFromMatrix: expected B >= 2, got ${batch}.`, ConfigError);
  check(cos.length === batch * batch, () => `allPairsFromMatrix: expected a B×B matrix (${batch * batch}), got ${cos.length}.`, ShapeError);
  let diag = 0;
  let off = 0;
  for (let i = 0; i < batch; i++) {
    for (let j = 0; j < batch; j++) {
      if (i === j) diag += cos[i * batch + j]!;
      else off += cos[i * batch + j]!;
    }
  }
  return { biased: (diag + off) / (batch * batch), offDiagonal: off / (batch * (batch - 1)), diagonal: diag / batch };
}

/**
 * Streams the all-pairs runs: `reference` = the final z* of every example `[B, P·D]`; for each init i the
 * caller reruns all B examples from z*_i and passes their final latents `[B, P·D]` to `addInit(i, …)`.
 * Memory stays O(B·P·D + B²).
 */
export class AllPairsAccumulator {
  readonly batch: number;
  private readonly reference: Float32Array;
  private readonly cos: Float64Array;
  private readonly done: Uint8Array;

  constructor(reference: Float32Array, batch: number) {
    rowSize(reference, batch, 'AllPairsAccumulator');
    check(batch >= 2, () => `AllPairsAccumulator: expected B >= 2, got ${batch}.`, ConfigError);
    this.batch = batch;
    this.reference = reference;
    this.cos = new Float64Array(batch * batch);
    this.done = new Uint8Array(batch);
  }

  addInit(i: number, rerun: Float32Array): void {
    check(Number.isInteger(i) && i >= 0 && i < this.batch, () => `AllPairsAccumulator.addInit: expected init index in 0..${this.batch - 1}, got ${i}.`, ConfigError);
    check(!this.done[i], () => `AllPairsAccumulator.addInit: init ${i} was already added.`, ConfigError);
    this.cos.set(cosinePerExample(this.reference, rerun, this.batch), i * this.batch);
    this.done[i] = 1;
  }

  /** Throws until every init 0..B−1 was added. */
  result(): AllPairsResult & { matrix: number[] } {
    const missing = this.done.findIndex((d) => !d);
    check(missing < 0, () => `AllPairsAccumulator.result: init ${missing} was not added. Call addInit for every i in 0..${this.batch - 1}.`, ConfigError);
    return { ...allPairsFromMatrix(this.cos, this.batch), matrix: Array.from(this.cos) };
  }
}
