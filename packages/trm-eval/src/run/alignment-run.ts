/**
 * Path-independence runs (ALGORITHM.md §9, issue 5 item 3).
 * - Derangement AA (§9.1): run 1 from the default init for N_test steps; run 2 restarts every example from
 *   another example's final latents (y and z, a derangement π: nobody keeps its own state) for N_test steps;
 *   AA_y, AA_z = mean cosine of the two runs' final latents; AA_pred = per-step prediction agreement.
 * - All-pairs AA (§9.2) on a subsample of Bs examples: every example j rerun from every example i's final
 *   latents (Bs² runs, stacked several inits per forward pass); biased, off-diagonal and diagonal means.
 */
import { ConfigError, check, type BatchIterable, type LatentInitMode, type Rng, type TaskBatch } from '@trm-ts/core';
import { AlignmentAccumulator, AllPairsAccumulator, cosinePerExample, randomDerangement, rollDerangement, type AlignmentResult, type AllPairsResult } from '../alignment.js';
import { scorePredictions, stepScore } from '../metrics.js';
import { asEvalModel, rngOf, type EvalDepth, type EvalInit, type EvalModel, type ModelLike } from './model.js';
import { recordFlags, trajectory } from './trajectory.js';

interface CommonOptions {
  /** N_test of each run (the [jax] runs use 512 / 768; §11.4 CPU scale: 64). */
  steps: number;
  /** Steps of the prediction-agreement curve (default every step). */
  record?: readonly number[];
  /** Init of run 1 (default 'static'). */
  init?: LatentInitMode;
  /** Std of `random` init vectors (default sqrt(1/D)). */
  initScale?: number;
  /** Seed of init draws and of a random derangement (default 0). */
  seed?: number | Rng;
  /** n, T at test (default the model's). */
  depth?: EvalDepth;
}

export interface DerangementRunOptions extends CommonOptions {
  /** 'roll' (default, [jax]: π(i) = (i − 1) mod B over the batch's valid rows) or a seeded uniform 'random' derangement. */
  derangement?: 'roll' | 'random';
  /** Stop after this many batches (default: all). */
  maxBatches?: number;
  /** Also return the per-example values (`perRow`), e.g. for bootstrap CIs over puzzles and paired tests. */
  perRow?: boolean;
}

/** Per-example values of a derangement run, valid rows in source order. */
export interface DerangementPerRow {
  /** cos of run 1's and run 2's final y, z per example. */
  aaY: number[];
  aaZ: number[];
  /** Fraction of cells where run 1 and run 2 agree at s = N_test. */
  aaPred: number[];
  /** Run 1 solved the example at s = N_test. */
  solved: boolean[];
}

export interface DerangementRunResult extends AlignmentResult {
  batches: number;
  /** Valid rows left out because their batch had fewer than 2 valid rows (no derangement exists). */
  skippedRows: number;
  /** Forward time of both runs, ms. */
  forwardMs: number;
  /** Run 1 (from the default init) scored at its final step on the same rows: a free test score of the model. */
  reference: { rows: number; solved: number; cellAcc: number };
  /** With `perRow: true`. */
  perRow?: DerangementPerRow;
}

const tokenCopy = (p: Int32Array, vocab: number): Int32Array | Uint8Array => (vocab <= 256 ? Uint8Array.from(p) : Int32Array.from(p));

/** Run 1 of §9.1/§9.2: predictions kept at recorded steps (Uint8 when V ≤ 256), final latents. */
async function referenceRun(m: EvalModel, batch: TaskBatch, o: CommonOptions, flags: Uint8Array, rng: Rng, init: EvalInit) {
  const preds = new Map<number, Int32Array | Uint8Array>();
  let y!: Float32Array;
  let z!: Float32Array;
  let forwardMs = 0;
  const record = [...new Set([...listOf(flags), o.steps])].sort((a, b) => a - b); // the final step is always scored
  for await (const st of trajectory(m, batch, { steps: o.steps, init, initScale: o.initScale, depth: o.depth ?? {}, seed: rng, record, latents: 'final' })) {
    forwardMs += st.forwardMs;
    if (st.preds) preds.set(st.step, tokenCopy(st.preds, m.vocab));
    if (st.y) ({ y, z } = st as { y: Float32Array; z: Float32Array });
  }
  return { preds, y, z, forwardMs };
}

function listOf(flags: Uint8Array): number[] {
  const out: number[] = [];
  for (let s = 1; s < flags.length; s++) if (flags[s]) out.push(s);
  return out;
}

/** Derangement AA over every batch of `batches` (§9.1). Padding rows (valid = 0) neither count nor lend latents. */
export async function derangementAlignment(model: ModelLike, batches: BatchIterable, options: DerangementRunOptions): Promise<DerangementRunResult> {
  const m = asEvalModel(model);
  const { derangement = 'roll', maxBatches = Infinity } = options;
  check(derangement === 'roll' || derangement === 'random', () => `derangementAlignment: expected derangement 'roll' or 'random', got '${String(derangement)}'.`, ConfigError);
  const flags = recordFlags(options.record, options.steps, 'derangementAlignment');
  const rng = rngOf(options.seed);
  const acc = new AlignmentAccumulator();
  const rowSize = m.positions * m.hidden;
  let nBatches = 0;
  let skippedRows = 0;
  let forwardMs = 0;
  const ref = { rows: 0, solvedCount: 0, cellAccSum: 0 }; // run 1's final step, summed over batches (§8.1 metrics)
  const perRow: DerangementPerRow | null = options.perRow ? { aaY: [], aaZ: [], aaPred: [], solved: [] } : null;
  const record2 = perRow ? [...new Set([...listOf(flags), options.steps])].sort((a, b) => a - b) : listOf(flags);
  for await (const batch of batches) {
    if (nBatches >= maxBatches) break;
    nBatches++;
    const B = batch.batchSize;
    const validRows: number[] = [];
    for (let b = 0; b < B; b++) if (!batch.valid || batch.valid[b]) validRows.push(b);
    if (validRows.length < 2) {
      skippedRows += validRows.length;
      continue;
    }
    // π over the valid rows only; a padding row keeps its own (unused) state.
    const local = derangement === 'roll' ? rollDerangement(validRows.length) : randomDerangement(validRows.length, rng);
    const perm = Int32Array.from({ length: B }, (_, b) => b);
    validRows.forEach((b, i) => (perm[b] = validRows[local[i]!]!));
    const mask = batch.valid ?? new Uint8Array(B).fill(1);

    const run1 = await referenceRun(m, batch, options, flags, rng, options.init ?? 'static');
    const score = scorePredictions(run1.preds.get(options.steps)!, batch.labels, batch.seqLen, batch.valid);
    ref.rows += score.rows;
    ref.solvedCount += score.solvedCount;
    ref.cellAccSum += score.cellAccSum;
    const start = { y: new Float32Array(run1.y.length), z: new Float32Array(run1.z.length) };
    for (let b = 0; b < B; b++) {
      start.y.set(run1.y.subarray(perm[b]! * rowSize, (perm[b]! + 1) * rowSize), b * rowSize);
      start.z.set(run1.z.subarray(perm[b]! * rowSize, (perm[b]! + 1) * rowSize), b * rowSize);
    }
    forwardMs += run1.forwardMs;
    for await (const st of trajectory(m, batch, { steps: options.steps, init: start, depth: options.depth ?? {}, record: record2, latents: 'final' })) {
      forwardMs += st.forwardMs;
      if (st.preds && flags[st.step]) acc.addAgreement(st.step, run1.preds.get(st.step)!, st.preds, m.cells, mask);
      if (st.y && st.z) {
        acc.addLatents('y', run1.y, st.y, B, mask);
        acc.addLatents('z', run1.z, st.z, B, mask);
      }
      if (perRow && st.step === options.steps) {
        const cy = cosinePerExample(run1.y, st.y!, B);
        const cz = cosinePerExample(run1.z, st.z!, B);
        const p1 = run1.preds.get(options.steps)!;
        const L = m.cells;
        for (const b of validRows) {
          let equal = 0;
          let right = 0;
          let counted = 0;
          for (let i = b * L; i < (b + 1) * L; i++) {
            if (p1[i] === st.preds![i]) equal++;
            const label = batch.labels[i]!;
            if (label < 0) continue; // IGNORE_LABEL: no target
            counted++;
            if (p1[i] === label) right++;
          }
          perRow.aaY.push(cy[b]!);
          perRow.aaZ.push(cz[b]!);
          perRow.aaPred.push(equal / L);
          perRow.solved.push(counted > 0 && right === counted);
        }
      }
    }
  }
  check(nBatches > 0, () => 'derangementAlignment: the batch source yielded no batch.', ConfigError);
  check(acc.result().rows > 0, () => 'derangementAlignment: no batch had 2 or more valid rows; AA needs B >= 2.', ConfigError);
  const { rows, solved, cellAcc } = stepScore(ref.rows, ref.solvedCount, ref.cellAccSum);
  const reference = { rows, solved, cellAcc };
  return { ...acc.result(), batches: nBatches, skippedRows, forwardMs, reference, ...(perRow ? { perRow } : {}) };
}


export interface AllPairsRunOptions extends CommonOptions {
  /** Bs: the first Bs valid examples of the source are used (default 16; §9.2 suggests 16–32). */
  examples?: number;
  /** Rows per forward pass of the reruns: ⌊rowsPerPass / Bs⌋ inits run in lockstep (default 256). */
  rowsPerPass?: number;
}

/** Prediction agreement of reruns with run 1 per recorded step: all pairs, i ≠ j only, and i = j only. */
export interface AllPairsAgreement {
  steps: number[];
  biased: number[];
  offDiagonal: number[];
  diagonal: number[];
}

export interface AllPairsRunResult {
  y: AllPairsResult;
  z: AllPairsResult;
  agreement: AllPairsAgreement;
  examples: number;
  forwardMs: number;
}

/** Collects the first `n` valid rows of a batch source into one batch (no padding rows). */
export async function takeExamples(batches: BatchIterable, n: number, cells: number): Promise<TaskBatch> {
  check(Number.isInteger(n) && n >= 1, () => `takeExamples: expected n >= 1, got ${n}.`, ConfigError);
  const inputs = new Int32Array(n * cells);
  const labels = new Int32Array(n * cells);
  const puzzleIds = new Int32Array(n);
  let got = 0;
  for await (const b of batches) {
    check(b.seqLen === cells, () => `takeExamples: expected seqLen ${cells}, got ${b.seqLen}.`, ConfigError);
    for (let i = 0; i < b.batchSize && got < n; i++) {
      if (b.valid && !b.valid[i]) continue;
      inputs.set(b.inputs.subarray(i * cells, (i + 1) * cells), got * cells);
      labels.set(b.labels.subarray(i * cells, (i + 1) * cells), got * cells);
      puzzleIds[got++] = b.puzzleIds[i]!;
    }
    if (got === n) break;
  }
  check(got === n, () => `takeExamples: expected ${n} valid examples, the source has ${got}. Lower 'examples'.`, ConfigError);
  return { batchSize: n, seqLen: cells, inputs, labels, puzzleIds };
}

/** All-pairs AA (§9.2) on the first Bs valid examples of `batches`. */
export async function allPairsAlignment(model: ModelLike, batches: BatchIterable, options: AllPairsRunOptions): Promise<AllPairsRunResult> {
  const m = asEvalModel(model);
  const { examples: Bs = 16, rowsPerPass = 256 } = options;
  check(Number.isInteger(Bs) && Bs >= 2, () => `allPairsAlignment: expected examples to be an integer >= 2, got ${Bs}.`, ConfigError);
  check(Number.isInteger(rowsPerPass) && rowsPerPass >= 1, () => `allPairsAlignment: expected rowsPerPass >= 1, got ${rowsPerPass}.`, ConfigError);
  const flags = recordFlags(options.record, options.steps, 'allPairsAlignment');
  const rng = rngOf(options.seed);
  const L = m.cells;
  const rowSize = m.positions * m.hidden;
  const batch = await takeExamples(batches, Bs, L);
  const run1 = await referenceRun(m, batch, options, flags, rng, options.init ?? 'static');
  let forwardMs = run1.forwardMs;
  const accY = new AllPairsAccumulator(run1.y, Bs);
  const accZ = new AllPairsAccumulator(run1.z, Bs);
  const steps = listOf(flags);
  const counts = new Map(steps.map((s) => [s, { diagEq: 0, diagN: 0, offEq: 0, offN: 0 }]));
  const group = Math.max(1, Math.floor(rowsPerPass / Bs));
  for (let i0 = 0; i0 < Bs; i0 += group) {
    const G = Math.min(group, Bs - i0);
    // Rows g·Bs + j: example j started from init i0 + g's final latents (both y and z).
    const start = { y: new Float32Array(G * Bs * rowSize), z: new Float32Array(G * Bs * rowSize) };
    for (let g = 0; g < G; g++) {
      const i = i0 + g;
      for (let j = 0; j < Bs; j++) {
        start.y.set(run1.y.subarray(i * rowSize, (i + 1) * rowSize), (g * Bs + j) * rowSize);
        start.z.set(run1.z.subarray(i * rowSize, (i + 1) * rowSize), (g * Bs + j) * rowSize);
      }
    }
    for await (const st of trajectory(m, batch, { steps: options.steps, runs: G, init: start, depth: options.depth ?? {}, record: steps, latents: 'final' })) {
      forwardMs += st.forwardMs;
      if (st.preds) {
        const ref = run1.preds.get(st.step)!;
        const c = counts.get(st.step)!;
        for (let g = 0; g < G; g++) {
          for (let j = 0; j < Bs; j++) {
            let eq = 0;
            const p = (g * Bs + j) * L;
            for (let l = 0; l < L; l++) if (st.preds[p + l] === ref[j * L + l]) eq++;
            if (i0 + g === j) {
              c.diagEq += eq;
              c.diagN += L;
            } else {
              c.offEq += eq;
              c.offN += L;
            }
          }
        }
      }
      if (st.y && st.z) {
        for (let g = 0; g < G; g++) {
          accY.addInit(i0 + g, st.y.subarray(g * Bs * rowSize, (g + 1) * Bs * rowSize));
          accZ.addInit(i0 + g, st.z.subarray(g * Bs * rowSize, (g + 1) * Bs * rowSize));
        }
      }
    }
  }
  const strip = ({ biased, offDiagonal, diagonal }: AllPairsResult): AllPairsResult => ({ biased, offDiagonal, diagonal });
  const agreement: AllPairsAgreement = { steps, biased: [], offDiagonal: [], diagonal: [] };
  for (const s of steps) {
    const c = counts.get(s)!;
    agreement.biased.push((c.diagEq + c.offEq) / (c.diagN + c.offN));
    agreement.offDiagonal.push(c.offEq / c.offN);
    agreement.diagonal.push(c.diagEq / c.diagN);
  }
  return { y: strip(accY.result()), z: strip(accZ.result()), agreement, examples: Bs, forwardMs };
}
