/**
 * Guards around the trainer's state (issue 12): no poisoned checkpoint, no unchecked resume.
 *
 * - `assertUpdateFinite`: after each optimizer update, the parameters, EMA shadows and Adam moments are finite;
 *   otherwise the step throws TrainingError('diverged') before it reports anything, so no caller saves it.
 * - `assertSnapshotFinite`: a snapshot about to be written is finite (checkpoints are checked before saving,
 *   so `latest` always names a finite checkpoint).
 * - `validateSnapshot`: every field of a restored snapshot fits the config it is restored into.
 * - `applyResumeOverrides`: a resume may change optimizer settings (lr after a divergence), explicitly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, ConfigError, TrainingError } from '../errors.js';
import { countNonFinite, describeValue } from '../describe.js';
import { IGNORE_LABEL } from '../data.js';
import { internalLength, resolveTrmConfig } from '../config.js';
import { paramSpecs, type TrmNetwork } from '../model/network.js';
import { resolveTrainConfig, type ResolvedTrainConfig, type TrainConfig } from './config.js';
import type { TrainerSnapshot } from './trainer.js';

/** Optimizer settings a resume may replace; everything else must match the run that saved the checkpoint. */
export const RESUME_OVERRIDE_KEYS = [
  'lr', 'puzzleEmbLr', 'lrWarmupSteps', 'lrMinRatio', 'gradClipNorm', 'weightDecay', 'puzzleEmbWeightDecay',
  'beta1', 'beta2', 'totalSteps',
] as const;

export type ResumeOverrides = Partial<Pick<TrainConfig, (typeof RESUME_OVERRIDE_KEYS)[number]>>;

/** The saved config with `overrides` applied and validated (ConfigError naming a key that may not change). */
export function applyResumeOverrides(config: ResolvedTrainConfig, overrides: ResumeOverrides | undefined): ResolvedTrainConfig {
  if (overrides === undefined) return config;
  if (overrides === null || typeof overrides !== 'object') throw new ConfigError(`resume overrides: expected an object, got ${describeValue(overrides)}.`);
  const allowed: readonly string[] = RESUME_OVERRIDE_KEYS;
  const bad = Object.keys(overrides).filter((k) => !allowed.includes(k));
  if (bad.length) {
    throw new ConfigError(`resume overrides: expected only ${allowed.join(', ')}, got ${describeValue(bad)}. Other settings must match the saved run; start a new run to change them`);
  }
  return resolveTrainConfig({ ...config, ...overrides });
}

/** The tensors an update writes: parameters (and the puzzle table), Adam moments, EMA shadows. */
export function* updatedTensors(net: TrmNetwork, optimizer: { stateTensors(): Iterable<readonly [string, tf.Tensor]> }, ema: { averages: Readonly<Record<string, tf.Tensor>> } | null): Generator<readonly [string, tf.Tensor]> {
  yield* net.vars;
  yield* optimizer.stateTensors();
  if (ema) for (const [k, t] of Object.entries(ema.averages)) yield [`ema/${k}`, t];
}


const firstNames = (names: string[]): string => names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length} tensors)` : '');

function* snapshotArrays(snap: TrainerSnapshot): Generator<readonly [string, ArrayLike<number>]> {
  for (const [k, w] of snap.weights) yield [`weights/${k}`, w.data];
  for (const [k, p] of Object.entries(snap.optimizer.params)) {
    yield [`optimizer/m/${k}`, p.m];
    yield [`optimizer/v/${k}`, p.v];
  }
  if (snap.ema) for (const [k, s] of Object.entries(snap.ema.shadow)) yield [`ema/${k}`, s.values];
  if (snap.carryTensors) {
    yield ['carry/y', snap.carryTensors.y];
    yield ['carry/z', snap.carryTensors.z];
  }
}

/** Throws TrainingError('non-finite') unless every weight, EMA shadow, Adam moment and latent is finite. */
export function assertSnapshotFinite(snap: TrainerSnapshot): void {
  const { count, names } = countNonFinite(snapshotArrays(snap));
  if (count) {
    throw new TrainingError(
      `trainer checkpoint at step ${snap.state.step}: expected finite weights, EMA and optimizer state, got ${count} non-finite values in ${firstNames(names)}. ` +
        'Nothing was written, so latest still names the last finite checkpoint; resume it with a lower lr (loadTrainerCheckpoint(dir, source, { lr }))',
      { code: 'non-finite' },
    );
  }
}

/**
 * Counts non-finite values in the given tensors on the device (one reduction each, one read-back) and throws
 * TrainingError('diverged') naming them if there are any. Called right after the updates of step `step`.
 */
export async function assertUpdateFinite(step: number, tensors: Iterable<readonly [string, tf.Tensor]>): Promise<void> {
  const list = [...tensors];
  if (list.length === 0) return;
  // Fast path, one pass per tensor: a NaN or ±Inf anywhere makes the total non-finite. Only then count exactly
  // (a finite total can also overflow to Inf; the exact count then finds nothing and the step goes on).
  // Only sum and binary add: the most basic kernels of every backend (no stack/concat over many inputs).
  const total = tf.tidy(() => list.reduce<tf.Tensor>((acc, [, t]) => tf.add(acc, tf.sum(t)), tf.scalar(0)));
  const fine = Number.isFinite(((await total.data()) as Float32Array)[0]);
  total.dispose();
  if (fine) return;
  const data: number[] = [];
  for (const [, t] of list) {
    const c = tf.tidy(() => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(t)), 'int32')));
    data.push(((await c.data()) as Int32Array)[0]!);
    c.dispose();
  }
  let count = 0;
  const names: string[] = [];
  data.forEach((c, i) => {
    if (c) {
      count += c;
      names.push(list[i]![0]);
    }
  });
  if (count) {
    throw new TrainingError(
      `training diverged at step ${step}: expected finite parameters after the update, got ${count} non-finite values in ${firstNames(names)}. ` +
        'This trainer cannot be saved (checkpoints are checked); resume the last checkpoint with a lower lr (loadTrainerCheckpoint(dir, source, { lr })), gradient clipping (gradClipNorm) or a longer warm-up',
      { code: 'diverged' },
    );
  }
}

const stateError = (detail: string) => new CheckpointError(`trainer checkpoint: ${detail}`, { code: 'trainer-state' });

function checkRange(name: string, a: ArrayLike<number>, lo: number, hi: number, also?: number): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!(v >= lo && v <= hi) && v !== also) {
      throw stateError(`carry/${name}[${i}]: expected an integer in [${lo}, ${hi}]${also !== undefined ? ` or ${also}` : ''}, got ${v}. The file was edited or is corrupt`);
    }
  }
}

/**
 * Checks every field of a restored snapshot against `config` (the saved config after overrides) before any
 * tensor is built: step counters, RNG state, carry arrays (lengths and value ranges), latents (shape, finite)
 * and weights (every key of the config, right sizes, finite). Throws ConfigError for an invalid config and
 * CheckpointError with code 'trainer-state' or 'non-finite' for state that does not fit it.
 */
export function validateSnapshot(snap: TrainerSnapshot, partialConfig: Partial<TrainConfig>): void {
  const config = resolveTrainConfig(partialConfig);
  const s = snap.state;
  const m = resolveTrmConfig(config.model);
  const B = config.globalBatchSize;
  const L = m.seqLen;
  if (!Number.isSafeInteger(s.step) || s.step < 0) throw stateError(`step: expected an integer ≥ 0, got ${describeValue(s.step)}`);
  for (const k of ['seconds', 'samples'] as const) {
    if (!(Number.isFinite(s[k]) && s[k] >= 0)) throw stateError(`${k}: expected a finite number ≥ 0, got ${describeValue(s[k])}`);
  }
  const rng: unknown = s.rng;
  if (!Array.isArray(rng) || rng.length !== 4 || rng.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff) || rng.every((v) => v === 0)) {
    throw stateError(`rng: expected four uint32 words, not all zero, got ${describeValue(rng)}`);
  }
  const carry: unknown = s.carry;
  const depth = (carry as TrainerSnapshot['state']['carry'] | null)?.depth;
  if (carry === null || typeof carry !== 'object' || typeof (carry as { started?: unknown }).started !== 'boolean' ||
    !depth || !Number.isInteger(depth.latentSteps) || !Number.isInteger(depth.recursions) ||
    depth.latentSteps < 1 || depth.recursions < 1 || depth.latentSteps > 1024 || depth.recursions > 1024) {
    throw stateError(`carry: expected {started: boolean, depth: {latentSteps, recursions} in [1, 1024]}, got ${describeValue(carry)}`);
  }
  const a = snap.carryArrays;
  const sizes = { inputs: B * L, labels: B * L, puzzleIds: B, steps: B, caps: B, gradCaps: B, minSteps: B, halted: B } as const;
  for (const [k, n] of Object.entries(sizes) as [keyof typeof sizes, number][]) {
    if (a[k].length !== n) throw stateError(`carry/${k}: expected ${n} values (globalBatchSize ${B}${n === B ? '' : ` × seqLen ${L}`}), got ${a[k].length}. The checkpoint belongs to another config`);
  }
  const maxSteps = m.supervisionSteps + config.randomize.supervisionSteps;
  checkRange('inputs', a.inputs, 0, m.vocabSize - 1);
  checkRange('labels', a.labels, 0, m.vocabSize - 1, IGNORE_LABEL);
  checkRange('puzzleIds', a.puzzleIds, 0, m.numPuzzleIdentifiers - 1);
  checkRange('halted', a.halted, 0, 1);
  checkRange('steps', a.steps, 0, maxSteps);
  checkRange('caps', a.caps, 0, maxSteps);
  checkRange('gradCaps', a.gradCaps, 0, maxSteps);
  checkRange('minSteps', a.minSteps, 0, maxSteps + 1);
  if (a.milestones) {
    const n = B * (m.supervisionSteps + 1) * L;
    if (!config.disTargets || a.milestones.length !== n) {
      throw stateError(`carry/milestones: expected ${config.disTargets ? `${n} values` : 'none (disTargets is off)'}, got ${a.milestones.length} values`);
    }
    checkRange('milestones', a.milestones, 0, m.vocabSize - 1, IGNORE_LABEL);
  }
  if (snap.carryTensors) {
    const want = [B, internalLength(m), m.hiddenSize];
    const t = snap.carryTensors;
    const n = want[0]! * want[1]! * want[2]!;
    if (t.shape.length !== 3 || t.shape.some((d, i) => d !== want[i]) || t.y.length !== n || t.z.length !== n) {
      throw stateError(`carry/y, carry/z: expected shape [${want}], got [${describeValue(t.shape)}] with ${t.y.length} and ${t.z.length} values`);
    }
  }
  for (const spec of paramSpecs(m)) {
    const w = snap.weights.get(spec.key);
    const size = spec.officialShape.reduce((x, y) => x * y, 1);
    if (!w || w.data.length !== size) throw stateError(`weights/${spec.key}: expected ${size} values, got ${w ? w.data.length : 'none'}. The checkpoint belongs to another config`);
  }
  const { count, names } = countNonFinite(snapshotArrays(snap));
  if (count) {
    throw new CheckpointError(
      `trainer checkpoint at step ${s.step}: expected finite weights, optimizer state and latents, got ${count} non-finite values in ${firstNames(names)}. Resume an earlier checkpoint`,
      { code: 'non-finite' },
    );
  }
}
