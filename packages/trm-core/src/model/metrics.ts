/**
 * Host-side metrics of ALGORITHM.md §4.8, shared by training (rows that halted at a step) and evaluation
 * (non-padding rows at the last step).
 */
import { IGNORE_LABEL } from '../data.js';

/** Sums over counted rows; divide by `count` (see `means`). */
export class RowMetrics {
  count = 0;
  accuracy = 0;
  exact = 0;
  qHaltAccuracy = 0;
  steps = 0;

  /**
   * Scores row `b` of `logits` [B·L·V] against `labels` [B·L] (argmax per cell); rows without a label are
   * skipped. `qHalt` is the row's raw halting logit (right when (q ≥ 0) == exact).
   */
  add(logits: ArrayLike<number>, labels: ArrayLike<number>, b: number, L: number, V: number, qHalt: number, steps = 0): void {
    let cnt = 0;
    let right = 0;
    for (let t = 0; t < L; t++) {
      const lab = labels[b * L + t]!;
      if (lab === IGNORE_LABEL) continue;
      cnt++;
      const base = (b * L + t) * V;
      let best = 0;
      for (let v = 1; v < V; v++) if (logits[base + v]! > logits[base + best]!) best = v;
      if (best === lab) right++;
    }
    if (cnt === 0) return;
    const isExact = right === cnt ? 1 : 0;
    this.count++;
    this.accuracy += right / cnt;
    this.exact += isExact;
    this.qHaltAccuracy += (qHalt >= 0 ? 1 : 0) === isExact ? 1 : 0;
    this.steps += steps;
  }

  means(): { count: number; accuracy: number; exactAccuracy: number; qHaltAccuracy: number; meanSteps: number } {
    const n = Math.max(1, this.count);
    return { count: this.count, accuracy: this.accuracy / n, exactAccuracy: this.exact / n, qHaltAccuracy: this.qHaltAccuracy / n, meanSteps: this.steps / n };
  }
}
