/**
 * Streaming N_sup × k sweeps (ALGORITHM.md §8.1, §8.4, §8.5) and per-row early exit (§8.2).
 * The model-driven loop calls `SweepAccumulator.ingest` once per supervision step and batch with the
 * predictions and q_halt of all R runs; every read-out and every k ≤ R is scored from that one step, and
 * only sums are kept, so memory does not grow with the number of steps.
 */
import { ConfigError, ShapeError, check } from '@trm-ts/core';
import { labelCounts, runRowCorrect, scoreRows, stepScore, type RowMask, type StepScore } from './metrics.js';
import { READOUTS, READOUT_NAMES, checkRuns, type ReadoutName, type RunsDims, type TokenArray } from './readouts.js';

export interface SweepOptions {
  /** Numbers of runs to read out, each a prefix of the runs (k = 3 uses runs 0..2); e.g. [1, 3, 5, 7]. */
  ks: readonly number[];
  /** L, cells per example. */
  cells: number;
  /** Read-outs to score (default: all four). */
  readouts?: readonly ReadoutName[];
}

/** One supervision step of one batch: R runs of B examples, R·B rows stacked run-major (§8.5). */
export interface StepInput {
  preds: TokenArray; // [R·B·L]
  qHalt: Float32Array; // [R·B] raw q_halt logits
  labels: Int32Array; // [B·L], IGNORE_LABEL = no target
  valid?: RowMask; // [B], falsy = padding row
}

/** Curves of one read-out: `solved[kIndex][stepIndex]`, `cellAcc[kIndex][stepIndex]`, fractions in [0, 1]. */
export interface SweepCurves {
  solved: number[][];
  cellAcc: number[][];
}

/** Plain JSON-serialisable sweep result. */
export interface SweepResult {
  ks: number[];
  /** Supervision steps s (1-based) that were ingested, ascending. */
  steps: number[];
  /** Counted rows per step (summed over batches). */
  rows: number[];
  readouts: ReadoutName[];
  curves: Partial<Record<ReadoutName, SweepCurves>>;
}

interface StepSums {
  rows: number;
  solved: Float64Array; // [readout·nK + kIndex]
  cellAcc: Float64Array;
}

export class SweepAccumulator {
  readonly ks: readonly number[];
  readonly cells: number;
  readonly readouts: readonly ReadoutName[];
  private readonly sums = new Map<number, StepSums>();

  constructor(options: SweepOptions) {
    const { ks, cells, readouts = READOUT_NAMES } = options;
    check(ks.length > 0, () => 'SweepAccumulator: expected at least one k, got an empty list. Pass e.g. ks: [1, 3, 5, 7].', ConfigError);
    for (const [i, k] of ks.entries()) {
      check(Number.isInteger(k) && k >= 1, () => `SweepAccumulator: expected every k to be an integer >= 1, got ${k}.`, ConfigError);
      check(i === 0 || k > ks[i - 1]!, () => `SweepAccumulator: expected ks strictly ascending, got [${ks.join(', ')}].`, ConfigError);
    }
    check(Number.isInteger(cells) && cells >= 1, () => `SweepAccumulator: expected cells to be an integer >= 1, got ${cells}.`, ConfigError);
    check(readouts.length > 0, () => `SweepAccumulator: expected at least one read-out of ${READOUT_NAMES.join(', ')}.`, ConfigError);
    for (const r of readouts) {
      check(READOUT_NAMES.includes(r), () => `SweepAccumulator: expected read-outs among ${READOUT_NAMES.join(', ')}, got ${String(r)}.`, ConfigError);
    }
    check(new Set(readouts).size === readouts.length, () => `SweepAccumulator: read-outs listed twice: [${readouts.join(', ')}].`, ConfigError);
    this.ks = Object.freeze([...ks]);
    this.cells = cells;
    this.readouts = Object.freeze([...readouts]);
  }

  /**
   * Scores step `step` (1-based supervision step s) of one batch for every read-out and k, adding to the
   * sums of that step (call once per batch for the same s). Cost O(max(k)·B·L); nothing is kept but sums.
   */
  ingest(step: number, input: StepInput): void {
    check(Number.isInteger(step) && step >= 1, () => `SweepAccumulator.ingest: expected step to be an integer >= 1, got ${step}.`, ConfigError);
    const { preds, qHalt, labels, valid } = input;
    const L = this.cells;
    const B = labels.length / L;
    check(Number.isInteger(B) && B >= 1, () => `SweepAccumulator.ingest: expected labels of length B·L with L = ${L}, got ${labels.length}.`, ShapeError);
    const R = qHalt.length / B;
    check(Number.isInteger(R) && R >= 1, () => `SweepAccumulator.ingest: expected q_halt of length R·B with B = ${B}, got ${qHalt.length}.`, ShapeError);
    const dims: RunsDims = { runs: R, batch: B, cells: L };
    checkRuns(preds, qHalt, dims, this.ks);

    const counts = labelCounts(labels, B, L, valid);
    const kMax = this.ks[this.ks.length - 1]!;
    const correct = runRowCorrect(preds, labels, dims, kMax); // [kMax·B], scores every whole-run choice in O(1)
    const nK = this.ks.length;
    const scores: StepScore[] = [];
    for (const name of this.readouts) {
      const def = READOUTS[name];
      if (def.kind === 'cell') {
        for (const grid of def.grids(preds, qHalt, dims, this.ks)) scores.push(scoreRows(runRowCorrect(grid, labels, { runs: 1, batch: B, cells: L }), new Int32Array(B), counts));
      } else {
        for (const choice of def.choose(preds, qHalt, dims, this.ks)) scores.push(scoreRows(correct, choice, counts));
      }
    }

    // Everything above may throw; only now is state touched, so a bad call never leaves half-added sums.
    let sums = this.sums.get(step);
    if (!sums) {
      sums = { rows: 0, solved: new Float64Array(this.readouts.length * nK), cellAcc: new Float64Array(this.readouts.length * nK) };
      this.sums.set(step, sums);
    }
    sums.rows += scores[0]!.rows;
    for (let i = 0; i < scores.length; i++) {
      sums.solved[i]! += scores[i]!.solvedCount;
      sums.cellAcc[i]! += scores[i]!.cellAccSum;
    }
  }

  /** Curves over the ingested steps. Throws if a step has no counted row (nothing to average). */
  result(): SweepResult {
    const steps = [...this.sums.keys()].sort((a, b) => a - b);
    check(steps.length > 0, () => 'SweepAccumulator.result: no step was ingested. Call ingest(step, input) first.', ConfigError);
    const nK = this.ks.length;
    const rows = steps.map((s) => this.sums.get(s)!.rows);
    for (const [i, n] of rows.entries()) {
      check(n > 0, () => `SweepAccumulator.result: step ${steps[i]} has no counted row (all rows padded or without labels).`, ShapeError);
    }
    const curves: Partial<Record<ReadoutName, SweepCurves>> = {};
    this.readouts.forEach((name, ri) => {
      const pick = (field: 'solved' | 'cellAcc') =>
        this.ks.map((_, ki) => steps.map((s, si) => this.sums.get(s)![field][ri * nK + ki]! / rows[si]!));
      curves[name] = { solved: pick('solved'), cellAcc: pick('cellAcc') };
    });
    return { ks: [...this.ks], steps, rows, readouts: [...this.readouts], curves };
  }

  /** Forgets all sums (e.g. between checkpoints). */
  reset(): void {
    this.sums.clear();
  }
}

/**
 * Mean of several sweeps (e.g. seeds), per read-out, k and step: each sweep weighs the same. All must share
 * ks, steps and read-outs. `rows` is summed.
 */
export function meanSweeps(results: readonly SweepResult[]): SweepResult {
  check(results.length > 0, () => 'meanSweeps: expected at least one sweep, got none.', ConfigError);
  const first = results[0]!;
  const key = (r: SweepResult) => JSON.stringify([r.ks, r.steps, r.readouts]);
  for (const r of results) {
    check(key(r) === key(first), () => `meanSweeps: expected equal ks, steps and read-outs, got ${key(first)} and ${key(r)}.`, ConfigError);
  }
  const curves: Partial<Record<ReadoutName, SweepCurves>> = {};
  for (const name of first.readouts) {
    const avg = (field: 'solved' | 'cellAcc') =>
      first.ks.map((_, ki) => first.steps.map((_, si) => results.reduce((a, r) => a + r.curves[name]![field][ki]![si]!, 0) / results.length));
    curves[name] = { solved: avg('solved'), cellAcc: avg('cellAcc') };
  }
  return {
    ks: [...first.ks],
    steps: [...first.steps],
    rows: first.steps.map((_, si) => results.reduce((a, r) => a + r.rows[si]!, 0)),
    readouts: [...first.readouts],
    curves,
  };
}

/**
 * Early exit (§8.2): each row's answer is frozen at the first step with q_halt > 0 (or at the last step);
 * the batch runs until every row froze (`done`). Rows are whatever the caller stacks (B, or R·B runs).
 */
export class EarlyExitTracker {
  readonly rows: number;
  readonly cells: number;
  /** Frozen (or latest) answer per row, `[rows·L]`. */
  readonly answers: Int32Array;
  /** Step at which each row froze; 0 while it still runs. */
  readonly stepsUsed: Int32Array;
  private lastStep = 0;
  private running: number;

  constructor(rows: number, cells: number) {
    check(Number.isInteger(rows) && rows >= 1 && Number.isInteger(cells) && cells >= 1, () => `EarlyExitTracker: expected rows, cells >= 1, got ${rows}, ${cells}.`, ConfigError);
    this.rows = rows;
    this.cells = cells;
    this.answers = new Int32Array(rows * cells);
    this.stepsUsed = new Int32Array(rows);
    this.running = rows;
  }

  /** True once every row has frozen. */
  get done(): boolean {
    return this.running === 0;
  }

  /** Records step `step` (must increase by one from 1): running rows take this step's prediction, and freeze if q_halt > 0. */
  update(step: number, preds: TokenArray, qHalt: Float32Array): void {
    check(step === this.lastStep + 1, () => `EarlyExitTracker.update: expected step ${this.lastStep + 1}, got ${step}. Feed steps in order from 1.`, ConfigError);
    const { rows, cells } = this;
    check(preds.length === rows * cells && qHalt.length === rows, () => `EarlyExitTracker.update: expected preds [${rows}·${cells}] and q_halt [${rows}], got ${preds.length} and ${qHalt.length}.`, ShapeError);
    this.lastStep = step;
    for (let i = 0; i < rows; i++) {
      if (this.stepsUsed[i] !== 0) continue;
      this.answers.set(preds.subarray(i * cells, (i + 1) * cells), i * cells);
      if (qHalt[i]! > 0) {
        this.stepsUsed[i] = step;
        this.running--;
      }
    }
  }

  /** Ends the run at the last step seen (N_test): rows still running freeze there. */
  finish(): void {
    check(this.lastStep > 0, () => 'EarlyExitTracker.finish: no step was recorded. Call update(1, …) first.', ConfigError);
    for (let i = 0; i < this.rows; i++) if (this.stepsUsed[i] === 0) this.stepsUsed[i] = this.lastStep;
    this.running = 0;
  }

  /** Mean steps used over rows (masked by `valid` when given). Call after `finish()` or once `done`. */
  meanStepsUsed(valid?: RowMask): number {
    check(this.running === 0, () => 'EarlyExitTracker.meanStepsUsed: some rows are still running. Call finish() first.', ConfigError);
    if (valid) check(valid.length === this.rows, () => `EarlyExitTracker.meanStepsUsed: expected a mask of ${this.rows}, got ${valid.length}.`, ShapeError);
    let sum = 0;
    let n = 0;
    for (let i = 0; i < this.rows; i++) {
      if (valid && !valid[i]) continue;
      sum += this.stepsUsed[i]!;
      n++;
    }
    return n > 0 ? sum / n : 0;
  }
}
