/**
 * The ARC evaluation driver (ALGORITHM.md §8.7, issue 5 item 4): every test batch runs N_test supervision
 * steps (official: N_sup = 16, no early stop, §4.5); the final step's predictions and q_halt of every non-padding
 * row vote in an ArcVoter, which ranks, scores pass@K and builds the submission.
 */
import { ConfigError, check, type BatchIterable, type LatentInitMode, type Rng } from '@trm-ts/core';
import { ArcVoter, type ArcEvalResult, type ArcTestPuzzles } from '../arc/voter.js';
import { asEvalModel, rngOf, type EvalDepth, type ModelLike } from './model.js';
import { trajectory } from './trajectory.js';

export interface ArcRunOptions {
  /** N_test (official evaluation: the model's N_sup, 16). */
  steps: number;
  /** identifiers.json: puzzle id → name (`<task>|||t<tid>|||<map>`). */
  identifiers: readonly string[];
  /** The test tasks with solutions (test_puzzles.json). */
  testPuzzles: ArcTestPuzzles;
  /** Voter to use (default a fresh one; pass `new ArcVoter({ accumulate: true })` for the official accumulation). */
  voter?: ArcVoter;
  /** Puzzle id of padding rows (default 0, `blank_identifier_id`). */
  blankId?: number;
  init?: LatentInitMode;
  initScale?: number;
  seed?: number | Rng;
  depth?: EvalDepth;
  maxBatches?: number;
}

export interface ArcRunResult extends ArcEvalResult {
  /** Batches run and rows that voted in this call. */
  batches: number;
  rows: number;
  forwardMs: number;
}

/** Runs the model over the ARC test batches and scores the votes. */
export async function evaluateArc(model: ModelLike, batches: BatchIterable, options: ArcRunOptions): Promise<ArcRunResult> {
  const m = asEvalModel(model);
  const { steps, identifiers, testPuzzles, blankId = 0, init = 'static', initScale, depth = {}, maxBatches = Infinity } = options;
  const voter = options.voter ?? new ArcVoter();
  check(m.cells === voter.side * voter.side, () => `evaluateArc: expected a model with seqLen = side² = ${voter.side * voter.side} (ARC canvas), got ${m.cells}. Pass a voter with the matching side.`, ConfigError);
  const rng = rngOf(options.seed);
  let nBatches = 0;
  let rows = 0;
  let forwardMs = 0;
  for await (const batch of batches) {
    if (nBatches >= maxBatches) break;
    nBatches++;
    // Rows marked invalid vote as padding even if their puzzle id is not the blank id.
    const puzzleIds = batch.valid ? batch.puzzleIds.map((id, b) => (batch.valid![b] ? id : blankId)) : batch.puzzleIds;
    for await (const st of trajectory(m, batch, { steps, init, initScale, depth, seed: rng, record: [steps] })) {
      forwardMs += st.forwardMs;
      if (st.step !== steps) continue;
      voter.addBatch({ puzzleIds, identifiers, inputs: batch.inputs, preds: st.preds!, qHalt: st.qHalt, blankId });
      for (const id of puzzleIds) if (id !== blankId) rows++;
    }
  }
  check(nBatches > 0, () => 'evaluateArc: the batch source yielded no batch.', ConfigError);
  return { ...voter.evaluate(testPuzzles), batches: nBatches, rows, forwardMs };
}
