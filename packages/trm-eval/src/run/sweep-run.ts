/**
 * One call for the N_sup × k sweep (ALGORITHM.md §8.1–§8.6, issue 5 items 1–2): every batch runs R = max(k)
 * runs in lockstep for N_test steps; at every recorded step all read-outs and all k ≤ R are scored from that
 * one forward pass (SweepAccumulator), so breadth costs k× the forward passes and the read-outs only O(k·B·L).
 * The time of the forward passes and of the read-outs is measured separately and reported.
 */
import { ConfigError, check, type BatchIterable, type LatentInitMode, type Rng } from '@trm-ts/core';
import type { ReadoutName, TokenArray } from '../readouts.js';
import type { RowMask } from '../metrics.js';
import { EarlyExitTracker, SweepAccumulator, type SweepResult } from '../sweep.js';
import { asEvalModel, checkNoise, rngOf, type EvalDepth, type LatentNoise, type ModelLike } from './model.js';
import { recordFlags, trajectory } from './trajectory.js';

export interface SweepRunOptions {
  /** N_test: supervision steps per batch. */
  steps: number;
  /** Steps to score (default every step), e.g. [1, 2, 4, …, 128]. */
  record?: readonly number[];
  /** k values (prefixes of the runs); R = max(k) runs are executed (default [1]). */
  ks?: readonly number[];
  /** Read-outs to score (default all four, §8.4). */
  readouts?: readonly ReadoutName[];
  /** Init of every run (default 'static'; the blog's breadth uses 'random', §8.3). */
  init?: LatentInitMode;
  /** Std of `random` init vectors (default sqrt(1/D)). */
  initScale?: number;
  /** Test-time latent noise (§8.6). */
  noise?: LatentNoise;
  /** Seed of init draws and noise (default 0); one Rng serves all batches in order. */
  seed?: number | Rng;
  /** n, T at test (default the model's). */
  depth?: EvalDepth;
  /**
   * Per-row early exit (§8.2): a row's answer (and q_halt) freeze at its first step with q_halt > 0; the batch
   * stops once every row froze, and later recorded steps score the frozen answers.
   */
  earlyExit?: boolean;
  /** Stop after this many batches (default: all). */
  maxBatches?: number;
  /** Called after every step of every batch. */
  onProgress?: (p: { batch: number; step: number; examples: number }) => void;
  /**
   * Called at every recorded step of every batch with what the read-outs score (R runs × B rows, run-major), e.g.
   * to keep per-puzzle correctness (`PuzzleRecorder`). Its time counts as read-out time.
   */
  onRecord?: (r: RecordedStep) => void;
}

/** One recorded step of one batch, as the read-outs see it. */
export interface RecordedStep {
  batch: number;
  step: number;
  runs: number;
  batchSize: number;
  preds: TokenArray;
  qHalt: Float32Array;
  labels: Int32Array;
  valid?: RowMask;
}

/** Forward time vs read-out time (issue 5: read-outs must add < 5% to the forward passes). */
export interface SweepTiming {
  /** Forward passes (all T(n+1) applications of f, heads, argmax, noise) and their downloads, ms. */
  forwardMs: number;
  /** SweepAccumulator.ingest and early-exit bookkeeping, ms. */
  readoutMs: number;
  /** readoutMs / forwardMs. */
  readoutOverhead: number;
  /** Supervision steps executed (over batches), and the same times rows (R·B). */
  forwardSteps: number;
  rowSteps: number;
}

export interface SweepRunResult {
  sweep: SweepResult;
  /** With early exit: mean steps used per row (all runs, valid examples), and mean steps run per batch. */
  earlyExit?: { meanStepsUsed: number; meanBatchSteps: number };
  timing: SweepTiming;
  /** Batches and valid examples evaluated. */
  batches: number;
  examples: number;
  /** The settings, as plain data (for the report). */
  settings: { steps: number; ks: number[]; runs: number; init: LatentInitMode; initScale?: number; noise?: LatentNoise; depth: EvalDepth; earlyExit: boolean };
}

const now = () => performance.now();

/** Runs the sweep over every batch of `batches` (e.g. the test split) and returns the curves. */
export async function runSweep(model: ModelLike, batches: BatchIterable, options: SweepRunOptions): Promise<SweepRunResult> {
  const m = asEvalModel(model);
  const { steps, ks = [1], init = 'static', initScale, noise, depth = {}, earlyExit = false, maxBatches = Infinity, onProgress, onRecord } = options;
  const flags = recordFlags(options.record, steps, 'runSweep');
  checkNoise(noise);
  check(maxBatches >= 1, () => `runSweep: expected maxBatches >= 1, got ${maxBatches}.`, ConfigError);
  const acc = new SweepAccumulator({ ks, cells: m.cells, ...(options.readouts ? { readouts: options.readouts } : {}) });
  const R = ks[ks.length - 1]!;
  const L = m.cells;
  const rng = rngOf(options.seed);
  const timing: SweepTiming = { forwardMs: 0, readoutMs: 0, readoutOverhead: 0, forwardSteps: 0, rowSteps: 0 };
  let nBatches = 0;
  let examples = 0;
  let stepsUsedSum = 0;
  let stepsUsedRows = 0;
  let batchStepsSum = 0;

  for await (const batch of batches) {
    if (nBatches >= maxBatches) break;
    const B = batch.batchSize;
    const valid = batch.valid;
    for (let b = 0; b < B; b++) if (!valid || valid[b]) examples++;
    const tracker = earlyExit ? new EarlyExitTracker(R * B, L) : null;
    const frozenQ = new Float32Array(R * B);
    let last = 0;
    const traj = trajectory(m, batch, { steps, runs: R, init, initScale, noise, depth, seed: rng, ...(tracker ? {} : { record: flagsToList(flags) }) });
    for await (const st of traj) {
      timing.forwardMs += st.forwardMs;
      timing.forwardSteps++;
      timing.rowSteps += R * B;
      last = st.step;
      const t0 = now();
      let preds = st.preds;
      let q = st.qHalt;
      if (tracker) {
        tracker.update(st.step, st.preds!, st.qHalt);
        for (let i = 0; i < R * B; i++) if (tracker.stepsUsed[i] === 0 || tracker.stepsUsed[i] === st.step) frozenQ[i] = st.qHalt[i]!;
        preds = tracker.answers;
        q = frozenQ;
      }
      if (flags[st.step]) {
        acc.ingest(st.step, { preds: preds!, qHalt: q, labels: batch.labels, ...(valid ? { valid } : {}) });
        onRecord?.({ batch: nBatches, step: st.step, runs: R, batchSize: B, preds: preds!, qHalt: q, labels: batch.labels, ...(valid ? { valid } : {}) });
      }
      const done = tracker?.done ?? false;
      timing.readoutMs += now() - t0;
      onProgress?.({ batch: nBatches, step: st.step, examples });
      if (done) break; // leaving the loop disposes the trajectory's tensors
    }
    if (tracker) {
      const t0 = now();
      // Every row froze at `last`: later steps would only repeat the frozen answers.
      for (let s = last + 1; s <= steps; s++) {
        if (!flags[s]) continue;
        acc.ingest(s, { preds: tracker.answers, qHalt: frozenQ, labels: batch.labels, ...(valid ? { valid } : {}) });
        onRecord?.({ batch: nBatches, step: s, runs: R, batchSize: B, preds: tracker.answers, qHalt: frozenQ, labels: batch.labels, ...(valid ? { valid } : {}) });
      }
      tracker.finish();
      for (let i = 0; i < R * B; i++) {
        if (valid && !valid[i % B]) continue;
        stepsUsedSum += tracker.stepsUsed[i]!;
        stepsUsedRows++;
      }
      batchStepsSum += last;
      timing.readoutMs += now() - t0;
    }
    nBatches++;
  }
  check(nBatches > 0, () => 'runSweep: the batch source yielded no batch.', ConfigError);
  timing.readoutOverhead = timing.forwardMs > 0 ? timing.readoutMs / timing.forwardMs : 0;
  const result: SweepRunResult = {
    sweep: acc.result(),
    timing,
    batches: nBatches,
    examples,
    settings: { steps, ks: [...ks], runs: R, init, depth: { ...depth }, earlyExit, ...(initScale !== undefined ? { initScale } : {}), ...(noise ? { noise: { ...noise } } : {}) },
  };
  if (earlyExit) result.earlyExit = { meanStepsUsed: stepsUsedRows > 0 ? stepsUsedSum / stepsUsedRows : 0, meanBatchSteps: batchStepsSum / nBatches };
  return result;
}

function flagsToList(flags: Uint8Array): number[] {
  const out: number[] = [];
  for (let s = 1; s < flags.length; s++) if (flags[s]) out.push(s);
  return out;
}
