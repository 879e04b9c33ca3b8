import { describe, expect, it } from 'vitest';
import { ConfigError, ShapeError } from '../../errors.js';
import { Rng } from '../../random.js';
import { expectBinomial } from '../testing/draws.js';
import { createCarry } from '../carry.js';
import { DisTargets, disMilestones } from './dis.js';

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

describe('DIS as a policy slot', () => {
  it("trains each row against the milestone of its next step (capped at N_sup), without the Q losses", () => {
    const L = 4;
    const carry = createCarry(2, L, { latentSteps: 1, recursions: 1 });
    carry.inputs.set([1, 0, 0, 0, 2, 2, 0, 0]);
    carry.labels.set([1, 2, 3, 4, 2, 2, 5, 6]);
    const dis = new DisTargets(L, 3);
    expect(dis.qLossWeight).toBe(0);
    dis.onRestart(new Rng(1), carry, Uint8Array.from([1, 1]));
    carry.steps.set([2, 7]);
    const labels = dis.labels(carry);
    // Row 0 at step 3 = N_sup: the solution; row 1 past N_sup: also the solution.
    expect(Array.from(labels)).toEqual([1, 2, 3, 4, 2, 2, 5, 6]);
    carry.steps.set([0, 0]);
    const first = dis.labels(carry); // step 1 of 3: ⌊nd/3⌋ of the differing cells filled
    expect(first.slice(0, 4).filter((v, i) => v !== [1, 0, 0, 0][i]).length).toBe(1); // nd = 3 → 1
    expect(first.slice(4).filter((v, i) => v !== [2, 2, 0, 0][i]).length).toBe(0); // nd = 2 → 0
  });
});
