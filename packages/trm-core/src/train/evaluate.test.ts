import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import '../gradients.js';
import { TrmNetwork } from '../model/network.js';
import { batchTensors, evalStep } from '../model/supervision.js';
import type { TaskBatch } from '../data.js';
import { evaluate } from './evaluate.js';
import { ConfigError } from '../errors.js';

describe('evaluate', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('refuses supervisionSteps < 1 with a ConfigError instead of a TypeError (issue 12)', async () => {
    const net = new TrmNetwork({ seqLen: 4, vocabSize: 5, hiddenSize: 8, numHeads: 2, expansion: 2, numLayers: 1, supervisionSteps: 3, puzzleEmbDim: 0, puzzleEmbLen: 0 }, { seed: 9 });
    const before = tf.memory().numTensors;
    const batch: TaskBatch = { batchSize: 1, seqLen: 4, inputs: new Int32Array(4), labels: new Int32Array(4), puzzleIds: new Int32Array(1) };
    for (const bad of [0, -1, 1.5]) {
      const err = await evaluate(net, [batch], { supervisionSteps: bad }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('config');
      expect((err as Error).message).toBe(`evaluate supervisionSteps: expected an integer ≥ 1 (N_sup), got ${bad}.`);
    }
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('scores the last of N_sup steps: own predictions are exact, one changed cell is not, padding rows are skipped', async () => {
    const net = new TrmNetwork({ seqLen: 4, vocabSize: 5, hiddenSize: 8, numHeads: 2, expansion: 2, numLayers: 1, latentSteps: 2, recursions: 1, supervisionSteps: 3, puzzleEmbDim: 8, puzzleEmbLen: 1 }, { seed: 9 });
    const L = 4;
    const inputs = Int32Array.from([1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 0, 0]);
    // The model's own argmax after 3 steps, computed here step by step.
    const probe = batchTensors(net, { batchSize: 3, seqLen: L, inputs, labels: new Int32Array(12), puzzleIds: new Int32Array(3) });
    let lat = net.initialLatents(3);
    let logits: Float32Array = new Float32Array();
    let q: Float32Array = new Float32Array();
    for (let s = 0; s < 3; s++) {
      const o = evalStep(net, probe, lat);
      tf.dispose([lat.y, lat.z]);
      lat = { y: o.y, z: o.z };
      logits = (await o.logits.data()) as Float32Array;
      q = (await o.qHalt.data()) as Float32Array;
      tf.dispose([o.logits, o.qHalt, o.qContinue]);
    }
    tf.dispose([lat.y, lat.z, probe.inputs, probe.labels, probe.puzzleIds]);
    const argmax = (i: number) => [0, 1, 2, 3, 4].reduce((best, v) => (logits[i * 5 + v]! > logits[i * 5 + best]! ? v : best), 0);
    const labels = Int32Array.from({ length: 12 }, (_, i) => argmax(i));
    labels[L] = (labels[L]! + 1) % 5; // row 1: one cell wrong
    labels[L + 1] = -100; // and one cell ignored
    const batch: TaskBatch = { batchSize: 3, seqLen: L, inputs, labels, puzzleIds: new Int32Array(3), valid: Uint8Array.from([1, 1, 0]) };
    const before = tf.memory().numTensors;
    const m = await evaluate(net, [batch]);
    expect(tf.memory().numTensors).toBe(before);
    expect(m.count).toBe(2);
    expect(m.exactAccuracy).toBe(0.5);
    expect(m.accuracy).toBeCloseTo((1 + 2 / 3) / 2, 10);
    // q_halt accuracy: row 0 is exact, row 1 is not.
    const expectedQ = ((q[0]! >= 0 ? 1 : 0) === 1 ? 1 : 0) + ((q[1]! >= 0 ? 1 : 0) === 0 ? 1 : 0);
    expect(m.qHaltAccuracy).toBe(expectedQ / 2);
    net.dispose();
  });

  it('reads async iterables like sync ones, reports progress per batch, and rejects N_sup < 1 with a ConfigError', async () => {
    const net = new TrmNetwork({ seqLen: 4, vocabSize: 5, hiddenSize: 8, numHeads: 2, expansion: 2, numLayers: 1, latentSteps: 1, recursions: 1, supervisionSteps: 2, puzzleEmbDim: 0, puzzleEmbLen: 0 }, { seed: 2 });
    const batch = (k: number): TaskBatch => ({ batchSize: 2, seqLen: 4, inputs: Int32Array.from({ length: 8 }, (_, i) => (i + k) % 5), labels: Int32Array.from({ length: 8 }, (_, i) => (i * k) % 5), puzzleIds: new Int32Array(2) });
    const before = tf.memory().numTensors;
    const sync = await evaluate(net, [batch(1), batch(2), batch(3)]);
    async function* stream() {
      for (const k of [1, 2, 3]) {
        await new Promise((r) => setTimeout(r, 1));
        yield batch(k);
      }
    }
    const progress: number[][] = [];
    const async_ = await evaluate(net, stream(), { onBatch: (p) => progress.push([p.batches, p.rows]) });
    expect(async_).toEqual(sync);
    expect(progress).toEqual([[1, 2], [2, 4], [3, 6]]);
    await expect(evaluate(net, [batch(1)], { supervisionSteps: 0 })).rejects.toThrow(ConfigError);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});
