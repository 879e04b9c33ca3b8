import { describe, expect, it } from 'vitest';
import { ConfigError, ShapeError } from '../../errors.js';
import { Rng } from '../../random.js';
import { expectBinomial, histogram } from '../testing/draws.js';
import { createCarry } from '../carry.js';
import { Exploration, drawMinSteps, refreshMinSteps } from './exploration.js';

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

describe('exploration as a policy slot', () => {
  const carry = () => {
    const c = createCarry(400, 1, { latentSteps: 1, recursions: 1 });
    c.caps.fill(8);
    return c;
  };

  it("'perStep' redraws every row after each step and nothing at restarts; 'perSample' only restarted rows", () => {
    const rng = new Rng(4);
    const c = carry();
    const step = new Exploration('perStep', 0.5);
    step.onRestart(rng, c, new Uint8Array(400).fill(1));
    expect(c.minSteps.every((v) => v === 0)).toBe(true);
    step.afterStep(rng, c);
    const vetoed = c.minSteps.filter((v) => v > 0).length;
    expectBinomial(vetoed, 400, 0.5);
    for (const v of c.minSteps) expect(v === 0 || (v >= 2 && v <= 8)).toBe(true);

    const s = carry();
    const sample = new Exploration('perSample', 1);
    const rows = new Uint8Array(400);
    rows.fill(1, 0, 100);
    sample.onRestart(rng, s, rows);
    expect(s.minSteps.subarray(0, 100).every((v) => v >= 2)).toBe(true);
    expect(s.minSteps.subarray(100).every((v) => v === 0)).toBe(true);
    sample.afterStep(rng, s);
    expect(s.minSteps.subarray(100).every((v) => v === 0)).toBe(true);
  });
});
