/**
 * Exponential moving average of the weights (official `EMAHelper`, ALGORITHM.md §5.5, §12.14):
 * `shadow ← r·shadow + (1 − r)·param` after every optimizer step; the shadow starts at the initial weights;
 * no warm-up and no bias correction. Pass only the trainable parameters: buffers (puzzle table, H_init,
 * L_init) are not averaged, their live values are used for evaluation. Variables with `trainable = false` are
 * skipped, and the puzzle table (updated by SignSGD) should not be passed.
 *
 * Evaluation uses the averaged weights either by swapping them into the live variables (`swapIn` /
 * `swapOut`, or `withAveraged(fn)`) or by copying them into another model's variables (`copyTo`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, ConfigError, ShapeError, TrainingError, check } from '../errors.js';
import type { NamedVariables } from './optim.js';
import { describeValue } from '../describe.js';

/** Plain-data EMA state for checkpoints: the shadow of every parameter, flat row-major. */
export interface EmaState {
  rate: number;
  shadow: Record<string, { shape: number[]; values: Float32Array }>;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export class Ema {
  readonly params: Readonly<NamedVariables>;
  private readonly shadows: Record<string, tf.Variable> = {};
  /** Live weights while the averages are swapped in. */
  private backup: Record<string, tf.Tensor> | null = null;
  private disposed = false;

  /** `rate`: `ema_rate` r (official 0.999). The shadow is a copy of the parameters' current values. */
  constructor(
    params: NamedVariables,
    readonly rate: number,
  ) {
    check(Number.isFinite(rate) && rate >= 0 && rate <= 1, () => `Ema rate: expected a number in [0, 1], got ${rate}. The official value is 0.999.`, ConfigError);
    // Only trainable variables are averaged (official: `if param.requires_grad`), so passing every model
    // variable leaves non-trainable buffers such as H_init / L_init live.
    const names = Object.keys(params).filter((n) => params[n]!.trainable);
    check(names.length > 0, () => `Ema: expected at least one trainable parameter, got ${Object.keys(params).length} parameters, none trainable.`, ConfigError);
    const kept: NamedVariables = {};
    for (const n of names) kept[n] = params[n]!;
    this.params = kept;
    for (const n of names) {
      const p = params[n]!;
      check(p.dtype === 'float32', () => `Ema: parameter '${n}' expected dtype float32, got ${p.dtype}.`, ConfigError);
      this.shadows[n] = tf.tidy(() => tf.variable(tf.clone(p), false));
    }
  }

  /** The averaged weights (read-only views; e.g. for writing a checkpoint). */
  get averages(): Readonly<Record<string, tf.Variable>> {
    this.live('averages');
    return this.shadows;
  }

  /** Whether the averaged weights are currently in the live variables. */
  get swapped(): boolean {
    return this.backup !== null;
  }

  /** One EMA step; call after every optimizer step (§5.5). */
  update(): void {
    this.live('update');
    check(this.backup === null, () => 'Ema.update: the averaged weights are swapped in. Call swapOut() before training.', TrainingError);
    const r = this.rate;
    tf.tidy(() => {
      for (const n of Object.keys(this.shadows)) {
        const s = this.shadows[n]!;
        s.assign(tf.add(tf.mul(s, r), tf.mul(this.params[n]!, 1 - r)));
      }
    });
  }

  /** Puts the averaged weights into the live variables, keeping the live ones aside. */
  swapIn(): void {
    this.live('swapIn');
    check(this.backup === null, () => 'Ema.swapIn: the averaged weights are already swapped in. Call swapOut() first.', TrainingError);
    const backup: Record<string, tf.Tensor> = {};
    for (const n of Object.keys(this.params)) {
      const p = this.params[n]!;
      backup[n] = tf.clone(p);
      p.assign(this.shadows[n]!);
    }
    this.backup = backup;
  }

  /** Restores the live weights put aside by `swapIn`. */
  swapOut(): void {
    this.live('swapOut');
    const backup = this.backup;
    check(backup !== null, () => 'Ema.swapOut: the averaged weights are not swapped in. Call swapIn() first.', TrainingError);
    for (const n of Object.keys(this.params)) {
      this.params[n]!.assign(backup[n]!);
      backup[n]!.dispose();
    }
    this.backup = null;
  }

  /** Runs `fn` with the averaged weights swapped in and always swaps them out afterwards. */
  async withAveraged<T>(fn: () => T | Promise<T>): Promise<T> {
    this.swapIn();
    try {
      return await fn();
    } finally {
      this.swapOut();
    }
  }

  /** Copies the averaged weights into `target` (same names and shapes, e.g. an evaluation model's variables). */
  copyTo(target: NamedVariables): void {
    this.live('copyTo');
    const names = Object.keys(this.shadows);
    for (const n of names) {
      const t = target[n];
      check(t !== undefined, () => `Ema.copyTo: expected a target variable '${n}', got none. Pass variables keyed like the averaged parameters.`, ShapeError);
      check(sameShape(t.shape, this.shadows[n]!.shape), () => `Ema.copyTo: '${n}' expected shape [${this.shadows[n]!.shape}], got [${t.shape}].`, ShapeError);
    }
    for (const n of names) target[n]!.assign(this.shadows[n]!);
  }

  /** Copies the shadow to plain data (awaits the device). */
  async exportState(): Promise<EmaState> {
    this.live('exportState');
    const shadow: EmaState['shadow'] = {};
    for (const n of Object.keys(this.shadows)) {
      const s = this.shadows[n]!;
      shadow[n] = { shape: [...s.shape], values: Float32Array.from(await s.data<'float32'>()) };
    }
    return { rate: this.rate, shadow };
  }

  /**
   * Restores a shadow saved by `exportState` over the same parameters. The saved rate is informational:
   * the rate given to the constructor (from the run's config) stays in force.
   */
  importState(state: EmaState): void {
    this.live('importState');
    const names = Object.keys(this.shadows);
    const got = Object.keys(state?.shadow ?? {});
    check(got.length === names.length && names.every((n) => n in state.shadow), () => `Ema.importState: expected parameters ${JSON.stringify(names)}, got ${describeValue(got)}.`, CheckpointError);
    for (const n of names) {
      const e = state.shadow[n]!;
      const s = this.shadows[n]!;
      check(Array.isArray(e.shape) && sameShape(e.shape, s.shape), () => `Ema.importState: '${n}' expected shape [${s.shape}], got [${e.shape}].`, CheckpointError);
      check(e.values instanceof Float32Array && e.values.length === s.size, () => `Ema.importState: '${n}'.values expected a Float32Array of length ${s.size}, got ${e.values?.constructor?.name} of length ${e.values?.length}.`, CheckpointError);
    }
    tf.tidy(() => {
      for (const n of names) this.shadows[n]!.assign(tf.tensor(state.shadow[n]!.values, this.shadows[n]!.shape, 'float32'));
    });
  }

  /** Frees the shadow (restoring the live weights first if the averages are swapped in). */
  dispose(): void {
    if (this.disposed) return;
    if (this.backup !== null) this.swapOut();
    this.disposed = true;
    for (const s of Object.values(this.shadows)) s.dispose();
  }

  private live(what: string): void {
    check(!this.disposed, () => `Ema.${what}: the EMA was disposed. Create a new one.`, TrainingError);
  }
}
