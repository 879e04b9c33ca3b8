/**
 * A training configuration resolved once into a policy: one choice per slot of variants/variant.ts. The
 * training step (trainer.ts) calls the slots; which variant fills a slot is decided here and only here.
 *
 *   restarts    streaming (official) | classic loop                        variants/loop.ts
 *   onRestart   N_sup caps, a classic batch's (n, T), exploration, targets variants/randomized-depth.ts, …
 *   depth       fixed / randomised (n, T) | CGAR curriculum, ± Bansal       variants/randomized-depth.ts, cgar.ts, bansal.ts
 *   weighting   running rows (jaxCompat gradient caps) × CGAR step weights, 'alive' normalisation
 *   targets     the rows' labels | DIS milestones
 */
import type { Carry, HaltRule } from './carry.js';
import type { ResolvedTrainConfig } from './config.js';
import { progressiveLoss } from './variants/bansal.js';
import { cgarCurriculum, cgarStepWeights } from './variants/cgar.js';
import { DisTargets } from './variants/dis.js';
import { Exploration } from './variants/exploration.js';
import { aliveNormalisation, batchRestarts, streamRestarts } from './variants/loop.js';
import { RandomizedDepth, SupervisionCaps } from './variants/randomized-depth.js';
import type { DepthSchedule, RestartHook, RestartRule, RowWeighting, Targets } from './variants/variant.js';

export interface TrainingPolicy {
  restarts: RestartRule;
  /** In this order (the order of the Rng draws). */
  onRestart: RestartHook[];
  depth: DepthSchedule;
  /** Applied in order to weights that start at 1 for every running row below its gradient cap. */
  weighting: RowWeighting[];
  /** The differentiated loss is multiplied by this ('globalBatch', official: 1 / B). */
  lossScale: number;
  targets: Targets;
  exploration: Exploration;
  halt: HaltRule;
}

/** The rows' own labels, with the Q losses. */
const LABELS: Targets = { labels: () => null, qLossWeight: 1 };

export function resolvePolicy(c: ResolvedTrainConfig): TrainingPolicy {
  const m = c.model;
  const stream = c.loop === 'stream';
  const jax = { jaxCompat: c.jaxCompat };
  const r = c.randomize;
  const recursion = new RandomizedDepth({ latentSteps: m.latentSteps, recursions: m.recursions }, { latentSteps: r.latentSteps, recursions: r.recursions }, !stream, jax);
  let depth: DepthSchedule = c.curriculum === 'cgar' ? cgarCurriculum(c.totalSteps) : recursion;
  if (c.progressiveLoss) depth = progressiveLoss(depth);
  const exploration = new Exploration(c.explorationDraw, m.haltExplorationProb);
  const dis = c.disTargets ? new DisTargets(m.seqLen, m.supervisionSteps) : null;
  const weighting: RowWeighting[] = [];
  if (c.stepWeighting === 'cgar') weighting.push(cgarStepWeights(m.supervisionSteps + r.supervisionSteps));
  if (c.lossNorm === 'alive') weighting.push(aliveNormalisation);
  return {
    restarts: stream ? streamRestarts : batchRestarts,
    onRestart: [new SupervisionCaps(m.supervisionSteps, r.supervisionSteps, stream, jax), recursion, exploration, ...(dis ? [dis] : [])],
    depth,
    weighting,
    lossScale: c.lossNorm === 'globalBatch' ? 1 / c.globalBatchSize : 1,
    targets: dis ?? LABELS,
    exploration,
    halt: { byQ: c.halting && !dis, qContinue: m.qContinue }, // DIS trains without halting (§10.5)
  };
}

/** Loss weights of one step: 1 for running rows below their gradient cap, 0 otherwise, then the policy's weighting. */
export function rowWeights(policy: TrainingPolicy, carry: Carry): Float32Array {
  const w = Float32Array.from(carry.halted, (h, b) => (!h && carry.steps[b]! < carry.gradCaps[b]! ? 1 : 0));
  for (const v of policy.weighting) v.apply(w, carry);
  return w;
}
