/**
 * Bansal's progressive loss (ALGORITHM.md §10.3): each step runs a random number of its recursions outside the
 * gradient tape and a random number inside.
 */
import type { Rng } from '../../random.js';
import { checkInt } from './checks.js';
import type { DepthSchedule, StepDepth } from './variant.js';

/**
 * Split of one supervision step's T latent recursions (§10.3, TRM mapping (D)): `noGrad` a ~ U{0..T−1}
 * recursions without gradient, then `withGrad` k ~ U{1..T−a} with gradient (a + k ≤ T).
 */
export function drawProgressiveSplit(rng: Rng, recursions: number): { noGrad: number; withGrad: number } {
  checkInt('drawProgressiveSplit recursions (T)', recursions, 1);
  const noGrad = rng.int(0, recursions - 1);
  const withGrad = rng.int(1, recursions - noGrad);
  return { noGrad, withGrad };
}

/** Wraps a depth schedule: its T recursions split at random around the gradient tape (a untaped, k taped). */
export function progressiveLoss(inner: DepthSchedule): DepthSchedule {
  return {
    at(step, rng, carry): StepDepth {
      const d = inner.at(step, rng, carry);
      const { noGrad, withGrad } = drawProgressiveSplit(rng, d.recursions);
      return { ...d, untaped: noGrad, taped: withGrad };
    },
  };
}
