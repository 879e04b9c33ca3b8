/**
 * The exploration veto of the halting rule (ALGORITHM.md §4.4, §12.9): with probability
 * `halt_exploration_prob` a row may not halt by q_halt before a step drawn from U{2..N_sup}.
 */
import { ConfigError, ShapeError, check } from '../../errors.js';
import type { Rng } from '../../random.js';
import type { Carry } from '../carry.js';
import { checkInt, checkProb } from './checks.js';
import type { RestartHook } from './variant.js';

/** 'perStep': a fresh veto for every row at every step (official); 'perSample': once per sample ([jax]). */
export type ExplorationDraw = 'perStep' | 'perSample';

function drawOneMinSteps(rng: Rng, supervisionSteps: number, prob: number): number {
  if (supervisionSteps < 2) return 0; // official: exploration only when N_sup > 1 (U{2..1} is empty)
  return rng.next() < prob ? rng.int(2, supervisionSteps) : 0;
}

function capOf(what: string, supervisionSteps: number | ArrayLike<number>, i: number): number {
  const n = typeof supervisionSteps === 'number' ? supervisionSteps : supervisionSteps[i]!;
  checkInt(`${what} supervisionSteps`, n, 1);
  return n;
}

/**
 * Minimum step counts for `count` rows: with probability `prob` (`halt_exploration_prob`, 0.1) a draw from
 * U{2..N_sup}, else 0 (§4.4). A row may halt at step s only if s ≥ minSteps. `supervisionSteps` is N_sup,
 * or one cap per row (randomised N_sup in the streaming loop).
 */
export function drawMinSteps(rng: Rng, count: number, supervisionSteps: number | ArrayLike<number>, prob: number): Int32Array {
  checkInt('drawMinSteps count', count, 0);
  checkProb('drawMinSteps prob', prob);
  if (typeof supervisionSteps !== 'number') {
    check(supervisionSteps.length === count, () => `drawMinSteps supervisionSteps: expected one cap per row (${count}), got ${supervisionSteps.length}.`, ShapeError);
  }
  const out = new Int32Array(count);
  for (let b = 0; b < count; b++) out[b] = drawOneMinSteps(rng, capOf('drawMinSteps', supervisionSteps, b), prob);
  return out;
}

/**
 * Refreshes `minSteps` in place before the halting decision of a step: 'perStep' redraws every row;
 * 'perSample' redraws only rows whose sample just (re)started (`restarted[b]` truthy; all rows if omitted,
 * i.e. the start of a classic-loop batch).
 */
export function refreshMinSteps(
  rng: Rng,
  minSteps: Int32Array,
  mode: ExplorationDraw,
  supervisionSteps: number | ArrayLike<number>,
  prob: number,
  restarted?: ArrayLike<boolean | number>,
): void {
  check(mode === 'perStep' || mode === 'perSample', () => `refreshMinSteps mode: expected 'perStep' or 'perSample', got '${String(mode)}'.`, ConfigError);
  checkProb('refreshMinSteps prob', prob);
  const count = minSteps.length;
  if (typeof supervisionSteps !== 'number') {
    check(supervisionSteps.length === count, () => `refreshMinSteps supervisionSteps: expected one cap per row (${count}), got ${supervisionSteps.length}.`, ShapeError);
  }
  if (restarted !== undefined) {
    check(restarted.length === count, () => `refreshMinSteps restarted: expected one flag per row (${count}), got ${restarted.length}.`, ShapeError);
  }
  for (let b = 0; b < count; b++) {
    if (mode === 'perSample' && restarted !== undefined && !restarted[b]) continue;
    minSteps[b] = drawOneMinSteps(rng, capOf('refreshMinSteps', supervisionSteps, b), prob);
  }
}

/** The exploration veto as a policy slot: redrawn for every row after each step, or once when a row starts. */
export class Exploration implements RestartHook {
  constructor(
    private readonly mode: ExplorationDraw,
    private readonly prob: number,
  ) {}

  onRestart(rng: Rng, carry: Carry, rows: Uint8Array): void {
    if (this.mode === 'perSample') refreshMinSteps(rng, carry.minSteps, 'perSample', carry.caps, this.prob, rows);
  }

  /** Before the halting decision of every step. */
  afterStep(rng: Rng, carry: Carry): void {
    if (this.mode === 'perStep') refreshMinSteps(rng, carry.minSteps, 'perStep', carry.caps, this.prob);
  }
}
