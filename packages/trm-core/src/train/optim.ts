/**
 * Small optax-style optimizers over named `tf.Variable`s (ALGORITHM.md §5). tfjs-core has neither AdamW nor
 * AdamATan2, and its built-in optimizers cannot export their state as plain data, so these are written here.
 *
 * - `AdamATan2`: the official optimizer for every dense parameter (§5.1, §12.12).
 * - `AdamW`: the [jax] / blog variant (§5.2), usually preceded by `clipByGlobalNorm(grads, 1)`.
 * - `SignSgd`: the official sparse update of the puzzle-embedding table (§5.4, §12.15).
 * - `learningRate`: linear warm-up, then constant or cosine (§5.3, §12.13).
 *
 * Parameters and gradients are records keyed by the same stable names (e.g. the official parameter names);
 * tfjs variable names are not used because they must be unique per engine. `apply` never takes ownership of
 * the gradients: the caller disposes them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, ConfigError, ShapeError, TrainingError, check } from '../errors.js';
import { describeValue } from '../describe.js';

export type NamedVariables = Record<string, tf.Variable>;
export type NamedTensors = Record<string, tf.Tensor>;

/** Moments of one parameter: `step` = updates applied so far (t), `m`, `v` flat in row-major order. */
export interface AdamParamState {
  step: number;
  shape: number[];
  m: Float32Array;
  v: Float32Array;
}

/** Plain-data optimizer state for checkpoints (§5.1: m, v, t per parameter). */
export interface AdamState {
  kind: 'adamAtan2' | 'adamW';
  params: Record<string, AdamParamState>;
}

/** Options shared by both Adam variants. */
export interface AdamOptions {
  /** `beta1` (official 0.9). */
  beta1?: number;
  /** `beta2` (official 0.95). */
  beta2?: number;
  /** `weight_decay`, decoupled: `p ← p·(1 − lr·wd)` (official 1.0 for Sudoku/Maze, 0.1 for ARC). Default 0. */
  weightDecay?: number;
  /**
   * Which parameters receive weight decay (default: all, as in the official AdamATan2 — biases and the
   * q_head bias included, §12.12). [jax] AdamW: `(name, p) => p.rank >= 2 && !isEmbedding(name)`.
   */
  decayMask?: (name: string, param: tf.Variable) => boolean;
}

export interface AdamAtan2Options extends AdamOptions {
  /**
   * Where bias correction 1 goes. 'outside' (default): `lr/(1 − β1^t)·atan2(m, …)`, the CUDA kernel of
   * adam-atan2 0.0.3 (the release the official install fetches) and 0.0.1. 'inside': `lr·atan2(m/(1 − β1^t), …)`,
   * release 0.0.2 (§5.1).
   */
  biasCorrection?: 'outside' | 'inside';
}

export interface AdamWOptions extends AdamOptions {
  /** Added to sqrt(v̂) (optax default 1e-8). */
  eps?: number;
}

function checkUnit(what: string, x: number): void {
  check(Number.isFinite(x) && x >= 0 && x < 1, () => `${what}: expected a number in [0, 1), got ${x}. Use e.g. 0.9 / 0.95.`, ConfigError);
}

function checkNonNegative(what: string, x: number): void {
  check(Number.isFinite(x) && x >= 0, () => `${what}: expected a finite number >= 0, got ${x}.`, ConfigError);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Checks that `grads` has exactly the keys of `params`, each float32 with the parameter's shape. Strict on
 * purpose: a missing or mis-keyed gradient would otherwise silently freeze a parameter.
 */
function checkGrads(what: string, params: NamedVariables, grads: NamedTensors): void {
  const names = Object.keys(params);
  const missing = names.filter((n) => !(n in grads));
  check(missing.length === 0, () => `${what}: expected a gradient for every parameter, got none for ${describeValue(missing)}. Pass a record keyed like the parameters.`, ShapeError);
  const extra = Object.keys(grads).filter((n) => !(n in params));
  check(extra.length === 0, () => `${what}: expected gradients only for this optimizer's parameters, got unknown keys ${describeValue(extra)}. Split the gradients per parameter group.`, ShapeError);
  for (const n of names) {
    const g = grads[n]!;
    const p = params[n]!;
    check(!g.isDisposed, () => `${what}: gradient '${n}' is disposed. Apply before disposing the gradients.`, ShapeError);
    check(sameShape(g.shape, p.shape), () => `${what}: gradient '${n}' expected shape [${p.shape}], got [${g.shape}].`, ShapeError);
    check(g.dtype === 'float32', () => `${what}: gradient '${n}' expected dtype float32, got ${g.dtype}.`, ShapeError);
  }
}

/** Shared state handling of the two Adam variants: m, v (non-trainable variables) and t per parameter. */
abstract class AdamFamily {
  readonly params: Readonly<NamedVariables>;
  protected readonly beta1: number;
  protected readonly beta2: number;
  protected readonly weightDecay: number;
  private readonly decays: Record<string, boolean>;
  private readonly m: Record<string, tf.Variable> = {};
  private readonly v: Record<string, tf.Variable> = {};
  private readonly steps: Record<string, number> = {};
  private disposed = false;

  protected constructor(
    private readonly kind: AdamState['kind'],
    params: NamedVariables,
    opts: AdamOptions,
  ) {
    const what = this.label;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.95;
    this.weightDecay = opts.weightDecay ?? 0;
    checkUnit(`${what} beta1`, this.beta1);
    checkUnit(`${what} beta2`, this.beta2);
    checkNonNegative(`${what} weightDecay`, this.weightDecay);
    const names = Object.keys(params);
    check(names.length > 0, () => `${what}: expected at least one parameter, got none.`, ConfigError);
    this.params = { ...params };
    this.decays = {};
    for (const n of names) {
      const p = params[n]!;
      check(p.dtype === 'float32', () => `${what}: parameter '${n}' expected dtype float32, got ${p.dtype}.`, ConfigError);
      this.decays[n] = opts.decayMask ? opts.decayMask(n, p) : true;
      this.m[n] = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
      this.v[n] = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
      this.steps[n] = 0;
    }
  }

  /** The class name for messages. */
  private get label(): string {
    return this.kind === 'adamAtan2' ? 'AdamATan2' : 'AdamW';
  }

  /**
   * One update of every parameter with learning rate `lr` (already scheduled, §5.3). Runs inside tf.tidy;
   * the gradients stay owned by the caller.
   */
  apply(grads: NamedTensors, lr: number): void {
    const what = `${this.label}.apply`;
    check(!this.disposed, () => `${what}: the optimizer was disposed. Create a new one.`, TrainingError);
    checkNonNegative(`${what} lr`, lr);
    checkGrads(what, this.params, grads);
    tf.tidy(() => {
      for (const n of Object.keys(this.params)) {
        const t = this.steps[n]! + 1; // t is incremented before the update: the first update has t = 1 (§5.1)
        const p = this.params[n]!;
        const m = this.m[n]!;
        const v = this.v[n]!;
        const g = grads[n]!;
        const m1 = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const v1 = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        const wd = this.decays[n] ? this.weightDecay : 0;
        p.assign(this.step(p, m1, v1, t, lr, wd));
        m.assign(m1);
        v.assign(v1);
      }
    });
    for (const n of Object.keys(this.steps)) this.steps[n]! += 1;
  }

  /** The new parameter value given the new moments (inside the caller's tidy). */
  protected abstract step(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, t: number, lr: number, wd: number): tf.Tensor;

  /** The moment estimates as `optimizer/m/<name>`, `optimizer/v/<name>` (live variables: do not dispose). */
  *stateTensors(): Generator<readonly [string, tf.Tensor]> {
    for (const n of Object.keys(this.params)) {
      yield [`optimizer/m/${n}`, this.m[n]!];
      yield [`optimizer/v/${n}`, this.v[n]!];
    }
  }

  /** Copies m, v and t of every parameter to plain data (awaits the device). */
  async exportState(): Promise<AdamState> {
    check(!this.disposed, () => `${this.label}.exportState: the optimizer was disposed.`, TrainingError);
    const params: Record<string, AdamParamState> = {};
    for (const n of Object.keys(this.params)) {
      params[n] = {
        step: this.steps[n]!,
        shape: [...this.params[n]!.shape],
        m: Float32Array.from(await this.m[n]!.data<'float32'>()),
        v: Float32Array.from(await this.v[n]!.data<'float32'>()),
      };
    }
    return { kind: this.kind, params };
  }

  /** Restores a state from `exportState` of an optimizer of the same kind over the same parameters. */
  importState(state: AdamState): void {
    const what = `${this.label}.importState`;
    check(!this.disposed, () => `${what}: the optimizer was disposed.`, TrainingError);
    check(state !== null && typeof state === 'object' && state.kind === this.kind, () => `${what}: expected kind '${this.kind}', got ${describeValue((state as { kind?: unknown } | null)?.kind)}. Load the state into the optimizer that saved it.`, CheckpointError);
    const names = Object.keys(this.params);
    const got = Object.keys(state.params ?? {});
    check(got.length === names.length && names.every((n) => n in state.params), () => `${what}: expected parameters ${JSON.stringify(names)}, got ${describeValue(got)}.`, CheckpointError);
    // Validate everything before touching any variable, so a bad state never leaves a half-restored optimizer.
    for (const n of names) {
      const s = state.params[n]!;
      const p = this.params[n]!;
      check(Number.isInteger(s.step) && s.step >= 0, () => `${what}: '${n}'.step expected an integer >= 0, got ${describeValue(s.step)}.`, CheckpointError);
      check(Array.isArray(s.shape) && sameShape(s.shape, p.shape), () => `${what}: '${n}' expected shape [${p.shape}], got [${s.shape}].`, CheckpointError);
      for (const key of ['m', 'v'] as const) {
        const a = s[key];
        check(a instanceof Float32Array && a.length === p.size, () => `${what}: '${n}'.${key} expected a Float32Array of length ${p.size}, got ${a?.constructor?.name} of length ${a?.length}.`, CheckpointError);
      }
    }
    tf.tidy(() => {
      for (const n of names) {
        const s = state.params[n]!;
        const shape = this.params[n]!.shape;
        this.m[n]!.assign(tf.tensor(s.m, shape, 'float32'));
        this.v[n]!.assign(tf.tensor(s.v, shape, 'float32'));
        this.steps[n] = s.step;
      }
    });
  }

  /** Frees m and v (the parameters belong to the caller). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const n of Object.keys(this.params)) {
      this.m[n]!.dispose();
      this.v[n]!.dispose();
    }
  }
}

/**
 * AdamATan2 (§5.1), no eps: `p ← p·(1 − lr·wd) − (lr/(1 − β1^t))·atan2(m, sqrt(v)/sqrt(1 − β2^t))`.
 * At t = 1: m = (1 − β1)g, sqrt(v/(1 − β2)) = |g|, so the step is lr·atan(1 − β1)/(1 − β1)·sign(g)
 * = 10·lr·atan(0.1) ≈ 0.9967·lr for β1 = 0.9, whatever β2.
 */
export class AdamAtan2 extends AdamFamily {
  private readonly biasCorrection: 'outside' | 'inside';

  constructor(params: NamedVariables, opts: AdamAtan2Options = {}) {
    super('adamAtan2', params, opts);
    this.biasCorrection = opts.biasCorrection ?? 'outside';
    check(this.biasCorrection === 'outside' || this.biasCorrection === 'inside', () => `AdamATan2 biasCorrection: expected 'outside' or 'inside', got '${String(this.biasCorrection)}'.`, ConfigError);
  }

  protected step(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, t: number, lr: number, wd: number): tf.Tensor {
    const bc1 = 1 - this.beta1 ** t;
    const bc2 = 1 - this.beta2 ** t;
    const denom = tf.mul(tf.sqrt(v), 1 / Math.sqrt(bc2));
    const num = this.biasCorrection === 'outside' ? m : tf.mul(m, 1 / bc1);
    // atan2(0, 0) = 0 by definition here (§5.1); guarded because not every backend's atan2 guarantees it
    // (GLSL's atan(0, 0) is undefined). m = 0 ⇒ the step is 0 whatever v is.
    const a = tf.where(tf.equal(m, 0), tf.zerosLike(m), tf.atan2(num, denom));
    const stepSize = this.biasCorrection === 'outside' ? lr / bc1 : lr;
    return tf.sub(tf.mul(p, 1 - lr * wd), tf.mul(a, stepSize));
  }
}

/**
 * AdamW as optax `adamw` (§5.2): `p ← p − lr·(m̂/(sqrt(v̂) + eps) + wd·p)` with m̂ = m/(1 − β1^t),
 * v̂ = v/(1 − β2^t); decay only where `decayMask` says so.
 */
export class AdamW extends AdamFamily {
  private readonly eps: number;

  constructor(params: NamedVariables, opts: AdamWOptions = {}) {
    super('adamW', params, opts);
    this.eps = opts.eps ?? 1e-8;
    check(Number.isFinite(this.eps) && this.eps > 0, () => `AdamW eps: expected a finite number > 0, got ${this.eps}.`, ConfigError);
  }

  protected step(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, t: number, lr: number, wd: number): tf.Tensor {
    const mHat = tf.mul(m, 1 / (1 - this.beta1 ** t));
    const vHat = tf.mul(v, 1 / (1 - this.beta2 ** t));
    const u = tf.div(mHat, tf.add(tf.sqrt(vHat), this.eps));
    return tf.sub(tf.mul(p, 1 - lr * wd), tf.mul(u, lr));
  }
}

/**
 * Scales all gradients by `min(1, maxNorm/‖g‖)` where ‖g‖ is the global L2 norm over every tensor (optax
 * `clip_by_global_norm`, §5.2). Returns new tensors (the caller disposes them and the inputs) and the norm
 * before clipping as a scalar tensor, so that no device read is forced.
 */
export function clipByGlobalNorm(grads: NamedTensors, maxNorm: number): { grads: NamedTensors; norm: tf.Scalar } {
  check(Number.isFinite(maxNorm) && maxNorm > 0, () => `clipByGlobalNorm maxNorm: expected a finite number > 0, got ${maxNorm}.`, ConfigError);
  const names = Object.keys(grads);
  check(names.length > 0, () => 'clipByGlobalNorm: expected at least one gradient, got none.', ShapeError);
  return tf.tidy(() => {
    const squares = names.map((n) => tf.sum(tf.square(grads[n]!)));
    const norm = tf.sqrt(tf.addN(squares)) as tf.Scalar;
    // maxNorm / max(norm, maxNorm) is exactly 1 when norm <= maxNorm, so small gradients pass unchanged.
    const scale = tf.div(maxNorm, tf.maximum(norm, maxNorm));
    const out: NamedTensors = {};
    for (const n of names) out[n] = tf.mul(grads[n]!, scale);
    return { grads: out, norm };
  });
}

/** Schedule settings (§5.3); one per parameter group, each with its own base lr. */
export interface LrSchedule {
  /** `lr` (or `puzzle_emb_lr`). */
  baseLr: number;
  /** `lr_warmup_steps` W (official 2000; 0 = no warm-up). */
  warmupSteps: number;
  /** S, the total optimizer steps of the run (only used when minRatio < 1). */
  totalSteps: number;
  /** `lr_min_ratio` r (official 1.0 = constant after warm-up). */
  minRatio: number;
}

/**
 * Learning rate at optimizer step `step` = the step counter *after* it was incremented (the first update
 * uses step 1, hence base/W, §12.13): `base·s/W` for s < W, else `base·(r + (1 − r)·½(1 + cos(π·(s − W)/(S − W))))`
 * as the official `cosine_schedule_with_warmup_lr_lambda`. (D) progress is clamped at 1, so steps past S
 * stay at base·r instead of climbing the cosine back up.
 */
export function learningRate(step: number, s: LrSchedule): number {
  check(Number.isInteger(step) && step >= 0, () => `learningRate step: expected an integer >= 0, got ${step}.`, ConfigError);
  checkNonNegative('learningRate baseLr', s.baseLr);
  check(Number.isInteger(s.warmupSteps) && s.warmupSteps >= 0, () => `learningRate warmupSteps: expected an integer >= 0, got ${s.warmupSteps}.`, ConfigError);
  check(Number.isFinite(s.minRatio) && s.minRatio >= 0 && s.minRatio <= 1, () => `learningRate minRatio: expected a number in [0, 1], got ${s.minRatio}.`, ConfigError);
  check(Number.isInteger(s.totalSteps) && s.totalSteps >= 0, () => `learningRate totalSteps: expected an integer >= 0, got ${s.totalSteps}.`, ConfigError);
  if (step < s.warmupSteps) return (s.baseLr * step) / s.warmupSteps;
  if (s.minRatio === 1) return s.baseLr;
  const progress = Math.min(1, (step - s.warmupSteps) / Math.max(1, s.totalSteps - s.warmupSteps));
  return s.baseLr * (s.minRatio + (1 - s.minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/**
 * SignSGD on the rows of a sparse embedding table (official `CastedSparseEmbeddingSignSGD`, §5.4): for each
 * id u in the batch, `w_u ← w_u·(1 − lr·wd) − lr·sign(Σ_{b: id_b = u} G_b)`; rows absent from the batch are
 * untouched (lazy decay). It keeps no state, so a checkpoint holds only the table.
 */
export class SignSgd {
  readonly weightDecay: number;

  /** `table`: the [numIds, Dp] puzzle-embedding variable; `weightDecay`: `puzzle_emb_weight_decay`. */
  constructor(
    readonly table: tf.Variable,
    opts: { weightDecay?: number } = {},
  ) {
    check(table.rank === 2, () => `SignSgd table: expected rank 2 [numIds, Dp], got shape [${table.shape}].`, ConfigError);
    check(table.dtype === 'float32', () => `SignSgd table: expected dtype float32, got ${table.dtype}.`, ConfigError);
    this.weightDecay = opts.weightDecay ?? 0;
    checkNonNegative('SignSgd weightDecay', this.weightDecay);
  }

  /**
   * `ids[b]`: the table row gathered for batch row b; `rowGrads` (`[B, Dp]`): the gradient w.r.t. the gathered
   * rows; `lr`: the scheduled `puzzle_emb_lr` (§5.3). Runs inside tf.tidy; `rowGrads` stays the caller's.
   */
  apply(ids: ArrayLike<number>, rowGrads: tf.Tensor, lr: number): void {
    const [numIds, dim] = this.table.shape as [number, number];
    checkNonNegative('SignSgd.apply lr', lr);
    check(rowGrads.rank === 2 && rowGrads.shape[0] === ids.length && rowGrads.shape[1] === dim, () => `SignSgd.apply rowGrads: expected shape [${ids.length}, ${dim}] (one row per id), got [${rowGrads.shape}].`, ShapeError);
    check(rowGrads.dtype === 'float32', () => `SignSgd.apply rowGrads: expected dtype float32, got ${rowGrads.dtype}.`, ShapeError);
    if (ids.length === 0) return;
    // Group the batch rows by id on the host (ids come from the data pipeline): segment[b] indexes unique[].
    const segment = new Int32Array(ids.length);
    const unique: number[] = [];
    const seen = new Map<number, number>();
    for (let b = 0; b < ids.length; b++) {
      const id = ids[b]!;
      check(Number.isInteger(id) && id >= 0 && id < numIds, () => `SignSgd.apply ids[${b}]: expected an integer in [0, ${numIds - 1}], got ${id}.`, ShapeError);
      let s = seen.get(id);
      if (s === undefined) {
        s = unique.length;
        seen.set(id, s);
        unique.push(id);
      }
      segment[b] = s;
    }
    const u = unique.length;
    tf.tidy(() => {
      // scatterND accumulates duplicate indices: the per-id sum of §5.4 (portable; wasm has no UnsortedSegmentSum).
      const gU = tf.scatterND(tf.tensor2d(segment, [ids.length, 1], 'int32'), rowGrads, [u, dim]); // [U, Dp]
      const idx = tf.tensor2d(Int32Array.from(unique), [u, 1], 'int32'); // [U, 1]
      const rows = tf.gatherND(this.table, idx); // [U, Dp]
      const updated = tf.sub(tf.mul(rows, 1 - lr * this.weightDecay), tf.mul(tf.sign(gU), lr));
      this.table.assign(tf.tensorScatterUpdate(this.table, idx, updated));
    });
  }
}
