import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, ShapeError } from '../errors.js';
import { TrmNetwork } from '../model/network.js';
import { batchTensors, evalStep } from '../model/supervision.js';
import { Rng } from '../random.js';
import { predict, solve, type SolveStep } from './solve.js';

const L = 16;
const V = 6;
let net: TrmNetwork;
let before = 0;

beforeAll(async () => {
  await tf.setBackend('cpu');
  net = new TrmNetwork({ seqLen: L, vocabSize: V, hiddenSize: 16, numLayers: 1, latentSteps: 2, recursions: 2, supervisionSteps: 4, puzzleEmbDim: 16, puzzleEmbLen: 1, numPuzzleIdentifiers: 3 }, { seed: 3 });
  // A random q head, so that q_halt differs between rows and steps.
  const rng = new Rng(9);
  for (const key of ['q_head.weight', 'q_head.bias', 'embed_tokens.embedding_weight']) {
    const v = net.v(key);
    tf.tidy(() => v.assign(tf.tensor(rng.normalArray(v.size, 0.5), v.shape)));
  }
});
afterAll(() => net.dispose());
beforeEach(() => {
  before = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(before);
});

function rows(seed: number, B: number): Int32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: B }, () => Int32Array.from({ length: L }, () => rng.int(1, V - 1)));
}

/** The reference: the evalStep loop written out by hand, argmax and sigmoid(q_halt) per step, static init. */
async function manual(inputs: Int32Array[], steps: number): Promise<{ preds: number[][]; conf: number[][] }> {
  const B = inputs.length;
  const flat = new Int32Array(B * L);
  inputs.forEach((r, b) => flat.set(r, b * L));
  const bt = batchTensors(net, { batchSize: B, seqLen: L, inputs: flat, labels: new Int32Array(B * L), puzzleIds: new Int32Array(B) });
  let lat = net.initialLatents(B);
  const preds: number[][] = [];
  const conf: number[][] = [];
  for (let s = 0; s < steps; s++) {
    const o = evalStep(net, bt, lat);
    tf.dispose([lat.y, lat.z]);
    lat = { y: o.y, z: o.z };
    const p = tf.argMax(o.logits, -1);
    preds.push(Array.from(await p.data()));
    conf.push(Array.from(await o.qHalt.data(), (q) => 1 / (1 + Math.exp(-q))));
    tf.dispose([p, o.logits, o.qHalt, o.qContinue]);
  }
  tf.dispose([lat.y, lat.z, bt.inputs, bt.labels, bt.puzzleIds]);
  return { preds, conf };
}

describe('solve', () => {
  it('without halting returns the evalStep loop’s argmax at every step and sigmoid(q_halt) as confidence', async () => {
    const x = rows(1, 3);
    const ref = await manual(x, 5);
    const seen: SolveStep[] = [];
    const r = await solve(net, x, { maxSteps: 5, haltThreshold: null, recordSteps: true, onStep: (s) => void seen.push(s) });
    expect(r.steps).toBe(5);
    expect(Array.from(r.stepsUsed)).toEqual([5, 5, 5]);
    expect(r.predictions!.map((p) => Array.from(p))).toEqual(ref.preds);
    expect(Array.from(r.tokens)).toEqual(ref.preds[4]);
    r.confidences.forEach((c, s) => Array.from(c).forEach((v, b) => expect(v).toBeCloseTo(ref.conf[s]![b]!, 5)));
    expect(seen.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(seen[4]!.halted)).toEqual([0, 0, 0]);
  });

  it('freezes each example at the first step whose confidence reaches the threshold', async () => {
    const x = rows(2, 4);
    const ref = await manual(x, 6);
    // A threshold between the confidences seen, so that examples halt at different steps.
    const all = ref.conf.flat().sort((a, b) => a - b);
    const threshold = all[Math.floor(all.length / 2)]!;
    const r = await solve(net, x, { maxSteps: 6, haltThreshold: threshold });
    for (let b = 0; b < 4; b++) {
      const first = ref.conf.findIndex((c) => c[b]! >= threshold);
      const used = first < 0 ? 6 : first + 1;
      expect(r.stepsUsed[b]).toBe(used);
      expect(Array.from(r.tokens.subarray(b * L, (b + 1) * L))).toEqual(ref.preds[used - 1]!.slice(b * L, (b + 1) * L));
    }
    expect(r.steps).toBe(Math.max(...r.stepsUsed));
  });

  it('stops after one step when every example is confident (threshold ~0)', async () => {
    const calls: number[] = [];
    const r = await solve(net, rows(3, 2), { maxSteps: 8, haltThreshold: 1e-30, onStep: (s) => void calls.push(s.step) });
    expect(calls).toEqual([1]);
    expect(Array.from(r.stepsUsed)).toEqual([1, 1]);
  });

  it('k runs from the static init are identical, so every read-out equals k = 1', async () => {
    const x = rows(4, 2);
    const one = await predict(net, x, { maxSteps: 3, haltThreshold: null });
    for (const readout of ['single', 'confidence', 'cellMode', 'puzzleMode'] as const) {
      expect(Array.from(await predict(net, x, { maxSteps: 3, haltThreshold: null, k: 3, readout, latentInit: 'static' }))).toEqual(Array.from(one));
    }
  });

  it('k random runs: single reads run 0, which is the k = 1 run with the same seed', async () => {
    const x = rows(5, 2);
    const a = await predict(net, x, { maxSteps: 3, haltThreshold: null, k: 1, latentInit: 'random', seed: 7 });
    const b = await predict(net, x, { maxSteps: 3, haltThreshold: null, k: 4, readout: 'single', latentInit: 'random', seed: 7 });
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('accepts a flat [B·L] array like a list of rows', async () => {
    const x = rows(6, 2);
    const flat = new Int32Array(2 * L);
    x.forEach((r, b) => flat.set(r, b * L));
    expect(Array.from(await predict(net, flat, { maxSteps: 2 }))).toEqual(Array.from(await predict(net, x, { maxSteps: 2 })));
  });

  it('rejects bad inputs and options with typed errors', async () => {
    await expect(solve(net, [new Int32Array(L - 1)])).rejects.toThrow(ShapeError);
    await expect(solve(net, new Int32Array(L + 1))).rejects.toThrow(/B·L tokens with L = 16/);
    await expect(solve(net, rows(1, 1), { k: 0 })).rejects.toThrow(ConfigError);
    await expect(solve(net, rows(1, 1), { maxSteps: 0 })).rejects.toThrow(ConfigError);
    await expect(solve(net, rows(1, 1), { haltThreshold: 1.5 })).rejects.toThrow(/probability in \(0, 1\]/);
    await expect(solve(net, rows(1, 1), { readout: 'vote' as never })).rejects.toThrow(ConfigError);
    await expect(solve(net, rows(1, 2), { puzzleIds: [0] })).rejects.toThrow(ShapeError);
    await expect(solve(net, [Int32Array.from({ length: L }, () => V)])).rejects.toThrow(ShapeError);
  });
});
