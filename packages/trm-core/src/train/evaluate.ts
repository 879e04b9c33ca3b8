/**
 * Official-style evaluation (ALGORITHM.md §4.5, §4.8): a fresh carry per batch, exactly N_sup supervision
 * steps in evaluation mode (no early stop), metrics from the last step over the non-padding rows.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TrmNetwork } from '../model/network.js';
import { batchTensors, evalStep } from '../model/supervision.js';
import type { BatchIterable, TaskBatch } from '../data.js';
import type { Latents } from '../model/recursion.js';
import { RowMetrics } from '../model/metrics.js';
import { Rng } from '../random.js';
import { ConfigError } from '../errors.js';
import { describeValue } from '../describe.js';
import { drawLatentInit, type LatentInit, type LatentInitMode } from './variants/latent-init.js';

export interface EvalMetrics {
  /** Rows counted (non-padding rows with at least one label). */
  count: number;
  /** Mean over rows of the fraction of right cells. */
  accuracy: number;
  /** Fraction of rows with every labelled cell right. */
  exactAccuracy: number;
  /** Fraction of rows with (q_halt ≥ 0) == exact. */
  qHaltAccuracy: number;
}

export interface EvaluateOptions {
  /** N_sup at test time (default: the model's supervisionSteps). */
  supervisionSteps?: number;
  /** Initial latents (ALGORITHM §8.3): 'static' (default), 'random' (one draw per batch), 'mixed' / 'zeros' (zeros at test). */
  latentInit?: LatentInitMode;
  /** Std of 'random' init vectors (default sqrt(1/D)). */
  initScale?: number;
  /** Seed of the 'random' draws. */
  seed?: number;
  /** Called after each batch with the rows evaluated so far (padding excluded) and the running metrics. */
  onBatch?: (progress: { batches: number; rows: number; metrics: EvalMetrics }) => void;
}

/** What latentsFromInit needs of a network: its dimensions and its own (static) initial latents. */
export interface LatentShape {
  readonly seqLenInternal: number;
  readonly config: { readonly hiddenSize: number };
  initialLatents(batchSize: number): Latents;
}

/** Latents [B, P, D] for a LatentInit draw (static = the model's H_init / L_init). */
export function latentsFromInit(net: LatentShape, init: LatentInit, batchSize: number): Latents {
  const P = net.seqLenInternal;
  const D = net.config.hiddenSize;
  if (init.kind === 'static') return net.initialLatents(batchSize);
  return tf.tidy(() => {
    if (init.kind === 'vector') {
      return {
        y: tf.broadcastTo(tf.tensor3d(init.y, [1, 1, D]), [batchSize, P, D]),
        z: tf.broadcastTo(tf.tensor3d(init.z, [1, 1, D]), [batchSize, P, D]),
      };
    }
    return { y: tf.tensor3d(init.y, [batchSize, P, D]), z: tf.tensor3d(init.z, [batchSize, P, D]) };
  });
}

/**
 * The carry's latents after a restart: rows flagged in `rows` take `fresh`, the others keep `prev` (null: the
 * first batch, every row fresh). Frees `prev` and `fresh`.
 */
export function restartLatents(prev: Latents | null, fresh: Latents, rows: Uint8Array): Latents {
  if (!prev) return fresh;
  const [B, P, D] = fresh.y.shape as [number, number, number];
  const [y, z] = tf.tidy(() => {
    const mask = tf.reshape(tf.tensor1d(Int32Array.from(rows), 'int32'), [B, 1, 1]);
    const cond = tf.cast(tf.broadcastTo(mask, [B, P, D]), 'bool');
    return [tf.where(cond, fresh.y, prev.y), tf.where(cond, fresh.z, prev.z)];
  });
  tf.dispose([fresh.y, fresh.z, prev.y, prev.z]);
  return { y: y!, z: z! };
}

/**
 * Runs `steps` supervision steps in evaluation mode from `start` (which it frees, with every step's outputs)
 * and returns the last step's logits and q_halt on the host: the official evaluation reads only the last step.
 */
export async function lastOfSteps(
  steps: number,
  start: Latents,
  step: (latents: Latents) => { y: tf.Tensor; z: tf.Tensor; logits: tf.Tensor; qHalt: tf.Tensor; qContinue: tf.Tensor },
): Promise<{ logits: Float32Array; qHalt: Float32Array }> {
  let lat = start;
  let last: { logits: Float32Array; qHalt: Float32Array } | null = null;
  for (let s = 0; s < steps; s++) {
    const o = step(lat);
    tf.dispose([lat.y, lat.z, o.qContinue]);
    lat = { y: o.y, z: o.z };
    if (s === steps - 1) last = { logits: (await o.logits.data()) as Float32Array, qHalt: (await o.qHalt.data()) as Float32Array };
    tf.dispose([o.logits, o.qHalt]);
  }
  tf.dispose([lat.y, lat.z]);
  return last!;
}

/**
 * Evaluates `net` on every batch of `batches`, sync or async (e.g. `dataset.batches({batchSize})`, which pads the
 * last one, or a stream).
 */
export async function evaluate(net: TrmNetwork, batches: BatchIterable, opts: EvaluateOptions = {}): Promise<EvalMetrics> {
  const steps = opts.supervisionSteps ?? net.config.supervisionSteps;
  if (!Number.isInteger(steps) || steps < 1) throw new ConfigError(`evaluate supervisionSteps: expected an integer ≥ 1 (N_sup), got ${describeValue(steps)}.`);
  const V = net.config.vocabSize;
  const metrics = new RowMetrics();
  const rng = new Rng(opts.seed ?? 0);
  let done = 0;
  for await (const b of batches as AsyncIterable<TaskBatch>) {
    const bt = batchTensors(net, b);
    const init = drawLatentInit(rng, opts.latentInit ?? 'static', { batch: b.batchSize, positions: net.seqLenInternal, hidden: net.config.hiddenSize, training: false, initScale: opts.initScale });
    const { logits, qHalt } = await lastOfSteps(steps, latentsFromInit(net, init, b.batchSize), (lat) => evalStep(net, bt, lat));
    tf.dispose([bt.inputs, bt.labels, bt.puzzleIds]);
    for (let r = 0; r < b.batchSize; r++) if (!b.valid || b.valid[r]) metrics.add(logits, b.labels, r, b.seqLen, V, qHalt[r]!);
    opts.onBatch?.({ batches: ++done, rows: metrics.count, metrics: summary(metrics) });
  }
  return summary(metrics);
}

function summary(metrics: RowMetrics): EvalMetrics {
  const { count, accuracy, exactAccuracy, qHaltAccuracy } = metrics.means();
  return { count, accuracy, exactAccuracy, qHaltAccuracy };
}
