/**
 * K models of the same shapes trained as one computation (issue 15; design in docs/training.md, "Stacked
 * training"). Everything host-side stays per model and is the Trainer's own code: each model has its config,
 * seeded Rng, batch source, carry, training policy (carry.ts, policy.ts, variants/*) and latents. Only the
 * device work is stacked: the weights [K, ...] (StackedNetwork), one AdamATan2/AdamW, one SignSGD and one
 * EMA over the stacked variables (all elementwise or row-wise, so model k's update is the one it gets alone),
 * and the gradient step.
 *
 * Randomised depth stays exact by grouping: at every step the models are grouped by their (n, T, tape split,
 * Q-loss weight) and each group runs one stacked gradStep; with fixed depth that is one group of K.
 * Gradient clipping is per model (each model's own global norm).
 *
 * Model k after m steps equals `new Trainer(configs[k], sources[k])` after m steps (stacked-trainer.test.ts),
 * and `modelSnapshot(k)` is a TrainerSnapshot that Trainer.restore and snapshotToSafetensors take as they are.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, TrainingError, check } from '../errors.js';
import { Rng } from '../random.js';
import { toBatchSource, type BatchIterable, type BatchSource, type TaskBatch } from '../data.js';
import { TrmNetwork } from '../model/network.js';
import { RowMetrics } from '../model/metrics.js';
import { AdamAtan2, AdamW, SignSgd, learningRate, type AdamState, type NamedVariables } from '../train/optim.js';
import { Ema, type EmaState } from '../train/ema.js';
import { carryArrays, createCarry, fillRows, restoreCarry, runningRows, shouldHalt, type Carry } from '../train/carry.js';
import { resolvePolicy, rowWeights, type TrainingPolicy } from '../train/policy.js';
import { drawLatentInit } from '../train/variants/latent-init.js';
import type { StepDepth } from '../train/variants/variant.js';
import { resolveTrainConfig, type ResolvedTrainConfig, type TrainConfig } from '../train/config.js';
import type { StepMetrics, TrainerSnapshot } from '../train/trainer.js';
import { latentsFromInit, restartLatents, type EvalMetrics, type EvaluateOptions } from '../train/evaluate.js';
import { StackedNetwork } from './stacked-network.js';
import { evaluateStack } from './stacked-evaluate.js';
import { disposeStackGrad, stackedGradStep, type StackGradOutput } from './stacked-supervision.js';

/** Keys that every model of a stack must share: they shape the device work (the rest may differ per model). */
export const STACK_SHARED_KEYS = [
  'globalBatchSize', 'totalSteps', 'optimizer', 'lr', 'lrWarmupSteps', 'lrMinRatio', 'beta1', 'beta2', 'weightDecay',
  'puzzleEmbLr', 'puzzleEmbWeightDecay', 'gradClipNorm', 'ema', 'emaRate', 'rematerialize',
] as const satisfies readonly (keyof TrainConfig)[];

/** One model of the stack: the host-side state a Trainer holds. */
class Member {
  readonly config: ResolvedTrainConfig;
  readonly rng: Rng;
  readonly source: BatchSource;
  readonly policy: TrainingPolicy;
  carry: Carry;
  y: tf.Tensor | null = null;
  z: tf.Tensor | null = null;
  started = false;
  samples = 0;

  constructor(config: ResolvedTrainConfig, source: BatchSource | BatchIterable) {
    this.config = config;
    this.source = toBatchSource(source);
    this.policy = resolvePolicy(config);
    this.rng = new Rng(config.seed);
    this.carry = createCarry(config.globalBatchSize, config.model.seqLen, { latentSteps: config.model.latentSteps, recursions: config.model.recursions });
  }
}

/** What one model does at a step (host side), before the stacked device work. */
interface Plan {
  depth: StepDepth;
  running: Uint8Array;
  weights: Float32Array;
  labels: Int32Array;
  qLossWeight: number;
}

export class StackedTrainer {
  readonly configs: readonly ResolvedTrainConfig[];
  readonly network: StackedNetwork;
  readonly ema: Ema | null;
  private readonly members: Member[];
  private readonly optimizer: AdamAtan2 | AdamW;
  private readonly signSgd: SignSgd | null;
  private stepCount = 0;
  private seconds = 0;
  private disposed = false;

  /**
   * `configs[k]`, `sources[k]`: model k's training config and batch source, as `new Trainer(configs[k],
   * sources[k])` takes them. The configs must agree on the model and on STACK_SHARED_KEYS.
   */
  constructor(configs: readonly Partial<TrainConfig>[], sources: readonly (BatchSource | BatchIterable)[]) {
    check(configs.length >= 1, () => `StackedTrainer: expected at least one config, got ${configs.length}.`, ConfigError);
    check(sources.length === configs.length, () => `StackedTrainer: expected one batch source per config (${configs.length}), got ${sources.length}. Give each model its own source.`, ConfigError);
    check(new Set(sources).size === sources.length, () => 'StackedTrainer: expected a separate batch source per model, got the same object twice. Create one source per model.', ConfigError);
    const resolved = configs.map((c) => resolveTrainConfig(c));
    const c0 = resolved[0]!;
    resolved.forEach((c, k) => {
      check(JSON.stringify(c.model) === JSON.stringify(c0.model), () => `StackedTrainer config ${k}: expected the model of config 0 (${JSON.stringify(c0.model)}), got ${JSON.stringify(c.model)}. Stack only models of the same shapes.`, ConfigError);
      for (const key of STACK_SHARED_KEYS) {
        check(JSON.stringify(c[key]) === JSON.stringify(c0[key]), () => `StackedTrainer config ${k}: expected ${key} = ${JSON.stringify(c0[key])} (as config 0), got ${JSON.stringify(c[key])}. Models of one stack share ${key}; train the others in another stack.`, ConfigError);
      }
      if (c.disTargets && c.randomize.supervisionSteps) throw new ConfigError(`StackedTrainer config ${k}: disTargets needs a fixed N_sup (randomize.supervisionSteps = 0), got ${c.randomize.supervisionSteps}.`);
    });
    check(!c0.model.qContinue, () => 'StackedTrainer: expected model.qContinue = false, got true. The Q-continue target is not stacked yet; train these models with Trainer.', ConfigError);
    check(c0.microBatch === undefined || c0.microBatch >= c0.globalBatchSize, () => `StackedTrainer: expected no micro-batching (microBatch ≥ globalBatchSize ${c0.globalBatchSize}), got ${c0.microBatch}. Stacks run the whole batch; lower K instead.`, ConfigError);
    this.configs = resolved;
    this.members = resolved.map((c, k) => new Member(c, sources[k]!));
    // Each model's initial weights exactly as a Trainer draws them: the first draw of its own Rng.
    const nets = this.members.map((m) => new TrmNetwork(m.config.model, { seed: m.rng.seed() }));
    try {
      this.network = new StackedNetwork(nets);
    } finally {
      for (const n of nets) n.dispose();
    }
    const params: NamedVariables = {};
    for (const s of this.network.paramSpecs()) params[s.key] = this.network.v(s.key);
    const common = { beta1: c0.beta1, beta2: c0.beta2, weightDecay: c0.weightDecay };
    this.optimizer = c0.optimizer === 'adamAtan2' ? new AdamAtan2(params, common) : new AdamW(params, common);
    this.signSgd = c0.model.puzzleEmbDim > 0 ? new SignSgd(this.network.v('puzzle_emb.weights'), { weightDecay: c0.puzzleEmbWeightDecay }) : null;
    this.ema = c0.ema ? new Ema(params, c0.emaRate) : null;
  }

  /** K. */
  get size(): number {
    return this.members.length;
  }

  /** Optimizer steps done so far (the same for every model). */
  get step(): number {
    return this.stepCount;
  }

  /** Runs optimizer steps until `until` (default totalSteps), yielding every model's metrics per step. */
  async *run(until = this.configs[0]!.totalSteps): AsyncGenerator<StepMetrics[]> {
    while (this.stepCount < Math.min(until, this.configs[0]!.totalSteps)) yield await this.trainStep();
  }

  /** One optimizer step of every model; returns the models' metrics in stack order. */
  async trainStep(): Promise<StepMetrics[]> {
    check(!this.disposed, () => 'StackedTrainer.trainStep: expected a live trainer, got a disposed one. Create a new StackedTrainer.', TrainingError);
    const c0 = this.configs[0]!;
    check(this.stepCount < c0.totalSteps, () => `StackedTrainer.trainStep: expected fewer than totalSteps (${c0.totalSteps}) steps done, got ${this.stepCount}. Raise totalSteps to train further.`, TrainingError);
    const t0 = performance.now();
    const step = this.stepCount + 1;

    // 1–2. Per model, as Trainer.trainStep: restarts, then this step's depth (the same Rng draws in the same order).
    const plans: Plan[] = [];
    for (let k = 0; k < this.size; k++) {
      const m = this.members[k]!;
      const restart = m.policy.restarts.select(m.carry.halted);
      if (restart) await this.restartRows(k, restart.rows, restart.wholeBatch);
      const depth = m.policy.depth.at(step, m.rng, m.carry);
      const running = runningRows(m.carry);
      plans.push({ depth, running, weights: rowWeights(m.policy, m.carry), labels: m.policy.targets.labels(m.carry) ?? m.carry.labels, qLossWeight: m.policy.targets.qLossWeight });
    }

    // 3. One stacked gradient step per group of models with the same depth and tape split.
    const groups = new Map<string, number[]>();
    plans.forEach((p, k) => {
      const key = `${p.depth.latentSteps}/${p.depth.untaped}/${p.depth.taped}/${p.qLossWeight}`;
      groups.set(key, [...(groups.get(key) ?? []), k]);
    });
    const outs: { models: number[]; g: StackGradOutput }[] = [];
    try {
      for (const models of groups.values()) outs.push({ models, g: await this.groupStep(models, plans) });
    } catch (err) {
      for (const o of outs) disposeStackGrad(o.g);
      throw err;
    }
    for (const { models, g } of outs) {
      models.forEach((k, j) => {
        if (Number.isFinite(g.loss[j]!)) return;
        for (const o of outs) disposeStackGrad(o.g);
        throw new TrainingError(
          `training diverged at step ${step} in model ${k} of the stack: loss expected finite, got ${g.loss[j]} (lm ${g.lmLoss[j]}, q_halt ${g.qHaltLoss[j]}). ` +
            'No update was applied; lower lr, set gradClipNorm or lengthen the warm-up.',
        );
      });
    }

    // 4. Update: per-model clipping, then the stacked optimizer, SignSGD and EMA.
    const lr = this.update(step, outs);

    // 5. Per model: keep the new latents, advance the rows that ran, halting and metrics.
    const metrics: StepMetrics[] = new Array(this.size);
    const dt = (performance.now() - t0) / 1000;
    this.seconds += dt;
    for (const { models, g } of outs) {
      const [qHalt, qCont, logits] = (await Promise.all([g.qHalt.data(), g.qContinue.data(), g.logits.data()])) as Float32Array[];
      const ys = tf.unstack(g.y);
      const zs = tf.unstack(g.z);
      models.forEach((k, j) => {
        const m = this.members[k]!;
        tf.dispose([m.y!, m.z!]);
        m.y = ys[j]!;
        m.z = zs[j]!;
        const B = m.config.globalBatchSize;
        const per = (a: Float32Array, n: number) => a.subarray(j * n, (j + 1) * n);
        const L = m.config.model.seqLen;
        const V = m.config.model.vocabSize;
        const h = this.advance(k, plans[k]!.running, per(qHalt!, B), per(qCont!, B), per(logits!, B * L * V));
        const alive = plans[k]!.running.reduce((n, r) => n + r, 0);
        m.samples += alive;
        metrics[k] = {
          step, lr, loss: g.loss[j]!, lmLoss: g.lmLoss[j]! / B, qHaltLoss: g.qHaltLoss[j]! / B, ...h,
          latentSteps: plans[k]!.depth.latentSteps, recursions: plans[k]!.depth.recursions, samplesPerSecond: alive / dt, seconds: this.seconds,
        };
      });
      disposeStackGrad(g);
    }
    this.stepCount = step;
    return metrics;
  }

  /** Trainer.restartRows for model k. */
  private async restartRows(k: number, rows: Uint8Array, wholeBatch: boolean): Promise<void> {
    const m = this.members[k]!;
    const c = m.config;
    const B = c.globalBatchSize;
    const L = c.model.seqLen;
    const next = await m.source.next();
    if (next.done) throw new TrainingError(`model ${k} of the stack: the batch source is exhausted at step ${this.stepCount + 1}; give it more epochs (e.g. epochs: Infinity) or lower totalSteps.`);
    const fresh = next.value;
    if (fresh.batchSize !== B || fresh.seqLen !== L) {
      throw new TrainingError(`model ${k} of the stack, batch source: expected batches of ${B}×${L} (globalBatchSize × seqLen), got ${fresh.batchSize}×${fresh.seqLen}.`);
    }
    fillRows(m.carry, fresh, rows);
    for (const hook of m.policy.onRestart) hook.onRestart(m.rng, m.carry, rows, wholeBatch);
    this.resetLatents(k, rows);
    m.started = true;
  }

  /** Trainer.resetLatents for model k. */
  private resetLatents(k: number, rows: Uint8Array): void {
    const m = this.members[k]!;
    const c = m.config;
    const B = c.globalBatchSize;
    const P = this.network.seqLenInternal;
    const D = c.model.hiddenSize;
    const init = drawLatentInit(m.rng, c.latentInit, { batch: B, positions: P, hidden: D, training: true, initScale: c.initScale ?? undefined });
    const model = { seqLenInternal: P, config: { hiddenSize: D }, initialLatents: (b: number) => this.network.initialLatents(k, b) };
    const next = restartLatents(m.y && m.z ? { y: m.y, z: m.z } : null, latentsFromInit(model, init, B), rows);
    m.y = next.y;
    m.z = next.z;
  }

  /** The stacked gradient step of one group (models with the same depth). */
  private async groupStep(models: number[], plans: Plan[]): Promise<StackGradOutput> {
    const c0 = this.configs[0]!;
    const B = c0.globalBatchSize;
    const L = c0.model.seqLen;
    const Kg = models.length;
    const inputs = new Int32Array(Kg * B * L);
    const labels = new Int32Array(Kg * B * L);
    const weights = new Float32Array(Kg * B);
    const scale = new Float32Array(Kg);
    models.forEach((k, j) => {
      const m = this.members[k]!;
      inputs.set(m.carry.inputs, j * B * L);
      labels.set(plans[k]!.labels, j * B * L);
      weights.set(plans[k]!.weights, j * B);
      scale[j] = m.policy.lossScale;
    });
    const p = plans[models[0]!]!;
    const batch = {
      inputs: tf.tensor3d(inputs, [Kg, B, L], 'int32'),
      labels: tf.tensor3d(labels, [Kg, B, L], 'int32'),
      flatPuzzleIds: tf.tensor1d(this.network.flatPuzzleIds(models, models.map((k) => this.members[k]!.carry.puzzleIds)), 'int32'),
    };
    const latents = tf.tidy(() => ({ y: tf.stack(models.map((k) => this.members[k]!.y!)), z: tf.stack(models.map((k) => this.members[k]!.z!)) }));
    try {
      return await stackedGradStep(this.network, models, batch, latents, {
        n: p.depth.latentSteps, untaped: p.depth.untaped, taped: p.depth.taped, lossScale: scale, rowWeights: weights,
        qLossWeight: p.qLossWeight, rematerialize: c0.rematerialize !== false,
      });
    } finally {
      tf.dispose([batch.inputs, batch.labels, batch.flatPuzzleIds, latents.y, latents.z]);
    }
  }

  /** Per-model clipping, the stacked optimizer, SignSGD on every model's puzzle rows, EMA. */
  private update(step: number, outs: { models: number[]; g: StackGradOutput }[]): number {
    const c = this.configs[0]!;
    const schedule = { warmupSteps: c.lrWarmupSteps, totalSteps: c.totalSteps, minRatio: c.lrMinRatio };
    const lr = learningRate(step, { baseLr: c.lr, ...schedule });
    const keys = this.network.paramSpecs().map((s) => s.key);
    const grads = tf.tidy(() => {
      // Every model's gradient in stack order: one group is already in order; several are concatenated and permuted back.
      const order = outs.flatMap((o) => o.models);
      const inOrder = order.every((k, i) => k === i);
      const perm = inOrder ? null : tf.tensor1d(Int32Array.from(order.map((_, i) => order.indexOf(i))), 'int32');
      const out: Record<string, tf.Tensor> = {};
      for (const key of keys) {
        const parts = outs.map((o) => o.g.grads[key]!);
        const cat = parts.length === 1 ? tf.clone(parts[0]!) : tf.concat(parts, 0);
        out[key] = perm ? tf.gather(cat, perm) : cat;
      }
      if (c.gradClipNorm === null) return out;
      return clipPerModel(out, keys, c.gradClipNorm, this.size);
    });
    this.optimizer.apply(grads, lr);
    tf.dispose(Object.values(grads));
    if (this.signSgd) {
      const ids: number[] = [];
      const rowGrads: tf.Tensor[] = [];
      for (const { models, g } of outs) {
        ids.push(...this.network.flatPuzzleIds(models, models.map((k) => this.members[k]!.carry.puzzleIds)));
        if (g.puzzleRowGrad) rowGrads.push(g.puzzleRowGrad);
      }
      const all = rowGrads.length === 1 ? rowGrads[0]! : tf.concat(rowGrads, 0);
      this.signSgd.apply(ids, all, learningRate(step, { baseLr: c.puzzleEmbLr, ...schedule }));
      if (all !== rowGrads[0]) all.dispose();
    }
    this.ema?.update();
    return lr;
  }

  /** Trainer.advance for model k (the latents are already kept); host arrays of this model only. */
  private advance(k: number, running: Uint8Array, qHalt: Float32Array, qCont: Float32Array, logits: Float32Array) {
    const m = this.members[k]!;
    const { carry, config: c } = m;
    const B = c.globalBatchSize;
    const L = c.model.seqLen;
    const V = c.model.vocabSize;
    for (let b = 0; b < B; b++) if (running[b]) carry.steps[b]!++;
    m.policy.exploration.afterStep(m.rng, carry);
    const halted = new RowMetrics();
    const all = new RowMetrics();
    for (let b = 0; b < B; b++) {
      if (!running[b]) continue;
      all.add(logits, carry.labels, b, L, V, qHalt[b]!);
      if (!shouldHalt(carry, b, qHalt[b]!, qCont[b]!, m.policy.halt)) continue;
      carry.halted[b] = 1;
      halted.add(logits, carry.labels, b, L, V, qHalt[b]!, carry.steps[b]!);
    }
    const a = all.means();
    return { ...halted.means(), allRows: { count: a.count, accuracy: a.accuracy, exactAccuracy: a.exactAccuracy } };
  }

  /** Runs `fn` with the evaluation weights in place (every model's EMA average if EMA is on). */
  async withEvalWeights<T>(fn: (net: StackedNetwork) => T | Promise<T>): Promise<T> {
    if (!this.ema) return fn(this.network);
    return this.ema.withAveraged(() => fn(this.network));
  }

  /** Model k's state as a TrainerSnapshot: `Trainer.restore(snap, source)` continues it alone, exactly. */
  async modelSnapshot(k: number): Promise<TrainerSnapshot> {
    check(Number.isInteger(k) && k >= 0 && k < this.size, () => `StackedTrainer.modelSnapshot: expected a model index in [0, ${this.size}), got ${k}.`, ConfigError);
    const m = this.members[k]!;
    const K = this.size;
    const slice = (a: Float32Array) => a.slice((a.length / K) * k, (a.length / K) * (k + 1));
    const opt = await this.optimizer.exportState();
    const optimizer: AdamState = { kind: opt.kind, params: {} };
    for (const [n, s] of Object.entries(opt.params)) optimizer.params[n] = { step: s.step, shape: s.shape.slice(1), m: slice(s.m), v: slice(s.v) };
    let ema: EmaState | null = null;
    if (this.ema) {
      const e = await this.ema.exportState();
      ema = { rate: e.rate, shadow: {} };
      for (const [n, s] of Object.entries(e.shadow)) ema.shadow[n] = { shape: s.shape.slice(1), values: slice(s.values) };
    }
    const c = m.carry;
    return {
      state: {
        version: 1, config: m.config, step: this.stepCount, rng: m.rng.getState(),
        dataCursor: m.source.getState ? m.source.getState() : null, seconds: this.seconds, samples: m.samples,
        carry: { depth: c.depth, started: m.started },
      },
      weights: await this.network.modelWeights(k),
      optimizer,
      ema,
      carryTensors: m.y && m.z ? { y: Float32Array.from(await m.y.data()), z: Float32Array.from(await m.z.data()), shape: [...m.y.shape] } : null,
      carryArrays: carryArrays(c),
    };
  }

  /**
   * Evaluates every model (with its EMA weights if EMA is on) on the same batches, as `evaluate` does one
   * model; metrics in stack order.
   */
  async evaluate(batches: Iterable<TaskBatch>, opts: EvaluateOptions = {}): Promise<EvalMetrics[]> {
    return this.withEvalWeights((net) => evaluateStack(net, batches, opts));
  }

  /**
   * Rebuilds a stack from K TrainerSnapshots (from `modelSnapshot`, or from Trainers at the same step) and
   * their sources (cursors restored), so that a stacked run resumes exactly.
   */
  static restore(snaps: readonly TrainerSnapshot[], sources: readonly (BatchSource | BatchIterable)[]): StackedTrainer {
    check(snaps.length >= 1, () => `StackedTrainer.restore: expected at least one snapshot, got ${snaps.length}.`, TrainingError);
    snaps.forEach((s, k) => {
      check(s.state.version === 1, () => `StackedTrainer.restore: snapshot ${k} expected version 1, got ${String(s.state.version)}.`, TrainingError);
      check(s.state.step === snaps[0]!.state.step, () => `StackedTrainer.restore: snapshot ${k} expected step ${snaps[0]!.state.step} (as snapshot 0), got ${s.state.step}. Stack models at the same step.`, TrainingError);
      check(!!s.ema === !!snaps[0]!.ema, () => `StackedTrainer.restore: snapshot ${k} expected ${snaps[0]!.ema ? 'an' : 'no'} EMA state (as snapshot 0).`, TrainingError);
    });
    const t = new StackedTrainer(snaps.map((s) => s.state.config), sources);
    try {
      snaps.forEach((s, k) => t.network.setModelWeights(k, s.weights));
      const cat = (parts: Float32Array[]) => {
        const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) {
          out.set(p, o);
          o += p.length;
        }
        return out;
      };
      const K = snaps.length;
      const o0 = snaps[0]!.optimizer;
      const optimizer: AdamState = { kind: o0.kind, params: {} };
      for (const [n, p] of Object.entries(o0.params)) {
        const per = snaps.map((s) => s.optimizer.params[n]);
        check(per.every((x) => x !== undefined && x.step === p.step), () => `StackedTrainer.restore: optimizer state '${n}' expected in every snapshot at step ${p.step}.`, TrainingError);
        optimizer.params[n] = { step: p.step, shape: [K, ...p.shape], m: cat(per.map((x) => x!.m)), v: cat(per.map((x) => x!.v)) };
      }
      t.optimizer.importState(optimizer);
      if (t.ema) {
        const e0 = snaps[0]!.ema!;
        const ema: EmaState = { rate: e0.rate, shadow: {} };
        for (const [n, sh] of Object.entries(e0.shadow)) ema.shadow[n] = { shape: [K, ...sh.shape], values: cat(snaps.map((s) => s.ema!.shadow[n]!.values)) };
        t.ema.importState(ema);
      }
      snaps.forEach((s, k) => {
        const m = t.members[k]!;
        m.rng.setState(s.state.rng);
        if (s.state.dataCursor !== null) {
          if (!m.source.setState) throw new TrainingError(`StackedTrainer.restore: snapshot ${k} holds a data cursor but its batch source has no setState(). Pass the same kind of source.`);
          m.source.setState(s.state.dataCursor);
        }
        restoreCarry(m.carry, s.carryArrays, s.state.carry.depth);
        m.started = s.state.carry.started;
        m.samples = s.state.samples;
        if (s.carryTensors) {
          m.y = tf.tensor(s.carryTensors.y, s.carryTensors.shape, 'float32');
          m.z = tf.tensor(s.carryTensors.z, s.carryTensors.shape, 'float32');
        }
      });
      t.stepCount = snaps[0]!.state.step;
      t.seconds = Math.max(...snaps.map((s) => s.state.seconds));
    } catch (err) {
      t.dispose();
      throw err;
    }
    return t;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const m of this.members) if (m.y) tf.dispose([m.y, m.z!]);
    this.optimizer.dispose();
    this.ema?.dispose();
    this.network.dispose();
  }
}

/**
 * Scales model k's gradients by min(1, maxNorm/‖g_k‖), ‖g_k‖ the global L2 norm of model k's gradients only
 * (clipByGlobalNorm of train/optim.ts, per model). Inside the caller's tidy.
 */
export function clipPerModel(grads: Record<string, tf.Tensor>, keys: string[], maxNorm: number, K: number): Record<string, tf.Tensor> {
  const squares = keys.map((n) => {
    const g = grads[n]!;
    return tf.sum(tf.square(tf.reshape(g, [K, -1])), 1); // [K]
  });
  const norm = tf.sqrt(tf.addN(squares));
  const scale = tf.div(tf.scalar(maxNorm), tf.maximum(norm, tf.scalar(maxNorm))); // [K]
  const out: Record<string, tf.Tensor> = {};
  for (const n of keys) {
    const g = grads[n]!;
    out[n] = tf.mul(g, tf.reshape(scale, [K, ...g.shape.slice(1).map(() => 1)]));
  }
  return out;
}
