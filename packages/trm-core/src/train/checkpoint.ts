/**
 * Trainer checkpoints as bytes (browser-safe; the Node file layer is in node/checkpoint.ts).
 *
 * A checkpoint is two safetensors files:
 * - the model file (`modelToSafetensors`): official names and layout, EMA or raw weights — what the
 *   official code or `networkFromSafetensors` loads;
 * - the trainer file: every tensor needed to resume (live weights in internal layout, Adam m / v, EMA
 *   shadows, the carry's latents and per-row arrays) plus, under `__metadata__.trainer`, the JSON state
 *   (config, step, RNG state, data cursor, optimizer step counters).
 */
import { CheckpointError } from '../errors.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsTensorInput } from '../checkpoint/safetensors.js';
import { toFloat32 } from '../checkpoint/dtypes.js';
import { modelToSafetensors, type ModelFileDtype } from '../checkpoint/model-io.js';
import type { Trainer, TrainerSnapshot } from './trainer.js';
import { checkpointJsonError, describeValue, parseJsonText } from '../describe.js';
import { assertSnapshotFinite } from './guard.js';

const ARRAY_KEYS = ['inputs', 'labels', 'puzzleIds', 'steps', 'caps', 'gradCaps', 'minSteps', 'halted'] as const;

export function snapshotToSafetensors(snap: TrainerSnapshot): Uint8Array {
  const tensors = new Map<string, SafetensorsTensorInput>();
  for (const [k, w] of snap.weights) tensors.set(`weights/${k}`, { dtype: 'F32', shape: w.shape, data: w.data });
  const adamSteps: Record<string, number> = {};
  for (const [k, p] of Object.entries(snap.optimizer.params)) {
    tensors.set(`optimizer/m/${k}`, { dtype: 'F32', shape: p.shape, data: p.m });
    tensors.set(`optimizer/v/${k}`, { dtype: 'F32', shape: p.shape, data: p.v });
    adamSteps[k] = p.step;
  }
  if (snap.ema) for (const [k, s] of Object.entries(snap.ema.shadow)) tensors.set(`ema/${k}`, { dtype: 'F32', shape: s.shape, data: s.values });
  if (snap.carryTensors) {
    tensors.set('carry/y', { dtype: 'F32', shape: snap.carryTensors.shape, data: snap.carryTensors.y });
    tensors.set('carry/z', { dtype: 'F32', shape: snap.carryTensors.shape, data: snap.carryTensors.z });
  }
  for (const k of ARRAY_KEYS) tensors.set(`carry/${k}`, { dtype: 'I32', shape: [snap.carryArrays[k].length], data: snap.carryArrays[k] });
  if (snap.carryArrays.milestones) tensors.set('carry/milestones', { dtype: 'I32', shape: [snap.carryArrays.milestones.length], data: snap.carryArrays.milestones });
  return serializeSafetensors(tensors, {
    trainer: JSON.stringify(snap.state),
    optimizer: JSON.stringify({ kind: snap.optimizer.kind, steps: adamSteps }),
    ema_rate: snap.ema ? String(snap.ema.rate) : '',
  });
}

export function snapshotFromSafetensors(bytes: Uint8Array): TrainerSnapshot {
  const file = parseSafetensors(bytes, { copy: true });
  const meta = file.metadata;
  if (!meta.trainer || !meta.optimizer) throw new CheckpointError('trainer checkpoint: __metadata__ lacks "trainer" / "optimizer"; this is not a trainer state file (a model file? load it with networkFromSafetensors).');
  const state = parseJsonText(meta.trainer, 'trainer checkpoint: __metadata__.trainer', checkpointJsonError) as TrainerSnapshot['state'];
  const opt = parseJsonText(meta.optimizer, 'trainer checkpoint: __metadata__.optimizer', checkpointJsonError) as { kind: 'adamAtan2' | 'adamW'; steps: Record<string, number> };
  if (state === null || typeof state !== 'object' || state.config === null || typeof state.config !== 'object') {
    throw new CheckpointError(`trainer checkpoint: __metadata__.trainer: expected an object with a config, got ${describeValue(state)}.`, { code: 'trainer-state' });
  }
  if (opt === null || typeof opt !== 'object' || opt.steps === null || typeof opt.steps !== 'object' || Array.isArray(opt.steps)) {
    throw new CheckpointError(`trainer checkpoint: __metadata__.optimizer: expected {kind, steps: {name: step}}, got ${describeValue(opt)}.`, { code: 'trainer-state' });
  }
  const get = (k: string) => {
    const t = file.tensors.get(k);
    if (!t) throw new CheckpointError(`trainer checkpoint: tensor '${describeValue(k)}' is missing.`, { code: 'trainer-state' });
    return t;
  };
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  const shadow: Record<string, { shape: number[]; values: Float32Array }> = {};
  for (const [k, t] of file.tensors) {
    if (k.startsWith('weights/')) weights.set(k.slice(8), { shape: t.shape, data: toFloat32(t) });
    if (k.startsWith('ema/')) shadow[k.slice(4)] = { shape: t.shape, values: toFloat32(t) };
  }
  const params: TrainerSnapshot['optimizer']['params'] = {};
  for (const [k, step] of Object.entries(opt.steps)) {
    const m = get(`optimizer/m/${k}`);
    params[k] = { step, shape: m.shape, m: toFloat32(m), v: toFloat32(get(`optimizer/v/${k}`)) };
  }
  const ints = (k: string) => Int32Array.from(get(`carry/${k}`).data as Int32Array);
  const y = file.tensors.get('carry/y');
  return {
    state,
    weights,
    optimizer: { kind: opt.kind, params },
    ema: meta.ema_rate ? { rate: Number(meta.ema_rate), shadow } : null,
    carryTensors: y ? { y: toFloat32(y), z: toFloat32(get('carry/z')), shape: y.shape } : null,
    carryArrays: {
      inputs: ints('inputs'), labels: ints('labels'), puzzleIds: ints('puzzleIds'), steps: ints('steps'), caps: ints('caps'),
      gradCaps: ints('gradCaps'), minSteps: ints('minSteps'), halted: ints('halted'),
      milestones: file.tensors.has('carry/milestones') ? ints('milestones') : null,
    },
  };
}

/**
 * Both files of a checkpoint as bytes. `weights: 'ema'` (default when EMA is on) writes the EMA average;
 * `dtype` is the model file's (see modelToSafetensors: `'float32'` makes it reload exactly).
 * Throws TrainingError('non-finite') for a trainer whose state is not finite.
 */
export async function trainerCheckpointBytes(trainer: Trainer, opts: { weights?: 'ema' | 'raw'; dtype?: ModelFileDtype } = {}): Promise<{ model: Uint8Array; trainer: Uint8Array }> {
  const which = opts.weights ?? (trainer.ema ? 'ema' : 'raw');
  if (which === 'ema' && !trainer.ema) throw new CheckpointError("checkpoint weights 'ema' requested but EMA is off (config.ema = false); use weights: 'raw'.");
  const snap = await trainer.snapshot();
  assertSnapshotFinite(snap); // a diverged trainer is never written (issue 12): latest keeps the last finite checkpoint
  const model = await modelToSafetensors(trainer.network, { source: which === 'ema' ? trainer.ema!.averages : trainer.network.vars, ...(opts.dtype ? { dtype: opts.dtype } : {}) });
  return { model, trainer: snapshotToSafetensors(snap) };
}
