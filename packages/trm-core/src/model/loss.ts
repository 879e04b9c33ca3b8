/**
 * The loss head (ALGORITHM.md §4.6): stablemax or softmax cross-entropy per cell, a per-row mean over the
 * non-ignored cells, summed over rows; q_halt binary cross-entropy against "the current answer is entirely
 * right"; total = lm + 0.5·(q_halt + q_continue).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossType } from '../config.js';
import { IGNORE_LABEL } from '../data.js';
import { withoutGradient } from './ops.js';


/**
 * log stablemax over the last axis: s(v) = v + 1 (v ≥ 0), 1/(1 − v) (v < 0); log p = log s − log Σ s.
 * Both branches are evaluated on clamped inputs so that neither produces Inf/NaN in float32 (§12.11).
 */
export function logStablemax(logits: tf.Tensor): tf.Tensor {
  const zero = tf.scalar(0);
  const one = tf.scalar(1);
  const neg = tf.minimum(logits, zero);
  const pos = tf.maximum(logits, zero);
  const isNeg = withoutGradient((v) => tf.less(v!, zero), logits); // a condition, not a function of the weights
  const s = tf.where(isNeg, tf.div(one, tf.sub(one, neg)), tf.add(pos, one));
  return tf.sub(tf.log(s), tf.log(tf.sum(s, -1, true)));
}

/** BCE with logits, elementwise: max(q, 0) − q·t + log(1 + exp(−|q|)). */
export function bceWithLogits(q: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.maximum(q, tf.scalar(0)), tf.mul(q, target)), tf.log1p(tf.exp(tf.neg(tf.abs(q)))));
}

/** 1 for rows whose argmax is right at every non-ignored cell (rows without labels count as right), else 0. */
export function sequenceCorrect(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return withoutGradient((lg, lb) => {
    const mask = tf.notEqual(lb!, tf.scalar(IGNORE_LABEL, 'int32'));
    const right = tf.logicalOr(tf.logicalNot(mask), tf.equal(tf.argMax(lg!, -1), lb!)); // [B, L]
    return tf.cast(tf.all(right, -1), 'float32'); // [B]
  }, logits, labels);
}

export interface LossParts {
  /** Σ_b lm_b (stablemax/softmax CE, per-row mean over valid cells). */
  lmLoss: tf.Tensor;
  /** Σ_b BCE(q_halt_b, correct_b). */
  qHaltLoss: tf.Tensor;
  /** Σ_b BCE(q_continue_b, target_b), zero unless a target is given (§4.7). */
  qContinueLoss: tf.Tensor;
  /** lm + 0.5·qLossWeight·(qHalt + qContinue). */
  total: tf.Tensor;
  /** Per-row lm_b + 0.5·bce_b [B] (for losses weighted per row, e.g. masked classic loops). */
  perRow: tf.Tensor;
  /** [B] 0/1 target of q_halt. */
  correct: tf.Tensor;
}

export interface LossHeadInput {
  logits: tf.Tensor; // [B, L, V]
  labels: tf.Tensor; // int32 [B, L], −100 = ignore
  qHalt: tf.Tensor; // [B]
  qContinue?: tf.Tensor; // [B]
  /** Target probability for q_continue (HRM Q-learning target), [B]. */
  qContinueTarget?: tf.Tensor;
  lossType: LossType;
  /** Optional per-row weights [B] (e.g. 0 for rows that already halted in the classic loop). */
  rowWeights?: tf.Tensor;
  /** Weight of the Q losses in the total (default 1: lm + 0.5·(qHalt + qContinue); 0 for DIS, §10.5). The parts are reported either way. */
  qLossWeight?: number;
}

export function lossHead(inp: LossHeadInput): LossParts {
  const { logits, labels, qHalt, lossType } = inp;
  const V = logits.shape[logits.rank - 1]!;
  const mask = tf.cast(tf.notEqual(labels, tf.scalar(IGNORE_LABEL, 'int32')), 'float32'); // [B, L]
  const safeLabels = tf.maximum(labels, tf.scalar(0, 'int32')); // −100 → 0; masked out below
  const target = tf.cast(tf.oneHot(safeLabels, V), 'float32'); // [B, L, V]
  const logp = lossType === 'stablemax' ? logStablemax(logits) : tf.logSoftmax(logits);
  const ce = tf.neg(tf.sum(tf.mul(logp, target), -1)); // [B, L]
  const count = tf.maximum(tf.sum(mask, -1), tf.scalar(1)); // [B]
  const lmRow = tf.div(tf.sum(tf.mul(ce, mask), -1), count); // [B]
  const correct = sequenceCorrect(logits, labels);
  const bceRow = bceWithLogits(qHalt, correct); // [B]
  let qcRow: tf.Tensor = tf.zerosLike(bceRow);
  if (inp.qContinue && inp.qContinueTarget) qcRow = bceWithLogits(inp.qContinue, inp.qContinueTarget);
  const qw = 0.5 * (inp.qLossWeight ?? 1);
  let perRow = qw === 0 ? lmRow : tf.add(lmRow, tf.mul(tf.scalar(qw), tf.add(bceRow, qcRow)));
  const w = inp.rowWeights;
  const weighted = (t: tf.Tensor) => tf.sum(w ? tf.mul(t, w) : t);
  if (w) perRow = tf.mul(perRow, w);
  const lmLoss = weighted(lmRow);
  const qHaltLoss = weighted(bceRow);
  const qContinueLoss = weighted(qcRow);
  const total = qw === 0 ? lmLoss : tf.add(lmLoss, tf.mul(tf.scalar(qw), tf.add(qHaltLoss, qContinueLoss)));
  return { lmLoss, qHaltLoss, qContinueLoss, total, perRow, correct };
}
