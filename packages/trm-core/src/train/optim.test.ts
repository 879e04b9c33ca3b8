import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLeaksEachTest } from '@trm-ts/testing';
import { CheckpointError, ConfigError, ShapeError, TrainingError } from '../errors.js';
import { AdamAtan2, AdamW, SignSgd, clipByGlobalNorm, learningRate, type NamedTensors } from './optim.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
checkLeaksEachTest();

/** Float64 reference of one parameter's trajectory under AdamATan2 (§5.1), written from the formula. */
function refAtan2(p0: number[], gs: number[][], lrs: number[], o: { b1: number; b2: number; wd: number; inside?: boolean }): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  gs.forEach((g, k) => {
    const t = k + 1;
    const lr = lrs[k]!;
    const bc1 = 1 - o.b1 ** t;
    const bc2 = 1 - o.b2 ** t;
    for (let i = 0; i < p.length; i++) {
      m[i] = o.b1 * m[i]! + (1 - o.b1) * g[i]!;
      v[i] = o.b2 * v[i]! + (1 - o.b2) * g[i]! * g[i]!;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(bc2);
      const step = o.inside ? lr * Math.atan2(m[i]! / bc1, denom) : (lr / bc1) * Math.atan2(m[i]!, denom);
      p[i] = p[i]! * (1 - lr * o.wd) - step;
    }
  });
  return p;
}

/** Float64 reference of optax adamw (§5.2). */
function refAdamW(p0: number[], gs: number[][], lrs: number[], o: { b1: number; b2: number; wd: number; eps: number }): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  gs.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      m[i] = o.b1 * m[i]! + (1 - o.b1) * g[i]!;
      v[i] = o.b2 * v[i]! + (1 - o.b2) * g[i]! * g[i]!;
      const mHat = m[i]! / (1 - o.b1 ** t);
      const vHat = v[i]! / (1 - o.b2 ** t);
      p[i] = p[i]! - lrs[k]! * (mHat / (Math.sqrt(vHat) + o.eps) + o.wd * p[i]!);
    }
  });
  return p;
}

/** A variable that owns its initial value (tf.variable alone would leave the init tensor alive). */
function vr(init: () => tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.variable(init()));
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tol);
}

/** Runs `steps` updates with fresh gradient tensors each time and returns the parameter values. */
function run(opt: { apply(g: NamedTensors, lr: number): void }, name: string, shape: number[], gs: number[][], lrs: number[]): void {
  gs.forEach((g, k) => {
    const gt = tf.tensor(g, shape);
    opt.apply({ [name]: gt }, lrs[k]!);
    gt.dispose();
  });
}

describe('AdamAtan2', () => {
  it('first step is 10·lr·atan(0.1)·sign(g) for β1 = 0.9 (any β2) and 0 for a zero gradient', () => {
    // t = 1: m = 0.1g, v = (1 − β2)g², sqrt(v)/sqrt(1 − β2) = |g| ⇒ step = (lr/0.1)·atan2(0.1g, |g|) = 10·lr·atan(0.1)·sign(g).
    const lr = 0.01;
    const p0 = [1, -2, 0.5, 0, 3];
    const g = [0.3, -5, 1e-3, 0, -1e-6];
    const expected = p0.map((x, i) => x - 10 * lr * Math.atan(0.1) * Math.sign(g[i]!));
    expect(10 * Math.atan(0.1)).toBeCloseTo(0.99669, 5);
    for (const beta2 of [0.95, 0.999]) {
      const w = vr(() => tf.tensor1d(p0));
      const opt = new AdamAtan2({ w }, { beta2 });
      run(opt, 'w', [5], [g], [lr]);
      expectClose(w.dataSync(), expected, 3e-7);
      opt.dispose();
      w.dispose();
    }
  });

  it('matches a float64 reference over four steps with weight decay and a changing lr (0.0.3 and 0.0.2 semantics)', () => {
    const p0 = [0.5, -1.5, 2, 0.25, -0.75, 1];
    const gs = [
      [0.1, -0.2, 0.3, 0, 5, -0.01],
      [-0.4, 0.1, 0.3, 0, -5, 0.02],
      [0.05, 0.05, -1, 0.5, 2, 0],
      [0, 0, 0, 0, 0, 0],
    ];
    const lrs = [1e-3, 2e-3, 3e-3, 3e-3];
    for (const inside of [false, true]) {
      const w = vr(() => tf.tensor2d(p0, [2, 3]));
      const opt = new AdamAtan2({ w }, { beta1: 0.9, beta2: 0.95, weightDecay: 1.0, biasCorrection: inside ? 'inside' : 'outside' });
      run(opt, 'w', [2, 3], gs, lrs);
      expectClose(w.dataSync(), refAtan2(p0, gs, lrs, { b1: 0.9, b2: 0.95, wd: 1.0, inside }), 1e-6);
      opt.dispose();
      w.dispose();
    }
    // The two placements really differ after t = 1 (otherwise the option would be untested).
    const a = refAtan2(p0, gs, lrs, { b1: 0.9, b2: 0.95, wd: 1.0 });
    const b = refAtan2(p0, gs, lrs, { b1: 0.9, b2: 0.95, wd: 1.0, inside: true });
    expect(Math.max(...a.map((x, i) => Math.abs(x - b[i]!)))).toBeGreaterThan(1e-4);
  });

  it('with zero gradients only the decoupled decay moves weights, and momentum keeps moving them after a nonzero gradient', () => {
    const w = vr(() => tf.tensor1d([2, -4]));
    const opt = new AdamAtan2({ w }, { weightDecay: 0.5 });
    run(opt, 'w', [2], [[0, 0]], [0.1]);
    expectClose(w.dataSync(), [2 * 0.95, -4 * 0.95], 1e-6); // p·(1 − lr·wd), atan2(0, 0) = 0
    run(opt, 'w', [2], [[1, 1], [0, 0]], [0.1, 0.1]);
    expectClose(w.dataSync(), refAtan2([2, -4], [[0, 0], [1, 1], [0, 0]], [0.1, 0.1, 0.1], { b1: 0.9, b2: 0.95, wd: 0.5 }), 1e-6);
    opt.dispose();
    w.dispose();
  });

  it('decays every parameter by default (biases included) and only masked ones with decayMask', () => {
    const mk = () => ({ kernel: vr(() => tf.ones([2, 2])), bias: vr(() => tf.tensor1d([-5])) });
    const zeros = (): NamedTensors => ({ kernel: tf.zeros([2, 2]), bias: tf.zeros([1]) });
    for (const masked of [false, true]) {
      const ps = mk();
      const opt = new AdamAtan2(ps, { weightDecay: 0.1, decayMask: masked ? (_n, p) => p.rank >= 2 : undefined });
      const g = zeros();
      opt.apply(g, 0.5);
      tf.dispose(Object.values(g));
      expectClose(ps.kernel.dataSync(), [0.95, 0.95, 0.95, 0.95], 1e-7);
      expectClose(ps.bias.dataSync(), [masked ? -5 : -5 * 0.95], 1e-6);
      opt.dispose();
      tf.dispose(Object.values(ps));
    }
  });

  it('exports and imports m, v, t so that a resumed optimizer continues exactly', async () => {
    const p0 = [0.3, -0.2, 0.9];
    const gs = [[1, -2, 0.5], [0.5, 0.1, -0.3], [-1, 1, 0.2]];
    const lrs = [0.01, 0.01, 0.01];
    const w1 = vr(() => tf.tensor1d(p0));
    const o1 = new AdamAtan2({ w: w1 }, { weightDecay: 0.1 });
    run(o1, 'w', [3], gs.slice(0, 2), lrs);
    const state = await o1.exportState();
    expect(state.kind).toBe('adamAtan2');
    expect(state.params.w!.step).toBe(2);
    expect(state.params.w!.shape).toEqual([3]);
    // m after two steps in float64: 0.9·(0.1·g1) + 0.1·g2
    expectClose(state.params.w!.m, gs[0]!.map((g, i) => 0.09 * g + 0.1 * gs[1]![i]!), 1e-7);
    expectClose(state.params.w!.v, gs[0]!.map((g, i) => 0.95 * 0.05 * g * g + 0.05 * gs[1]![i]! ** 2), 1e-7);

    const w2 = vr(() => tf.tensor1d(Array.from(w1.dataSync())));
    const o2 = new AdamAtan2({ w: w2 }, { weightDecay: 0.1 });
    o2.importState(JSON.parse(JSON.stringify(state), (k, val) => (k === 'm' || k === 'v' ? Float32Array.from(Object.values(val)) : val)));
    run(o1, 'w', [3], gs.slice(2), lrs);
    run(o2, 'w', [3], gs.slice(2), lrs);
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w1.dataSync()));
    expectClose(w1.dataSync(), refAtan2(p0, gs, lrs, { b1: 0.9, b2: 0.95, wd: 0.1 }), 1e-6);

    expect(() => o2.importState({ ...state, kind: 'adamW' })).toThrow(CheckpointError);
    expect(() => o2.importState({ kind: 'adamAtan2', params: { w: { ...state.params.w!, shape: [1, 3] } } })).toThrow(CheckpointError);
    expect(() => o2.importState({ kind: 'adamAtan2', params: { w: { ...state.params.w!, m: new Float32Array(2) } } })).toThrow(CheckpointError);
    expect(() => o2.importState({ kind: 'adamAtan2', params: {} })).toThrow(CheckpointError);
    tf.dispose([w1, w2]);
    o1.dispose();
    o2.dispose();
  });

  it('rejects missing, unknown and mis-shaped gradients without touching any parameter', () => {
    const a = vr(() => tf.tensor1d([1, 2]));
    const b = vr(() => tf.tensor1d([3]));
    const opt = new AdamAtan2({ a, b }, { weightDecay: 1 });
    const ga = tf.ones([2]);
    const gb = tf.ones([1]);
    const gBad = tf.ones([2, 1]);
    expect(() => opt.apply({ a: ga }, 0.1)).toThrow(ShapeError);
    expect(() => opt.apply({ a: ga, b: gb, c: gb }, 0.1)).toThrow(ShapeError);
    expect(() => opt.apply({ a: gBad, b: gb }, 0.1)).toThrow(ShapeError);
    expect(() => opt.apply({ a: ga, b: gb }, Number.NaN)).toThrow(ConfigError);
    expect(Array.from(a.dataSync())).toEqual([1, 2]);
    expect(Array.from(b.dataSync())).toEqual([3]);
    expect(() => new AdamAtan2({ a }, { beta1: 1 })).toThrow(ConfigError);
    expect(() => new AdamAtan2({}, {})).toThrow(ConfigError);
    opt.dispose();
    expect(() => opt.apply({ a: ga, b: gb }, 0.1)).toThrow(TrainingError);
    tf.dispose([a, b, ga, gb, gBad]);
  });

  it('leaks no tensor per step', () => {
    const w = vr(() => tf.randomNormal([4, 4], 0, 1, 'float32', 7));
    const opt = new AdamAtan2({ w }, { weightDecay: 1 });
    const g = tf.randomNormal([4, 4], 0, 1, 'float32', 8);
    opt.apply({ w: g }, 1e-3);
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) opt.apply({ w: g }, 1e-3);
    expect(tf.memory().numTensors).toBe(after1);
    opt.dispose();
    tf.dispose([w, g]);
  });
});

describe('AdamW', () => {
  it('matches an optax-adamw float64 reference, eps visible for tiny gradients, decay only where masked', () => {
    const p0 = [0.5, -1.5, 2, 0.25];
    const gs = [[1e-9, -0.2, 0.3, 0], [2e-9, 0.1, -0.3, 0], [1e-9, 0.4, 0.1, 0.2]];
    const lrs = [0.01, 0.02, 0.02];
    const w = vr(() => tf.tensor2d(p0, [2, 2]));
    const bias = vr(() => tf.tensor1d([1]));
    const opt = new AdamW({ w, bias }, { beta1: 0.9, beta2: 0.999, weightDecay: 1, decayMask: (_n, p) => p.rank >= 2 });
    gs.forEach((g, k) => {
      const gw = tf.tensor2d(g, [2, 2]);
      const gb = tf.tensor1d([0.5]);
      opt.apply({ w: gw, bias: gb }, lrs[k]!);
      tf.dispose([gw, gb]);
    });
    const o = { b1: 0.9, b2: 0.999, eps: 1e-8 };
    expectClose(w.dataSync(), refAdamW(p0, gs, lrs, { ...o, wd: 1 }), 1e-6);
    expectClose(bias.dataSync(), refAdamW([1], gs.map(() => [0.5]), lrs, { ...o, wd: 0 }), 1e-6);
    // For g = 1e-9 the first update is lr·1e-9/(1e-9 + 1e-8) ≈ lr/11, far from lr: eps is applied.
    const first = refAdamW([0], [[1e-9]], [1], { ...o, wd: 0 });
    expect(first[0]).toBeCloseTo(-1 / 11, 6);
    opt.dispose();
    tf.dispose([w, bias]);
  });

  it('round-trips its state and refuses an AdamATan2 state', async () => {
    const w = vr(() => tf.tensor1d([1, 2]));
    const opt = new AdamW({ w });
    run(opt, 'w', [2], [[0.5, -0.5]], [0.1]);
    const s = await opt.exportState();
    expect(s.kind).toBe('adamW');
    expect(s.params.w!.step).toBe(1);
    opt.importState(s);
    expect(() => opt.importState({ ...s, kind: 'adamAtan2' })).toThrow(CheckpointError);
    opt.dispose();
    w.dispose();
  });
});

describe('clipByGlobalNorm', () => {
  it('scales by maxNorm/‖g‖ over all tensors when the norm is larger, and passes small gradients unchanged', async () => {
    const g = { a: tf.tensor1d([3, 4]), b: tf.tensor2d([[12]]) }; // ‖g‖ = 13
    const clipped = clipByGlobalNorm(g, 6.5);
    expect(await clipped.norm.data()).toEqual(new Float32Array([13]));
    expectClose(await clipped.grads.a!.data(), [1.5, 2], 1e-6);
    expectClose(await clipped.grads.b!.data(), [6], 1e-6);
    const same = clipByGlobalNorm(g, 20);
    expect(Array.from(await same.grads.a!.data())).toEqual([3, 4]);
    expect(Array.from(await same.grads.b!.data())).toEqual([12]);
    expect(() => clipByGlobalNorm(g, 0)).toThrow(ConfigError);
    tf.dispose([g.a, g.b, clipped.norm, same.norm, ...Object.values(clipped.grads), ...Object.values(same.grads)]);
  });
});

describe('learningRate', () => {
  const official = { baseLr: 1e-4, warmupSteps: 2000, totalSteps: 65104, minRatio: 1 };
  it('warms up linearly from base/W at the first (incremented) step and is constant after with r = 1', () => {
    expect(learningRate(1, official)).toBeCloseTo(1e-4 / 2000, 15);
    expect(learningRate(1000, official)).toBeCloseTo(5e-5, 15);
    expect(learningRate(2000, official)).toBe(1e-4);
    expect(learningRate(65104, official)).toBe(1e-4);
  });
  it('follows the cosine down to base·r with r < 1 and stays there', () => {
    const s = { baseLr: 1, warmupSteps: 10, totalSteps: 110, minRatio: 0.1 };
    expect(learningRate(10, s)).toBeCloseTo(1, 12);
    expect(learningRate(60, s)).toBeCloseTo(0.1 + 0.9 * 0.5, 12); // halfway: cos(π/2) = 0
    expect(learningRate(35, s)).toBeCloseTo(0.1 + 0.9 * 0.5 * (1 + Math.SQRT1_2), 12); // quarter: cos(π/4)
    expect(learningRate(110, s)).toBeCloseTo(0.1, 12);
    expect(learningRate(500, s)).toBeCloseTo(0.1, 12);
    expect(learningRate(5, { ...s, warmupSteps: 0 })).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos((Math.PI * 5) / 110)), 12);
  });
  it('rejects bad settings', () => {
    expect(() => learningRate(1.5, official)).toThrow(ConfigError);
    expect(() => learningRate(1, { ...official, minRatio: 2 })).toThrow(ConfigError);
    expect(() => learningRate(1, { ...official, warmupSteps: -1 })).toThrow(ConfigError);
  });
});

describe('SignSgd', () => {
  it('sums duplicate ids before the sign, decays only rows present, leaves absent rows bit-identical', async () => {
    const init = [
      [1, 2, 3],
      [4, 5, 6],
      [-1, -2, -3],
      [0.5, 0.25, 0.125],
      [7, 8, 9],
    ];
    const table = vr(() => tf.tensor2d(init));
    const opt = new SignSgd(table, { weightDecay: 0.5 });
    // id 2 appears twice: [0.3, 1, 0] + [-1, -0.5, 0] = [-0.7, 0.5, 0] ⇒ sign [-1, 1, 0]
    // (a per-row sign then sum would give [0, 0, 0]).
    const G = tf.tensor2d([
      [0.3, 1, 0],
      [2, -3, 0],
      [-1, -0.5, 0],
      [0, 0, 1e-12],
    ]);
    const lr = 0.1;
    opt.apply(new Int32Array([2, 0, 2, 4]), G, lr);
    const d = 1 - lr * 0.5;
    const expected = [
      [1 * d - lr, 2 * d + lr, 3 * d],
      init[1]!,
      [-1 * d + lr, -2 * d - lr, -3 * d],
      init[3]!,
      [7 * d, 8 * d, 9 * d - lr],
    ];
    const got = (await table.array()) as number[][];
    for (let r = 0; r < 5; r++) {
      if (r === 1 || r === 3) expect(got[r]).toEqual(init[r]);
      else expectClose(got[r]!, expected[r]!, 1e-6);
    }
    tf.dispose([G, table]);
  });

  it('rejects ids out of range and mis-shaped gradients without touching the table, and leaks nothing', () => {
    const table = vr(() => tf.ones([3, 2]));
    const opt = new SignSgd(table, { weightDecay: 1 });
    const G = tf.ones([2, 2]);
    expect(() => opt.apply([0, 3], G, 0.1)).toThrow(ShapeError);
    expect(() => opt.apply([0, 1.5], G, 0.1)).toThrow(ShapeError);
    expect(() => opt.apply([0], G, 0.1)).toThrow(ShapeError);
    expect(Array.from(table.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    opt.apply([0, 1], G, 0.1);
    const n = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.apply([1, 1], G, 0.1);
    expect(tf.memory().numTensors).toBe(n);
    const flat = vr(() => tf.ones([3]));
    expect(() => new SignSgd(flat)).toThrow(ConfigError);
    tf.dispose([table, G, flat]);
  });
});
