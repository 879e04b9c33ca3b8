/**
 * Trainer checkpoints on disk. A checkpoint directory holds `step_<N>.safetensors` (the model, official names),
 * `step_<N>.trainer.safetensors` (the resume state) and `latest.json`, written last and atomically, naming
 * the newest complete pair: a crash at any point leaves the previous checkpoint loadable.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { checkpointJsonError, describeValue, parseJsonText } from '../describe.js';
import { Trainer } from '../train/trainer.js';
import type { BatchIterable, BatchSource } from '../data.js';
import { snapshotFromSafetensors, trainerCheckpointBytes } from '../train/checkpoint.js';
import type { ResumeOverrides } from '../train/guard.js';
import type { ModelFileDtype } from '../checkpoint/model-io.js';
import { writeFileAtomic, readFileGated, plainFileName } from './files.js';

export interface CheckpointManifest {
  step: number;
  model: string;
  trainer: string;
}

/**
 * Writes both files of a checkpoint, then `latest.json`. A trainer whose weights, EMA or optimizer state are
 * not finite is refused (TrainingError 'non-finite') before anything is written: `latest` keeps naming the
 * last finite checkpoint.
 */
export async function saveTrainerCheckpoint(trainer: Trainer, dir: string, opts: { weights?: 'ema' | 'raw'; dtype?: ModelFileDtype } = {}): Promise<CheckpointManifest> {
  mkdirSync(dir, { recursive: true });
  const bytes = await trainerCheckpointBytes(trainer, opts);
  const manifest: CheckpointManifest = { step: trainer.step, model: `step_${trainer.step}.safetensors`, trainer: `step_${trainer.step}.trainer.safetensors` };
  await writeFileAtomic(join(dir, manifest.trainer), bytes.trainer);
  await writeFileAtomic(join(dir, manifest.model), bytes.model);
  await writeFileAtomic(join(dir, 'latest.json'), JSON.stringify(manifest, null, 1));
  return manifest;
}

/**
 * Reads `<dir>/latest.json` through the file gate (a regular file inside `dir`, at most 64 KiB) and checks
 * it: a non-negative integer step and two plain file names (no folder part), so a manifest cannot point
 * outside its directory.
 */
export async function readManifest(dir: string): Promise<CheckpointManifest> {
  const path = join(dir, 'latest.json');
  const bytes = await readFileGated(path, { kind: 'manifest', root: dir });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CheckpointError(`checkpoint manifest ${path}: expected UTF-8 JSON, got invalid byte sequences. Is this a directory written by saveTrainerCheckpoint?`, { code: 'manifest' });
  }
  const m = parseJsonText(text, `checkpoint manifest ${path}`, checkpointJsonError) as Partial<Record<keyof CheckpointManifest, unknown>> | null;
  if (m === null || typeof m !== 'object' || Array.isArray(m) || !Number.isSafeInteger(m.step) || (m.step as number) < 0) {
    throw new CheckpointError(`checkpoint manifest ${path}: expected {step, model, trainer} with a step ≥ 0, got ${describeValue(m)}. Is this a directory written by saveTrainerCheckpoint?`, { code: 'manifest' });
  }
  return { step: m.step as number, model: plainFileName(m.model, `${path} (model)`), trainer: plainFileName(m.trainer, `${path} (trainer)`) };
}

/**
 * Restores the newest checkpoint of `dir`; `source` must be the same data the run used. `overrides` replaces
 * optimizer settings for the rest of the run (e.g. `{ lr: 1e-5 }` after a divergence); everything else comes
 * from the checkpoint and is validated against its config (see Trainer.restore).
 */
export async function loadTrainerCheckpoint(dir: string, source: BatchSource | BatchIterable, overrides?: ResumeOverrides): Promise<Trainer> {
  const m = await readManifest(dir);
  const bytes = await readFileGated(join(dir, m.trainer), { kind: 'safetensors', root: dir });
  return Trainer.restore(snapshotFromSafetensors(bytes), source, overrides);
}
