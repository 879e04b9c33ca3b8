/**
 * Deep supervision with ACT (ALGORITHM.md §4): one optimizer step = one supervision step of every row in
 * the carry. What differs between the official streaming loop, the classic loop and the research variants
 * (randomised n / T / N_sup, CGAR, Bansal, DIS, loss normalisation) is resolved once into a policy
 * (policy.ts); the step itself is
 *
 *   restart rows R:  data[R] = fresh rows;  caps[R] ~ N_sup draw;  y[R], z[R] = init      // §4.2, §8.3
 *   n, T, tape split from the depth schedule                                                // §3.1, §10
 *   (y, z), logits, q = deep_recursion(x, y, z);  loss(logits, q, labels) → grads           // supervision.ts
 *   AdamATan2 / AdamW, SignSGD (puzzle rows), EMA                                            // §5
 *   steps += 1;  halted = steps ≥ cap  ∨  (q_halt > 0 ∧ steps ≥ minSteps)                    // §4.4
 *
 * Everything random comes from one seeded Rng whose state, with the data cursor, the optimizer and EMA state
 * and the carry, goes into checkpoints: resuming reproduces the uninterrupted run exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TrainingError, ConfigError } from '../errors.js';
import { Rng, type RngState } from '../random.js';
import { toBatchSource, type BatchIterable, type BatchSource } from '../data.js';
import { TrmNetwork } from '../model/network.js';
import { batchTensors, disposeGradStep, gradStep, type GradStepOutput } from '../model/supervision.js';
import { RowMetrics } from '../model/metrics.js';
import { AdamAtan2, AdamW, SignSgd, clipByGlobalNorm, learningRate, type AdamState, type NamedTensors, type NamedVariables } from './optim.js';
import { Ema, type EmaState } from './ema.js';
import { carryArrays, createCarry, fillRows, restoreCarry, runningRows, shouldHalt, type Carry, type CarryArrays } from './carry.js';
import { resolvePolicy, rowWeights, type TrainingPolicy } from './policy.js';
import { drawLatentInit } from './variants/latent-init.js';
import type { StepDepth } from './variants/variant.js';
import { resolveTrainConfig, type ResolvedTrainConfig, type TrainConfig } from './config.js';
import { latentsFromInit, restartLatents } from './evaluate.js';
import { applyResumeOverrides, assertUpdateFinite, updatedTensors, validateSnapshot, type ResumeOverrides } from './guard.js';

/** Metrics of one optimizer step (ALGORITHM §4.8: over the rows that halted at this step). */
export interface StepMetrics {
  step: number;
  lr: number;
  /** The differentiated loss (scaled as configured). */
  loss: number;
  /** Loss sums over the batch divided by the global batch size (official logging). */
  lmLoss: number;
  qHaltLoss: number;
  /** Rows that halted at this step with at least one label: the official per-step metrics are over these. */
  count: number;
  /** Mean fraction of right cells over the rows that halted at this step (official `accuracy`). */
  accuracy: number;
  /** Fraction of the rows that halted at this step with every cell right (official `exact_accuracy`). */
  exactAccuracy: number;
  qHaltAccuracy: number;
  /** Mean supervision steps of the rows that halted. */
  meanSteps: number;
  /**
   * The same over every row that ran this step, halted or not: unlike the official metrics it is defined from
   * the first step on (early in training few rows halt, and the official accuracy reads 0).
   */
  allRows: { count: number; accuracy: number; exactAccuracy: number };
  /** n and T used at this step. */
  latentSteps: number;
  recursions: number;
  samplesPerSecond: number;
  seconds: number;
}

/** What `Trainer.forDataset` reads: a dataset's dimensions and its batch iterator (trm-data's Dataset). */
export interface TrainingDataset {
  readonly seqLen: number;
  readonly vocabSize: number;
  readonly numPuzzleIdentifiers: number;
  batches(opts: { batchSize: number; seed?: number; epochs?: number }): BatchSource | BatchIterable;
}

export interface TrainerState {
  version: 1;
  config: ResolvedTrainConfig;
  step: number;
  rng: RngState;
  dataCursor: unknown;
  seconds: number;
  samples: number;
  carry: Pick<Carry, 'depth'> & {
    started: boolean;
  };
}

/** Host copy of everything needed to resume (see checkpoint.ts for the file form). */
export interface TrainerSnapshot {
  state: TrainerState;
  /** Every model tensor (live weights, buffers, puzzle table) by official key, internal layout. */
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  optimizer: AdamState;
  ema: EmaState | null;
  carryTensors: { y: Float32Array; z: Float32Array; shape: number[] } | null;
  carryArrays: CarryArrays;
}

export class Trainer {
  readonly config: ResolvedTrainConfig;
  readonly network: TrmNetwork;
  readonly rng: Rng;
  private readonly source: BatchSource;
  private readonly policy: TrainingPolicy;
  private readonly optimizer: AdamAtan2 | AdamW;
  private readonly signSgd: SignSgd | null;
  readonly ema: Ema | null;
  private carry: Carry;
  private y: tf.Tensor | null = null;
  private z: tf.Tensor | null = null;
  private started = false;
  private stepCount = 0;
  private seconds = 0;
  private samples = 0;
  private disposed = false;

  /**
   * `source`: where training rows come from — a stateful source (trm-data's `dataset.batches(...)`,
   * `streamBatches(...)`, resumable) or any sync or async iterable of batches.
   */
  constructor(config: Partial<TrainConfig>, source: BatchSource | BatchIterable) {
    this.config = resolveTrainConfig(config);
    const c = this.config;
    if (c.disTargets && c.randomize.supervisionSteps) throw new ConfigError('train config: disTargets needs a fixed N_sup (randomize.supervisionSteps = 0).');
    this.source = toBatchSource(source);
    this.policy = resolvePolicy(c);
    this.rng = new Rng(c.seed);
    this.network = new TrmNetwork(c.model, { seed: this.rng.seed() });
    const params: NamedVariables = {};
    for (const s of this.network.specs) if (s.kind === 'param') params[s.key] = this.network.v(s.key);
    const common = { beta1: c.beta1, beta2: c.beta2, weightDecay: c.weightDecay };
    this.optimizer = c.optimizer === 'adamAtan2' ? new AdamAtan2(params, common) : new AdamW(params, common);
    this.signSgd = c.model.puzzleEmbDim > 0 ? new SignSgd(this.network.v('puzzle_emb.weights'), { weightDecay: c.puzzleEmbWeightDecay }) : null;
    this.ema = c.ema ? new Ema(params, c.emaRate) : null;
    this.carry = createCarry(c.globalBatchSize, c.model.seqLen, { latentSteps: c.model.latentSteps, recursions: c.model.recursions });
  }

  /**
   * A trainer whose model dimensions (seqLen, vocabSize, numPuzzleIdentifiers) come from the dataset, reading
   * `dataset.batches({ batchSize: globalBatchSize, seed, epochs: Infinity })`.
   */
  static forDataset(config: Partial<TrainConfig>, dataset: TrainingDataset): Trainer {
    const batchSize = config.globalBatchSize ?? resolveTrainConfig({}).globalBatchSize;
    const model = { ...config.model, seqLen: dataset.seqLen, vocabSize: dataset.vocabSize, numPuzzleIdentifiers: dataset.numPuzzleIdentifiers };
    return new Trainer({ ...config, model }, dataset.batches({ batchSize, seed: config.seed ?? 0, epochs: Infinity }));
  }

  /** Optimizer steps done so far. */
  get step(): number {
    return this.stepCount;
  }

  /** Runs optimizer steps until `totalSteps` (or `until`), yielding the metrics of each. */
  async *run(until = this.config.totalSteps): AsyncGenerator<StepMetrics> {
    while (this.stepCount < Math.min(until, this.config.totalSteps)) yield await this.trainStep();
  }

  /** One optimizer step (= one supervision step of every row in the carry). */
  async trainStep(): Promise<StepMetrics> {
    if (this.disposed) throw new TrainingError('Trainer.trainStep: the trainer was disposed.');
    if (this.stepCount >= this.config.totalSteps) throw new TrainingError(`Trainer.trainStep: already at totalSteps (${this.config.totalSteps}). Raise totalSteps to train further.`);
    const t0 = performance.now();
    const { carry, policy, rng } = this;
    const step = this.stepCount + 1; // the LR uses the incremented counter (§12.13)

    // 1. Restart: rows that halted take fresh samples, caps and latents (streaming: each at once; classic: together).
    const restart = policy.restarts.select(carry.halted);
    if (restart) await this.restartRows(restart.rows, restart.wholeBatch);

    // 2. Depth: n, T of this step and how many recursions the gradient tape records.
    const depth = policy.depth.at(step, rng, carry);

    // 3. Gradient step: deep recursion, heads and loss on every running row.
    const running = runningRows(carry);
    const g = await this.gradientStep(depth, rowWeights(policy, carry));

    // 4. Update: optimizer, SignSGD on the batch's puzzle rows, EMA; a non-finite result stops here.
    const lr = this.update(step, g);
    await this.assertFinite(step, g);

    // 5. Halt: the new latents are detached; rows at their cap or whose halting head says so stop (§4.4).
    const metrics = await this.advance(g, running);
    this.stepCount = step;
    const dt = (performance.now() - t0) / 1000;
    const alive = running.reduce((n, r) => n + r, 0);
    this.seconds += dt;
    this.samples += alive;
    return {
      step, lr, ...metrics, latentSteps: depth.latentSteps, recursions: depth.recursions,
      samplesPerSecond: alive / dt, seconds: this.seconds,
    };
  }

  /** Fills restarted rows with fresh samples, the policy's per-row draws and fresh latents (§4.2 reset, §8.3). */
  private async restartRows(rows: Uint8Array, wholeBatch: boolean): Promise<void> {
    const c = this.config;
    const B = c.globalBatchSize;
    const L = c.model.seqLen;
    const next = await this.source.next();
    if (next.done) throw new TrainingError(`the batch source is exhausted at step ${this.stepCount + 1}; give it more epochs (e.g. epochs: Infinity) or lower totalSteps.`);
    const fresh = next.value;
    if (fresh.batchSize !== B || fresh.seqLen !== L) {
      throw new TrainingError(`batch source: expected batches of ${B}×${L} (globalBatchSize × seqLen), got ${fresh.batchSize}×${fresh.seqLen}.`);
    }
    fillRows(this.carry, fresh, rows);
    for (const hook of this.policy.onRestart) hook.onRestart(this.rng, this.carry, rows, wholeBatch);
    this.resetLatents(rows);
    this.started = true;
  }

  /** y[R], z[R] ← the init of the configured mode (one draw per step, shared by the rows restarted now). */
  private resetLatents(rows: Uint8Array): void {
    const c = this.config;
    const net = this.network;
    const B = c.globalBatchSize;
    const P = net.seqLenInternal;
    const D = c.model.hiddenSize;
    const init = drawLatentInit(this.rng, c.latentInit, { batch: B, positions: P, hidden: D, training: true, initScale: c.initScale ?? undefined });
    const next = restartLatents(this.y && this.z ? { y: this.y, z: this.z } : null, latentsFromInit(net, init, B), rows);
    this.y = next.y;
    this.z = next.z;
  }

  /** One supervision step with gradients on the carry's rows (the loss scaled and weighted per row). */
  private async gradientStep(depth: StepDepth, weights: Float32Array): Promise<GradStepOutput> {
    const { carry, policy, config: c } = this;
    const B = c.globalBatchSize;
    const batch = batchTensors(this.network, { batchSize: B, seqLen: c.model.seqLen, inputs: carry.inputs, labels: carry.labels, puzzleIds: carry.puzzleIds });
    const targets = policy.targets.labels(carry);
    const labelsOverride = targets ? tf.tensor2d(targets, [B, c.model.seqLen], 'int32') : undefined;
    const g = await gradStep(this.network, batch, { y: this.y!, z: this.z! }, {
      latentSteps: depth.latentSteps, recursions: depth.recursions, noGradRecursions: depth.untaped, gradRecursions: depth.taped,
      lossScale: policy.lossScale, rowWeights: weights, microBatch: c.microBatch, labelsOverride, rematerialize: c.rematerialize,
      qLossWeight: policy.targets.qLossWeight,
    });
    tf.dispose([batch.inputs, batch.labels, batch.puzzleIds, ...(labelsOverride ? [labelsOverride] : [])]);
    if (!Number.isFinite(g.loss)) {
      disposeGradStep(g);
      throw new TrainingError(
        `training diverged at step ${this.stepCount + 1}: loss = ${g.loss} (lm ${g.lmLoss}, q_halt ${g.qHaltLoss}). No update was applied; ` +
          'resume from the last checkpoint with a lower lr, gradient clipping (gradClipNorm) or a longer warm-up.',
      );
    }
    return g;
  }

  /** Applies the step's gradients: the main optimizer (after clipping), SignSGD on the batch's puzzle rows, EMA. */
  private update(step: number, g: GradStepOutput): number {
    const c = this.config;
    const schedule = { warmupSteps: c.lrWarmupSteps, totalSteps: c.totalSteps, minRatio: c.lrMinRatio };
    const lr = learningRate(step, { baseLr: c.lr, ...schedule });
    let grads: NamedTensors = Object.fromEntries(g.grads);
    let clipped: NamedTensors | null = null;
    if (c.gradClipNorm !== null) {
      const r = clipByGlobalNorm(grads, c.gradClipNorm);
      r.norm.dispose();
      clipped = grads = r.grads;
    }
    this.optimizer.apply(grads, lr);
    if (clipped) tf.dispose(Object.values(clipped));
    if (this.signSgd && g.puzzleRowGrad) this.signSgd.apply(this.carry.puzzleIds, g.puzzleRowGrad, learningRate(step, { baseLr: c.puzzleEmbLr, ...schedule }));
    this.ema?.update();
    return lr;
  }

  /** No poisoned state is reported or saved: the step fails (TrainingError 'diverged') if an update left NaN/Inf. */
  private async assertFinite(step: number, g: GradStepOutput): Promise<void> {
    try {
      await assertUpdateFinite(step, updatedTensors(this.network, this.optimizer, this.ema));
    } catch (err) {
      disposeGradStep(g);
      throw err;
    }
  }

  /** Keeps the new (detached) latents, advances the rows that ran, applies the halting rule; frees `g`. */
  private async advance(g: GradStepOutput, running: Uint8Array): Promise<Omit<StepMetrics, 'step' | 'lr' | 'latentSteps' | 'recursions' | 'samplesPerSecond' | 'seconds'>> {
    const { carry, config: c } = this;
    const B = c.globalBatchSize;
    const L = c.model.seqLen;
    const V = c.model.vocabSize;
    tf.dispose([this.y!, this.z!]);
    this.y = tf.clone(g.y);
    this.z = tf.clone(g.z);
    const [qHalt, qCont, logits] = [(await g.qHalt.data()) as Float32Array, (await g.qContinue.data()) as Float32Array, (await g.logits.data()) as Float32Array];
    const { loss, lmLoss, qHaltLoss } = g;
    disposeGradStep(g);

    for (let b = 0; b < B; b++) if (running[b]) carry.steps[b]!++;
    this.policy.exploration.afterStep(this.rng, carry);
    const halted = new RowMetrics(); // rows that halted now (official, §4.8)
    const all = new RowMetrics();
    for (let b = 0; b < B; b++) {
      if (!running[b]) continue;
      all.add(logits, carry.labels, b, L, V, qHalt[b]!);
      if (!shouldHalt(carry, b, qHalt[b]!, qCont[b]!, this.policy.halt)) continue;
      carry.halted[b] = 1;
      halted.add(logits, carry.labels, b, L, V, qHalt[b]!, carry.steps[b]!);
    }
    const a = all.means();
    return {
      loss, lmLoss: lmLoss / B, qHaltLoss: qHaltLoss / B, ...halted.means(),
      allRows: { count: a.count, accuracy: a.accuracy, exactAccuracy: a.exactAccuracy },
    };
  }

  /** Runs `fn` with the evaluation weights in place: the EMA average if EMA is on, else the live weights. */
  async withEvalWeights<T>(fn: (net: TrmNetwork) => T | Promise<T>): Promise<T> {
    if (!this.ema) return fn(this.network);
    return this.ema.withAveraged(() => fn(this.network));
  }

  /** A host copy of everything needed to resume exactly. */
  async snapshot(): Promise<TrainerSnapshot> {
    const weights = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [k, v] of this.network.vars) weights.set(k, { shape: [...v.shape], data: new Float32Array((await v.data()) as Float32Array) });
    const c = this.carry;
    const carryTensors = this.y && this.z
      ? { y: new Float32Array((await this.y.data()) as Float32Array), z: new Float32Array((await this.z.data()) as Float32Array), shape: [...this.y.shape] }
      : null;
    return {
      state: {
        version: 1, config: this.config, step: this.stepCount, rng: this.rng.getState(),
        dataCursor: this.source.getState ? this.source.getState() : null, seconds: this.seconds, samples: this.samples,
        carry: { depth: c.depth, started: this.started },
      },
      weights,
      optimizer: await this.optimizer.exportState(),
      ema: this.ema ? await this.ema.exportState() : null,
      carryTensors,
      carryArrays: carryArrays(c),
    };
  }

  /**
   * Rebuilds a trainer from a snapshot; `source` must be the same data (its cursor is restored). `overrides`
   * replaces optimizer settings (e.g. a lower lr after a divergence).
   */
  static restore(snap: TrainerSnapshot, source: BatchSource | BatchIterable, overrides?: ResumeOverrides): Trainer {
    if (snap.state.version !== 1) throw new TrainingError(`trainer snapshot: expected version 1, got ${String(snap.state.version)}.`);
    const config = applyResumeOverrides(snap.state.config, overrides); // issue 12: explicit lr / optimizer overrides on resume
    validateSnapshot(snap, config); // issue 12: every field fits the config before anything is allocated
    const t = new Trainer(config, source);
    try {
      for (const [k, v] of t.network.vars) {
        const w = snap.weights.get(k);
        if (!w || w.data.length !== v.size) throw new TrainingError(`trainer snapshot: weight '${k}' is missing or has the wrong size.`);
      }
      tf.tidy(() => {
        for (const [k, v] of t.network.vars) v.assign(tf.tensor(snap.weights.get(k)!.data, v.shape, 'float32'));
      });
      t.optimizer.importState(snap.optimizer);
      if (t.ema) {
        if (!snap.ema) throw new TrainingError('trainer snapshot: the config has EMA on but the snapshot holds no EMA state.');
        t.ema.importState(snap.ema);
      }
      t.rng.setState(snap.state.rng);
      if (snap.state.dataCursor !== null) {
        if (!t.source.setState) throw new TrainingError('trainer snapshot holds a data cursor but the batch source has no setState(); pass the same kind of source.');
        t.source.setState(snap.state.dataCursor);
      }
      restoreCarry(t.carry, snap.carryArrays, snap.state.carry.depth);
      t.started = snap.state.carry.started;
      if (snap.carryTensors) {
        t.y = tf.tensor(snap.carryTensors.y, snap.carryTensors.shape, 'float32');
        t.z = tf.tensor(snap.carryTensors.z, snap.carryTensors.shape, 'float32');
      }
      t.stepCount = snap.state.step;
      t.seconds = snap.state.seconds;
      t.samples = snap.state.samples;
    } catch (err) {
      t.dispose();
      throw err;
    }
    return t;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.y) tf.dispose([this.y, this.z!]);
    this.optimizer.dispose();
    this.ema?.dispose();
    this.network.dispose();
  }
}
