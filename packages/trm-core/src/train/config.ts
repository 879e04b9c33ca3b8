/**
 * Training configuration (ALGORITHM.md §1.3, §4, §5, §8.3, §10): a plain object, frozen defaults,
 * `resolveTrainConfig(partial)` and presets. Defaults mirror the official Sudoku-Extreme recipe except where
 * a key is an extension (loop, latent init, randomisation, curricula), whose default is the official behaviour.
 */
import { resolveTrmConfig, type TrmConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { checkCentredRange } from './variants/randomized-depth.js';
import type { ExplorationDraw } from './variants/exploration.js';
import type { LatentInitMode } from './variants/latent-init.js';
import { describeValue } from '../describe.js';

export interface TrainConfig {
  /** The model (TrmConfig, partial allowed; resolved on use). */
  model: Partial<TrmConfig>;
  /** 'stream' = official streaming carry (§4.2); 'batch' = classic per-batch loop (§4.3). */
  loop: 'stream' | 'batch';
  /** `global_batch_size`. */
  globalBatchSize: number;
  /** Rows per forward/backward pass (gradient accumulation; exact). Default: the whole batch. */
  microBatch?: number;
  /**
   * Recompute each taped application of f in the backward pass (default true): memory ∝ one application of f
   * instead of n + 1, for about 15–20% more time per step. Small models train faster with false.
   */
  rematerialize?: boolean;
  /** Total optimizer steps S of the run. */
  totalSteps: number;
  optimizer: 'adamAtan2' | 'adamW';
  lr: number;
  lrWarmupSteps: number;
  /** 1 = constant after warm-up (official); < 1 = cosine to lr·ratio. */
  lrMinRatio: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  puzzleEmbLr: number;
  puzzleEmbWeightDecay: number;
  /** Global-norm gradient clipping (null = off, official). */
  gradClipNorm: number | null;
  ema: boolean;
  emaRate: number;
  /** Halting by q_halt during training (false: always N_sup steps). */
  halting: boolean;
  explorationDraw: ExplorationDraw;
  /** §8.3 init of y0, z0 when a sample starts. */
  latentInit: LatentInitMode;
  /** Std of `random` init vectors (null = sqrt(1/D), the blog's). */
  initScale: number | null;
  /** Half-widths w of the uniform draws U{c−w..c+w} of n, T, N_sup (§10.1); 0 = fixed. */
  randomize: { latentSteps: number; recursions: number; supervisionSteps: number };
  /** Reproduce the trm-jax quirks of randomisation (clip at 1 and at N_sup; not compute-matched). */
  jaxCompat: boolean;
  /** Bansal progressive loss (§10.3): a ~ U{0..T−1} untaped recursions, k ~ U{1..T−a} taped. */
  progressiveLoss: boolean;
  /** 'cgar': (n, T) = (2,1) → (4,2) → (6,3) at 30% / 60% of training (§10.4). */
  curriculum: 'none' | 'cgar';
  /** 'cgar': supervision step t weighted by 0.7^(t−1)/Z (§10.4). */
  stepWeighting: 'none' | 'cgar';
  /** DIS milestone targets (§10.5): step t trains against the t-th milestone (halting is switched off). */
  disTargets: boolean;
  /** 'globalBatch' (official): loss sums / globalBatchSize; 'alive': mean over the rows still running ([jax]). */
  lossNorm: 'globalBatch' | 'alive';
  seed: number;
}

export const TRAIN_DEFAULTS: Readonly<Omit<TrainConfig, 'model'>> = Object.freeze({
  loop: 'stream',
  globalBatchSize: 768,
  totalSteps: 65104,
  optimizer: 'adamAtan2',
  lr: 1e-4,
  lrWarmupSteps: 2000,
  lrMinRatio: 1,
  beta1: 0.9,
  beta2: 0.95,
  weightDecay: 1.0,
  puzzleEmbLr: 1e-4,
  puzzleEmbWeightDecay: 1.0,
  gradClipNorm: null,
  ema: true,
  emaRate: 0.999,
  halting: true,
  explorationDraw: 'perStep',
  latentInit: 'static',
  initScale: null,
  randomize: Object.freeze({ latentSteps: 0, recursions: 0, supervisionSteps: 0 }),
  jaxCompat: false,
  progressiveLoss: false,
  curriculum: 'none',
  stepWeighting: 'none',
  disTargets: false,
  lossNorm: 'globalBatch',
  seed: 0,
});

export interface ResolvedTrainConfig extends TrainConfig {
  model: TrmConfig;
}

/** Fills defaults and validates every key; throws ConfigError naming the key. */
export function resolveTrainConfig(partial: Partial<TrainConfig>): ResolvedTrainConfig {
  const known = new Set([...Object.keys(TRAIN_DEFAULTS), 'model', 'microBatch', 'rematerialize']);
  const unknown = Object.keys(partial).filter((k) => !known.has(k));
  if (unknown.length) throw new ConfigError(`train config: unknown key(s) ${describeValue(unknown)}. Valid keys: ${[...known].join(', ')}.`);
  const model = resolveTrmConfig(partial.model ?? {});
  const c: ResolvedTrainConfig = {
    ...TRAIN_DEFAULTS,
    ...partial,
    randomize: { ...TRAIN_DEFAULTS.randomize, ...(partial.randomize ?? {}) },
    model,
  };
  const posInt = (k: keyof TrainConfig, v: unknown) => {
    if (!Number.isInteger(v) || (v as number) < 1) throw new ConfigError(`train config '${k}': expected a positive integer, got ${describeValue(v)}.`);
  };
  posInt('globalBatchSize', c.globalBatchSize);
  posInt('totalSteps', c.totalSteps);
  if (c.microBatch !== undefined) posInt('microBatch', c.microBatch);
  if (c.rematerialize !== undefined && typeof c.rematerialize !== 'boolean') throw new ConfigError(`train config 'rematerialize': expected true or false, got ${describeValue(c.rematerialize)}.`);
  const nonNeg = (k: string, v: number) => {
    if (!(Number.isFinite(v) && v >= 0)) throw new ConfigError(`train config '${k}': expected a finite number ≥ 0, got ${describeValue(v)}.`);
  };
  for (const k of ['lr', 'weightDecay', 'puzzleEmbLr', 'puzzleEmbWeightDecay', 'lrWarmupSteps'] as const) nonNeg(k, c[k]);
  if (!Number.isInteger(c.lrWarmupSteps)) throw new ConfigError(`train config 'lrWarmupSteps': expected an integer, got ${describeValue(c.lrWarmupSteps)}.`);
  for (const k of ['beta1', 'beta2'] as const) {
    if (!(typeof c[k] === 'number' && c[k] >= 0 && c[k] < 1)) throw new ConfigError(`train config '${k}': expected a number in [0, 1), got ${describeValue(c[k])}.`);
  }
  if (!(typeof c.lrMinRatio === 'number' && c.lrMinRatio >= 0 && c.lrMinRatio <= 1)) throw new ConfigError(`train config 'lrMinRatio': expected a number in [0, 1], got ${describeValue(c.lrMinRatio)}.`);
  if (!(typeof c.emaRate === 'number' && c.emaRate >= 0 && c.emaRate < 1)) throw new ConfigError(`train config 'emaRate': expected a number in [0, 1), got ${describeValue(c.emaRate)}.`);
  if (c.gradClipNorm !== null && !(typeof c.gradClipNorm === 'number' && c.gradClipNorm > 0)) throw new ConfigError(`train config 'gradClipNorm': expected null or a number > 0, got ${describeValue(c.gradClipNorm)}.`);
  if (c.initScale !== null && !(typeof c.initScale === 'number' && c.initScale >= 0)) throw new ConfigError(`train config 'initScale': expected null or a number ≥ 0, got ${describeValue(c.initScale)}.`);
  const choice = (k: keyof TrainConfig, valid: string[]) => {
    if (!valid.includes(c[k] as string)) throw new ConfigError(`train config '${k}': expected one of ${valid.map((v) => `'${v}'`).join(', ')}, got ${describeValue(c[k])}.`);
  };
  choice('loop', ['stream', 'batch']);
  choice('optimizer', ['adamAtan2', 'adamW']);
  choice('explorationDraw', ['perStep', 'perSample']);
  choice('latentInit', ['static', 'random', 'mixed', 'zeros']);
  choice('curriculum', ['none', 'cgar']);
  choice('stepWeighting', ['none', 'cgar']);
  choice('lossNorm', ['globalBatch', 'alive']);
  for (const k of ['ema', 'halting', 'jaxCompat', 'progressiveLoss', 'disTargets'] as const) {
    if (typeof c[k] !== 'boolean') throw new ConfigError(`train config '${k}': expected a boolean, got ${describeValue(c[k])}.`);
  }
  const r = c.randomize;
  for (const k of Object.keys(r) as (keyof typeof r)[]) {
    if (!['latentSteps', 'recursions', 'supervisionSteps'].includes(k)) throw new ConfigError(`train config 'randomize.${k}': unknown; valid: latentSteps, recursions, supervisionSteps.`);
    if (!Number.isInteger(r[k]) || r[k] < 0) throw new ConfigError(`train config 'randomize.${k}': expected an integer half-width ≥ 0, got ${describeValue(r[k])}.`);
  }
  if (!c.jaxCompat) {
    // Compute-matched randomisation needs a symmetric range that never clips (§10.1).
    if (r.latentSteps) checkCentredRange('randomize.latentSteps (n)', model.latentSteps, r.latentSteps);
    if (r.recursions) checkCentredRange('randomize.recursions (T)', model.recursions, r.recursions);
    if (r.supervisionSteps) checkCentredRange('randomize.supervisionSteps (N_sup)', model.supervisionSteps, r.supervisionSteps);
  }
  if (c.curriculum !== 'none' && (r.latentSteps || r.recursions)) {
    throw new ConfigError(`train config: curriculum '${c.curriculum}' sets n and T itself; randomize.latentSteps/recursions must be 0.`);
  }
  if (!Number.isInteger(c.seed)) throw new ConfigError(`train config 'seed': expected an integer, got ${describeValue(c.seed)}.`);
  return c;
}

/** The official Sudoku-Extreme recipe (ALGORITHM §5.6), streaming loop. */
export const SUDOKU_EXTREME_TRAIN: Readonly<Partial<TrainConfig>> = Object.freeze({ ...TRAIN_DEFAULTS, model: {} });

/**
 * CPU-scale recipe for 4×4 sudoku, hidden 64 (issue #3's benchmark; measured in docs/learning.md): the official
 * streaming ACT loop and AdamATan2 with a larger lr, a short warm-up, a fast EMA, a smaller batch and one
 * puzzle-embedding slot (P = 17 instead of 32 positions) and a shallower recursion per step (n 3, T 2: 8
 * applications of f instead of 21), so that more optimizer steps fit in the time budget. The taped recursion is
 * not rematerialised (small activations; ~17% faster per step).
 */
export const SUDOKU4_CPU: Readonly<Partial<TrainConfig>> = Object.freeze({
  model: { hiddenSize: 64, numLayers: 2, latentSteps: 3, recursions: 2, supervisionSteps: 16, puzzleEmbDim: 64, puzzleEmbLen: 1 },
  loop: 'stream',
  globalBatchSize: 64,
  totalSteps: 100_000,
  optimizer: 'adamAtan2',
  lr: 3e-3,
  lrWarmupSteps: 100,
  weightDecay: 0.1,
  puzzleEmbLr: 3e-3,
  puzzleEmbWeightDecay: 0.1,
  ema: true,
  emaRate: 0.99,
  rematerialize: false,
});

/** CPU-scale recipe for 6×6 sudoku, hidden 128 (docs/learning.md). */
export const SUDOKU6_CPU: Readonly<Partial<TrainConfig>> = Object.freeze({
  ...SUDOKU4_CPU,
  model: { ...SUDOKU4_CPU.model, hiddenSize: 128, puzzleEmbDim: 128 },
  lr: 2e-3,
  puzzleEmbLr: 2e-3,
});

/** The training presets by name (typed by key: `TRAIN_PRESETS.SUDOKU4_CPU` is never undefined). */
export const TRAIN_PRESETS = Object.freeze({ SUDOKU_EXTREME_TRAIN, SUDOKU4_CPU, SUDOKU6_CPU });

export type TrainPresetName = keyof typeof TRAIN_PRESETS;
