/**
 * Training to plateau (issue 14): validate every `evalInterval` optimizer steps; stop when the best validation
 * score has not improved by ≥ `minDelta` for `patience` validations in a row, or at the step cap (the config's
 * totalSteps) or the time cap; the caller tests the weights of the best validation. With a `JobStore`, every
 * validation saves a bit-exact trainer snapshot (@trm-ts/core `snapshotToSafetensors`) plus the best weights and
 * the curve so far, and a rerun resumes from it: the result equals an uninterrupted run's.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  ConfigError, Trainer, check, parseSafetensors, serializeSafetensors, snapshotFromSafetensors, snapshotToSafetensors, toFloat32,
  type TrainerSnapshot, type TrmNetwork,
} from '@trm-ts/core';

/** When a run counts as trained: the stopping rule on validation accuracy. */
export interface StoppingRule {
  /** Validations in a row without an improvement of ≥ minDelta over the best so far before stopping. */
  patience: number;
  /**
   * Smallest rise of the best validation score that counts as an improvement (fraction, e.g. 0.01 = 1 point).
   * Patience only starts counting once the best score has reached minDelta: a model still at ~0% has not started
   * to learn (the 6×6 pilot sat at 0% validation for its first 300 steps), and stopping it there would be wrong.
   */
  minDelta: number;
  /**
   * No plateau stop before this optimizer step (default 0): a model may sit on a shelf for several validations
   * before it climbs again (the 6×6 models between steps ~600 and ~1,100), and a stop there measures where training
   * was cut, not what the model learns. The step and time caps still apply.
   */
  minSteps?: number;
  /** Optional cap on training seconds (validation excluded); the step cap is the config's totalSteps. */
  maxTrainSeconds?: number;
}

export type StopReason = 'plateau' | 'step cap' | 'time cap';

/** Validation score at an optimizer step (and the training seconds spent up to it). */
export interface ValidationPoint {
  step: number;
  solved: number;
  trainSeconds: number;
  /**
   * CPU seconds the process spent on this job up to here (training and validation), where the platform reports
   * process CPU time (Node's `process.cpuUsage`); unlike `trainSeconds` (wall time) it excludes time the process was
   * paused or waiting for a core. Absent where not measured (browsers, and jobs saved before it was recorded).
   */
  cpuSeconds?: number;
}

export interface PlateauResult {
  validation: ValidationPoint[];
  bestStep: number;
  bestValSolved: number;
  stoppedBy: StopReason;
  /** Optimizer steps run. */
  steps: number;
  trainSeconds: number;
  /** CPU seconds of training and validation (see `ValidationPoint.cpuSeconds`); absent when any part was not measured. */
  cpuSeconds?: number;
  /** True when this run continued from a saved snapshot. */
  resumed: boolean;
}

/**
 * Where a job's progress lives between validations (the CLI: one file per job under <out>/jobs/). `save` must
 * replace the previous bytes atomically (write elsewhere, then rename), so a kill leaves either the old or the new.
 */
export interface JobStore {
  load(label: string): Promise<Uint8Array | null>;
  save(label: string, bytes: Uint8Array): Promise<void>;
}

/** One blob: 8-byte little-endian length of the trainer snapshot, the snapshot, then the progress file. */
function pack(trainer: Uint8Array, progress: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + trainer.length + progress.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(trainer.length), true);
  out.set(trainer, 8);
  out.set(progress, 8 + trainer.length);
  return out;
}

function unpack(bytes: Uint8Array, label: string): { trainer: Uint8Array; progress: Uint8Array } {
  check(bytes.length >= 8, () => `${label}: saved progress: expected at least 8 bytes, got ${bytes.length}. Delete the job's file under <out>/jobs to restart it.`, ConfigError);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  check(8 + n <= bytes.length, () => `${label}: saved progress: expected a trainer snapshot of ${n} bytes, got ${bytes.length - 8}. Delete the job's file under <out>/jobs to restart it.`, ConfigError);
  return { trainer: bytes.subarray(8, 8 + n), progress: bytes.subarray(8 + n) };
}

export type Weights = Map<string, Float32Array>;

interface Progress {
  validation: ValidationPoint[];
  best: { step: number; solved: number } | null;
  /** The best score when it last rose by ≥ minDelta, and validations since. */
  reference: number;
  sinceImprovement: number;
}

export function readWeights(net: TrmNetwork): Weights {
  const out: Weights = new Map();
  for (const [k, v] of net.vars) out.set(k, Float32Array.from(v.dataSync() as Float32Array));
  return out;
}

export function writeWeights(net: TrmNetwork, w: Weights): void {
  tf.tidy(() => {
    for (const [k, v] of net.vars) v.assign(tf.tensor(w.get(k)!, v.shape, 'float32'));
  });
}

function progressBytes(p: Progress, best: Weights | null): Uint8Array {
  const tensors = new Map<string, { dtype: 'F32'; shape: number[]; data: Float32Array }>();
  for (const [k, v] of best ?? []) tensors.set(k, { dtype: 'F32', shape: [v.length], data: v });
  return serializeSafetensors(tensors, { progress: JSON.stringify(p) });
}

/** The progress record of a saved job, checked field by field (a damaged or foreign file fails with a ConfigError). */
function checkProgress(text: string, label: string): Progress {
  const bad = (what: string) => new ConfigError(`${label}: saved progress: expected ${what}. Delete the job's files under <out>/jobs to restart it.`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('JSON');
  }
  const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  const p = v as Record<string, unknown>;
  if (!p || typeof p !== 'object' || !Array.isArray(p.validation)) throw bad('an object with a validation list');
  for (const e of p.validation as unknown[]) {
    const r = e as Record<string, unknown>;
    if (!r || !num(r.step) || !num(r.solved) || !num(r.trainSeconds)) throw bad('validation points { step, solved, trainSeconds }');
    if (r.cpuSeconds !== undefined && (!num(r.cpuSeconds) || (r.cpuSeconds as number) < 0)) throw bad('cpuSeconds to be absent or a number >= 0');
  }
  const b = p.best as Record<string, unknown> | null;
  if (b !== null && (!b || !num(b.step) || !num(b.solved))) throw bad('best = null or { step, solved }');
  if (!num(p.reference) || !Number.isInteger(p.sinceImprovement) || (p.sinceImprovement as number) < 0) throw bad('reference and sinceImprovement numbers');
  return p as unknown as Progress;
}

/** What a saved job holds, for progress displays (`trm experiment --status`): its validations, best and patience used. */
export function readJobProgress(bytes: Uint8Array, label: string): { validation: ValidationPoint[]; best: { step: number; solved: number } | null; sinceImprovement: number } {
  const { progress } = parseProgress(unpack(bytes, label).progress, label);
  return { validation: progress.validation, best: progress.best, sinceImprovement: progress.sinceImprovement };
}

function parseProgress(bytes: Uint8Array, label: string): { progress: Progress; best: Weights | null } {
  const f = parseSafetensors(bytes);
  check(typeof f.metadata.progress === 'string', () => `${label}: saved progress: expected __metadata__.progress, got none. Delete the job's files under <out>/jobs to restart it.`, ConfigError);
  const progress = checkProgress(f.metadata.progress!, label);
  const best: Weights = new Map();
  for (const [k, t] of f.tensors) best.set(k, toFloat32(t));
  return { progress, best: best.size > 0 ? best : null };
}

/** Process CPU seconds (user + system) where the platform reports them, else null. */
export function processCpuSeconds(): number | null {
  const p = (globalThis as { process?: { cpuUsage?: () => { user: number; system: number } } }).process;
  if (typeof p?.cpuUsage !== 'function') return null;
  const u = p.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The stopping rule's state after one more validation score. Pure; exported for tests. */
export function nextPlateauState(p: { reference: number; sinceImprovement: number; best: number | null }, solved: number, rule: StoppingRule, step = Number.POSITIVE_INFINITY): { reference: number; sinceImprovement: number; newBest: boolean; plateau: boolean } {
  const newBest = p.best === null || solved > p.best;
  const improved = p.best === null || solved >= p.reference + rule.minDelta;
  const started = Math.max(solved, p.best ?? 0) >= rule.minDelta;
  const reference = improved ? solved : p.reference;
  const sinceImprovement = improved || !started ? 0 : p.sinceImprovement + 1;
  return { reference, sinceImprovement, newBest, plateau: plateauReached(sinceImprovement, step, rule) };
}

/** Whether the rule stops a model at `step` with `sinceImprovement` validations without a rise. */
export function plateauReached(sinceImprovement: number, step: number, rule: StoppingRule): boolean {
  return sinceImprovement >= rule.patience && step >= (rule.minSteps ?? 0);
}

/**
 * Trains with `trainer` (or the snapshot in `store`, if any) until the stopping rule ends it. `validate` scores
 * the evaluation weights (EMA when on). Returns the trainer (the caller disposes it), the result and the best
 * weights (host copies).
 */
export async function trainToPlateau(options: {
  makeTrainer: () => Trainer;
  restoreTrainer: (snap: TrainerSnapshot) => Trainer;
  rule: StoppingRule;
  evalInterval: number;
  validate: (net: TrmNetwork) => Promise<number>;
  store?: JobStore;
  label: string;
  log?: (line: string) => void;
}): Promise<{ trainer: Trainer; result: PlateauResult; best: Weights }> {
  const { rule, evalInterval, validate, store, label, log = () => {} } = options;
  check(Number.isInteger(rule.patience) && rule.patience >= 1, () => `stopping rule: expected patience to be an integer >= 1, got ${rule.patience}.`, ConfigError);
  check(Number.isFinite(rule.minDelta) && rule.minDelta >= 0, () => `stopping rule: expected minDelta >= 0, got ${rule.minDelta}.`, ConfigError);
  check(rule.minSteps === undefined || (Number.isInteger(rule.minSteps) && rule.minSteps >= 0), () => `stopping rule: expected minSteps to be an integer >= 0, got ${rule.minSteps}.`, ConfigError);
  check(Number.isInteger(evalInterval) && evalInterval >= 1, () => `stopping rule: expected evalInterval to be an integer >= 1, got ${evalInterval}.`, ConfigError);
  const saved = store ? await store.load(label) : null;
  let progress: Progress = { validation: [], best: null, reference: 0, sinceImprovement: 0 };
  let best: Weights | null = null;
  let trainer: Trainer;
  if (saved) {
    const files = unpack(saved, label);
    ({ progress, best } = parseProgress(files.progress, label));
    trainer = options.restoreTrainer(snapshotFromSafetensors(files.trainer));
    log(`${label}: resumed at step ${trainer.step} (${progress.validation.length} validations so far)`);
  } else {
    trainer = options.makeTrainer();
  }
  try {
    const total = trainer.config.totalSteps;
    const stopOf = (): StopReason | null => {
      if (plateauReached(progress.sinceImprovement, trainer.step, rule)) return 'plateau';
      if (trainer.step >= total) return 'step cap';
      const last = progress.validation.at(-1);
      if (rule.maxTrainSeconds !== undefined && last && last.trainSeconds >= rule.maxTrainSeconds) return 'time cap';
      return null;
    };
    let stop = progress.validation.length > 0 ? stopOf() : null;
    // CPU seconds so far: carried over from the saved progress (null when a saved point lacks it: unknown from then on).
    const lastSaved = progress.validation.at(-1);
    let cpuBase: number | null = lastSaved === undefined ? 0 : (lastSaved.cpuSeconds ?? null);
    let cpuMark = processCpuSeconds();
    while (!stop) {
      const m = await trainer.trainStep();
      if (m.step % evalInterval !== 0 && m.step < total && !(rule.maxTrainSeconds !== undefined && m.seconds >= rule.maxTrainSeconds)) continue;
      const solved = await trainer.withEvalWeights(async (net) => {
        const s = await validate(net);
        const next = nextPlateauState({ reference: progress.reference, sinceImprovement: progress.sinceImprovement, best: progress.best?.solved ?? null }, s, rule, m.step);
        if (next.newBest) {
          best = readWeights(net);
          progress.best = { step: m.step, solved: s };
        }
        progress.reference = next.reference;
        progress.sinceImprovement = next.sinceImprovement;
        return s;
      });
      const cpuNow = processCpuSeconds();
      cpuBase = cpuBase === null || cpuMark === null || cpuNow === null ? null : cpuBase + (cpuNow - cpuMark);
      cpuMark = cpuNow;
      progress.validation.push({ step: m.step, solved, trainSeconds: m.seconds, ...(cpuBase === null ? {} : { cpuSeconds: cpuBase }) });
      log(`${label} step ${m.step}/${total}: loss ${m.loss.toFixed(3)}, val ${(100 * solved).toFixed(1)}% (best ${(100 * progress.best!.solved).toFixed(1)}% at ${progress.best!.step}, ${progress.sinceImprovement}/${rule.patience} without a ≥ ${(100 * rule.minDelta).toFixed(1)}-pt rise; ${m.seconds.toFixed(0)} s training)`);
      stop = stopOf();
      if (store) await store.save(label, pack(snapshotToSafetensors(await trainer.snapshot()), progressBytes(progress, best)));
    }
    check(progress.best && best, () => `${label}: no validation ran.`, ConfigError);
    const last = progress.validation.at(-1)!;
    return {
      trainer,
      best,
      result: { validation: progress.validation, bestStep: progress.best.step, bestValSolved: progress.best.solved, stoppedBy: stop, steps: trainer.step, trainSeconds: last.trainSeconds, ...(last.cpuSeconds === undefined ? {} : { cpuSeconds: last.cpuSeconds }), resumed: saved !== null },
    };
  } catch (err) {
    trainer.dispose();
    throw err;
  }
}
