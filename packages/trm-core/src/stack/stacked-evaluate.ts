/**
 * Official-style evaluation (train/evaluate.ts) of every model of a stack at once: the same batches for each
 * model, one stacked evaluation step per supervision step. Model k's metrics equal
 * `evaluate(stack.toNetwork(k), batches, opts)` (stacked-evaluate.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TaskBatch } from '../data.js';
import { RowMetrics } from '../model/metrics.js';
import type { Latents } from '../model/recursion.js';
import { batchTensors } from '../model/supervision.js';
import { Rng } from '../random.js';
import { lastOfSteps, type EvalMetrics, type EvaluateOptions } from '../train/evaluate.js';
import { drawLatentInit } from '../train/variants/latent-init.js';
import { TrmNetwork } from '../model/network.js';
import type { StackedNetwork } from './stacked-network.js';
import { stackedEvalStep } from './stacked-supervision.js';

/** Evaluates every model of `net` on `batches` (e.g. `dataset.batches({batchSize})`); metrics in stack order. */
export async function evaluateStack(net: StackedNetwork, batches: Iterable<TaskBatch>, opts: EvaluateOptions = {}): Promise<EvalMetrics[]> {
  const c = net.config;
  const K = net.size;
  const steps = opts.supervisionSteps ?? c.supervisionSteps;
  const V = c.vocabSize;
  const P = net.seqLenInternal;
  const D = c.hiddenSize;
  const metrics = Array.from({ length: K }, () => new RowMetrics());
  const rng = new Rng(opts.seed ?? 0);
  const models = [...Array(K).keys()];
  // The batch checks of the single-model path (token ranges, shapes) on a throw-away network of the same config.
  const checker = new TrmNetwork(c);
  try {
    for (const b of batches) {
      const B = b.batchSize;
      tf.dispose(Object.values(batchTensors(checker, b)));
      const init = drawLatentInit(rng, opts.latentInit ?? 'static', { batch: B, positions: P, hidden: D, training: false, initScale: opts.initScale });
      const ids = net.flatPuzzleIds(models, models.map(() => b.puzzleIds));
      const bt = tf.tidy(() => ({
        inputs: tf.tile(tf.tensor3d(b.inputs, [1, B, c.seqLen], 'int32'), [K, 1, 1]),
        labels: tf.tile(tf.tensor3d(b.labels, [1, B, c.seqLen], 'int32'), [K, 1, 1]),
        flatPuzzleIds: tf.tensor1d(ids, 'int32'),
      }));
      const lat: Latents = tf.tidy(() => {
        if (init.kind === 'static') {
          const per = models.map((k) => net.initialLatents(k, B));
          return { y: tf.stack(per.map((l) => l.y)), z: tf.stack(per.map((l) => l.z)) };
        }
        const one = init.kind === 'vector'
          ? { y: tf.broadcastTo(tf.tensor3d(init.y, [1, 1, D]), [B, P, D]), z: tf.broadcastTo(tf.tensor3d(init.z, [1, 1, D]), [B, P, D]) }
          : { y: tf.tensor3d(init.y, [B, P, D]), z: tf.tensor3d(init.z, [B, P, D]) };
        return { y: tf.stack(models.map(() => one.y)), z: tf.stack(models.map(() => one.z)) };
      });
      const last = await lastOfSteps(steps, lat, (l) => stackedEvalStep(net, bt, l, { n: c.latentSteps, T: c.recursions }));
      tf.dispose([bt.inputs, bt.labels, bt.flatPuzzleIds]);
      for (let k = 0; k < K; k++) {
        const lg = last.logits.subarray(k * B * c.seqLen * V, (k + 1) * B * c.seqLen * V);
        const qk = last.qHalt.subarray(k * B, (k + 1) * B);
        for (let r = 0; r < B; r++) if (!b.valid || b.valid[r]) metrics[k]!.add(lg, b.labels, r, b.seqLen, V, qk[r]!);
      }
    }
  } finally {
    checker.dispose();
  }
  return metrics.map((m) => {
    const { count, accuracy, exactAccuracy, qHaltAccuracy } = m.means();
    return { count, accuracy, exactAccuracy, qHaltAccuracy };
  });
}
