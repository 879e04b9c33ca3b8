import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, type TaskBatch } from '@trm-ts/core';
import { describe, expect, it } from 'vitest';
import { cosinePerExample } from '../alignment.js';
import { allPairsAlignment, derangementAlignment } from './alignment-run.js';
import { counterModel, randomBatch, tinyNet, withTinyNet } from './test-helpers.js';
import { trajectory } from './trajectory.js';

const model = withTinyNet(3);

const SQRT1_2 = Math.SQRT1_2;

/** Rows of the counter model (L = 4, V = 5); one-hot rows e_i make every final z orthogonal to the others. */
function counterBatch(rows: number[][], valid?: number[]): TaskBatch {
  const inputs = Int32Array.from(rows.flat());
  const b: TaskBatch = { batchSize: rows.length, seqLen: 4, inputs, labels: Int32Array.from(inputs), puzzleIds: new Int32Array(rows.length) };
  if (valid) b.valid = Uint8Array.from(valid);
  return b;
}
const E = (i: number) => [0, 1, 2, 3].map((l) => (l === i ? 1 : 0));

describe('derangementAlignment (§9.1)', () => {
  it('counter model: AA_z = 1/√2 exactly when nobody keeps its own state, AA_y = 1, agreement = [N ≡ 0 mod V]', async () => {
    // From zeros, run 1 ends at z1_i = N·X_i; run 2 from z1_π(i) ends at N·X_π(i) + N·X_i:
    // cos = |X_i| / |X_i + X_π(i)| = 1/√2 for orthogonal one-hots of equal norm (1 if π(i) = i).
    const m = counterModel(4, 5);
    const res = await derangementAlignment(m, [counterBatch([E(0), E(1), E(2), E(3)])], { steps: 5 });
    expect(res.aaZ).toBeCloseTo(SQRT1_2, 6);
    expect(res.aaY).toBeCloseTo(1, 6);
    expect(res.agreement.steps).toEqual([1, 2, 3, 4, 5]);
    expect(res.agreement.values).toEqual([1, 1, 1, 1, 1]); // run 2 is N = 5 ≡ 0 (mod 5) steps ahead
    expect(res.aaPred).toBe(1);
    const off = await derangementAlignment(m, [counterBatch([E(0), E(1), E(2), E(3)])], { steps: 3, record: [3] });
    expect(off.agreement).toEqual({ steps: [3], values: [0] }); // 3 steps ahead: every cell differs
    expect(off.rows).toBe(4);
  });

  it("scores run 1 at its final step against the labels (ignored cells and padding rows do not count; cellAcc is the row mean)", async () => {
    const m = counterModel(4, 5);
    // After 3 steps from zeros the counter model predicts (x + 3) mod 5: 3 for a 0 cell, 4 for a 1 cell.
    const batch = counterBatch([E(0), E(1), E(2), E(3)], [1, 1, 1, 0]);
    batch.labels = Int32Array.from([
      [4, 3, 3, 3], // solved
      [3, 4, 3, 0], // one wrong cell
      [3, 3, 4, -100], // solved (the ignored cell does not count)
      [0, 0, 0, 0], // padding row: not scored
    ].flat());
    const res = await derangementAlignment(m, [batch], { steps: 3, record: [1] });
    // cellAcc as §8.1 / metrics.ts define it: per-row fraction (4/4, 3/4, 3/3), then the mean over rows.
    expect(res.reference).toEqual({ rows: 3, solved: 2 / 3, cellAcc: (1 + 3 / 4 + 1) / 3 });
    expect(res.agreement.steps).toEqual([1]); // scoring the final step does not add it to the recorded agreement steps
  });

  it('random derangements never pair an example with itself; padding rows neither count nor lend latents', async () => {
    const m = counterModel(4, 5);
    // A padding row of 2s in the middle: lending it to example i would give cos 6/√84 ≈ 0.655, not 1/√2.
    const batch = counterBatch([E(0), E(1), [2, 2, 2, 2], E(2), E(3)], [1, 1, 0, 1, 1]);
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const res = await derangementAlignment(m, [batch], { steps: 2, derangement: 'random', seed });
      expect(res.aaZ).toBeCloseTo(SQRT1_2, 6);
      expect(res.rows).toBe(4);
    }
    const roll = await derangementAlignment(m, [batch, counterBatch([E(0), E(1)], [1, 0])], { steps: 2 });
    expect(roll.aaZ).toBeCloseTo(SQRT1_2, 6);
    expect(roll.skippedRows).toBe(1);
    expect(roll.batches).toBe(2);
    await expect(derangementAlignment(m, [counterBatch([E(0)])], { steps: 1 })).rejects.toThrow(/B >= 2/);
    await expect(derangementAlignment(m, [batch], { steps: 1, derangement: 'shift' as never })).rejects.toThrow(ConfigError);
  });

  it('identical examples (static init): run 2 = steps N+1..2N of one long run, so AA = cos(F^N, F^2N)', async () => {
    const one = randomBatch(5, 1);
    const B = 4;
    const N = 3;
    const batch: TaskBatch = { batchSize: B, seqLen: 16, inputs: new Int32Array(B * 16), labels: new Int32Array(B * 16), puzzleIds: new Int32Array(B).fill(one.puzzleIds[0]!) };
    for (let b = 0; b < B; b++) {
      batch.inputs.set(one.inputs, b * 16);
      batch.labels.set(one.labels, b * 16);
    }
    const res = await derangementAlignment(model(), [batch], { steps: N });
    const long: { preds: Int32Array; y?: Float32Array; z?: Float32Array }[] = [];
    for await (const st of trajectory(model(), one, { steps: 2 * N, latents: 'all' })) long.push({ preds: st.preds!, y: st.y!, z: st.z! });
    const cy = cosinePerExample(long[N - 1]!.y!, long[2 * N - 1]!.y!, 1)[0]!;
    const cz = cosinePerExample(long[N - 1]!.z!, long[2 * N - 1]!.z!, 1)[0]!;
    expect(cy).toBeLessThan(0.9999); // the identity is not trivial: the latents still move
    expect(res.aaY).toBeCloseTo(cy, 5);
    expect(res.aaZ).toBeCloseTo(cz, 5);
    for (let s = 1; s <= N; s++) {
      const a = long[s - 1]!.preds;
      const b = long[N + s - 1]!.preds;
      const agree = a.reduce((n, v, i) => n + (v === b[i] ? 1 : 0), 0) / 16;
      expect(res.agreement.values[s - 1]).toBeCloseTo(agree, 12);
    }
  });
});

describe('allPairsAlignment (§9.2)', () => {
  it('counter model: off-diagonal 1/√2, diagonal 1, biased = (B + B(B−1)/√2)/B², for any grouping of inits', async () => {
    const m = counterModel(4, 5);
    const src = [counterBatch([E(0), E(1)]), counterBatch([E(2), E(3), [3, 3, 3, 3]])];
    const B = 4;
    for (const rowsPerPass of [4, 8, 64]) {
      const res = await allPairsAlignment(m, src, { steps: 5, examples: B, rowsPerPass });
      expect(res.z.offDiagonal).toBeCloseTo(SQRT1_2, 6);
      expect(res.z.diagonal).toBeCloseTo(1, 6);
      expect(res.z.biased).toBeCloseTo((B + B * (B - 1) * SQRT1_2) / (B * B), 6);
      expect(res.y.biased).toBeCloseTo(1, 6);
      expect(res.agreement.offDiagonal).toEqual([1, 1, 1, 1, 1]);
      expect(res.examples).toBe(4);
    }
    await expect(allPairsAlignment(m, src, { steps: 1, examples: 6 })).rejects.toThrow(/has 5/);
    await expect(allPairsAlignment(m, src, { steps: 1, examples: 1 })).rejects.toThrow(ConfigError);
  });

  it('real model(): the diagonal is cos(F^N, F^2N) per example, and grouping inits per pass changes nothing', async () => {
    const batch = randomBatch(8, 3);
    const N = 2;
    const a = await allPairsAlignment(model(), [batch], { steps: N, examples: 3, rowsPerPass: 3 });
    const b = await allPairsAlignment(model(), [batch], { steps: N, examples: 3, rowsPerPass: 9 });
    expect(b.z.offDiagonal).toBeCloseTo(a.z.offDiagonal, 5);
    expect(b.y.biased).toBeCloseTo(a.y.biased, 5);
    expect(b.agreement).toEqual(a.agreement);
    let diag = 0;
    const long: Float32Array[] = [];
    for await (const st of trajectory(model(), batch, { steps: 2 * N, latents: 'all' })) long.push(st.z!);
    cosinePerExample(long[N - 1]!, long[2 * N - 1]!, 3).forEach((c) => (diag += c / 3));
    expect(a.z.diagonal).toBeCloseTo(diag, 5);
    expect(a.z.offDiagonal).not.toBeCloseTo(a.z.diagonal, 3);
  });
});
