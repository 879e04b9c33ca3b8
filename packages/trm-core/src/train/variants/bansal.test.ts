import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { Rng } from '../../random.js';
import { expectBinomial } from '../testing/draws.js';
import { createCarry } from '../carry.js';
import { drawProgressiveSplit, progressiveLoss } from './bansal.js';

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

describe('progressive loss as a depth schedule', () => {
  it("keeps the inner schedule's n and T and splits T into a untaped + k taped recursions (k ≥ 1, a + k ≤ T)", () => {
    const inner = { at: () => ({ latentSteps: 4, recursions: 3, untaped: 2, taped: 1 }) };
    const sched = progressiveLoss(inner);
    const rng = new Rng(9);
    const carry = createCarry(1, 1, { latentSteps: 4, recursions: 3 });
    const splits = new Set<string>();
    for (let s = 1; s <= 200; s++) {
      const d = sched.at(s, rng, carry);
      expect(d.latentSteps).toBe(4);
      expect(d.recursions).toBe(3);
      expect(d.taped).toBeGreaterThanOrEqual(1);
      expect(d.untaped + d.taped).toBeLessThanOrEqual(3);
      splits.add(`${d.untaped}+${d.taped}`);
    }
    expect(splits).toEqual(new Set(['0+1', '0+2', '0+3', '1+1', '1+2', '2+1']));
  });
});
