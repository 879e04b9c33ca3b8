/**
 * One supervision step of deep supervision (ALGORITHM.md §3.1–3.2, §4): deepRecursion followed by the
 * heads, in evaluation mode (no gradient at all) or in training mode (deepRecursion inside the gradient tape
 * with its last recursion taped, the loss head, gradients of every trainable parameter and of the batch's
 * puzzle-embedding rows). The returned latents are plain tensors: detached by construction.
 *
 *   (y, z) = deep_recursion(x, y, z, n, T)           // recursion.ts
 *   ŷ, q = output_head(y), Q_head(y)
 *   loss = softmax_cross_entropy(ŷ, y_true) + binary_cross_entropy(q_halt, ŷ == y_true)   // loss.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { IGNORE_LABEL, type TaskBatch } from '../data.js';
import { lossHead } from './loss.js';
import type { TrmNetwork } from './network.js';
import { deepRecursion, type Latents } from './recursion.js';
import { gradsWithAux, withoutGradient } from './ops.js';

export interface BatchTensors {
  inputs: tf.Tensor; // int32 [B, L]
  labels: tf.Tensor; // int32 [B, L]
  puzzleIds: tf.Tensor; // int32 [B]
}

/** Validates a TaskBatch against the model and uploads it. */
export function batchTensors(net: TrmNetwork, b: TaskBatch): BatchTensors {
  const c = net.config;
  const B = b.batchSize;
  const expect = (ok: boolean, what: string) => {
    if (!ok) throw new ShapeError(what);
  };
  expect(Number.isInteger(B) && B > 0, `batch: expected batchSize ≥ 1, got ${B}.`);
  expect(b.seqLen === c.seqLen, `batch: expected seqLen ${c.seqLen} (model config), got ${b.seqLen}.`);
  expect(b.inputs.length === B * c.seqLen, `batch.inputs: expected ${B}·${c.seqLen} = ${B * c.seqLen} ids, got ${b.inputs.length}.`);
  expect(b.labels.length === B * c.seqLen, `batch.labels: expected ${B * c.seqLen} ids, got ${b.labels.length}.`);
  expect(b.puzzleIds.length === B, `batch.puzzleIds: expected ${B} ids, got ${b.puzzleIds.length}.`);
  for (let i = 0; i < b.inputs.length; i++) {
    const v = b.inputs[i]!;
    if (!(v >= 0 && v < c.vocabSize)) throw new ShapeError(`batch.inputs[${i}]: expected a token id in [0, ${c.vocabSize}), got ${v}. Check the dataset's vocabSize against the model config.`);
    const l = b.labels[i]!;
    if (l !== IGNORE_LABEL && !(l >= 0 && l < c.vocabSize)) throw new ShapeError(`batch.labels[${i}]: expected −100 or a token id in [0, ${c.vocabSize}), got ${l}.`);
  }
  for (let i = 0; i < B; i++) {
    const p = b.puzzleIds[i]!;
    if (!(p >= 0 && p < c.numPuzzleIdentifiers)) throw new ShapeError(`batch.puzzleIds[${i}]: expected an id in [0, ${c.numPuzzleIdentifiers}), got ${p}.`);
  }
  return {
    inputs: tf.tensor2d(b.inputs, [B, c.seqLen], 'int32'),
    labels: tf.tensor2d(b.labels, [B, c.seqLen], 'int32'),
    puzzleIds: tf.tensor1d(b.puzzleIds, 'int32'),
  };
}

export interface RecursionCounts {
  /** n (L_cycles); default: the model's latentSteps. */
  latentSteps?: number;
  /** T (H_cycles); default: the model's recursions. */
  recursions?: number;
}

export interface StepOutput extends Latents {
  logits: tf.Tensor; // [B, L, V]
  qHalt: tf.Tensor; // [B]
  qContinue: tf.Tensor; // [B]
}

/** One supervision step in evaluation mode: all T latent recursions without gradient, then the heads. */
export function evalStep(net: TrmNetwork, batch: BatchTensors, latents: Latents, counts: RecursionCounts = {}): StepOutput {
  const n = counts.latentSteps ?? net.config.latentSteps;
  const T = counts.recursions ?? net.config.recursions;
  const out = net.withStepWeights((f) => deepRecursion(f, net.embed(batch.inputs, net.puzzleRows(batch.puzzleIds)), latents, { n, T }));
  return { ...out, ...tf.tidy(() => net.heads(out.y)) };
}

export interface GradStepOptions extends RecursionCounts {
  /** Latent recursions run before the taped ones, without gradient (default T − 1; Bansal: a). */
  noGradRecursions?: number;
  /** Latent recursions inside the gradient tape (default 1; Bansal: k). */
  gradRecursions?: number;
  /** The loss is multiplied by this before differentiation (official: 1 / globalBatchSize). */
  lossScale?: number;
  /** Per-row weights [B] of the loss (e.g. 0 for rows already halted in the classic loop). */
  rowWeights?: Float32Array;
  /** Rows per forward/backward pass; gradients of the micro-batches are summed (exactly the full batch's). */
  microBatch?: number;
  /** Recompute each taped application of f in the backward pass (default true; memory ∝ one application). */
  rematerialize?: boolean;
  /** Targets per row [B] replacing the batch labels (DIS milestone targets). */
  labelsOverride?: tf.Tensor;
  /** Weight of the Q (halting) losses in the differentiated total (default 1; DIS trains without them, §10.5). */
  qLossWeight?: number;
}

export interface GradStepOutput extends StepOutput {
  /** Gradients by official key (internal [in, out] layout for Linear weights), already scaled by lossScale. */
  grads: Map<string, tf.Tensor>;
  /** Gradient of the batch's gathered puzzle rows [B, puzzleEmbDim] (null without puzzle embedding). */
  puzzleRowGrad: tf.Tensor | null;
  /** [B] 0/1: the step's answer was entirely right (q_halt's target). */
  correct: tf.Tensor;
  /** Loss parts as numbers, unscaled sums over the batch. */
  lmLoss: number;
  qHaltLoss: number;
  qContinueLoss: number;
  /** The differentiated loss: lossScale·(lm + 0.5·(qHalt + qContinue)). */
  loss: number;
}

function sliceRows(t: tf.Tensor, start: number, size: number): tf.Tensor {
  const begin = t.shape.map((_, i) => (i === 0 ? start : 0));
  const sz = t.shape.map((d, i) => (i === 0 ? size : d!));
  return tf.slice(t, begin, sz);
}

/**
 * One supervision step in training mode (ALGORITHM §3.2): returns the new (detached) latents, outputs,
 * loss parts and gradients. Nothing is applied to the weights here; optimizers do that.
 */
export async function gradStep(net: TrmNetwork, batch: BatchTensors, latents: Latents, opts: GradStepOptions = {}): Promise<GradStepOutput> {
  const B = batch.inputs.shape[0]!;
  const mb = Math.max(1, Math.min(opts.microBatch ?? B, B));
  if (mb === B) return gradStepWhole(net, batch, latents, opts);
  const parts: GradStepOutput[] = [];
  for (let start = 0; start < B; start += mb) {
    const size = Math.min(mb, B - start);
    const sub = tf.tidy(() => ({
      inputs: sliceRows(batch.inputs, start, size),
      labels: sliceRows(batch.labels, start, size),
      puzzleIds: sliceRows(batch.puzzleIds, start, size),
      y: sliceRows(latents.y, start, size),
      z: sliceRows(latents.z, start, size),
      override: opts.labelsOverride ? sliceRows(opts.labelsOverride, start, size) : undefined,
    }));
    parts.push(
      await gradStepWhole(net, sub, { y: sub.y, z: sub.z }, {
        ...opts,
        rowWeights: opts.rowWeights?.subarray(start, start + size),
        labelsOverride: sub.override,
      }),
    );
    tf.dispose([sub.inputs, sub.labels, sub.puzzleIds, sub.y, sub.z, ...(sub.override ? [sub.override] : [])]);
  }
  const cat = (pick: (p: GradStepOutput) => tf.Tensor) => tf.concat(parts.map(pick), 0);
  const grads = new Map<string, tf.Tensor>();
  for (const key of parts[0]!.grads.keys()) grads.set(key, tf.addN(parts.map((p) => p.grads.get(key)!)));
  const out: GradStepOutput = {
    y: cat((p) => p.y), z: cat((p) => p.z), logits: cat((p) => p.logits), qHalt: cat((p) => p.qHalt),
    qContinue: cat((p) => p.qContinue), correct: cat((p) => p.correct),
    puzzleRowGrad: parts[0]!.puzzleRowGrad ? cat((p) => p.puzzleRowGrad!) : null,
    grads,
    lmLoss: parts.reduce((a, p) => a + p.lmLoss, 0),
    qHaltLoss: parts.reduce((a, p) => a + p.qHaltLoss, 0),
    qContinueLoss: parts.reduce((a, p) => a + p.qContinueLoss, 0),
    loss: parts.reduce((a, p) => a + p.loss, 0),
  };
  for (const p of parts) disposeGradStep(p);
  return out;
}

/** Disposes every tensor a gradStep returned. */
export function disposeGradStep(o: GradStepOutput): void {
  tf.dispose([o.y, o.z, o.logits, o.qHalt, o.qContinue, o.correct, ...o.grads.values(), ...(o.puzzleRowGrad ? [o.puzzleRowGrad] : [])]);
}

async function gradStepWhole(net: TrmNetwork, batch: BatchTensors, latents: Latents, opts: GradStepOptions): Promise<GradStepOutput> {
  const c = net.config;
  const n = opts.latentSteps ?? c.latentSteps;
  const T = opts.recursions ?? c.recursions;
  const untaped = opts.noGradRecursions ?? T - 1;
  const taped = opts.gradRecursions ?? 1;

  // The puzzle rows of this batch as a temporary variable: SignSGD needs their gradient (ALGORITHM §3.2, §5.4).
  const gathered = net.puzzleRows(batch.puzzleIds);
  const rows = gathered ? tf.variable(gathered, true) : null;
  gathered?.dispose();
  const params = net.trainableVariables();
  const rowWeights = opts.rowWeights ? tf.tensor1d(opts.rowWeights) : undefined;

  const { loss, grads, aux } = gradsWithAux(() => {
    // x inside the tape so that the embeddings get gradients (ALGORITHM §12.7); f's split weights likewise.
    const x = net.embed(batch.inputs, rows);
    const f = net.stepNet({ rematerialize: opts.rematerialize !== false });
    const { y, z } = deepRecursion(f, x, latents, { n, T: untaped + taped, taped });
    const heads = net.heads(y);
    const parts = lossHead({
      logits: heads.logits,
      labels: opts.labelsOverride ?? batch.labels,
      qHalt: heads.qHalt,
      qContinue: heads.qContinue,
      qContinueTarget: c.qContinue ? continueTarget(net, batch, y, z, n, T) : undefined,
      lossType: c.lossType,
      rowWeights,
      qLossWeight: opts.qLossWeight,
    });
    return {
      loss: tf.mul(parts.total, tf.scalar(opts.lossScale ?? 1)) as tf.Scalar,
      aux: { y, z, ...heads, correct: parts.correct, lm: parts.lmLoss, qh: parts.qHaltLoss, qc: parts.qContinueLoss },
    };
  }, rows ? [...params, rows] : params);

  const byKey = new Map<string, tf.Tensor>();
  net.specs.filter((s) => s.kind === 'param').forEach((s, i) => byKey.set(s.key, grads[params[i]!.name] ?? tf.zerosLike(params[i]!)));
  const puzzleRowGrad = rows ? (grads[rows.name] ?? tf.zerosLike(rows)) : null;
  // Read asynchronously: WebGPU in Node cannot read synchronously.
  const [lm, qh, qc, total] = (await Promise.all([aux.lm.data(), aux.qh.data(), aux.qc.data(), loss.data()])).map((d) => d[0]!) as [number, number, number, number];
  tf.dispose([loss, aux.lm, aux.qh, aux.qc, ...(rows ? [rows] : []), ...(rowWeights ? [rowWeights] : [])]);
  return {
    y: aux.y, z: aux.z, logits: aux.logits, qHalt: aux.qHalt, qContinue: aux.qContinue, correct: aux.correct,
    grads: byKey, puzzleRowGrad, lmLoss: lm, qHaltLoss: qh, qContinueLoss: qc, loss: total,
  };
}

/**
 * HRM's Q-continue target (ALGORITHM §4.7): one more deep recursion, without gradient, from the new latents;
 * τ = sigmoid(max(q_halt', q_continue')) (or q_halt' at the last step, which callers handle by halting).
 */
function continueTarget(net: TrmNetwork, batch: BatchTensors, y: tf.Tensor, z: tf.Tensor, n: number, T: number): tf.Tensor {
  return withoutGradient((yy, zz) => {
    const x = net.embed(batch.inputs, net.puzzleRows(batch.puzzleIds));
    const next = net.withStepWeights((f) => deepRecursion(f, x, { y: yy!, z: zz! }, { n, T }));
    const h = net.heads(next.y);
    return tf.sigmoid(tf.maximum(h.qHalt, h.qContinue));
  }, y, z);
}
