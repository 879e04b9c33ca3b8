/**
 * Per-step metrics (ALGORITHM.md §8.1), defined as the official loss head computes them (losses.py):
 * - a row counts when it is valid (not a padding row, §7.7) and has at least one non-ignored label;
 * - `cellAcc` = mean over counted rows of (correct non-ignored cells / non-ignored cells) — a per-row
 *   fraction, then the row mean (equal to the plain cell mean when every row has the same label count);
 * - `solved` (exact accuracy) = fraction of counted rows whose non-ignored cells are all right.
 */
import { IGNORE_LABEL, ShapeError, check } from '@trm-ts/core';
import { checkRuns, type RunsDims, type TokenArray } from './readouts.js';

/** Optional per-example mask, `[B]`: falsy = padding row, excluded from every metric. */
export type RowMask = ArrayLike<number | boolean>;

/** Sums (to aggregate over batches) and the resulting means; means are 0 when `rows` is 0. */
export interface StepScore {
  rows: number;
  solvedCount: number;
  cellAccSum: number; // Σ over counted rows of the per-row cell accuracy
  solved: number;
  cellAcc: number;
}

/** Per example: the number of non-ignored labels, or 0 when the row is masked out (so it is not counted). */
export function labelCounts(labels: Int32Array, batch: number, cells: number, valid?: RowMask): Int32Array {
  check(
    Number.isInteger(batch) && batch >= 1 && Number.isInteger(cells) && cells >= 1 && labels.length === batch * cells,
    () => `labels: expected length B·L = ${batch}·${cells} = ${batch * cells}, got ${labels.length}.`,
    ShapeError,
  );
  if (valid) {
    check(valid.length === batch, () => `valid mask: expected one entry per example (${batch}), got ${valid.length}.`, ShapeError);
  }
  const counts = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    if (valid && !valid[b]) continue;
    let n = 0;
    for (let i = b * cells, end = i + cells; i < end; i++) if (labels[i] !== IGNORE_LABEL) n++;
    counts[b] = n;
  }
  return counts;
}

/** For every run row r·B + b (r < `runs`): the number of non-ignored cells predicted right, `[runs·B]`. */
export function runRowCorrect(preds: TokenArray, labels: Int32Array, dims: RunsDims, runs = dims.runs): Int32Array {
  checkRuns(preds, null, dims, [runs]);
  const { batch: B, cells: L } = dims;
  check(labels.length === B * L, () => `labels: expected length B·L = ${B * L}, got ${labels.length}.`, ShapeError);
  const out = new Int32Array(runs * B);
  for (let r = 0; r < runs; r++) {
    for (let b = 0; b < B; b++) {
      const p = (r * B + b) * L;
      const t = b * L;
      let n = 0;
      for (let l = 0; l < L; l++) {
        const y = labels[t + l]!;
        if (y !== IGNORE_LABEL && preds[p + l] === y) n++;
      }
      out[r * B + b] = n;
    }
  }
  return out;
}

/** Builds a StepScore from sums. */
export function stepScore(rows: number, solvedCount: number, cellAccSum: number): StepScore {
  return {
    rows,
    solvedCount,
    cellAccSum,
    solved: rows > 0 ? solvedCount / rows : 0,
    cellAcc: rows > 0 ? cellAccSum / rows : 0,
  };
}

/** Scores one answer per example, `pred [B·L]` against `labels [B·L]` (§8.1). */
export function scorePredictions(pred: TokenArray, labels: Int32Array, cells: number, valid?: RowMask): StepScore {
  const batch = labels.length / cells;
  check(
    Number.isInteger(batch) && pred.length === labels.length,
    () => `scorePredictions: expected predictions and labels of equal length B·L (L = ${cells}), got ${pred.length} and ${labels.length}.`,
    ShapeError,
  );
  return scoreRows(runRowCorrect(pred, labels, { runs: 1, batch, cells }), new Int32Array(batch), labelCounts(labels, batch, cells, valid));
}

/**
 * The one scorer (§8.1): per example b, the run `choice[b]` is scored — `correct` holds right cells per run row
 * (row r·B + b), `counts` labelled cells per example (0 = not counted). One answer per example is choice 0.
 */
export function scoreRows(correct: Int32Array, choice: Int32Array, counts: Int32Array): StepScore {
  const B = counts.length;
  let rows = 0;
  let solved = 0;
  let acc = 0;
  for (let b = 0; b < B; b++) {
    const n = counts[b]!;
    if (n === 0) continue;
    const c = correct[choice[b]! * B + b]!;
    rows++;
    acc += c / n;
    if (c === n) solved++;
  }
  return stepScore(rows, solved, acc);
}
