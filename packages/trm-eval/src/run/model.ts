/**
 * What the model-driven evaluation needs from a model (ALGORITHM.md §4.5, §8): static initial latents, one
 * supervision step in evaluation mode, and the sizes. `evalModelOf(net)` adapts a `TrmNetwork` (the caller
 * passes the network whose weights to use, e.g. with the EMA averages swapped in, §5.5); tests plug in
 * hand-made models whose trajectories are known exactly.
 *
 * Also here: stacking k runs as k·B rows (§8.5), the latent inits of those runs (§8.3), and test-time latent
 * noise (§8.6).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  ConfigError,
  Rng,
  ShapeError,
  TrmNetwork,
  batchTensors,
  check,
  drawLatentInit,
  evalStep,
  type BatchTensors,
  type Latents,
  type LatentInitMode,
  type RecursionCounts,
  type TaskBatch,
} from '@trm-ts/core';

/** One supervision step's outputs; the driver disposes all four. */
export interface EvalStepOutput extends Latents {
  logits: tf.Tensor; // [rows, L, V]
  qHalt: tf.Tensor; // [rows] raw q_halt logits
}

/** The model interface of the evaluation drivers. `Prepared` = the uploaded batch. */
export interface EvalModel<Prepared = unknown> {
  /** L, cells per example. */
  readonly cells: number;
  /** P = L + Lp, positions of a latent. */
  readonly positions: number;
  /** D, hidden size. */
  readonly hidden: number;
  /** V, vocabulary size (predictions are ids in 0..V−1). */
  readonly vocab: number;
  /** The static init (§8.3, official H_init / L_init) for `rows` rows: new tensors [rows, P, D]. */
  staticLatents(rows: number): Latents;
  /** Validates and uploads a batch. */
  prepare(batch: TaskBatch): Prepared;
  /** One supervision step without gradient (§4.5); must not dispose its inputs. */
  step(prepared: Prepared, latents: Latents, depth: RecursionCounts): EvalStepOutput;
  /** Frees what `prepare` uploaded. */
  release(prepared: Prepared): void;
}

/** Adapts a TrmNetwork: `evalStep` (all T recursions without gradient, then the heads). */
export function evalModelOf(net: TrmNetwork): EvalModel<BatchTensors> {
  const c = net.config;
  return {
    cells: c.seqLen,
    positions: net.seqLenInternal,
    hidden: c.hiddenSize,
    vocab: c.vocabSize,
    staticLatents: (rows) => net.initialLatents(rows),
    prepare: (batch) => batchTensors(net, batch),
    step: (prepared, latents, depth) => {
      const { qContinue, ...out } = evalStep(net, prepared, latents, depth);
      qContinue.dispose();
      return out;
    },
    release: (p) => tf.dispose([p.inputs, p.labels, p.puzzleIds]),
  };
}

/** A TrmNetwork or any EvalModel. */
export type ModelLike = TrmNetwork | EvalModel;

export function asEvalModel(model: ModelLike): EvalModel {
  return model instanceof TrmNetwork ? evalModelOf(model) : model;
}

/** Latents given explicitly, one row per stacked row: `[rows·P·D]` each (e.g. AA run 2, §9.1). */
export interface LatentValues {
  y: Float32Array;
  z: Float32Array;
}

/**
 * How each run starts: a §8.3 mode (`static`: the model's H_init/L_init; `random`: one N(0, I_D)·initScale
 * vector for y and one for z per run and batch; `zeros`; `mixed` is zeros at test), or explicit values.
 */
export type EvalInit = LatentInitMode | LatentValues;

/** Test-time latent noise (§8.6): after every supervision step, `v ← v + σ·std_D(v)·ε`, ε ~ N(0, 1) per entry. */
export interface LatentNoise {
  /** σ (a third-party PTRM run used 0.3). */
  sigma: number;
  /** Which latents get noise (default 'z', PTRM). */
  target?: 'z' | 'y' | 'yz';
  /** Leave run 0 noise-free, so `single` stays the deterministic model (default false: every run is noisy). */
  skipFirstRun?: boolean;
}

/** The recursion depth at test: fixed n and T (§8.1); default the model's. */
export type EvalDepth = RecursionCounts;

/** Repeats a batch `runs` times as rows r·B + b (§8.5). `runs = 1` returns the batch itself. */
export function stackRuns(batch: TaskBatch, runs: number): TaskBatch {
  check(Number.isInteger(runs) && runs >= 1, () => `stackRuns: expected runs to be an integer >= 1, got ${runs}.`, ConfigError);
  if (runs === 1) return batch;
  const rep = <T extends Int32Array | Uint8Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(a.length * runs);
    for (let r = 0; r < runs; r++) out.set(a, r * a.length);
    return out;
  };
  const out: TaskBatch = {
    batchSize: batch.batchSize * runs,
    seqLen: batch.seqLen,
    inputs: rep(batch.inputs),
    labels: rep(batch.labels),
    puzzleIds: rep(batch.puzzleIds),
  };
  if (batch.valid) out.valid = rep(batch.valid);
  return out;
}

/** Checks a batch's sizes against the model (the model's own `prepare` checks the values). */
export function checkBatch(model: EvalModel, batch: TaskBatch, what: string): void {
  const B = batch.batchSize;
  check(Number.isInteger(B) && B >= 1, () => `${what}: expected batchSize >= 1, got ${B}.`, ShapeError);
  check(batch.seqLen === model.cells, () => `${what}: expected seqLen ${model.cells} (the model's), got ${batch.seqLen}. Use a dataset built for this model.`, ShapeError);
  check(batch.labels.length === B * model.cells, () => `${what}: expected labels of length B·L = ${B * model.cells}, got ${batch.labels.length}.`, ShapeError);
  if (batch.valid) check(batch.valid.length === B, () => `${what}: expected valid of length B = ${B}, got ${batch.valid!.length}.`, ShapeError);
}

/**
 * Initial latents of `runs` runs of `batch` examples stacked as rows r·B + b: each run draws its own init
 * (§8.3, §8.5: k runs use k independent draws); explicit values are uploaded as given.
 */
export function initialLatents(model: EvalModel, init: EvalInit, runs: number, batch: number, rng: Rng, initScale?: number): Latents {
  const rows = runs * batch;
  const { positions: P, hidden: D } = model;
  if (typeof init !== 'string') {
    const n = rows * P * D;
    check(
      init.y instanceof Float32Array && init.z instanceof Float32Array && init.y.length === n && init.z.length === n,
      () => `initial latents: expected y and z as Float32Array [rows·P·D] = [${rows}·${P}·${D}] = ${n}, got ${init.y?.length} and ${init.z?.length}.`,
      ShapeError,
    );
    return { y: tf.tensor3d(init.y, [rows, P, D]), z: tf.tensor3d(init.z, [rows, P, D]) };
  }
  if (init === 'static') return model.staticLatents(rows);
  const ys = new Float32Array(runs * D);
  const zs = new Float32Array(runs * D);
  for (let r = 0; r < runs; r++) {
    const d = drawLatentInit(rng, init, { batch, positions: P, hidden: D, training: false, initScale });
    // At test every non-static mode is one [D] vector per latent (mixed is zeros, §8.3).
    check(d.kind === 'vector', () => `initial latents: mode '${init}' gave a '${d.kind}' init at test; expected a [D] vector.`, ConfigError);
    ys.set(d.y, r * D);
    zs.set(d.z, r * D);
  }
  const spread = (v: Float32Array) =>
    tf.tidy(() => tf.reshape(tf.broadcastTo(tf.tensor4d(v, [runs, 1, 1, D]), [runs, batch, P, D]), [rows, P, D])); // [R·B, P, D]
  return { y: spread(ys), z: spread(zs) };
}

export function checkNoise(noise: LatentNoise | undefined): void {
  if (!noise) return;
  check(Number.isFinite(noise.sigma) && noise.sigma >= 0, () => `noise.sigma: expected a finite number >= 0, got ${noise.sigma}.`, ConfigError);
  const t = noise.target ?? 'z';
  check(t === 'z' || t === 'y' || t === 'yz', () => `noise.target: expected 'z', 'y' or 'yz', got '${String(t)}'.`, ConfigError);
}

/**
 * Adds §8.6 noise to a latent [R·B, P, D]: `σ·std_D(v)·ε` with std over the hidden axis per row and position,
 * ε drawn from `rng` (seeded, backend-independent). Rows `< skipRows` stay unchanged. Returns a new tensor.
 */
export function addLatentNoise(v: tf.Tensor, sigma: number, rng: Rng, skipRows = 0): tf.Tensor {
  const [rows, P, D] = v.shape as [number, number, number];
  const eps = rng.normalArray(rows * P * D, 1);
  if (skipRows > 0) eps.fill(0, 0, skipRows * P * D);
  return tf.tidy(() => {
    const { variance } = tf.moments(v, -1, true); // [R·B, P, 1]
    return tf.add(v, tf.mul(tf.mul(tf.sqrt(variance), tf.scalar(sigma)), tf.tensor3d(eps, [rows, P, D])));
  });
}

/** A seeded Rng from a number (0 is a valid seed) or the caller's Rng. */
export function rngOf(seed: number | Rng | undefined): Rng {
  return seed instanceof Rng ? seed : new Rng(seed ?? 0);
}
