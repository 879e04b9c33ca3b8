/**
 * Trainer checkpoints on disk. A checkpoint directory holds `step_<N>.safetensors` (the model, official names),
 * `step_<N>.trainer.safetensors` (the resume state) and `latest.json`, written last and atomically, naming
 * the newest complete pair: a crash at any point leaves the previous checkpoint loadable.
 */
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../errors.js';
import { Trainer } from '../train/trainer.js';
import type { BatchIterable, BatchSource } from '../data.js';
import { snapshotFromSafetensors, trainerCheckpointBytes } from '../train/checkpoint.js';
import { writeFileAtomic, readFileLimited } from './files.js';
import type { ModelFileDtype } from '../checkpoint/model-io.js';

export interface CheckpointManifest {
  step: number;
  model: string;
  trainer: string;
}

export async function saveTrainerCheckpoint(trainer: Trainer, dir: string, opts: { weights?: 'ema' | 'raw'; dtype?: ModelFileDtype } = {}): Promise<CheckpointManifest> {
  mkdirSync(dir, { recursive: true });
  const bytes = await trainerCheckpointBytes(trainer, opts);
  const manifest: CheckpointManifest = { step: trainer.step, model: `step_${trainer.step}.safetensors`, trainer: `step_${trainer.step}.trainer.safetensors` };
  await writeFileAtomic(join(dir, manifest.trainer), bytes.trainer);
  await writeFileAtomic(join(dir, manifest.model), bytes.model);
  await writeFileAtomic(join(dir, 'latest.json'), JSON.stringify(manifest, null, 1));
  return manifest;
}

export function readManifest(dir: string): CheckpointManifest {
  const path = join(dir, 'latest.json');
  if (!existsSync(path)) throw new CheckpointError(`checkpoint directory ${dir}: no latest.json. Is this a directory written by saveTrainerCheckpoint?`);
  let m: CheckpointManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new CheckpointError(`${path}: not valid JSON.`);
  }
  if (typeof m.step !== 'number' || typeof m.model !== 'string' || typeof m.trainer !== 'string') throw new CheckpointError(`${path}: expected {step, model, trainer}, got ${JSON.stringify(m)}.`);
  return m;
}

/** Restores the newest checkpoint of `dir`; `source` must be the same data the run used. */
export async function loadTrainerCheckpoint(dir: string, source: BatchSource | BatchIterable): Promise<Trainer> {
  const m = readManifest(dir);
  const bytes = await readFileLimited(join(dir, m.trainer));
  return Trainer.restore(snapshotFromSafetensors(bytes), source);
}
