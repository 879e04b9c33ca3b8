/**
 * Model-level conformance: parity with the official PyTorch fixtures (shared/fixtures/parity, README there),
 * a short training run and an inference run, on whatever backend is active.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  assignStateDict,
  disposeGradStep,
  evalStep,
  fromOfficialConfig,
  gradStep,
  Rng,
  TrmNetwork,
  type BatchTensors,
  type TrmConfig,
} from '@trm-ts/core';
import { compareTol, readFixture, runParity, type ParityCheck } from '@trm-ts/core/parity';
import type { Tolerance } from './backends.js';

type Typed = Float32Array | Float64Array | Int32Array;

/** Minimal safetensors reader for the fixtures (F32, F64, I32; layout in the fixtures' README). */
function readSafetensors(bytes: Uint8Array): Map<string, Typed> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const make = { F32: Float32Array, F64: Float64Array, I32: Int32Array } as const;
  const out = new Map<string, Typed>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const Ctor = make[entry.dtype as keyof typeof make];
    if (!Ctor) throw new Error(`${name}: dtype ${entry.dtype} not handled`);
    const [begin, end] = entry.data_offsets;
    out.set(name, new Ctor(bytes.slice(8 + n + begin, 8 + n + end).buffer));
  }
  return out;
}

const stripPrefix = (key: string) => key.replace(/^(_orig_mod\.)?model\.inner\./, '');

function batchOf(io: Map<string, Typed>, B: number, L: number): BatchTensors {
  return {
    inputs: tf.tensor2d(Int32Array.from(io.get('inputs')!), [B, L], 'int32'),
    labels: tf.tensor2d(Int32Array.from(io.get('labels')!), [B, L], 'int32'),
    puzzleIds: tf.tensor1d(Int32Array.from(io.get('puzzle_identifiers')!), 'int32'),
  };
}

function agreement(logits: Float32Array, V: number, ref: ArrayLike<number>): number {
  let same = 0;
  for (let i = 0; i < ref.length; i++) {
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[i * V + v]! > logits[i * V + best]!) best = v;
    if (best === ref[i]) same++;
  }
  return same / ref.length;
}

/** Builds the fixture's model from config.json and loads weights.safetensors. */
function fixtureModel(dir: string) {
  const files = readFixture(dir);
  const net = new TrmNetwork(fromOfficialConfig(files.config));
  const state = new Map<string, Float32Array>();
  for (const [k, v] of readSafetensors(files.weights)) state.set(stripPrefix(k), Float32Array.from(v));
  assignStateDict(net, state);
  const io = readSafetensors(files.io);
  const [B, L] = [io.get('puzzle_identifiers')!.length, io.get('inputs')!.length / io.get('puzzle_identifiers')!.length];
  return { net, io, tol: files.tolerances.float32, B, L };
}

/**
 * The cheap part of the fixture check (README "What a parity test checks", items 1 and 5): call 1 from the
 * initial carry, then the training call's loss and every gradient. `runParity` adds the free-running and
 * teacher-forced calls (set TRM_CONFORMANCE_FULL=1).
 */
export async function parityFirstCallAndGradients(dir: string, phase: 'call1' | 'train'): Promise<ParityCheck[]> {
  const { net, io, tol, B, L } = fixtureModel(dir);
  const batch = batchOf(io, B, L);
  const init = net.initialLatents(B);
  const checks: ParityCheck[] = [];
  try {
    if (phase === 'call1') {
      const out = evalStep(net, batch, init);
      const got = await Promise.all([out.logits, out.qHalt, out.qContinue, out.y, out.z].map((t) => t.data()));
      tf.dispose([out.logits, out.qHalt, out.qContinue, out.y, out.z]);
      ['step1_logits', 'step1_q_halt', 'step1_q_continue', 'step1_z_H', 'step1_z_L'].forEach((key, i) =>
        checks.push(compareTol(key, got[i]!, io.get(key)!, tol.step)),
      );
      const frac = agreement(got[0] as Float32Array, net.config.vocabSize, io.get('all_steps_preds')!.subarray(0, B * L));
      checks.push({ name: 'preds_agree[call 1]', worst: frac, maxAbs: 1 - frac, pass: frac >= tol.preds_agree });
    } else {
      const g = await gradStep(net, batch, init, { lossScale: 1 / B });
      const refLoss = io.get('train_loss')![0]!;
      const rel = Math.abs(g.loss - refLoss) / Math.abs(refLoss);
      checks.push({ name: 'train_loss', worst: rel / tol.train_loss_rel, maxAbs: rel, pass: rel <= tol.train_loss_rel });
      const ids = io.get('puzzle_identifiers')!;
      for (const s of net.specs) {
        if (s.kind === 'buffer') continue;
        let data: Float32Array;
        if (s.kind === 'puzzle') {
          // Per-row gradients summed per identifier into the table's shape (README, io.safetensors).
          const rowGrad = (await g.puzzleRowGrad!.data()) as Float32Array;
          const Dp = net.config.puzzleEmbDim;
          data = new Float32Array(net.config.numPuzzleIdentifiers * Dp);
          for (let b = 0; b < B; b++) for (let j = 0; j < Dp; j++) data[ids[b]! * Dp + j]! += rowGrad[b * Dp + j]!;
        } else {
          const official = tf.tidy(() => (s.transposed ? tf.transpose(g.grads.get(s.key)!) : g.grads.get(s.key)!.clone()));
          data = (await official.data()) as Float32Array;
          official.dispose();
        }
        checks.push(compareTol(`grad/${s.key}`, data, io.get(`grad/_orig_mod.model.inner.${s.key}`)!, tol.grad));
      }
      disposeGradStep(g);
    }
  } finally {
    tf.dispose([init.y, init.z, batch.inputs, batch.labels, batch.puzzleIds]);
    net.dispose();
  }
  return checks;
}

/** Every check of the fixtures' README on the active backend (slow on cpu and SwiftShader). */
export async function fullParity(dir: string): Promise<ParityCheck[]> {
  return (await runParity(readFixture(dir))).checks;
}

/** A TRM-MLP small enough for a 2-core CPU and SwiftShader (ALGORITHM §11.4 scale, smaller). */
export const TINY: Partial<TrmConfig> = {
  seqLen: 16,
  vocabSize: 6,
  numPuzzleIdentifiers: 1,
  hiddenSize: 32,
  numHeads: 2,
  expansion: 2,
  numLayers: 2,
  latentSteps: 2, // n
  recursions: 2, // T
  supervisionSteps: 4, // N_sup
  mixer: 'mlp',
  posEncodings: 'none',
  puzzleEmbDim: 32,
  puzzleEmbLen: 1,
};

/** A fixed task for the tiny model: label = the input token shifted by one (mod V), over tokens 1..V−1. */
function tinyBatch(B: number, seed: number): BatchTensors {
  const { seqLen: L, vocabSize: V } = TINY as Required<Pick<TrmConfig, 'seqLen' | 'vocabSize'>>;
  const rng = new Rng(seed);
  const inputs = Int32Array.from({ length: B * L }, () => rng.int(1, V - 1));
  const labels = inputs.map((t) => (t % (V - 1)) + 1);
  return {
    inputs: tf.tensor2d(inputs, [B, L], 'int32'),
    labels: tf.tensor2d(labels, [B, L], 'int32'),
    puzzleIds: tf.zeros([B], 'int32'),
  };
}

export interface TrainingRun {
  losses: number[];
}

/**
 * A short training run: `steps` supervision steps (gradStep from the initial carry) on one fixed batch, each
 * followed by an Adam update of every trainable variable. The loss must go down; nothing may leak.
 */
export async function trainingRun(steps = 8): Promise<TrainingRun> {
  const net = new TrmNetwork(TINY, { seed: 7 });
  const batch = tinyBatch(8, 11);
  const optimizer = tf.train.adam(1e-2);
  const keyOf = new Map(net.specs.map((s) => [s.key, net.v(s.key).name]));
  const losses: number[] = [];
  try {
    for (let step = 0; step < steps; step++) {
      const init = net.initialLatents(8);
      const g = await gradStep(net, batch, init, { lossScale: 1 / 8 });
      losses.push(g.loss);
      optimizer.applyGradients([...g.grads].map(([key, tensor]) => ({ name: keyOf.get(key)!, tensor })));
      disposeGradStep(g);
      tf.dispose([init.y, init.z]);
    }
  } finally {
    optimizer.dispose();
    tf.dispose([batch.inputs, batch.labels, batch.puzzleIds]);
    net.dispose();
  }
  return { losses };
}

/**
 * Logits [B, L, V] of the first `calls` calls of the tiny model's evaluation loop, the carry passed from
 * call to call (ALGORITHM §4.5). Like the fixtures' TRM-MLP, the loop is chaotic in float32 (two exact float32 backends
 * drift ~5× apart per call), so callers compare only the first calls across backends.
 */
export async function inferenceRun(calls = 2): Promise<Float32Array[]> {
  const net = new TrmNetwork(TINY, { seed: 3 });
  const batch = tinyBatch(4, 5);
  let carry = net.initialLatents(4);
  const logits: Float32Array[] = [];
  try {
    for (let s = 0; s < calls; s++) {
      const out = evalStep(net, batch, carry);
      logits.push((await out.logits.data()) as Float32Array);
      tf.dispose([carry.y, carry.z, out.logits, out.qHalt, out.qContinue]);
      carry = { y: out.y, z: out.z };
    }
  } finally {
    tf.dispose([carry.y, carry.z, batch.inputs, batch.labels, batch.puzzleIds]);
    net.dispose();
  }
  return logits;
}

/** compareTol with a backend tolerance (same bound as the fixtures). */
export const compare = (name: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance) => compareTol(name, got, want, tol);
