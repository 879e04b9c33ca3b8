import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { Rng } from '../../random.js';
import { createCarry } from '../carry.js';
import { expectBinomial, histogram, mean } from '../testing/draws.js';
import { RandomizedDepth, SupervisionCaps, checkCentredRange, drawCentred, drawRecursionDepth, drawSupervisionSteps } from './randomized-depth.js';

describe('centred uniform draws (§10.1)', () => {
  it('draw every value of U{c−w..c+w} equally often, with mean c (compute-matched)', () => {
    const rng = new Rng(1);
    for (const [c, w] of [[16, 8], [3, 2], [6, 1], [5, 0]] as const) {
      const n = 20000;
      const draws = Array.from({ length: n }, () => drawCentred(rng, c, w));
      const h = histogram(draws, c - w, c + w);
      const k = 2 * w + 1;
      for (const count of h) expectBinomial(count, n, 1 / k);
      // Var U{a..b} = (k² − 1)/12 ⇒ the sample mean is within 5·sqrt(Var/n) of c.
      expect(Math.abs(mean(draws) - c)).toBeLessThanOrEqual(5 * Math.sqrt((k * k - 1) / 12 / n) + 1e-12);
    }
  });

  it('rejects c − w < 1 and non-integers instead of clipping', () => {
    const rng = new Rng(2);
    expect(() => drawCentred(rng, 2, 2)).toThrow(ConfigError);
    expect(() => drawCentred(rng, 3, 3)).toThrow(ConfigError);
    expect(() => drawCentred(rng, 3, 1.5)).toThrow(ConfigError);
    expect(() => drawCentred(rng, 0, 0)).toThrow(ConfigError);
    expect(() => drawCentred(rng, 3, -1)).toThrow(ConfigError);
    expect(() => checkCentredRange('randomize.recursions', 3, 3)).toThrow(/half-width <= 2/);
    expect(() => drawSupervisionSteps(rng, 4, 4)).toThrow(ConfigError);
  });

  it('compute-matched N_sup runs above the centre (mean c, max c + w)', () => {
    const rng = new Rng(3);
    const draws = Array.from({ length: 20000 }, () => drawSupervisionSteps(rng, 16, 8));
    expect(Math.max(...draws)).toBe(24);
    expect(Math.abs(mean(draws) - 16)).toBeLessThanOrEqual(5 * Math.sqrt(24 / 20000));
  });

  it('jaxCompat reproduces [jax]: lower bound max(1, c−w), N_sup clipped at c (E[min(U{8..24}, 16)] = 236/17)', () => {
    // Exact expectations by enumeration, independent of the sampler: (8 + … + 16 + 8·16)/17 and (14 + 15 + 3·16)/5.
    const enumMean = (lo: number, hi: number, cap: number) => {
      let s = 0;
      for (let v = lo; v <= hi; v++) s += Math.min(v, cap);
      return s / (hi - lo + 1);
    };
    expect(enumMean(8, 24, 16)).toBeCloseTo(236 / 17, 12);
    expect(236 / 17).toBeCloseTo(13.882, 3);
    expect(enumMean(14, 18, 16)).toBeCloseTo(15.4, 12);
    const rng = new Rng(4);
    const n = 20000;
    const clipped = Array.from({ length: n }, () => drawSupervisionSteps(rng, 16, 8, { jaxCompat: true }));
    const h = histogram(clipped, 8, 16);
    for (let v = 8; v < 16; v++) expectBinomial(h[v - 8]!, n, 1 / 17);
    expectBinomial(h[8]!, n, 9 / 17); // 16..24 all become 16
    // sd of min(U{8..24}, 16) < sd of U{8..24} = sqrt(24), a safe bound for the tolerance
    expect(Math.abs(mean(clipped) - 236 / 17)).toBeLessThanOrEqual(5 * Math.sqrt(24 / n));
    const w2 = Array.from({ length: n }, () => drawSupervisionSteps(rng, 16, 2, { jaxCompat: true }));
    expect(Math.abs(mean(w2) - 15.4)).toBeLessThanOrEqual(5 * Math.sqrt(2 / n));
    // c − w < 1 is accepted and clipped at 1: U{1..5} for c = 2, w = 3, whose mean 3 ≠ c (not compute-matched).
    const low = Array.from({ length: n }, () => drawCentred(rng, 2, 3, { jaxCompat: true }));
    for (const count of histogram(low, 1, 5)) expectBinomial(count, n, 1 / 5);
    expect(Math.abs(mean(low) - 3)).toBeLessThanOrEqual(5 * Math.sqrt(2 / n));
  });

  it('drawRecursionDepth draws only the randomised dimensions', () => {
    const rng = new Rng(5);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const d = drawRecursionDepth(rng, { latentSteps: 6, recursions: 3 }, { recursions: 1 });
      expect(d.latentSteps).toBe(6);
      expect(d.recursions >= 2 && d.recursions <= 4).toBe(true);
      seen.add(`${d.recursions}`);
    }
    expect(seen.size).toBe(3);
    expect(() => drawRecursionDepth(rng, { latentSteps: 6, recursions: 3 }, { recursions: 3 })).toThrow(ConfigError);
  });

  it('is deterministic for a seed', () => {
    const a = new Rng(9);
    const b = new Rng(9);
    for (let i = 0; i < 100; i++) expect(drawCentred(a, 10, 4)).toBe(drawCentred(b, 10, 4));
  });
});

describe('randomised depth and N_sup as policy slots', () => {
  const carry = () => createCarry(6, 1, { latentSteps: 3, recursions: 2 });

  it('streaming: a fresh (n, T) per step; classic: the batch draw kept in the carry', () => {
    const rng = new Rng(1);
    const perStep = new RandomizedDepth({ latentSteps: 3, recursions: 3 }, { latentSteps: 2, recursions: 1 }, false);
    const c = carry();
    const seen = new Set<string>();
    for (let s = 1; s <= 50; s++) {
      const d = perStep.at(s, rng, c);
      expect(d.latentSteps).toBeGreaterThanOrEqual(1);
      expect(d.latentSteps).toBeLessThanOrEqual(5);
      expect(d.untaped).toBe(d.recursions - 1);
      expect(d.taped).toBe(1);
      seen.add(`${d.latentSteps},${d.recursions}`);
    }
    expect(seen.size).toBeGreaterThan(5);
    const perBatch = new RandomizedDepth({ latentSteps: 3, recursions: 3 }, { latentSteps: 2, recursions: 1 }, true);
    perBatch.onRestart(rng, c, new Uint8Array(6).fill(1), true);
    const drawn = { ...c.depth };
    for (let s = 1; s <= 5; s++) expect(perBatch.at(s, rng, c)).toMatchObject(drawn);
    perBatch.onRestart(rng, c, Uint8Array.from([1, 0, 0, 0, 0, 0]), false); // not a whole batch: no draw
    expect(c.depth).toEqual(drawn);
  });

  it('N_sup caps: one per row (streaming), one per batch (classic); jaxCompat runs N_sup and caps the gradient', () => {
    const rows = Uint8Array.from([1, 1, 1, 1, 1, 0]);
    const c = carry();
    new SupervisionCaps(4, 2, true).onRestart(new Rng(2), c, rows);
    expect(new Set(Array.from(c.caps.subarray(0, 5))).size).toBeGreaterThan(1);
    expect(c.caps[5]).toBe(0); // untouched
    expect(Array.from(c.gradCaps)).toEqual(Array.from(c.caps));
    const b = carry();
    new SupervisionCaps(4, 2, false).onRestart(new Rng(2), b, rows);
    expect(new Set(Array.from(b.caps.subarray(0, 5))).size).toBe(1);
    const j = carry();
    new SupervisionCaps(4, 3, true, { jaxCompat: true }).onRestart(new Rng(2), j, rows);
    expect(Array.from(j.caps.subarray(0, 5))).toEqual([4, 4, 4, 4, 4]);
    for (const g of j.gradCaps.subarray(0, 5)) expect(g).toBeLessThanOrEqual(4);
  });
});
