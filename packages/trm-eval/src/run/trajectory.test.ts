import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, Rng, ShapeError, batchTensors, drawLatentInit, evalStep } from '@trm-ts/core';
import { describe, expect, it } from 'vitest';
import { addLatentNoise, stackRuns } from './model.js';
import { randomBatch, tinyNet, withTinyNet } from './test-helpers.js';
import { trajectory, type TrajectoryOptions, type TrajectoryStep } from './trajectory.js';

const model = withTinyNet(1);

async function collect(batch = randomBatch(7, 4), options: TrajectoryOptions): Promise<TrajectoryStep[]> {
  const out: TrajectoryStep[] = [];
  for await (const st of trajectory(model(), batch, options)) out.push(st);
  return out;
}

/** The reference: a hand-written loop over evalStep from the given latents (§4.5), argmax per step. */
function manualRun(batch = randomBatch(7, 4), steps: number, start?: { y: Float32Array; z: Float32Array }) {
  const bt = batchTensors(model(), batch);
  const P = model().seqLenInternal;
  const D = model().config.hiddenSize;
  let lat = start
    ? { y: tf.tensor3d(start.y, [batch.batchSize, P, D]), z: tf.tensor3d(start.z, [batch.batchSize, P, D]) }
    : model().initialLatents(batch.batchSize);
  const preds: Int32Array[] = [];
  const qs: Float32Array[] = [];
  for (let s = 0; s < steps; s++) {
    const o = evalStep(model(), bt, lat);
    tf.dispose([lat.y, lat.z]);
    lat = { y: o.y, z: o.z };
    const am = tf.argMax(o.logits, -1);
    preds.push(am.dataSync() as Int32Array);
    am.dispose();
    qs.push(o.qHalt.dataSync() as Float32Array);
    tf.dispose([o.logits, o.qHalt, o.qContinue]);
  }
  const y = lat.y.dataSync() as Float32Array;
  const z = lat.z.dataSync() as Float32Array;
  tf.dispose([lat.y, lat.z, bt.inputs, bt.labels, bt.puzzleIds]);
  return { preds, qs, y, z };
}

describe('trajectory', () => {
  it('yields what a hand-written evalStep loop computes, step by step, with the final latents', async () => {
    const got = await collect(undefined, { steps: 5, latents: 'final' });
    const ref = manualRun(undefined, 5);
    expect(got.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    got.forEach((st, i) => {
      expect(Array.from(st.preds!)).toEqual(Array.from(ref.preds[i]!));
      expect(Array.from(st.qHalt)).toEqual(Array.from(ref.qs[i]!));
      expect(st.forwardMs).toBeGreaterThanOrEqual(0);
      if (i < 4) expect(st.y).toBeUndefined();
    });
    expect(Array.from(got[4]!.y!)).toEqual(Array.from(ref.y));
    expect(Array.from(got[4]!.z!)).toEqual(Array.from(ref.z));
  });

  it('keeps the tensor count constant over the steps (memory bounded by the batch) and frees everything after a break', async () => {
    const counts: number[] = [];
    const bytes: number[] = [];
    for await (const st of trajectory(model(), randomBatch(3, 4), { steps: 12, runs: 3, init: 'random', latents: 'all' })) {
      counts.push(tf.memory().numTensors);
      bytes.push(tf.memory().numBytes);
      if (st.step === 9) break;
    }
    expect(counts.length).toBe(9);
    expect(new Set(counts).size).toBe(1);
    expect(new Set(bytes).size).toBe(1);
  });

  it('downloads predictions only at recorded steps and latents only when asked', async () => {
    const got = await collect(undefined, { steps: 4, record: [2, 4] });
    expect(got.map((s) => s.preds !== undefined)).toEqual([false, true, false, true]);
    expect(got.every((s) => s.y === undefined && s.qHalt.length === 4)).toBe(true);
    const all = await collect(undefined, { steps: 2, latents: 'all' });
    expect(all.every((s) => s.y!.length === 4 * model().seqLenInternal * 16 && s.z!.length === s.y!.length)).toBe(true);
  });

  it('stacks k static runs as rows r·B + b that all equal the single run', async () => {
    const B = 4;
    const L = 16;
    const one = await collect(undefined, { steps: 3 });
    const three = await collect(undefined, { steps: 3, runs: 3 });
    three.forEach((st, i) => {
      expect(st.preds!.length).toBe(3 * B * L);
      for (let r = 0; r < 3; r++) {
        expect(Array.from(st.preds!.subarray(r * B * L, (r + 1) * B * L))).toEqual(Array.from(one[i]!.preds!));
        expect(Array.from(st.qHalt.subarray(r * B, (r + 1) * B))).toEqual(Array.from(one[i]!.qHalt));
      }
    });
  });

  it('gives run r of a random-init sweep the r-th seeded draw (§8.3, §8.5)', async () => {
    const B = 4;
    const L = 16;
    const P = model().seqLenInternal;
    const D = 16;
    const got = await collect(undefined, { steps: 3, runs: 3, init: 'random', seed: 42 });
    // Independent reconstruction: the same Rng gives run r its r-th draw; broadcast it by hand.
    const rng = new Rng(42);
    for (let r = 0; r < 3; r++) {
      const d = drawLatentInit(rng, 'random', { batch: B, positions: P, hidden: D, training: false });
      if (d.kind !== 'vector') throw new Error('expected a vector init');
      const y = new Float32Array(B * P * D);
      const z = new Float32Array(B * P * D);
      for (let i = 0; i < B * P; i++) {
        y.set(d.y, i * D);
        z.set(d.z, i * D);
      }
      const ref = manualRun(undefined, 3, { y, z });
      got.forEach((st, s) => {
        expect(Array.from(st.preds!.subarray(r * B * L, (r + 1) * B * L))).toEqual(Array.from(ref.preds[s]!));
        const q = st.qHalt.subarray(r * B, (r + 1) * B);
        ref.qs[s]!.forEach((v, b) => expect(q[b]).toBeCloseTo(v, 5));
      });
    }
    // The runs really differ (their q_halt at step 1).
    expect(Array.from(got[0]!.qHalt.subarray(0, B))).not.toEqual(Array.from(got[0]!.qHalt.subarray(B, 2 * B)));
  });

  it('zeros init equals explicit zero latents', async () => {
    const n = 4 * model().seqLenInternal * 16;
    const a = await collect(undefined, { steps: 2, init: 'zeros' });
    const b = await collect(undefined, { steps: 2, init: { y: new Float32Array(n), z: new Float32Array(n) } });
    expect(Array.from(a[1]!.qHalt)).toEqual(Array.from(b[1]!.qHalt));
  });

  it('adds noise after the read-out: step 1 equal, σ = 0 is a no-op, skipFirstRun keeps run 0 deterministic (§8.6)', async () => {
    const B = 4;
    const clean = await collect(undefined, { steps: 3, runs: 2 });
    const zero = await collect(undefined, { steps: 3, runs: 2, noise: { sigma: 0 } });
    expect(Array.from(zero[2]!.qHalt)).toEqual(Array.from(clean[2]!.qHalt));
    const noisy = await collect(undefined, { steps: 3, runs: 2, noise: { sigma: 0.5, target: 'yz', skipFirstRun: true }, seed: 3 });
    expect(Array.from(noisy[0]!.qHalt)).toEqual(Array.from(clean[0]!.qHalt));
    expect(Array.from(noisy[2]!.qHalt.subarray(0, B))).toEqual(Array.from(clean[2]!.qHalt.subarray(0, B)));
    expect(Array.from(noisy[2]!.qHalt.subarray(B))).not.toEqual(Array.from(clean[2]!.qHalt.subarray(B)));
  });

  it('rejects bad options and batches with typed errors and leaks nothing', async () => {
    await expect(collect(undefined, { steps: 0 })).rejects.toThrow(ConfigError);
    await expect(collect(undefined, { steps: 3, record: [4] })).rejects.toThrow(/1\.\.3, got 4/);
    await expect(collect(undefined, { steps: 3, runs: 0 })).rejects.toThrow(ConfigError);
    await expect(collect(undefined, { steps: 3, noise: { sigma: -1 } })).rejects.toThrow(ConfigError);
    await expect(collect(randomBatch(1, 2, 9), { steps: 1 })).rejects.toThrow(ShapeError);
    await expect(collect(undefined, { steps: 1, init: { y: new Float32Array(3), z: new Float32Array(3) } })).rejects.toThrow(ShapeError);
    await expect(collect(undefined, { steps: 1, init: 'bogus' as never })).rejects.toThrow(ConfigError);
  });
});

describe('addLatentNoise and stackRuns', () => {
  it('adds σ·std_D(v)·ε with ε from the Rng, per row and position (§8.6)', () => {
    const v = tf.tensor3d([1, 2, 3, 5, 0, 0, 0, 4, -1, 1, -1, 1], [2, 2, 3]);
    const out = addLatentNoise(v, 0.5, new Rng(9), 1);
    const eps = new Rng(9).normalArray(12, 1);
    // Population std over D of each (row, position): [1,2,3] → sqrt(2/3), [5,0,0] → sqrt(50/9) (row 0, skipped),
    // [0,4,−1] → sqrt(14/3), [1,−1,1] → sqrt(8/9).
    const std = [Math.sqrt(2 / 3), Math.sqrt(50 / 9), Math.sqrt(14 / 3), Math.sqrt(8 / 9)];
    const vals = [1, 2, 3, 5, 0, 0, 0, 4, -1, 1, -1, 1];
    const got = out.dataSync();
    for (let i = 0; i < 12; i++) {
      const pos = Math.floor(i / 3);
      const expected = pos < 2 ? vals[i]! : vals[i]! + 0.5 * std[pos]! * eps[i]!;
      expect(got[i]).toBeCloseTo(expected, 5);
    }
    tf.dispose([v, out]);
  });

  it('repeats inputs, labels, ids and valid run-major', () => {
    const b = { batchSize: 2, seqLen: 1, inputs: Int32Array.of(1, 2), labels: Int32Array.of(3, 4), puzzleIds: Int32Array.of(5, 6), valid: Uint8Array.of(1, 0) };
    const s = stackRuns(b, 3);
    expect(s.batchSize).toBe(6);
    expect(Array.from(s.inputs)).toEqual([1, 2, 1, 2, 1, 2]);
    expect(Array.from(s.labels)).toEqual([3, 4, 3, 4, 3, 4]);
    expect(Array.from(s.puzzleIds)).toEqual([5, 6, 5, 6, 5, 6]);
    expect(Array.from(s.valid!)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(stackRuns(b, 1)).toBe(b);
  });
});
