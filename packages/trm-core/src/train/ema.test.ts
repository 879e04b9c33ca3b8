import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLeaksEachTest } from '@trm-ts/testing';
import { CheckpointError, ConfigError, ShapeError, TrainingError } from '../errors.js';
import { Ema } from './ema.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
checkLeaksEachTest();

function vr(values: number[], shape?: number[]): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(values, shape)));
}

function set(v: tf.Variable, values: number[]): void {
  tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tol);
}

describe('Ema', () => {
  it('starts at the initial weights and follows shadow ← r·shadow + (1 − r)·param, no bias correction', () => {
    const w = vr([1, 2]);
    const b = vr([-1]);
    const ema = new Ema({ w, b }, 0.9);
    expect(Array.from(ema.averages.w!.dataSync())).toEqual([1, 2]);
    set(w, [3, 4]);
    set(b, [1]);
    ema.update();
    expectClose(ema.averages.w!.dataSync(), [0.9 * 1 + 0.1 * 3, 0.9 * 2 + 0.1 * 4], 1e-6); // [1.2, 2.2]
    expectClose(ema.averages.b!.dataSync(), [-0.8], 1e-6);
    set(w, [0, 0]);
    ema.update();
    expectClose(ema.averages.w!.dataSync(), [1.08, 1.98], 1e-6);
    expect(Array.from(w.dataSync())).toEqual([0, 0]); // update never touches the live weights
    ema.dispose();
    tf.dispose([w, b]);
  });

  it('keeps weight r^k on the initial value after k steps at a constant parameter (0.999^1000 ≈ 0.368, §12.14)', () => {
    const w = vr([0]);
    const ema = new Ema({ w }, 0.999);
    set(w, [1]);
    for (let k = 0; k < 1000; k++) ema.update();
    // s_k = 0·r^k + 1·(1 − r^k)
    expectClose(ema.averages.w!.dataSync(), [1 - 0.999 ** 1000], 2e-5);
    expect(0.999 ** 1000).toBeCloseTo(0.3677, 4);
    ema.dispose();
    w.dispose();
  });

  it('swaps the averages in and the exact live weights back out, also when the evaluation throws', async () => {
    const w = vr([1, 2, 3, 4], [2, 2]);
    const ema = new Ema({ w }, 0.5);
    set(w, [3, 4, 5, 6]);
    ema.update(); // shadow = [2, 3, 4, 5]
    ema.swapIn();
    expect(ema.swapped).toBe(true);
    expect(Array.from(w.dataSync())).toEqual([2, 3, 4, 5]);
    expect(() => ema.update()).toThrow(TrainingError);
    expect(() => ema.swapIn()).toThrow(TrainingError);
    ema.swapOut();
    expect(Array.from(w.dataSync())).toEqual([3, 4, 5, 6]);
    expect(() => ema.swapOut()).toThrow(TrainingError);

    const seen = await ema.withAveraged(() => Array.from(w.dataSync()));
    expect(seen).toEqual([2, 3, 4, 5]);
    await expect(ema.withAveraged(() => {
      throw new Error('eval failed');
    })).rejects.toThrow('eval failed');
    expect(ema.swapped).toBe(false);
    expect(Array.from(w.dataSync())).toEqual([3, 4, 5, 6]);

    ema.swapIn();
    ema.dispose(); // restores the live weights before freeing the shadow
    expect(Array.from(w.dataSync())).toEqual([3, 4, 5, 6]);
    w.dispose();
  });

  it('copies the averages into another set of variables and checks names and shapes', () => {
    const w = vr([1, 1]);
    const ema = new Ema({ w }, 0.75);
    set(w, [5, -3]);
    ema.update(); // [2, 0]
    const target = vr([9, 9]);
    ema.copyTo({ w: target });
    expectClose(target.dataSync(), [2, 0], 1e-6);
    ema.update(); // later updates do not leak into the copy: shadow [2.75, -0.75]
    expectClose(target.dataSync(), [2, 0], 1e-6);
    const wrong = vr([1, 2, 3]);
    expect(() => ema.copyTo({ w: wrong })).toThrow(ShapeError);
    expect(() => ema.copyTo({ v: target })).toThrow(ShapeError);
    ema.dispose();
    tf.dispose([w, target, wrong]);
  });

  it('exports and imports its shadow, rejecting states of other parameters', async () => {
    const w = vr([1, 2]);
    const ema = new Ema({ w }, 0.9);
    set(w, [11, 12]);
    ema.update();
    const state = await ema.exportState();
    expect(state.rate).toBe(0.9);
    expect(state.shadow.w!.shape).toEqual([2]);
    expectClose(state.shadow.w!.values, [2, 3], 1e-6);
    const w2 = vr([11, 12]); // same live weights, so only the shadow could differ
    const ema2 = new Ema({ w: w2 }, 0.9);
    ema2.importState(state);
    ema.update();
    ema2.update();
    expect(Array.from(ema2.averages.w!.dataSync())).toEqual(Array.from(ema.averages.w!.dataSync()));
    expect(() => ema2.importState({ rate: 0.9, shadow: {} })).toThrow(CheckpointError);
    expect(() => ema2.importState({ rate: 0.9, shadow: { w: { shape: [2, 1], values: new Float32Array(2) } } })).toThrow(CheckpointError);
    expect(() => ema2.importState({ rate: 0.9, shadow: { w: { shape: [2], values: new Float32Array(3) } } })).toThrow(CheckpointError);
    ema.dispose();
    ema2.dispose();
    expect(() => ema.update()).toThrow(TrainingError);
    tf.dispose([w, w2]);
  });

  it('averages only trainable variables and leaves buffers live', () => {
    const w = vr([1]);
    const buffer = tf.tidy(() => tf.variable(tf.tensor1d([7]), false));
    const ema = new Ema({ w, buffer }, 0.5);
    expect(Object.keys(ema.averages)).toEqual(['w']);
    set(w, [3]);
    set(buffer, [9]);
    ema.update();
    ema.swapIn();
    expect(Array.from(w.dataSync())).toEqual([2]);
    expect(Array.from(buffer.dataSync())).toEqual([9]);
    ema.swapOut();
    expect(() => new Ema({ buffer }, 0.5)).toThrow(ConfigError);
    ema.dispose();
    tf.dispose([w, buffer]);
  });

  it('rejects bad rates, and leaks no tensor per update', () => {
    const w = vr([1, 2, 3]);
    expect(() => new Ema({ w }, 1.5)).toThrow(ConfigError);
    expect(() => new Ema({}, 0.9)).toThrow(ConfigError);
    const ema = new Ema({ w }, 0.99);
    ema.update();
    const n = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) ema.update();
    ema.swapIn();
    ema.swapOut();
    expect(tf.memory().numTensors).toBe(n);
    ema.dispose();
    w.dispose();
  });
});
