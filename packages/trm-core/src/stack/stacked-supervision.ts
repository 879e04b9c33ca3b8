/**
 * One supervision step over a group of models of a stack (the stacked counterparts of model/supervision.ts's
 * evalStep and gradStep). Every model of the group runs the same n, T and tape split; the loss is the sum of
 * the models' own losses, so each model's gradient is exactly its own (the models share no weight).
 */
import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_LABEL } from '../data.js';
import type { LossType } from '../config.js';
import { bceWithLogits, logStablemax, sequenceCorrect } from '../model/loss.js';
import { gradsWithAux } from '../model/ops.js';
import { deepRecursion, type Latents } from '../model/recursion.js';
import type { StackedNetwork, StackWeights } from './stacked-network.js';

/** A group's batch on the device: inputs, labels int32 [Kg, B, L]; puzzle ids int32 [Kg·B], offset by k·N. */
export interface StackBatch {
  inputs: tf.Tensor;
  labels: tf.Tensor;
  flatPuzzleIds: tf.Tensor;
}

export interface StackStepOutput extends Latents {
  logits: tf.Tensor; // [Kg, B, L, V]
  qHalt: tf.Tensor; // [Kg, B]
  qContinue: tf.Tensor; // [Kg, B]
}

/** One supervision step in evaluation mode for the models `models` (default all): no gradient. */
export function stackedEvalStep(net: StackedNetwork, batch: StackBatch, latents: Latents, depth: { n: number; T: number }, models?: readonly number[]): StackStepOutput {
  return net.withStepWeights((f, w) => {
    const rows = net.puzzleRows(batch.flatPuzzleIds);
    const x = net.embed(w, batch.inputs, rows);
    const out = deepRecursion(f, x, latents, { n: depth.n, T: depth.T });
    return { ...out, ...net.heads(w, out.y) };
  }, models);
}

/** The per-model loss sums [Kg] and the differentiated total Σ_k lossScale_k·total_k (loss.ts's lossHead, per model). */
export function stackedLoss(inp: {
  logits: tf.Tensor; labels: tf.Tensor; qHalt: tf.Tensor; lossType: LossType; rowWeights: tf.Tensor; lossScale: tf.Tensor; qLossWeight: number;
}): { loss: tf.Scalar; lm: tf.Tensor; qh: tf.Tensor; qc: tf.Tensor; total: tf.Tensor; correct: tf.Tensor } {
  const { logits, labels, qHalt, lossType, rowWeights: w } = inp;
  const V = logits.shape[logits.rank - 1]!;
  const mask = tf.cast(tf.notEqual(labels, tf.scalar(IGNORE_LABEL, 'int32')), 'float32'); // [K, B, L]
  const safeLabels = tf.maximum(labels, tf.scalar(0, 'int32'));
  const target = tf.cast(tf.oneHot(safeLabels, V), 'float32');
  const logp = lossType === 'stablemax' ? logStablemax(logits) : tf.logSoftmax(logits);
  const ce = tf.neg(tf.sum(tf.mul(logp, target), -1)); // [K, B, L]
  const count = tf.maximum(tf.sum(mask, -1), tf.scalar(1)); // [K, B]
  const lmRow = tf.div(tf.sum(tf.mul(ce, mask), -1), count); // [K, B]
  const correct = sequenceCorrect(logits, labels); // [K, B]
  const bceRow = bceWithLogits(qHalt, correct);
  const qcRow = tf.zerosLike(bceRow);
  const qw = 0.5 * inp.qLossWeight;
  const weighted = (t: tf.Tensor) => tf.sum(tf.mul(t, w), -1); // [K]
  const lm = weighted(lmRow);
  const qh = weighted(bceRow);
  const qc = weighted(qcRow);
  const total = qw === 0 ? lm : tf.add(lm, tf.mul(tf.scalar(qw), tf.add(qh, qc)));
  return { loss: tf.sum(tf.mul(total, inp.lossScale)) as tf.Scalar, lm, qh, qc, total: tf.mul(total, inp.lossScale), correct };
}

export interface StackGradOptions {
  n: number;
  untaped: number;
  taped: number;
  /** Per model of the group. */
  lossScale: Float32Array;
  /** [Kg·B]. */
  rowWeights: Float32Array;
  qLossWeight: number;
  rematerialize: boolean;
}

export interface StackGradOutput extends StackStepOutput {
  /** Gradients by official key, [Kg, ...] (scaled by each model's loss scale). */
  grads: Record<string, tf.Tensor>;
  /** [Kg·B, Dp] or null. */
  puzzleRowGrad: tf.Tensor | null;
  /** Per model of the group: unscaled sums over the batch, and the differentiated (scaled) loss. */
  lmLoss: Float32Array;
  qHaltLoss: Float32Array;
  loss: Float32Array;
}

/**
 * One supervision step in training mode for the models `models` of the stack: their weights (the stack's
 * variables when `models` is every model, in order; otherwise gathered copies) and gradients [Kg, ...].
 */
export async function stackedGradStep(net: StackedNetwork, models: readonly number[], batch: StackBatch, latents: Latents, opts: StackGradOptions): Promise<StackGradOutput> {
  const whole = models.length === net.size && models.every((m, i) => m === i);
  const w = whole ? net.weights() : tf.tidy(() => net.weights(models));
  // A subset's gathered weights become temporary variables so that variableGrads can differentiate them.
  const vars: Record<string, tf.Variable> = {};
  for (const [k, t] of Object.entries(w)) vars[k] = whole ? (t as tf.Variable) : tf.variable(t, true);
  if (!whole) tf.dispose(Object.values(w));
  const gathered = net.puzzleRows(batch.flatPuzzleIds);
  const rows = gathered ? tf.variable(gathered, true) : null;
  gathered?.dispose();
  const Kg = models.length;
  const B = opts.rowWeights.length / Kg;
  const rowWeights = tf.tensor2d(opts.rowWeights, [Kg, B]);
  const lossScale = tf.tensor1d(opts.lossScale);
  const params = Object.values(vars);

  const { loss, grads, aux } = gradsWithAux(() => {
    const x = net.embed(vars, batch.inputs, rows);
    const f = net.stepNet(vars, { rematerialize: opts.rematerialize });
    const { y, z } = deepRecursion(f, x, latents, { n: opts.n, T: opts.untaped + opts.taped, taped: opts.taped });
    const heads = net.heads(vars, y);
    const parts = stackedLoss({ logits: heads.logits, labels: batch.labels, qHalt: heads.qHalt, lossType: net.config.lossType, rowWeights, lossScale, qLossWeight: opts.qLossWeight });
    return { loss: parts.loss, aux: { y, z, ...heads, lm: parts.lm, qh: parts.qh, total: parts.total } };
  }, rows ? [...params, rows] : params);

  const byKey: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(vars)) byKey[k] = grads[v.name] ?? tf.zerosLike(v);
  const puzzleRowGrad = rows ? (grads[rows.name] ?? tf.zerosLike(rows)) : null;
  const [lm, qh, total] = (await Promise.all([aux.lm.data(), aux.qh.data(), aux.total.data()])) as Float32Array[];
  tf.dispose([loss, aux.lm, aux.qh, aux.total, rowWeights, lossScale, ...(rows ? [rows] : []), ...(whole ? [] : params)]);
  return {
    y: aux.y, z: aux.z, logits: aux.logits, qHalt: aux.qHalt, qContinue: aux.qContinue,
    grads: byKey, puzzleRowGrad, lmLoss: lm!, qHaltLoss: qh!, loss: total!,
  };
}

/** Disposes every tensor a stackedGradStep returned. */
export function disposeStackGrad(o: StackGradOutput): void {
  tf.dispose([o.y, o.z, o.logits, o.qHalt, o.qContinue, ...Object.values(o.grads), ...(o.puzzleRowGrad ? [o.puzzleRowGrad] : [])]);
}
