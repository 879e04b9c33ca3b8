/**
 * Deep supervision with ACT (ALGORITHM.md §4): the official streaming carry (`loop: 'stream'`, one optimizer
 * step = one supervision step, only halted rows take fresh samples) and the classic per-batch loop
 * (`loop: 'batch'`, N_sup optimizer steps on one batch, halted rows masked). Both keep per-row state in one
 * carry; they differ only in when rows restart (a halted row at once vs. the whole batch once every row has
 * halted) and in whether halted rows still carry loss (stream: rows never run halted; batch: weight 0).
 *
 *   step += 1
 *   restart rows R:  data[R] = fresh rows;  y[R], z[R] = init;  steps[R] = 0;  caps[R] ~ N_sup draw
 *   (y, z), logits, q = deepRecursion(x, y, z)          // T−1 untaped + 1 taped recursion (§3)
 *   loss(logits, q, labels) → grads → AdamATan2 / AdamW, SignSGD (puzzle rows), EMA
 *   steps += 1;  halted = steps ≥ cap  ∨  (q_halt > 0 ∧ steps ≥ minSteps)   // exploration veto §4.4
 *
 * Everything random comes from one seeded Rng whose state, with the data cursor, the optimizer and EMA state
 * and the carry, goes into checkpoints: resuming reproduces the uninterrupted run exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TrainingError, ConfigError } from '../errors.js';
import { Rng, type RngState } from '../random.js';
import { TrmNetwork } from '../model/network.js';
import { batchTensors, disposeGradStep, gradStep, type TaskBatch } from '../model/supervision.js';
import { RowMetrics } from '../model/metrics.js';
import { AdamAtan2, AdamW, SignSgd, clipByGlobalNorm, learningRate, type AdamState, type NamedTensors, type NamedVariables } from './optim.js';
import { Ema, type EmaState } from './ema.js';
import {
  curriculumDepth, disMilestones, drawLatentInit, drawProgressiveSplit, drawRecursionDepth, drawSupervisionSteps,
  hierarchicalStepWeights, refreshMinSteps, type RecursionDepth,
} from './randomize.js';
import { resolveTrainConfig, type ResolvedTrainConfig, type TrainConfig } from './config.js';
import { latentsFromInit } from './evaluate.js';
import { applyResumeOverrides, assertUpdateFinite, updatedTensors, validateSnapshot, type ResumeOverrides } from './guard.js';

/** Where training rows come from: an iterator of TaskBatch (e.g. trm-data's `dataset.batches(...)`). */
export interface BatchSource {
  next(): IteratorResult<TaskBatch, unknown>;
  /** JSON-serialisable position, stored in checkpoints. */
  getState?(): unknown;
  setState?(state: unknown): void;
}

/** Metrics of one optimizer step (ALGORITHM §4.8: over the rows that halted at this step). */
export interface StepMetrics {
  step: number;
  lr: number;
  /** The differentiated loss (scaled as configured). */
  loss: number;
  /** Loss sums over the batch divided by the global batch size (official logging). */
  lmLoss: number;
  qHaltLoss: number;
  /** Rows that halted at this step with at least one label. */
  count: number;
  accuracy: number;
  exactAccuracy: number;
  qHaltAccuracy: number;
  /** Mean supervision steps of the rows that halted. */
  meanSteps: number;
  /** n and T used at this step. */
  latentSteps: number;
  recursions: number;
  samplesPerSecond: number;
  seconds: number;
}

interface CarryState {
  inputs: Int32Array; // [B·L]
  labels: Int32Array; // [B·L]
  puzzleIds: Int32Array; // [B]
  steps: Int32Array; // [B]
  caps: Int32Array; // [B] N_sup of the row (randomised N_sup)
  gradCaps: Int32Array; // [B] jaxCompat: steps beyond this carry zero gradient
  minSteps: Int32Array; // [B]
  halted: Uint8Array; // [B]
  /** DIS milestones per row: [B·(N_sup+1)·L] (only with disTargets). */
  milestones: Int32Array | null;
  depth: RecursionDepth; // n, T of the current batch (classic loop)
}

export interface TrainerState {
  version: 1;
  config: ResolvedTrainConfig;
  step: number;
  rng: RngState;
  dataCursor: unknown;
  seconds: number;
  samples: number;
  carry: Omit<CarryState, 'inputs' | 'labels' | 'puzzleIds' | 'steps' | 'caps' | 'gradCaps' | 'minSteps' | 'halted' | 'milestones'> & {
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
  carryArrays: Record<'inputs' | 'labels' | 'puzzleIds' | 'steps' | 'caps' | 'gradCaps' | 'minSteps' | 'halted', Int32Array> & { milestones: Int32Array | null };
}

export class Trainer {
  readonly config: ResolvedTrainConfig;
  readonly network: TrmNetwork;
  readonly rng: Rng;
  private readonly optimizer: AdamAtan2 | AdamW;
  private readonly signSgd: SignSgd | null;
  readonly ema: Ema | null;
  private readonly stepWeights: Float64Array | null;
  private carry: CarryState;
  private y: tf.Tensor | null = null;
  private z: tf.Tensor | null = null;
  private started = false;
  private stepCount = 0;
  private seconds = 0;
  private samples = 0;
  private disposed = false;

  constructor(config: Partial<TrainConfig>, private readonly source: BatchSource) {
    this.config = resolveTrainConfig(config);
    const c = this.config;
    if (c.disTargets && c.randomize.supervisionSteps) throw new ConfigError('train config: disTargets needs a fixed N_sup (randomize.supervisionSteps = 0).');
    this.rng = new Rng(c.seed);
    this.network = new TrmNetwork(c.model, { seed: this.rng.seed() });
    const params: NamedVariables = {};
    for (const s of this.network.specs) if (s.kind === 'param') params[s.key] = this.network.v(s.key);
    const common = { beta1: c.beta1, beta2: c.beta2, weightDecay: c.weightDecay };
    this.optimizer = c.optimizer === 'adamAtan2' ? new AdamAtan2(params, common) : new AdamW(params, common);
    this.signSgd = c.model.puzzleEmbDim > 0 ? new SignSgd(this.network.v('puzzle_emb.weights'), { weightDecay: c.puzzleEmbWeightDecay }) : null;
    this.ema = c.ema ? new Ema(params, c.emaRate) : null;
    this.stepWeights = c.stepWeighting === 'cgar' ? hierarchicalStepWeights(c.model.supervisionSteps + c.randomize.supervisionSteps) : null;
    const B = c.globalBatchSize;
    const L = c.model.seqLen;
    this.carry = {
      inputs: new Int32Array(B * L), labels: new Int32Array(B * L), puzzleIds: new Int32Array(B),
      steps: new Int32Array(B), caps: new Int32Array(B), gradCaps: new Int32Array(B), minSteps: new Int32Array(B),
      halted: new Uint8Array(B).fill(1), milestones: null,
      depth: { latentSteps: c.model.latentSteps, recursions: c.model.recursions },
    };
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
    const c = this.config;
    const m = c.model;
    const B = c.globalBatchSize;
    const L = m.seqLen;
    const carry = this.carry;
    const step = this.stepCount + 1; // the LR uses the incremented counter (§12.13)

    // Which rows start now: stream = every halted row; batch = all rows once every row has halted.
    const restart = new Uint8Array(B);
    const allHalted = carry.halted.every((h) => h === 1);
    if (c.loop === 'stream' || allHalted) for (let b = 0; b < B; b++) restart[b] = carry.halted[b]!;
    const anyRestart = restart.some((r) => r === 1);
    if (anyRestart) this.restartRows(restart, allHalted);

    // n, T for this step (classic loop: per batch, drawn at restart; streaming: per optimizer step).
    let depth: RecursionDepth;
    if (c.curriculum === 'cgar') depth = curriculumDepth((step - 1) / c.totalSteps);
    else if (c.loop === 'stream') depth = this.drawDepth();
    else depth = carry.depth;
    let noGrad = depth.recursions - 1;
    let withGrad = 1;
    if (c.progressiveLoss) ({ noGrad, withGrad } = drawProgressiveSplit(this.rng, depth.recursions));

    // Row weights: running rows count; CGAR weights by the row's own step t; 'alive' normalises by their number.
    const weights = new Float32Array(B);
    let alive = 0;
    for (let b = 0; b < B; b++) {
      if (carry.halted[b]) continue;
      let w = carry.steps[b]! < carry.gradCaps[b]! ? 1 : 0;
      if (this.stepWeights) w *= this.stepWeights[carry.steps[b]!]!;
      weights[b] = w;
      alive++;
    }
    if (c.lossNorm === 'alive') for (let b = 0; b < B; b++) weights[b]! /= Math.max(1, alive);
    const lossScale = c.lossNorm === 'globalBatch' ? 1 / B : 1;

    const batch = batchTensors(this.network, { batchSize: B, seqLen: L, inputs: carry.inputs, labels: carry.labels, puzzleIds: carry.puzzleIds });
    const labelsOverride = carry.milestones ? this.milestoneTargets() : undefined;
    const g = await gradStep(this.network, batch, { y: this.y!, z: this.z! }, {
      latentSteps: depth.latentSteps, recursions: depth.recursions, noGradRecursions: noGrad, gradRecursions: withGrad,
      lossScale, rowWeights: weights, microBatch: c.microBatch, labelsOverride, rematerialize: c.rematerialize,
      qLossWeight: carry.milestones ? 0 : 1, // DIS: no Q loss (§10.5)
    });
    tf.dispose([batch.inputs, batch.labels, batch.puzzleIds, ...(labelsOverride ? [labelsOverride] : [])]);
    if (!Number.isFinite(g.loss)) {
      disposeGradStep(g);
      throw new TrainingError(
        `training diverged at step ${step}: loss = ${g.loss} (lm ${g.lmLoss}, q_halt ${g.qHaltLoss}). No update was applied; ` +
          'resume from the last checkpoint with a lower lr, gradient clipping (gradClipNorm) or a longer warm-up.',
      );
    }

    // Updates: main optimizer, SignSGD on the batch's puzzle rows, EMA.
    const lr = learningRate(step, { baseLr: c.lr, warmupSteps: c.lrWarmupSteps, totalSteps: c.totalSteps, minRatio: c.lrMinRatio });
    const lrEmb = learningRate(step, { baseLr: c.puzzleEmbLr, warmupSteps: c.lrWarmupSteps, totalSteps: c.totalSteps, minRatio: c.lrMinRatio });
    let grads: NamedTensors = Object.fromEntries(g.grads);
    let clipped: NamedTensors | null = null;
    if (c.gradClipNorm !== null) {
      const r = clipByGlobalNorm(grads, c.gradClipNorm);
      r.norm.dispose();
      clipped = grads = r.grads;
    }
    this.optimizer.apply(grads, lr);
    if (clipped) tf.dispose(Object.values(clipped));
    if (this.signSgd && g.puzzleRowGrad) this.signSgd.apply(carry.puzzleIds, g.puzzleRowGrad, lrEmb);
    this.ema?.update();

    // New (detached) latents; halting decision on the host.
    tf.dispose([this.y!, this.z!]);
    this.y = tf.clone(g.y);
    this.z = tf.clone(g.z);
    const [qHalt, qCont, logits] = [(await g.qHalt.data()) as Float32Array, (await g.qContinue.data()) as Float32Array, (await g.logits.data()) as Float32Array];
    const lmLoss = g.lmLoss;
    const qHaltLoss = g.qHaltLoss;
    const loss = g.loss;
    disposeGradStep(g);
    await assertUpdateFinite(step, updatedTensors(this.network, this.optimizer, this.ema)); // issue 12: no poisoned state is reported or saved

    const wasRunning = Uint8Array.from(carry.halted, (h) => 1 - h);
    for (let b = 0; b < B; b++) if (wasRunning[b]) carry.steps[b]!++;
    const capOf = (b: number) => carry.caps[b]!;
    if (c.explorationDraw === 'perStep') refreshMinSteps(this.rng, carry.minSteps, 'perStep', Array.from({ length: B }, (_, b) => capOf(b)), m.haltExplorationProb);
    const haltingOn = c.halting && !c.disTargets;
    const metrics = new RowMetrics();
    const V = m.vocabSize;
    for (let b = 0; b < B; b++) {
      if (!wasRunning[b]) continue;
      let halt = carry.steps[b]! >= capOf(b);
      if (haltingOn && capOf(b) > 1) {
        const wantsHalt = m.qContinue ? qHalt[b]! > qCont[b]! : qHalt[b]! > 0;
        if (wantsHalt && carry.steps[b]! >= carry.minSteps[b]!) halt = true;
      }
      if (!halt) continue;
      carry.halted[b] = 1;
      metrics.add(logits, carry.labels, b, L, V, qHalt[b]!, carry.steps[b]!); // rows that halted now (§4.8)
    }
    this.stepCount = step;
    const dt = (performance.now() - t0) / 1000;
    this.seconds += dt;
    this.samples += alive;
    return {
      step, lr, loss, lmLoss: lmLoss / B, qHaltLoss: qHaltLoss / B, ...metrics.means(),
      latentSteps: depth.latentSteps, recursions: depth.recursions, samplesPerSecond: alive / dt, seconds: this.seconds,
    };
  }

  private drawDepth(): RecursionDepth {
    const c = this.config;
    return drawRecursionDepth(this.rng, { latentSteps: c.model.latentSteps, recursions: c.model.recursions },
      { latentSteps: c.randomize.latentSteps, recursions: c.randomize.recursions }, { jaxCompat: c.jaxCompat });
  }

  /** Fills restarted rows with fresh samples and fresh latents (§4.2 reset, §8.3 init modes). */
  private restartRows(restart: Uint8Array, wholeBatch: boolean): void {
    const c = this.config;
    const m = c.model;
    const B = c.globalBatchSize;
    const L = m.seqLen;
    const carry = this.carry;
    const next = this.source.next();
    if (next.done) throw new TrainingError(`the batch source is exhausted at step ${this.stepCount + 1}; give it more epochs (e.g. epochs: Infinity) or lower totalSteps.`);
    const fresh = next.value;
    if (fresh.batchSize !== B || fresh.seqLen !== L) {
      throw new TrainingError(`batch source: expected batches of ${B}×${L} (globalBatchSize × seqLen), got ${fresh.batchSize}×${fresh.seqLen}.`);
    }
    const nSup = m.supervisionSteps;
    const w = c.randomize.supervisionSteps;
    // Classic loop: one N_sup draw and one (n, T) draw per batch; streaming: one N_sup cap per restarted row.
    const batchCap = w > 0 ? drawSupervisionSteps(this.rng, nSup, w, { jaxCompat: c.jaxCompat }) : nSup;
    if (c.loop === 'batch' && wholeBatch) carry.depth = this.drawDepth();
    for (let b = 0; b < B; b++) {
      if (!restart[b]) continue;
      carry.inputs.set(fresh.inputs.subarray(b * L, (b + 1) * L), b * L);
      carry.labels.set(fresh.labels.subarray(b * L, (b + 1) * L), b * L);
      carry.puzzleIds[b] = fresh.puzzleIds[b]!;
      carry.steps[b] = 0;
      carry.halted[b] = 0;
      const cap = c.loop === 'stream' && w > 0 ? drawSupervisionSteps(this.rng, nSup, w, { jaxCompat: c.jaxCompat }) : batchCap;
      // jaxCompat: the scan always runs N_sup steps; steps past the draw only zero the gradient (§10.1).
      carry.caps[b] = c.jaxCompat ? nSup : cap;
      carry.gradCaps[b] = cap;
    }
    if (c.explorationDraw === 'perSample') {
      refreshMinSteps(this.rng, carry.minSteps, 'perSample', Array.from(carry.caps), m.haltExplorationProb, restart);
    }
    if (c.disTargets) {
      const ms = disMilestones(this.rng, carry.inputs, carry.labels, L, nSup);
      if (!carry.milestones) carry.milestones = new Int32Array(B * (nSup + 1) * L);
      for (let b = 0; b < B; b++) {
        if (!restart[b]) continue;
        for (let s = 0; s <= nSup; s++) carry.milestones.set(ms[s]!.subarray(b * L, (b + 1) * L), (b * (nSup + 1) + s) * L);
      }
    }
    this.resetLatents(restart);
    this.started = true;
  }

  /** y[R], z[R] ← the init of the configured mode (one draw per step, shared by the rows restarted now). */
  private resetLatents(restart: Uint8Array): void {
    const c = this.config;
    const net = this.network;
    const B = c.globalBatchSize;
    const P = net.seqLenInternal;
    const D = c.model.hiddenSize;
    const init = drawLatentInit(this.rng, c.latentInit, { batch: B, positions: P, hidden: D, training: true, initScale: c.initScale ?? undefined });
    const fresh = latentsFromInit(net, init, B);
    if (!this.y || !this.z) {
      // First batch: every row starts fresh.
      this.y = fresh.y;
      this.z = fresh.z;
      return;
    }
    const [y, z] = tf.tidy(() => {
      const mask = tf.reshape(tf.tensor1d(Int32Array.from(restart), 'int32'), [B, 1, 1]);
      const cond = tf.cast(tf.broadcastTo(mask, [B, P, D]), 'bool');
      return [tf.where(cond, fresh.y, this.y!), tf.where(cond, fresh.z, this.z!)];
    });
    tf.dispose([fresh.y, fresh.z, this.y, this.z]);
    this.y = y!;
    this.z = z!;
  }

  /** DIS: the label of row b at its step t = steps[b] + 1 is milestone path[t] (§10.5). */
  private milestoneTargets(): tf.Tensor {
    const c = this.config;
    const B = c.globalBatchSize;
    const L = c.model.seqLen;
    const nSup = c.model.supervisionSteps;
    const out = new Int32Array(B * L);
    for (let b = 0; b < B; b++) {
      const t = Math.min(this.carry.steps[b]! + 1, nSup);
      out.set(this.carry.milestones!.subarray((b * (nSup + 1) + t) * L, (b * (nSup + 1) + t + 1) * L), b * L);
    }
    return tf.tensor2d(out, [B, L], 'int32');
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
      carryArrays: {
        inputs: c.inputs.slice(), labels: c.labels.slice(), puzzleIds: c.puzzleIds.slice(), steps: c.steps.slice(), caps: c.caps.slice(),
        gradCaps: c.gradCaps.slice(), minSteps: c.minSteps.slice(), halted: Int32Array.from(c.halted), milestones: c.milestones?.slice() ?? null,
      },
    };
  }

  /**
   * Rebuilds a trainer from a snapshot; `source` must be the same data (its cursor is restored). `overrides`
   * replaces optimizer settings (e.g. a lower lr after a divergence).
   */
  static restore(snap: TrainerSnapshot, source: BatchSource, overrides?: ResumeOverrides): Trainer {
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
        if (!source.setState) throw new TrainingError('trainer snapshot holds a data cursor but the batch source has no setState(); pass the same kind of source.');
        source.setState(snap.state.dataCursor);
      }
      const c = t.carry;
      const a = snap.carryArrays;
      c.inputs.set(a.inputs); c.labels.set(a.labels); c.puzzleIds.set(a.puzzleIds); c.steps.set(a.steps); c.caps.set(a.caps);
      c.gradCaps.set(a.gradCaps); c.minSteps.set(a.minSteps); c.halted.set(a.halted); c.milestones = a.milestones?.slice() ?? null;
      c.depth = snap.state.carry.depth;
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
