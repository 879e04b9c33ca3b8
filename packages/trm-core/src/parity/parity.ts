/**
 * The parity check against fixtures produced by the official PyTorch code (shared/fixtures/parity, see its
 * README): any directory with config.json, weights.safetensors, io.safetensors and tolerances.json. The model
 * is built from config.json alone; every tolerance comes from tolerances.json ("float32" section, since
 * TensorFlow.js computes in float32). Works on whatever TensorFlow.js backend is active.
 */
import * as tf from '@tensorflow/tfjs-core';
import { fromOfficialConfig } from '../config.js';
import { loadSafetensorsInto } from '../checkpoint/model-io.js';
import { parseSafetensors, type ParsedSafetensors } from '../checkpoint/safetensors.js';
import { toFloat32 } from '../checkpoint/dtypes.js';
import { TrmNetwork } from '../model/network.js';
import { evalStep, gradStep, disposeGradStep, type BatchTensors } from '../model/supervision.js';
import type { Latents } from '../model/recursion.js';

export interface Tolerance {
  A: number;
  R: number;
}

export interface ParityTolerances {
  step: Tolerance;
  teacher_forced: Tolerance;
  grad: Tolerance;
  train_loss_rel: number;
  free_running: Tolerance & { only_first_steps: number };
  preds_agree: number;
}

export interface ParityCheck {
  /** e.g. `step1_logits`, `teacher_forced[3]/extra/all_steps_z_H`, `grad/…`, `train_loss`, `preds_agree[step 1]`. */
  name: string;
  /** Largest |x − ref| / (A·max|ref| + R·|ref|) over the elements (≤ 1 passes); for preds_agree the agreement. */
  worst: number;
  /** Max |x − ref| (or the relative error for train_loss). */
  maxAbs: number;
  pass: boolean;
}

export interface ParityReport {
  fixture: string;
  backend: string;
  checks: ParityCheck[];
  pass: boolean;
}

export interface FixtureFiles {
  name: string;
  config: Record<string, unknown>;
  tolerances: { float32: ParityTolerances };
  weights: Uint8Array;
  io: Uint8Array;
}

/** Compares elementwise: |x − ref| ≤ A·max|ref| + R·|ref|. */
export function compareTol(name: string, x: ArrayLike<number>, ref: ArrayLike<number>, tol: Tolerance): ParityCheck {
  if (x.length !== ref.length) return { name: `${name} (length ${x.length} vs ${ref.length})`, worst: Infinity, maxAbs: Infinity, pass: false };
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) maxRef = Math.max(maxRef, Math.abs(ref[i]!));
  let worst = 0;
  let maxAbs = 0;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(x[i]! - ref[i]!);
    const bound = tol.A * maxRef + tol.R * Math.abs(ref[i]!);
    maxAbs = Math.max(maxAbs, err);
    const ratio = bound > 0 ? err / bound : err === 0 ? 0 : Infinity;
    if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : Math.max(worst, ratio);
  }
  return { name, worst, maxAbs, pass: worst <= 1 };
}

function argmaxLast(logits: Float32Array, V: number): Int32Array {
  const out = new Int32Array(logits.length / V);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[i * V + v]! > logits[i * V + best]!) best = v;
    out[i] = best;
  }
  return out;
}

function agree(name: string, pred: Int32Array, ref: ArrayLike<number>, min: number): ParityCheck {
  let same = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === ref[i]) same++;
  const frac = same / pred.length;
  return { name, worst: frac, maxAbs: 1 - frac, pass: frac >= min };
}

class Io {
  constructor(private readonly file: ParsedSafetensors) {}
  has(key: string): boolean {
    return this.file.tensors.has(key);
  }
  get(key: string): { shape: number[]; data: Float32Array } {
    const t = this.file.tensors.get(key);
    if (!t) throw new Error(`io.safetensors: tensor '${key}' is missing`);
    return { shape: t.shape, data: toFloat32(t) };
  }
  /** Slice s of a [S, …] tensor. */
  step(key: string, s: number): { shape: number[]; data: Float32Array } {
    const { shape, data } = this.get(key);
    const per = data.length / shape[0]!;
    return { shape: shape.slice(1), data: data.subarray(s * per, (s + 1) * per) };
  }
}

/** Runs every check of one fixture on the active backend. Leaves no tensors behind. */
export async function runParity(files: FixtureFiles): Promise<ParityReport> {
  const tol = files.tolerances.float32;
  const net = new TrmNetwork(fromOfficialConfig(files.config));
  const checks: ParityCheck[] = [];
  try {
    // The loader users call: prefixes, every key and every shape are checked (checkpoint/state-dict.ts).
    loadSafetensorsInto(net, files.weights);

    const io = new Io(parseSafetensors(files.io));
    const inputs = io.get('inputs');
    const B = inputs.shape[0]!;
    const L = inputs.shape[1]!;
    const V = net.config.vocabSize;
    const P = net.seqLenInternal;
    const D = net.config.hiddenSize;
    const batch: BatchTensors = {
      inputs: tf.tensor2d(Int32Array.from(inputs.data), [B, L], 'int32'),
      labels: tf.tensor2d(Int32Array.from(io.get('labels').data), [B, L], 'int32'),
      puzzleIds: tf.tensor1d(Int32Array.from(io.get('puzzle_identifiers').data), 'int32'),
    };
    const S = io.get('all_steps_preds').shape[0]!;
    const preds = io.get('all_steps_preds');
    const predsAt = (s: number) => preds.data.subarray(s * B * L, (s + 1) * B * L);

    const outputs = async (o: Latents & { logits: tf.Tensor; qHalt: tf.Tensor; qContinue: tf.Tensor }) => ({
      logits: (await o.logits.data()) as Float32Array,
      qHalt: (await o.qHalt.data()) as Float32Array,
      qContinue: (await o.qContinue.data()) as Float32Array,
      y: (await o.y.data()) as Float32Array,
      z: (await o.z.data()) as Float32Array,
    });
    const disposeOut = (o: Latents & { logits: tf.Tensor; qHalt: tf.Tensor; qContinue: tf.Tensor }) =>
      tf.dispose([o.y, o.z, o.logits, o.qHalt, o.qContinue]);

    // 1. Call 1 from the initial carry (H_init / L_init broadcast).
    const init = net.initialLatents(B);
    const first = evalStep(net, batch, init);
    const o1 = await outputs(first);
    checks.push(
      compareTol('step1_logits', o1.logits, io.get('step1_logits').data, tol.step),
      compareTol('step1_q_halt', o1.qHalt, io.get('step1_q_halt').data, tol.step),
      compareTol('step1_q_continue', o1.qContinue, io.get('step1_q_continue').data, tol.step),
      compareTol('step1_z_H', o1.y, io.get('step1_z_H').data, tol.step),
      compareTol('step1_z_L', o1.z, io.get('step1_z_L').data, tol.step),
      agree('preds_agree[call 1]', argmaxLast(o1.logits, V), predsAt(0), tol.preds_agree),
    );

    // 2. Free running: calls 1..K with the carry passed along.
    const K = Math.min(tol.free_running.only_first_steps, S);
    let carry: Latents = { y: first.y, z: first.z };
    tf.dispose([first.logits, first.qHalt, first.qContinue]);
    for (let s = 0; s < K; s++) {
      let o = o1;
      if (s > 0) {
        const next = evalStep(net, batch, carry);
        o = await outputs(next);
        tf.dispose([carry.y, carry.z, next.logits, next.qHalt, next.qContinue]);
        carry = { y: next.y, z: next.z };
      }
      checks.push(
        compareTol(`free_running[call ${s + 1}]/logits`, o.logits, io.step('extra/all_steps_logits', s).data, tol.free_running),
        compareTol(`free_running[call ${s + 1}]/q_halt`, o.qHalt, io.step('all_steps_q_halt', s).data, tol.free_running),
        agree(`preds_agree[free call ${s + 1}]`, argmaxLast(o.logits, V), predsAt(s), tol.preds_agree),
      );
    }
    tf.dispose([carry.y, carry.z]);

    // 3. Teacher forcing: call s (2..S) from the stored carry after call s−1.
    for (let s = 1; s < S; s++) {
      const start: Latents = {
        y: tf.tensor3d(io.step('extra/all_steps_z_H', s - 1).data, [B, P, D]),
        z: tf.tensor3d(io.step('extra/all_steps_z_L', s - 1).data, [B, P, D]),
      };
      const out = evalStep(net, batch, start);
      const o = await outputs(out);
      tf.dispose([start.y, start.z]);
      disposeOut(out);
      const tag = `teacher_forced[call ${s + 1}]`;
      checks.push(
        compareTol(`${tag}/logits`, o.logits, io.step('extra/all_steps_logits', s).data, tol.teacher_forced),
        compareTol(`${tag}/q_halt`, o.qHalt, io.step('all_steps_q_halt', s).data, tol.teacher_forced),
        compareTol(`${tag}/q_continue`, o.qContinue, io.step('extra/all_steps_q_continue', s).data, tol.teacher_forced),
        compareTol(`${tag}/z_H`, o.y, io.step('extra/all_steps_z_H', s).data, tol.teacher_forced),
        compareTol(`${tag}/z_L`, o.z, io.step('extra/all_steps_z_L', s).data, tol.teacher_forced),
        agree(`preds_agree[${tag}]`, argmaxLast(o.logits, V), predsAt(s), tol.preds_agree),
      );
    }

    // 4. Training call from the initial carry: loss / B and every gradient.
    const g = await gradStep(net, batch, init, { lossScale: 1 / B });
    const refLoss = io.get('train_loss').data[0]!;
    const rel = Math.abs(g.loss - refLoss) / Math.abs(refLoss);
    checks.push({ name: 'train_loss', worst: rel / tol.train_loss_rel, maxAbs: rel, pass: rel <= tol.train_loss_rel });
    for (const s of net.specs) {
      const key = `grad/_orig_mod.model.inner.${s.key}`;
      if (s.kind === 'buffer') continue;
      if (!io.has(key)) {
        checks.push({ name: `${key} (missing from the fixture)`, worst: Infinity, maxAbs: Infinity, pass: false });
        continue;
      }
      let data: Float32Array;
      if (s.kind === 'puzzle') {
        // Per-row gradients summed per identifier into the table's shape (unused ids: zero rows).
        const rowGrad = (await g.puzzleRowGrad!.data()) as Float32Array;
        const ids = io.get('puzzle_identifiers').data;
        const Dp = net.config.puzzleEmbDim;
        data = new Float32Array(net.config.numPuzzleIdentifiers * Dp);
        for (let b = 0; b < B; b++) for (let j = 0; j < Dp; j++) data[ids[b]! * Dp + j]! += rowGrad[b * Dp + j]!;
      } else {
        const gt = g.grads.get(s.key)!;
        const off = s.transposed ? tf.transpose(gt) : gt;
        data = (await off.data()) as Float32Array;
        if (off !== gt) off.dispose();
      }
      checks.push(compareTol(key, data, io.get(key).data, tol.grad));
    }
    disposeGradStep(g);
    tf.dispose([init.y, init.z, batch.inputs, batch.labels, batch.puzzleIds]);
  } finally {
    net.dispose();
  }
  return { fixture: files.name, backend: tf.getBackend(), checks, pass: checks.every((c) => c.pass) };
}
