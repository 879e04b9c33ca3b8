import { describe, expect, it } from 'vitest';
import { ConfigError, ShapeError } from '../errors.js';
import { Rng } from '../random.js';
import {
  CGAR_CURRICULUM,
  checkCentredRange,
  curriculumDepth,
  disMilestones,
  drawCentred,
  drawLatentInit,
  drawMinSteps,
  drawProgressiveSplit,
  drawRecursionDepth,
  drawSupervisionSteps,
  hierarchicalStepWeights,
  refreshMinSteps,
} from './randomize.js';

/** |count − n·p| within 5 binomial standard deviations (a seeded run; the bound keeps any seed passing). */
function expectBinomial(count: number, n: number, p: number): void {
  expect(Math.abs(count - n * p)).toBeLessThanOrEqual(5 * Math.sqrt(n * p * (1 - p)) + 1e-9);
}

/** Histogram of `draws` over lo..hi; fails on any value outside. */
function histogram(draws: number[], lo: number, hi: number): number[] {
  const h = new Array<number>(hi - lo + 1).fill(0);
  const outside = draws.filter((v) => !(Number.isInteger(v) && v >= lo && v <= hi));
  expect(outside).toEqual([]);
  for (const v of draws) h[v - lo]!++;
  return h;
}

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;

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

describe('exploration min-steps (§4.4)', () => {
  it('draws U{2..N_sup} with probability p, else 0; nothing for N_sup < 2', () => {
    const rng = new Rng(11);
    const n = 40000;
    const m = drawMinSteps(rng, n, 16, 0.1);
    const nonzero = Array.from(m).filter((v) => v !== 0);
    expectBinomial(nonzero.length, n, 0.1);
    for (const count of histogram(nonzero, 2, 16)) expectBinomial(count, nonzero.length, 1 / 15);
    expect(Array.from(drawMinSteps(rng, 10, 1, 1))).toEqual(new Array(10).fill(0));
    expect(Array.from(drawMinSteps(rng, 10, 16, 0))).toEqual(new Array(10).fill(0));
    const perRow = drawMinSteps(rng, 1000, Int32Array.from({ length: 1000 }, (_, i) => 2 + (i % 3)), 1);
    perRow.forEach((v, i) => expect(v >= 2 && v <= 2 + (i % 3)).toBe(true));
    expect(() => drawMinSteps(rng, 3, [16, 16], 0.1)).toThrow(ShapeError);
    expect(() => drawMinSteps(rng, 3, 16, 1.5)).toThrow(ConfigError);
  });

  /**
   * Rows whose q_halt always says "halt": at step s a row halts iff s ≥ minSteps (or s = N_sup). Returns the
   * number of rows alive at the start of each step and the number vetoed (kept running) at each step.
   */
  function simulate(mode: 'perStep' | 'perSample', rows: number, nSup: number, seed: number) {
    const rng = new Rng(seed);
    const minSteps = new Int32Array(rows);
    const alive = new Array<boolean>(rows).fill(true);
    const aliveAt: number[] = [];
    const vetoedAt: number[] = [];
    const first = new Array<boolean>(rows).fill(true);
    for (let s = 1; s <= nSup; s++) {
      refreshMinSteps(rng, minSteps, mode, nSup, 0.1, first);
      first.fill(false);
      let a = 0;
      let v = 0;
      for (let b = 0; b < rows; b++) {
        if (!alive[b]) continue;
        a++;
        const halts = s >= nSup || s >= minSteps[b]!;
        if (!halts) v++;
        alive[b] = !halts;
      }
      aliveAt.push(a);
      vetoedAt.push(v);
    }
    return { aliveAt, vetoedAt };
  }

  it('perStep: a live row is vetoed at step s with probability 0.1·(N_sup − s)/(N_sup − 1)', () => {
    const nSup = 16;
    const { aliveAt, vetoedAt } = simulate('perStep', 50000, nSup, 12);
    for (let s = 1; s <= nSup; s++) {
      if (aliveAt[s - 1]! === 0) break;
      expectBinomial(vetoedAt[s - 1]!, aliveAt[s - 1]!, (0.1 * (nSup - s)) / (nSup - 1));
    }
    expect(aliveAt[1]).toBeGreaterThan(4000); // step 2 is really exercised
  });

  it('perSample: the halting step is 1 with probability 0.9 and each of 2..N_sup with 0.1/(N_sup − 1)', () => {
    const nSup = 8;
    const rows = 50000;
    const { aliveAt } = simulate('perSample', rows, nSup, 13);
    const haltedAt = aliveAt.map((a, i) => a - (aliveAt[i + 1] ?? 0));
    expectBinomial(haltedAt[0]!, rows, 0.9 + 0); // minSteps 0 ⇒ halt at 1; minSteps m ≥ 2 ⇒ halt at m
    for (let s = 2; s <= nSup; s++) expectBinomial(haltedAt[s - 1]!, rows, 0.1 / (nSup - 1));
    // perStep differs: the later a step, the lower its veto probability, so fewer rows reach the end.
    const ps = simulate('perStep', rows, nSup, 13);
    expect(ps.aliveAt[nSup - 1]!).toBeLessThan(aliveAt[nSup - 1]! / 2);
  });

  it('perSample redraws only restarted rows', () => {
    const rng = new Rng(14);
    const minSteps = Int32Array.from([7, 7, 7, 7]);
    for (let i = 0; i < 50; i++) refreshMinSteps(rng, minSteps, 'perSample', 16, 1, [0, 1, 0, 0]);
    expect([minSteps[0], minSteps[2], minSteps[3]]).toEqual([7, 7, 7]);
    refreshMinSteps(rng, minSteps, 'perStep', 16, 0, [0, 0, 0, 0]); // perStep ignores the flags
    expect(Array.from(minSteps)).toEqual([0, 0, 0, 0]);
    expect(() => refreshMinSteps(rng, minSteps, 'perStep', 16, 0.1, [1])).toThrow(ShapeError);
    expect(() => refreshMinSteps(rng, minSteps, 'sometimes' as 'perStep', 16, 0.1)).toThrow(ConfigError);
  });
});

describe('Bansal progressive split (§10.3)', () => {
  it('draws a ~ U{0..T−1} then k ~ U{1..T−a}: P(a, k) = 1/(T·(T − a))', () => {
    const rng = new Rng(21);
    const T = 3;
    const n = 30000;
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const { noGrad, withGrad } = drawProgressiveSplit(rng, T);
      counts.set(`${noGrad},${withGrad}`, (counts.get(`${noGrad},${withGrad}`) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['0,1', '0,2', '0,3', '1,1', '1,2', '2,1']); // a + k <= T, k >= 1
    for (let a = 0; a < T; a++) for (let k = 1; k <= T - a; k++) expectBinomial(counts.get(`${a},${k}`) ?? 0, n, 1 / (T * (T - a)));
    expect(drawProgressiveSplit(rng, 1)).toEqual({ noGrad: 0, withGrad: 1 });
    expect(() => drawProgressiveSplit(rng, 0)).toThrow(ConfigError);
  });
});

describe('CGAR curriculum (§10.4)', () => {
  it('switches (n, T) at 30% and 60% of training', () => {
    expect(curriculumDepth(0)).toEqual({ latentSteps: 2, recursions: 1 });
    expect(curriculumDepth(0.2999)).toEqual({ latentSteps: 2, recursions: 1 });
    expect(curriculumDepth(0.3)).toEqual({ latentSteps: 4, recursions: 2 });
    expect(curriculumDepth(0.5999)).toEqual({ latentSteps: 4, recursions: 2 });
    expect(curriculumDepth(0.6)).toEqual({ latentSteps: 6, recursions: 3 });
    expect(curriculumDepth(1)).toEqual({ latentSteps: 6, recursions: 3 });
    expect(curriculumDepth(1.2)).toEqual({ latentSteps: 6, recursions: 3 });
  });

  it('averages 12.3 of 21 network applications per step over a run (41.4% fewer FLOPs)', () => {
    const steps = 100000;
    let cost = 0;
    for (let i = 0; i < steps; i++) {
      const { latentSteps: n, recursions: T } = curriculumDepth(i / steps);
      cost += T * (n + 1);
    }
    expect(cost / steps).toBeCloseTo(0.3 * 3 + 0.3 * 10 + 0.4 * 21, 3);
    expect(1 - cost / steps / 21).toBeCloseTo(0.414, 3);
  });

  it('takes a custom curriculum and validates it', () => {
    const c = { thresholds: [0.5], stages: [{ latentSteps: 1, recursions: 1 }, { latentSteps: 3, recursions: 2 }] };
    expect(curriculumDepth(0.49, c)).toEqual({ latentSteps: 1, recursions: 1 });
    expect(curriculumDepth(0.5, c)).toEqual({ latentSteps: 3, recursions: 2 });
    expect(() => curriculumDepth(0.1, { thresholds: [0.5, 0.4], stages: [...c.stages, c.stages[0]!] })).toThrow(ConfigError);
    expect(() => curriculumDepth(0.1, { thresholds: [0.5], stages: c.stages.slice(0, 1) })).toThrow(ConfigError);
    expect(() => curriculumDepth(0.1, { thresholds: [0.5], stages: [c.stages[0]!, { latentSteps: 0, recursions: 1 }] })).toThrow(ConfigError);
    expect(() => curriculumDepth(-0.1)).toThrow(ConfigError);
    expect(CGAR_CURRICULUM.thresholds).toEqual([0.3, 0.6]);
  });

  it('weights supervision step t by 0.7^(t−1)/Z with Z = 3.322 for N_sup = 16', () => {
    const w = hierarchicalStepWeights(16);
    const z = (1 - 0.7 ** 16) / (1 - 0.7); // geometric series
    expect(z).toBeCloseTo(3.322, 3);
    expect(w.length).toBe(16);
    expect(w[0]).toBeCloseTo(1 / 3.3222, 4);
    for (let t = 1; t < 16; t++) expect(w[t]! / w[t - 1]!).toBeCloseTo(0.7, 12);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Array.from(hierarchicalStepWeights(1))).toEqual([1]);
    expect(() => hierarchicalStepWeights(0)).toThrow(ConfigError);
  });
});

describe('DIS milestone targets (§10.5)', () => {
  it('moves from x0 to x1 monotonically, ⌊s·nd/N_sup⌋ filled at step s, ignored labels stay ignored', () => {
    const L = 9;
    // Row 0: sudoku-like, blanks (1) at 5 positions; row 1: nothing to fill; row 2: a label ignored (−100).
    const x0 = Int32Array.from([1, 3, 1, 1, 5, 1, 7, 1, 2, /**/ 4, 4, 4, 4, 4, 4, 4, 4, 4, /**/ 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const x1 = Int32Array.from([9, 3, 8, 6, 5, 2, 7, 4, 2, /**/ 4, 4, 4, 4, 4, 4, 4, 4, 4, /**/ 1, 2, -100, 3, 0, 0, 0, 0, 0]);
    const nd = [5, 0, 3];
    for (const nSup of [1, 3, 16]) {
      const path = disMilestones(new Rng(31 + nSup), x0, x1, L, nSup);
      expect(path.length).toBe(nSup + 1);
      const ignoredOr = (a: Int32Array) => Array.from(a, (v, i) => (x1[i] === -100 ? -100 : v));
      expect(Array.from(path[0]!)).toEqual(ignoredOr(x0));
      expect(Array.from(path[nSup]!)).toEqual(Array.from(x1));
      for (let s = 1; s <= nSup; s++) {
        for (let r = 0; r < 3; r++) {
          let filled = 0;
          for (let j = r * L; j < (r + 1) * L; j++) {
            const v = path[s]![j]!;
            if (x1[j] === -100) {
              expect(v).toBe(-100);
              continue;
            }
            expect(v === x0[j] || v === x1[j]).toBe(true);
            if (x0[j] !== x1[j] && v === x1[j]) filled++;
            // once filled, a position stays filled
            if (path[s - 1]![j] === x1[j]) expect(v).toBe(x1[j]);
          }
          expect(filled).toBe(Math.floor((s * nd[r]!) / nSup));
        }
      }
    }
  });

  it('fills the differing positions in a uniformly random order', () => {
    const x0 = Int32Array.from([0, 0, 0, 0, 5]);
    const x1 = Int32Array.from([1, 2, 3, 4, 5]);
    const rng = new Rng(40);
    const firstFilled = [0, 0, 0, 0];
    const n = 8000;
    for (let i = 0; i < n; i++) {
      const path = disMilestones(rng, x0, x1, 5, 4);
      const j = path[1]!.findIndex((v, k) => v !== x0[k]);
      firstFilled[j]!++;
    }
    for (const c of firstFilled) expectBinomial(c, n, 1 / 4);
  });

  it('rejects mismatched shapes', () => {
    const rng = new Rng(41);
    expect(() => disMilestones(rng, new Int32Array(9), new Int32Array(8), 9, 4)).toThrow(ShapeError);
    expect(() => disMilestones(rng, new Int32Array(10), new Int32Array(10), 9, 4)).toThrow(ShapeError);
    expect(() => disMilestones(rng, new Int32Array(9), new Int32Array(9), 9, 0)).toThrow(ConfigError);
  });
});

describe('latent init draws (§8.3)', () => {
  const req = { batch: 4, positions: 10, hidden: 64, training: true };

  it('random: one N(0, 1)·sqrt(1/D) vector [D] per call for y, an independent one for z', () => {
    const rng = new Rng(51);
    const ys: number[] = [];
    let cross = 0;
    let first: Float32Array | undefined;
    const calls = 200;
    for (let i = 0; i < calls; i++) {
      const init = drawLatentInit(rng, 'random', req);
      if (init.kind !== 'vector') throw new Error('expected a vector init');
      expect(init.y.length).toBe(64);
      expect(init.z.length).toBe(64);
      if (i === 0) first = init.y;
      else expect(Array.from(init.y)).not.toEqual(Array.from(first!)); // a fresh draw per forward pass
      ys.push(...init.y);
      for (let k = 0; k < 64; k++) cross += init.y[k]! * init.z[k]!;
    }
    const n = ys.length;
    const scale = Math.sqrt(1 / 64);
    const m = mean(ys);
    const sd = Math.sqrt(ys.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1));
    expect(Math.abs(m)).toBeLessThanOrEqual((5 * scale) / Math.sqrt(n));
    expect(Math.abs(sd / scale - 1)).toBeLessThanOrEqual(5 / Math.sqrt(2 * n));
    // independence of y and z: E[y·z] = 0, sd of the mean product = scale²/sqrt(n)
    expect(Math.abs(cross / n)).toBeLessThanOrEqual((5 * scale * scale) / Math.sqrt(n));
    const unit = drawLatentInit(rng, 'random', { ...req, initScale: 1 });
    if (unit.kind !== 'vector') throw new Error('expected a vector init');
    expect(Math.max(...Array.from(unit.y, Math.abs))).toBeGreaterThan(1); // std 1, not 1/8
  });

  it('mixed: zeros with N(0, 1) on an independent Bernoulli(0.5) half of [B, P, D], zeros at test', () => {
    const rng = new Rng(52);
    const init = drawLatentInit(rng, 'mixed', req);
    if (init.kind !== 'full') throw new Error('expected a full init');
    const size = 4 * 10 * 64;
    expect(init.shape).toEqual([4, 10, 64]);
    expect(init.y.length).toBe(size);
    let ny = 0;
    let both = 0;
    let sq = 0;
    for (let i = 0; i < size; i++) {
      if (init.y[i] !== 0) {
        ny++;
        sq += init.y[i]! ** 2;
      }
      if (init.y[i] !== 0 && init.z[i] !== 0) both++;
    }
    expectBinomial(ny, size, 0.5);
    expectBinomial(both, size, 0.25);
    expect(Math.abs(sq / ny - 1)).toBeLessThanOrEqual(5 * Math.sqrt(2 / ny)); // Var(x²) = 2 for N(0, 1)
    const test = drawLatentInit(rng, 'mixed', { ...req, training: false });
    expect(test).toEqual({ kind: 'vector', y: new Float32Array(64), z: new Float32Array(64) });
  });

  it('zeros and static draw nothing; bad requests are rejected', () => {
    const rng = new Rng(53);
    const state = rng.getState();
    expect(drawLatentInit(rng, 'zeros', req)).toEqual({ kind: 'vector', y: new Float32Array(64), z: new Float32Array(64) });
    expect(drawLatentInit(rng, 'static', req)).toEqual({ kind: 'static' });
    expect(rng.getState()).toEqual(state);
    expect(() => drawLatentInit(rng, 'gaussian' as 'random', req)).toThrow(ConfigError);
    expect(() => drawLatentInit(rng, 'random', { ...req, hidden: 0 })).toThrow(ConfigError);
    expect(() => drawLatentInit(rng, 'random', { ...req, initScale: Number.NaN })).toThrow(ConfigError);
  });
});
