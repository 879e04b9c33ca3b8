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

/** Latents [B, P, D] for a LatentInit draw (static = the model's H_init / L_init). */
export function latentsFromInit(net: TrmNetwork, init: LatentInit, batchSize: number): Latents {
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
    let lat: Latents = latentsFromInit(net, init, b.batchSize);
    let logits: Float32Array | null = null;
    let q: Float32Array | null = null;
    for (let s = 0; s < steps; s++) {
      const o = evalStep(net, bt, lat);
      tf.dispose([lat.y, lat.z, o.qContinue]);
      lat = { y: o.y, z: o.z };
      if (s === steps - 1) {
        logits = (await o.logits.data()) as Float32Array;
        q = (await o.qHalt.data()) as Float32Array;
      }
      tf.dispose([o.logits, o.qHalt]);
    }
    tf.dispose([lat.y, lat.z, bt.inputs, bt.labels, bt.puzzleIds]);
    for (let r = 0; r < b.batchSize; r++) if (!b.valid || b.valid[r]) metrics.add(logits!, b.labels, r, b.seqLen, V, q![r]!);
    opts.onBatch?.({ batches: ++done, rows: metrics.count, metrics: summary(metrics) });
  }
  return summary(metrics);
}

function summary(metrics: RowMetrics): EvalMetrics {
  const { count, accuracy, exactAccuracy, qHaltAccuracy } = metrics.means();
  return { count, accuracy, exactAccuracy, qHaltAccuracy };
}
