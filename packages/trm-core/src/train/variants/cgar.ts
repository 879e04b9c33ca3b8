/**
 * CGAR (ALGORITHM.md §10.4): a depth curriculum over training progress and hierarchical weights of the
 * supervision steps.
 */
import { ConfigError, check } from '../../errors.js';
import type { RecursionDepth } from './randomized-depth.js';
import { checkInt } from './checks.js';
import type { DepthSchedule, RowWeighting, StepDepth } from './variant.js';

/** A progressive depth curriculum: stage i applies while progress < thresholds[i] (last stage after). */
export interface DepthCurriculum {
  thresholds: readonly number[];
  stages: readonly Readonly<RecursionDepth>[];
}

/** [CGAR]: (n, T) = (2, 1) for ρ < 0.3, (4, 2) for ρ < 0.6, then (6, 3). */
export const CGAR_CURRICULUM: DepthCurriculum = Object.freeze({
  thresholds: Object.freeze([0.3, 0.6]),
  stages: Object.freeze([
    Object.freeze({ latentSteps: 2, recursions: 1 }),
    Object.freeze({ latentSteps: 4, recursions: 2 }),
    Object.freeze({ latentSteps: 6, recursions: 3 }),
  ]),
});

/** Validates a curriculum: one more stage than thresholds, thresholds strictly increasing in (0, 1], depths ≥ 1. */
export function checkDepthCurriculum(c: DepthCurriculum): void {
  check(Array.isArray(c.stages) && c.stages.length >= 1 && Array.isArray(c.thresholds) && c.thresholds.length === c.stages.length - 1, () => `depth curriculum: expected stages.length = thresholds.length + 1, got ${c.stages?.length} stages and ${c.thresholds?.length} thresholds.`, ConfigError);
  c.thresholds.forEach((t, i) => {
    const prev = i === 0 ? 0 : c.thresholds[i - 1]!;
    check(Number.isFinite(t) && t > prev && t <= 1, () => `depth curriculum thresholds[${i}]: expected a number in (${prev}, 1] (strictly increasing), got ${t}.`, ConfigError);
  });
  c.stages.forEach((s, i) => {
    checkInt(`depth curriculum stages[${i}].latentSteps`, s.latentSteps, 1);
    checkInt(`depth curriculum stages[${i}].recursions`, s.recursions, 1);
  });
}

/** (n, T) at training progress ρ = optimizer step / total steps (§10.4); ρ ≥ 1 gives the last stage. */
export function curriculumDepth(progress: number, curriculum: DepthCurriculum = CGAR_CURRICULUM): RecursionDepth {
  check(Number.isFinite(progress) && progress >= 0, () => `curriculumDepth progress: expected a number >= 0 (optimizer step / total steps), got ${progress}.`, ConfigError);
  checkDepthCurriculum(curriculum);
  let i = 0;
  while (i < curriculum.thresholds.length && progress >= curriculum.thresholds[i]!) i++;
  const s = curriculum.stages[i]!;
  return { latentSteps: s.latentSteps, recursions: s.recursions };
}

/**
 * CGAR hierarchical supervision weights (§10.4): w_t = decay^(t−1) / Σ_{s=1}^{N_sup} decay^(s−1) for
 * t = 1..N_sup (index t − 1); they sum to 1 (Z = 3.322 for N_sup = 16, decay 0.7). In the streaming loop t is
 * the row's own step count (D).
 */
export function hierarchicalStepWeights(supervisionSteps: number, decay = 0.7): Float64Array {
  checkInt('hierarchicalStepWeights supervisionSteps', supervisionSteps, 1);
  check(Number.isFinite(decay) && decay > 0, () => `hierarchicalStepWeights decay: expected a number > 0, got ${decay}.`, ConfigError);
  const w = new Float64Array(supervisionSteps);
  let z = 0;
  for (let t = 0; t < supervisionSteps; t++) z += (w[t] = decay ** t);
  for (let t = 0; t < supervisionSteps; t++) w[t]! /= z;
  return w;
}

/** CGAR's curriculum as a depth schedule: progress ρ = (step − 1) / totalSteps. */
export function cgarCurriculum(totalSteps: number, curriculum: DepthCurriculum = CGAR_CURRICULUM): DepthSchedule {
  return {
    at(step): StepDepth {
      const d = curriculumDepth((step - 1) / totalSteps, curriculum);
      return { ...d, untaped: d.recursions - 1, taped: 1 };
    },
  };
}

/** CGAR's step weights: a running row's loss is weighted by w_t of its own step t (§10.4, (D)). */
export function cgarStepWeights(supervisionSteps: number, decay = 0.7): RowWeighting {
  const w = hierarchicalStepWeights(supervisionSteps, decay);
  return {
    apply(weights, carry) {
      for (let b = 0; b < weights.length; b++) if (!carry.halted[b]) weights[b]! *= w[carry.steps[b]!]!;
    },
  };
}
