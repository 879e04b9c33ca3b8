import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, type TaskBatch } from '@trm-ts/core';
import { describe, expect, it } from 'vitest';
import { IGNORE_LABEL } from '@trm-ts/core';
import { runSweep } from './sweep-run.js';
import { counterModel, randomBatch, tinyNet, withTinyNet } from './test-helpers.js';
import { trajectory, type TrajectoryOptions } from './trajectory.js';

const model = withTinyNet(2);

const L = 16;

/** A batch whose labels equal the model's own step-`s` single-run prediction in some rows, so solved is neither 0 nor 1. */
async function batchesWithKnownAnswers(): Promise<TaskBatch[]> {
  const out: TaskBatch[] = [];
  for (const [seed, B] of [[11, 5], [12, 3]] as const) {
    const b = randomBatch(seed, B);
    for await (const st of trajectory(model(), b, { steps: 2, record: [2] })) {
      // Rows 0 and 2 get the step-2 prediction as label (cell 0 of row 2 ignored); the others keep random labels.
      if (st.preds) for (const r of [0, 2]) if (r < B) b.labels.set(st.preds.subarray(r * L, (r + 1) * L), r * L);
    }
    if (B >= 3) b.labels[2 * L] = IGNORE_LABEL;
    if (B === 3) b.valid = Uint8Array.of(1, 1, 0); // a padding row
    out.push(b);
  }
  return out;
}

/** Reference metrics by a direct loop over trajectory outputs (run 0 of each batch). */
async function referenceSingle(batches: TaskBatch[], options: TrajectoryOptions) {
  const solved = new Map<number, number>();
  const acc = new Map<number, number>();
  let rows = 0;
  for (const b of batches) {
    for await (const st of trajectory(model(), b, options)) {
      for (let r = 0; r < b.batchSize; r++) {
        if (b.valid && !b.valid[r]) continue;
        let right = 0;
        let n = 0;
        for (let l = 0; l < L; l++) {
          const y = b.labels[r * L + l]!;
          if (y === IGNORE_LABEL) continue;
          n++;
          if (st.preds![r * L + l] === y) right++;
        }
        solved.set(st.step, (solved.get(st.step) ?? 0) + (right === n ? 1 : 0));
        acc.set(st.step, (acc.get(st.step) ?? 0) + right / n);
        if (st.step === 1) rows++;
      }
    }
  }
  return { solved, acc, rows };
}

describe('runSweep', () => {
  it('scores single-run curves exactly as a direct count over the trajectory (padding and ignored cells excluded)', async () => {
    const batches = await batchesWithKnownAnswers();
    const res = await runSweep(model(), batches, { steps: 3 });
    const ref = await referenceSingle(batches, { steps: 3 });
    expect(ref.rows).toBe(7);
    expect(res.examples).toBe(7);
    expect(res.sweep.steps).toEqual([1, 2, 3]);
    expect(res.sweep.rows).toEqual([7, 7, 7]);
    for (const s of [1, 2, 3]) {
      expect(res.sweep.curves.single!.solved[0]![s - 1]).toBeCloseTo(ref.solved.get(s)! / 7, 12);
      expect(res.sweep.curves.single!.cellAcc[0]![s - 1]).toBeCloseTo(ref.acc.get(s)! / 7, 12);
    }
    expect(res.sweep.curves.single!.solved[0]![1]).toBeCloseTo(3 / 7, 12); // rows 0 and 2 of batch 1, row 0 of batch 2
  });

  it('with k identical (static) runs, every read-out and k equals single (§8.4)', async () => {
    const batches = await batchesWithKnownAnswers();
    const res = await runSweep(model(), batches, { steps: 3, ks: [1, 2, 3] });
    const single = res.sweep.curves.single!;
    for (const name of ['confidence', 'cellMode', 'puzzleMode'] as const) {
      for (let k = 0; k < 3; k++) {
        expect(res.sweep.curves[name]!.solved[k]).toEqual(single.solved[0]);
        expect(res.sweep.curves[name]!.cellAcc[k]).toEqual(single.cellAcc[0]);
      }
    }
    expect(res.timing.forwardSteps).toBe(6);
    expect(res.timing.rowSteps).toBe(3 * 3 * (5 + 3));
    expect(res.timing.forwardMs).toBeGreaterThan(0);
    expect(res.timing.readoutOverhead).toBeCloseTo(res.timing.readoutMs / res.timing.forwardMs, 12);
  });

  it('the confidence read-out of random-init runs picks, per example and step, the run with the largest q_halt', async () => {
    const batch = randomBatch(21, 6);
    // Labels = run 1's step-2 prediction for rows 0..2, run 2's for rows 3..5 (seeded draws are reproducible).
    const opts: TrajectoryOptions = { steps: 2, runs: 3, init: 'random', seed: 5 };
    const steps: { preds: Int32Array; q: Float32Array }[] = [];
    for await (const st of trajectory(model(), batch, opts)) steps.push({ preds: st.preds!, q: st.qHalt });
    for (let b = 0; b < 6; b++) batch.labels.set(steps[1]!.preds.subarray(((b < 3 ? 1 : 2) * 6 + b) * L, ((b < 3 ? 1 : 2) * 6 + b + 1) * L), b * L);
    const res = await runSweep(model(), [batch], { steps: 2, ks: [1, 3], init: 'random', seed: 5, readouts: ['single', 'confidence'] });
    for (const [si, st] of steps.entries()) {
      for (const [ki, k] of [1, 3].entries()) {
        let solved = 0;
        for (let b = 0; b < 6; b++) {
          let best = 0;
          for (let r = 1; r < k; r++) if (st.q[r * 6 + b]! > st.q[best * 6 + b]!) best = r;
          const p = st.preds.subarray((best * 6 + b) * L, (best * 6 + b + 1) * L);
          if (p.every((v, l) => v === batch.labels[b * L + l])) solved++;
        }
        expect(res.sweep.curves.confidence!.solved[ki]![si]).toBeCloseTo(solved / 6, 12);
      }
    }
  });

  it('early exit freezes answers at the first q_halt > 0, stops a batch once all rows froze, reports mean steps (§8.2)', async () => {
    // Counter model: the answer at step t is (x + t) mod 7, the label (x + 3) mod 7, so an answer is right iff
    // its step is 3; row b halts first at step x[b, 0] + 1.
    const V = 7;
    const m = counterModel(4, V);
    const make = (rows: number[][]): TaskBatch => {
      const inputs = Int32Array.from(rows.flat());
      return { batchSize: rows.length, seqLen: 4, inputs, labels: inputs.map((x) => (x + 3) % V), puzzleIds: new Int32Array(rows.length) };
    };
    // Batch 1 halts at steps 1, 3, and never (→ 6); batch 2 at 1 and 2, so it stops after step 2.
    const batches = [make([[0, 1, 2, 3], [2, 0, 0, 0], [6, 1, 1, 1]]), make([[0, 5, 5, 5], [1, 5, 5, 5]])];
    const res = await runSweep(m, batches, { steps: 6, earlyExit: true });
    expect(res.sweep.curves.single!.solved[0]).toEqual([0, 0, 2 / 5, 1 / 5, 1 / 5, 1 / 5]);
    expect(res.sweep.curves.single!.cellAcc[0]).toEqual([0, 0, 2 / 5, 1 / 5, 1 / 5, 1 / 5]);
    expect(res.earlyExit).toEqual({ meanStepsUsed: (1 + 3 + 6 + 1 + 2) / 5, meanBatchSteps: (6 + 2) / 2 });
    expect(res.timing.forwardSteps).toBe(8);
    const plain = await runSweep(m, batches, { steps: 6, record: [2, 3, 6] });
    expect(plain.sweep.steps).toEqual([2, 3, 6]);
    expect(plain.sweep.curves.single!.solved[0]).toEqual([0, 1, 0]);
    expect(plain.earlyExit).toBeUndefined();
  });

  it('noise with skipFirstRun leaves the single read-out equal to the noiseless model (§8.6)', async () => {
    const batches = await batchesWithKnownAnswers();
    const clean = await runSweep(model(), batches, { steps: 3, readouts: ['single'] });
    const noisy = await runSweep(model(), batches, { steps: 3, ks: [1, 2], noise: { sigma: 0.3, skipFirstRun: true }, seed: 4 });
    expect(noisy.sweep.curves.single!.solved[0]).toEqual(clean.sweep.curves.single!.solved[0]);
    expect(noisy.sweep.curves.single!.cellAcc[0]).toEqual(clean.sweep.curves.single!.cellAcc[0]);
    expect(noisy.settings).toMatchObject({ steps: 3, ks: [1, 2], runs: 2, init: 'static', noise: { sigma: 0.3, skipFirstRun: true }, earlyExit: false });
  });

  it('takes async sources, stops at maxBatches, rejects bad options', async () => {
    async function* source() {
      for (let i = 0; i < 5; i++) yield randomBatch(30 + i, 2);
    }
    const res = await runSweep(model(), source(), { steps: 1, maxBatches: 2 });
    expect(res.batches).toBe(2);
    expect(res.examples).toBe(4);
    await expect(runSweep(model(), [], { steps: 1 })).rejects.toThrow(/no batch/);
    await expect(runSweep(model(), [randomBatch(1, 2)], { steps: 2, ks: [3, 1] })).rejects.toThrow(ConfigError);
    await expect(runSweep(model(), [randomBatch(1, 2)], { steps: 2, record: [3] })).rejects.toThrow(ConfigError);
  });
});
