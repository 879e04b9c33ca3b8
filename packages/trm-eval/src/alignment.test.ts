import { ConfigError, Rng, ShapeError } from '@trm-ts/core';
import { describe, expect, it } from 'vitest';
import {
  AlignmentAccumulator,
  AllPairsAccumulator,
  allPairsFromMatrix,
  checkDerangement,
  cosinePerExample,
  meanCosine,
  permuteRows,
  predictionAgreement,
  randomDerangement,
  rollDerangement,
} from './alignment.js';

describe('cosine per example (§9.1)', () => {
  it('gives 1, −1, 0 on parallel, opposite and orthogonal rows', () => {
    const a = Float32Array.from([1, 2, 1, 0, 1, 0]);
    const b = Float32Array.from([2, 4, -3, 0, 0, 5]);
    expect(Array.from(cosinePerExample(a, b, 3)).map((v) => Number(v.toFixed(12)))).toEqual([1, -1, 0]);
  });
  it('uses max(‖a‖‖b‖, 1e-8): a zero row scores 0, not NaN', () => {
    const c = cosinePerExample(Float32Array.from([0, 0]), Float32Array.from([3, 4]), 1);
    expect(c[0]).toBe(0);
    // tiny norms: ‖a‖‖b‖ = 1e-10 < 1e-8, so the cosine is a·b / 1e-8 = 1e-10 / 1e-8 = 0.01
    const t = cosinePerExample(Float32Array.from([1e-5]), Float32Array.from([1e-5]), 1);
    expect(t[0]).toBeCloseTo(0.01, 6);
  });
  it('averages over valid examples', () => {
    const a = Float32Array.from([1, 0, 1, 0]);
    const b = Float32Array.from([1, 0, 0, 1]);
    expect(meanCosine(a, b, 2)).toBeCloseTo(0.5, 12);
    expect(meanCosine(a, b, 2, [1, 0])).toBeCloseTo(1, 12);
    expect(() => meanCosine(a, b, 3)).toThrow(ShapeError);
  });
});

describe('derangements (§9.1)', () => {
  it('roll by one is π(i) = (i − 1) mod B', () => {
    expect(Array.from(rollDerangement(4))).toEqual([3, 0, 1, 2]);
    expect(Array.from(rollDerangement(2))).toEqual([1, 0]);
    expect(() => rollDerangement(1)).toThrow(ConfigError);
  });

  it('random derangements never keep an example on its own state and are reproducible', () => {
    for (let B = 2; B <= 12; B++) {
      for (let seed = 1; seed <= 30; seed++) {
        const p = randomDerangement(B, seed);
        expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: B }, (_, i) => i));
        for (let i = 0; i < B; i++) expect(p[i]).not.toBe(i);
        expect(Array.from(randomDerangement(B, seed))).toEqual(Array.from(p));
      }
    }
    expect(() => randomDerangement(1, 0)).toThrow(ConfigError);
  });

  it('draws both derangements of 3 about equally often (not only the roll)', () => {
    const rng = new Rng(3);
    let forward = 0;
    const n = 3000;
    for (let i = 0; i < n; i++) if (randomDerangement(3, rng)[0] === 1) forward++; // [1,2,0] vs [2,0,1]
    expect(forward / n).toBeGreaterThan(0.45);
    expect(forward / n).toBeLessThan(0.55);
  });

  it('checkDerangement rejects fixed points and non-permutations', () => {
    expect(() => checkDerangement([1, 0, 2])).toThrow(/fixed point/);
    expect(() => checkDerangement([1, 1, 0])).toThrow(/permutation/);
    expect(() => checkDerangement([0])).toThrow(ConfigError);
    expect(() => checkDerangement([2, 0, 1])).not.toThrow();
  });

  it('permuteRows builds run 2 from the other examples’ latents', () => {
    const z = Float32Array.from([0, 0, 1, 1, 2, 2]); // B = 3 rows of P·D = 2
    expect(Array.from(permuteRows(z, rollDerangement(3), 3))).toEqual([2, 2, 0, 0, 1, 1]);
    expect(() => permuteRows(z, [0, 2, 1], 3)).toThrow(/fixed point/);
  });
});

describe('prediction agreement', () => {
  it('is the fraction of equal cells over rows and cells', () => {
    const p1 = Int32Array.from([1, 2, 3, 4, 5, 6]);
    const p2 = Int32Array.from([1, 0, 3, 4, 0, 0]);
    expect(predictionAgreement(p1, p2, 3)).toBeCloseTo(3 / 6, 12);
    expect(predictionAgreement(p1, p2, 3, [1, 0])).toBeCloseTo(2 / 3, 12);
    expect(predictionAgreement(p1, p2, 2)).toBeCloseTo(3 / 6, 12);
    expect(() => predictionAgreement(p1, p2.subarray(1), 3)).toThrow(ShapeError);
  });
});

describe('AlignmentAccumulator', () => {
  it('aggregates cosines over batches and keeps the agreement curve per step', () => {
    const acc = new AlignmentAccumulator();
    acc.addLatents('z', Float32Array.from([1, 0, 1, 0]), Float32Array.from([1, 0, 0, 1]), 2); // cos 1, 0
    acc.addLatents('z', Float32Array.from([1, 1]), Float32Array.from([-1, -1]), 1); // cos −1
    acc.addLatents('y', Float32Array.from([1, 0]), Float32Array.from([2, 0]), 1);
    acc.addAgreement(2, Int32Array.from([1, 1]), Int32Array.from([1, 1]), 2);
    acc.addAgreement(1, Int32Array.from([1, 1]), Int32Array.from([1, 0]), 2);
    acc.addAgreement(1, Int32Array.from([1, 1]), Int32Array.from([0, 0]), 2);
    const r = acc.result();
    expect(r.aaZ).toBeCloseTo(0, 12); // (1 + 0 − 1) / 3
    expect(r.aaY).toBeCloseTo(1, 12);
    expect(r.agreement).toEqual({ steps: [1, 2], values: [0.25, 1] });
    expect(r.aaPred).toBe(1);
    expect(r.rows).toBe(3);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
  it('leaves out what was never added', () => {
    const r = new AlignmentAccumulator().result();
    expect(r).toEqual({ agreement: { steps: [], values: [] }, rows: 0 });
  });
});

describe('all-pairs AA (§9.2)', () => {
  it('on a hand-made 2×2 matrix gives biased 0.65 and off-diagonal 0.3', () => {
    const r = allPairsFromMatrix([1, 0.2, 0.4, 1], 2);
    expect(r.biased).toBeCloseTo(0.65, 12);
    expect(r.offDiagonal).toBeCloseTo(0.3, 12);
    expect(r.diagonal).toBeCloseTo(1, 12);
  });

  it('with a diagonal of 1 the bias is exactly (1 − offDiagonal)/B', () => {
    const rng = new Rng(11);
    for (const B of [2, 3, 5, 16]) {
      const m = Array.from({ length: B * B }, (_, idx) => (idx % (B + 1) === 0 ? 1 : 2 * rng.next() - 1));
      const r = allPairsFromMatrix(m, B);
      expect(r.biased - r.offDiagonal).toBeCloseTo((1 - r.offDiagonal) / B, 12);
    }
  });

  it('streams per-init reruns into the matrix', () => {
    // B = 3, P·D = 3: example j's reference is e_j; rerun from init i returns e_j when i = j, else e_i
    // (the example adopts the init's state) → cos = 1 on the diagonal, 0 off it
    const e = (j: number) => Float32Array.from([0, 1, 2], (v) => (v === j ? 1 : 0));
    const ref = Float32Array.from([...e(0), ...e(1), ...e(2)]);
    const acc = new AllPairsAccumulator(ref, 3);
    for (let i = 0; i < 3; i++) acc.addInit(i, Float32Array.from([0, 1, 2].flatMap((j) => [...(i === j ? e(j) : e(i))])));
    const r = acc.result();
    expect(r.offDiagonal).toBe(0);
    expect(r.biased).toBeCloseTo(1 / 3, 12);
    expect(r.matrix).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('refuses to report before every init was added, and a repeated init', () => {
    const acc = new AllPairsAccumulator(new Float32Array(4).fill(1), 2);
    acc.addInit(0, new Float32Array(4).fill(1));
    expect(() => acc.addInit(0, new Float32Array(4))).toThrow(/already/);
    expect(() => acc.result()).toThrow(/init 1/);
    expect(() => allPairsFromMatrix([1], 1)).toThrow(ConfigError);
  });
});
