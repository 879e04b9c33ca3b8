/**
 * The carry of deep supervision (ALGORITHM.md §4.2): per-row state that outlives one optimizer step — the
 * row's sample, its supervision-step count and cap, and whether it has halted — and the halting rule (§4.4),
 * as plain functions over host arrays. The latents y, z live beside it on the device (Trainer).
 */
import type { TaskBatch } from '../data.js';
import type { RecursionDepth } from './variants/randomized-depth.js';

export interface Carry {
  inputs: Int32Array; // [B·L]
  labels: Int32Array; // [B·L]
  puzzleIds: Int32Array; // [B]
  /** Supervision steps the row has run. */
  steps: Int32Array; // [B]
  /** N_sup of the row (randomised N_sup). */
  caps: Int32Array; // [B]
  /** jaxCompat: steps at or past this carry zero gradient. */
  gradCaps: Int32Array; // [B]
  /** Exploration: the row may not halt by q_halt before this step (§4.4). */
  minSteps: Int32Array; // [B]
  halted: Uint8Array; // [B]
  /** DIS milestones per row: [B·(N_sup+1)·L] (only with disTargets). */
  milestones: Int32Array | null;
  /** n, T of the current batch (classic loop). */
  depth: RecursionDepth;
}

/** A carry of B rows of length L in which every row has halted (so the first step fills them all). */
export function createCarry(B: number, L: number, depth: RecursionDepth): Carry {
  return {
    inputs: new Int32Array(B * L), labels: new Int32Array(B * L), puzzleIds: new Int32Array(B),
    steps: new Int32Array(B), caps: new Int32Array(B), gradCaps: new Int32Array(B), minSteps: new Int32Array(B),
    halted: new Uint8Array(B).fill(1), milestones: null, depth,
  };
}

/** Rows whose flag is set take row b of `fresh` and start at step 0. */
export function fillRows(carry: Carry, fresh: TaskBatch, rows: Uint8Array): void {
  const L = carry.inputs.length / carry.puzzleIds.length;
  for (let b = 0; b < rows.length; b++) {
    if (!rows[b]) continue;
    carry.inputs.set(fresh.inputs.subarray(b * L, (b + 1) * L), b * L);
    carry.labels.set(fresh.labels.subarray(b * L, (b + 1) * L), b * L);
    carry.puzzleIds[b] = fresh.puzzleIds[b]!;
    carry.steps[b] = 0;
    carry.halted[b] = 0;
  }
}

/** The carry's per-row arrays as stored in a snapshot (host copies). */
export type CarryArrays = Record<'inputs' | 'labels' | 'puzzleIds' | 'steps' | 'caps' | 'gradCaps' | 'minSteps' | 'halted', Int32Array> & { milestones: Int32Array | null };

/** Copies of the carry's per-row arrays, for a snapshot. */
export function carryArrays(c: Carry): CarryArrays {
  return {
    inputs: c.inputs.slice(), labels: c.labels.slice(), puzzleIds: c.puzzleIds.slice(), steps: c.steps.slice(), caps: c.caps.slice(),
    gradCaps: c.gradCaps.slice(), minSteps: c.minSteps.slice(), halted: Int32Array.from(c.halted), milestones: c.milestones?.slice() ?? null,
  };
}

/** Puts a snapshot's arrays and depth back into a carry of the same sizes (validated by the caller). */
export function restoreCarry(c: Carry, a: CarryArrays, depth: RecursionDepth): void {
  c.inputs.set(a.inputs); c.labels.set(a.labels); c.puzzleIds.set(a.puzzleIds); c.steps.set(a.steps); c.caps.set(a.caps);
  c.gradCaps.set(a.gradCaps); c.minSteps.set(a.minSteps); c.halted.set(a.halted); c.milestones = a.milestones?.slice() ?? null;
  c.depth = depth;
}

/** 1 for every row that runs this step. */
export function runningRows(carry: Carry): Uint8Array {
  return Uint8Array.from(carry.halted, (h) => 1 - h);
}

export interface HaltRule {
  /** Halting by q_halt (false: every row runs its N_sup cap). */
  byQ: boolean;
  /** HRM's rule: halt when q_halt > q_continue, instead of q_halt > 0. */
  qContinue: boolean;
}

/**
 * The halting rule (§4.4) for rows that have just run step `steps[b]`: a row halts at its cap, or when its
 * halting head says so — unless its cap is 1 or the exploration veto (`minSteps`) still holds.
 */
export function shouldHalt(carry: Carry, b: number, qHalt: number, qContinue: number, rule: HaltRule): boolean {
  const steps = carry.steps[b]!;
  const cap = carry.caps[b]!;
  if (steps >= cap) return true;
  if (!rule.byQ || cap <= 1) return false;
  const wantsHalt = rule.qContinue ? qHalt > qContinue : qHalt > 0;
  return wantsHalt && steps >= carry.minSteps[b]!;
}
