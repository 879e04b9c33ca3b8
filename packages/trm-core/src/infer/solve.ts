/**
 * Inference: answer puzzles with a trained network (ALGORITHM.md §4.5, §8.2–§8.5). A fresh carry per call,
 * the `evalStep` loop (all T recursions without gradient, then the heads) for up to N_test supervision
 * steps, k runs of every example stacked as rows r·B + b, one read-out of the registry per step, and
 * per-example halting: an example's answer freezes at the first step whose confidence reaches
 * `haltThreshold` (0.5 = the official `q_halt > 0`). Plain arrays in, plain arrays out; no Node imports.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError, check } from '../errors.js';
import { IGNORE_LABEL } from '../data.js';
import type { TrmNetwork } from '../model/network.js';
import type { Latents } from '../model/recursion.js';
import { batchTensors, evalStep } from '../model/supervision.js';
import { Rng } from '../random.js';
import { drawLatentInit, type LatentInitMode } from '../train/variants/latent-init.js';
import { gatherRuns, readoutDef, sigmoid, type ReadoutName, type RunsDims } from './readouts.js';

export interface SolveOptions {
  /** N_test: the most supervision steps to run (default: the model's supervisionSteps, N_sup). */
  maxSteps?: number;
  /**
   * An example halts at the first step whose confidence is ≥ this, a probability in (0, 1] (default 0.5, the
   * official `q_halt > 0` up to ties); `null` runs every example for `maxSteps`.
   */
  haltThreshold?: number | null;
  /** k: runs of every example (default 1), combined by `readout` at every step (§8.4, §8.5). */
  k?: number;
  /** Read-out of the k runs (default 'single' for k = 1, 'puzzleMode' for k > 1). */
  readout?: ReadoutName;
  /** y0, z0 of each run (§8.3): default 'static' for k = 1, 'random' (one draw per run) for k > 1; 'mixed' = zeros at test. */
  latentInit?: LatentInitMode;
  /** Std of 'random' init vectors (default sqrt(1/D)). */
  initScale?: number;
  /** Seed of the 'random' draws (default 0). */
  seed?: number;
  /** Rows of the puzzle-embedding table, one per example (default 0, the blank puzzle). */
  puzzleIds?: ArrayLike<number>;
  /** Keep every step's read-out in `SolveResult.steps` (default false). */
  recordSteps?: boolean;
  /** Called after every step (awaited), e.g. to draw the grid refining. */
  onStep?: (step: SolveStep) => void | Promise<void>;
}

/** One supervision step of a solve. */
export interface SolveStep {
  /** s, 1-based. */
  step: number;
  /** This step's read-out `[B·L]` (token ids), halted examples included. */
  tokens: Int32Array;
  /** Confidence per example `[B]`: sigmoid(q_halt) of the chosen run (the mean over the k runs for cellMode). */
  confidence: Float32Array;
  /** `[B]` 1 where the example has halted (at this step or before). */
  halted: Uint8Array;
}

export interface SolveResult {
  /** The answers `[B·L]`: each example's read-out at the step it halted (or at the last step). */
  tokens: Int32Array;
  batchSize: number;
  cells: number;
  /** Supervision steps each example used `[B]`. */
  stepsUsed: Int32Array;
  /** Steps actually run (the largest of `stepsUsed`). */
  steps: number;
  /** `confidences[s − 1]` = the confidence per example `[B]` at step s. */
  confidences: Float32Array[];
  /** `predictions[s − 1]` = the read-out `[B·L]` at step s (with `recordSteps`). */
  predictions?: Int32Array[];
}

/** Inputs as one flat array `[B·L]` or as a list of rows of L tokens each. */
export type SolveInputs = ArrayLike<number> | readonly ArrayLike<number>[];

function flattenInputs(inputs: SolveInputs, L: number): Int32Array {
  const rows = isRowList(inputs) ? inputs : null;
  if (rows) {
    check(rows.length > 0, () => 'solve inputs: expected at least one row, got none.', ShapeError);
    const out = new Int32Array(rows.length * L);
    rows.forEach((r, b) => {
      check(r.length === L, () => `solve inputs: row ${b}: expected ${L} tokens (the model's seqLen), got ${r.length}.`, ShapeError);
      out.set(Array.from(r), b * L);
    });
    return out;
  }
  const flat = inputs as ArrayLike<number>;
  check(flat.length > 0 && flat.length % L === 0, () => `solve inputs: expected B·L tokens with L = ${L} (the model's seqLen), got ${flat.length}.`, ShapeError);
  return Int32Array.from(flat);
}

function isRowList(x: SolveInputs): x is readonly ArrayLike<number>[] {
  return Array.isArray(x) && x.length > 0 && typeof x[0] !== 'number';
}

/** y0, z0 of R runs × B examples, rows r·B + b: the static init, or one §8.3 draw per run. */
function runLatents(net: TrmNetwork, mode: LatentInitMode, runs: number, B: number, rng: Rng, initScale?: number): Latents {
  if (mode === 'static') return net.initialLatents(runs * B);
  const P = net.seqLenInternal;
  const D = net.config.hiddenSize;
  const ys = new Float32Array(runs * D);
  const zs = new Float32Array(runs * D);
  for (let r = 0; r < runs; r++) {
    const d = drawLatentInit(rng, mode, { batch: B, positions: P, hidden: D, training: false, initScale });
    if (d.kind !== 'vector') throw new ConfigError(`solve latentInit: mode '${mode}' gave a '${d.kind}' init at test; expected a [D] vector.`);
    ys.set(d.y, r * D);
    zs.set(d.z, r * D);
  }
  const spread = (v: Float32Array) => tf.tidy(() => tf.reshape(tf.broadcastTo(tf.tensor4d(v, [runs, 1, 1, D]), [runs, B, P, D]), [runs * B, P, D])); // [R·B, P, D]
  return { y: spread(ys), z: spread(zs) };
}

/**
 * Solves B puzzles: runs up to `maxSteps` supervision steps and returns each example's answer, the steps it
 * used and the per-step confidences. The network is used as given (pass EMA weights for a trained model).
 */
export async function solve(net: TrmNetwork, inputs: SolveInputs, options: SolveOptions = {}): Promise<SolveResult> {
  const L = net.config.seqLen;
  const flat = flattenInputs(inputs, L);
  const B = flat.length / L;
  const k = options.k ?? 1;
  const maxSteps = options.maxSteps ?? net.config.supervisionSteps;
  const threshold = options.haltThreshold === undefined ? 0.5 : options.haltThreshold;
  const name = options.readout ?? (k === 1 ? 'single' : 'puzzleMode');
  const init = options.latentInit ?? (k === 1 ? 'static' : 'random');
  check(Number.isInteger(k) && k >= 1, () => `solve k: expected an integer >= 1, got ${k}.`, ConfigError);
  check(Number.isInteger(maxSteps) && maxSteps >= 1, () => `solve maxSteps: expected an integer >= 1, got ${maxSteps}.`, ConfigError);
  check(threshold === null || (threshold > 0 && threshold <= 1), () => `solve haltThreshold: expected a probability in (0, 1] or null, got ${threshold}.`, ConfigError);
  const def = readoutDef(name);
  const puzzleIds = Int32Array.from(options.puzzleIds ?? new Int32Array(B));
  check(puzzleIds.length === B, () => `solve puzzleIds: expected one per example (${B}), got ${puzzleIds.length}.`, ShapeError);

  // k runs stacked as rows r·B + b (§8.5); labels are unused at inference.
  const rows = k * B;
  const stacked = new Int32Array(rows * L);
  const stackedIds = new Int32Array(rows);
  for (let r = 0; r < k; r++) {
    stacked.set(flat, r * B * L);
    stackedIds.set(puzzleIds, r * B);
  }
  const batch = batchTensors(net, { batchSize: rows, seqLen: L, inputs: stacked, labels: new Int32Array(rows * L).fill(IGNORE_LABEL), puzzleIds: stackedIds });
  const dims: RunsDims = { runs: k, batch: B, cells: L };
  const tokens = new Int32Array(B * L);
  const stepsUsed = new Int32Array(B);
  const confidences: Float32Array[] = [];
  const predictions: Int32Array[] | undefined = options.recordSteps ? [] : undefined;
  let running = B;
  let step = 0;
  let lat: Latents | null = null;
  try {
    lat = runLatents(net, init, k, B, new Rng(options.seed ?? 0), options.initScale);
    while (step < maxSteps && running > 0) {
      step++;
      const out = evalStep(net, batch, lat);
      tf.dispose([lat.y, lat.z, out.qContinue]);
      lat = { y: out.y, z: out.z };
      const predT = tf.argMax(out.logits, -1); // [R·B, L]
      out.logits.dispose();
      const [q, preds] = (await Promise.all([out.qHalt.data(), predT.data()])) as [Float32Array, Int32Array];
      tf.dispose([out.qHalt, predT]);

      let grid: Int32Array;
      const confidence = new Float32Array(B);
      if (def.kind === 'run') {
        const choice = def.choose(preds, q, dims, [k])[0]!;
        grid = gatherRuns(preds, choice, dims);
        for (let b = 0; b < B; b++) confidence[b] = sigmoid(q[choice[b]! * B + b]!);
      } else {
        grid = def.grids(preds, q, dims, [k])[0]!;
        for (let b = 0; b < B; b++) {
          let sum = 0;
          for (let r = 0; r < k; r++) sum += sigmoid(q[r * B + b]!);
          confidence[b] = sum / k;
        }
      }
      for (let b = 0; b < B; b++) {
        if (stepsUsed[b] !== 0) continue;
        tokens.set(grid.subarray(b * L, (b + 1) * L), b * L);
        if (threshold !== null && confidence[b]! >= threshold) {
          stepsUsed[b] = step;
          running--;
        }
      }
      confidences.push(confidence);
      predictions?.push(grid);
      const halted = Uint8Array.from(stepsUsed, (s) => (s > 0 ? 1 : 0));
      await options.onStep?.({ step, tokens: grid, confidence, halted });
    }
  } finally {
    if (lat) tf.dispose([lat.y, lat.z]);
    tf.dispose([batch.inputs, batch.labels, batch.puzzleIds]);
  }
  for (let b = 0; b < B; b++) if (stepsUsed[b] === 0) stepsUsed[b] = step;
  const result: SolveResult = { tokens, batchSize: B, cells: L, stepsUsed, steps: step, confidences };
  if (predictions) result.predictions = predictions;
  return result;
}

/** The answers only: `solve(...).tokens`, `[B·L]`. */
export async function predict(net: TrmNetwork, inputs: SolveInputs, options: Omit<SolveOptions, 'recordSteps'> = {}): Promise<Int32Array> {
  return (await solve(net, inputs, options)).tokens;
}
