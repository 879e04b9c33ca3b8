/**
 * Test-time trajectories (ALGORITHM.md §8.1, §8.2, §8.5, §8.6): a fresh carry per batch, any number N_test of
 * supervision steps in evaluation mode (no halting), k runs stacked as k·B rows in lockstep, per-step
 * predictions (argmax ids) and q_halt streamed to the caller. Tensors are disposed step by step, so memory is
 * bounded by the batch, not by the steps; latents are downloaded only when asked.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, check, type Latents, type Rng, type TaskBatch } from '@trm-ts/core';
import {
  addLatentNoise,
  asEvalModel,
  checkBatch,
  checkNoise,
  initialLatents,
  rngOf,
  stackRuns,
  type EvalDepth,
  type EvalInit,
  type LatentNoise,
  type ModelLike,
} from './model.js';

export interface TrajectoryOptions {
  /** N_test: supervision steps to run (any number ≥ 1, e.g. more than N_sup of training). */
  steps: number;
  /** R: runs of every example, stacked as rows r·B + b (default 1). */
  runs?: number;
  /** Init of every run (default 'static'); `random` draws one vector pair per run (§8.3). */
  init?: EvalInit;
  /** Std of `random` init vectors; default sqrt(1/D) (§8.3). */
  initScale?: number;
  /** Test-time latent noise after every step (§8.6). */
  noise?: LatentNoise;
  /** Seed (or Rng) of the init draws and the noise. Default 0. */
  seed?: number | Rng;
  /** n and T at test (default the model's). */
  depth?: EvalDepth;
  /** Steps whose predictions are computed and downloaded (default every step). q_halt comes at every step. */
  record?: readonly number[];
  /** Latents to download: none (default), the final step's, or every step's. */
  latents?: 'none' | 'final' | 'all';
}

/** One supervision step of R runs × B examples (rows r·B + b). */
export interface TrajectoryStep {
  /** s, 1-based. */
  step: number;
  /** argmax ids `[R·B·L]`, at recorded steps only. */
  preds?: Int32Array;
  /** Raw q_halt logits `[R·B]`. */
  qHalt: Float32Array;
  /** Latents `[R·B·P·D]` (prefix slots included) when asked for this step. */
  y?: Float32Array;
  z?: Float32Array;
  /** Wall time of this step's forward pass, argmax, noise and downloads (ms). */
  forwardMs: number;
}

/** Validates `record` against N and returns a flag per step (index s). */
export function recordFlags(record: readonly number[] | undefined, steps: number, what: string): Uint8Array {
  check(Number.isInteger(steps) && steps >= 1, () => `${what}: expected steps (N_test) to be an integer >= 1, got ${steps}.`, ConfigError);
  const flags = new Uint8Array(steps + 1);
  if (!record) {
    flags.fill(1, 1);
    return flags;
  }
  check(record.length > 0, () => `${what}: expected record to list at least one step, got an empty list. Omit it to record every step.`, ConfigError);
  for (const s of record) {
    check(Number.isInteger(s) && s >= 1 && s <= steps, () => `${what}: expected recorded steps to be integers in 1..${steps}, got ${s}.`, ConfigError);
    flags[s] = 1;
  }
  return flags;
}

const now = () => performance.now();

/**
 * Runs one batch (B examples) for `steps` supervision steps and yields every step. Leaving the loop early
 * (`break`) stops the run and frees its tensors. The model is used as given (pass EMA weights, §5.5).
 */
export async function* trajectory(model: ModelLike, batch: TaskBatch, options: TrajectoryOptions): AsyncGenerator<TrajectoryStep, void, undefined> {
  const m = asEvalModel(model);
  const { steps, runs = 1, init = 'static', initScale, noise, depth = {}, latents = 'none' } = options;
  const flags = recordFlags(options.record, steps, 'trajectory');
  check(Number.isInteger(runs) && runs >= 1, () => `trajectory: expected runs to be an integer >= 1, got ${runs}.`, ConfigError);
  check(['none', 'final', 'all'].includes(latents), () => `trajectory: expected latents 'none', 'final' or 'all', got '${String(latents)}'.`, ConfigError);
  checkNoise(noise);
  checkBatch(m, batch, 'trajectory batch');
  const rng = rngOf(options.seed);
  const B = batch.batchSize;
  const noiseY = noise?.target === 'y' || noise?.target === 'yz';
  const noiseZ = noise !== undefined && (noise.target ?? 'z') !== 'y';
  const skipRows = noise?.skipFirstRun ? B : 0;

  const prepared = m.prepare(stackRuns(batch, runs));
  let lat: Latents | null = null;
  try {
    lat = initialLatents(m, init, runs, B, rng, initScale);
    for (let s = 1; s <= steps; s++) {
      const t0 = now();
      const out = m.step(prepared, lat, depth);
      tf.dispose([lat.y, lat.z]);
      lat = { y: out.y, z: out.z };
      const predT = flags[s] ? tf.argMax(out.logits, -1) : null; // [R·B, L]
      out.logits.dispose();
      const [q, p] = await Promise.all([out.qHalt.data() as Promise<Float32Array>, predT?.data() as Promise<Int32Array> | undefined]);
      tf.dispose([out.qHalt, ...(predT ? [predT] : [])]);
      const item: TrajectoryStep = { step: s, qHalt: q, forwardMs: 0 };
      if (p) item.preds = p;
      if (latents === 'all' || (latents === 'final' && s === steps)) {
        [item.y, item.z] = (await Promise.all([lat.y.data(), lat.z.data()])) as [Float32Array, Float32Array];
      }
      if (noise && noise.sigma > 0 && s < steps) {
        // Noise perturbs the carry of the next step; this step's read-out is taken before it (§8.6).
        const prev: Latents = lat;
        lat = {
          y: noiseY ? addLatentNoise(prev.y, noise.sigma, rng, skipRows) : prev.y,
          z: noiseZ ? addLatentNoise(prev.z, noise.sigma, rng, skipRows) : prev.z,
        };
        if (noiseY) prev.y.dispose();
        if (noiseZ) prev.z.dispose();
      }
      item.forwardMs = now() - t0;
      yield item;
    }
  } finally {
    if (lat) tf.dispose([lat.y, lat.z]);
    m.release(prepared);
  }
}
