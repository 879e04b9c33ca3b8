import { Rng } from '@trm-ts/core';
import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { generateSudokus } from './generate.js';
import { propagate, testbedProperties } from './propagate.js';
import { solverFor } from './solver.js';
import { parseSudokuString, sudokuSpec } from './spec.js';
import { applySudokuTransform, randomSudokuTransform } from './symmetry.js';

const S4 = sudokuSpec(4);
const S6 = sudokuSpec(6);
const SOL4 = '1234341221434321';
/**
 * Solved in exactly 2 rounds (worked by hand). Grid `..3. / 3..2 / 2..3 / 4321`. Round 1: naked singles
 * (0,0) = 1, (0,3) = 4, (2,1) = 1, (2,2) = 4; hidden singles 2 at (0,1) (row 0's only place for 2) and 1 at (1,2)
 * (column 2's only place for 1). Cell (1,1) keeps candidates {1, 4} with no hidden single (row 1: 1 and 4 also fit
 * (1,2); column 1 and box 0: 4 also fits (0,1)). Round 2: (1,1) = 4.
 */
const TWO_ROUNDS4 = '..3.3..22..34321';
/** A deadly pattern: 1/3 on rows 0-1 × columns 0, 2 (two boxes) swap freely, so no single exists anywhere. */
const DEADLY4 = '.2.4.4.221434321';

describe('propagate', () => {
  it('places a single missing cell in one round', () => {
    const p = parseSudokuString(SOL4, 4);
    p[9] = 0;
    expect(propagate(p, S4)).toEqual({ grid: parseSudokuString(SOL4, 4), rounds: 1, solved: true });
    expect(propagate(parseSudokuString(SOL4, 4), S4)).toMatchObject({ rounds: 0, solved: true });
  });
  it('needs two rounds on the hand-worked 4×4 puzzle', () => {
    expect(propagate(parseSudokuString(TWO_ROUNDS4, 4), S4)).toEqual({ grid: parseSudokuString(SOL4, 4), rounds: 2, solved: true });
  });
  it('places hidden singles in the same round as naked singles', () => {
    // `1234 / 34.2 / 2143 / 43..`: (1,2) = 1 and (3,3) = 1 are naked singles; (3,2) has candidates {1, 2} but is
    // row 3's only place for 2 (hidden single). One round; naked singles alone would need two.
    expect(propagate(parseSudokuString('123434.2214343..', 4), S4)).toEqual({ grid: parseSudokuString(SOL4, 4), rounds: 1, solved: true });
  });
  it('cannot finish a puzzle with two solutions (deadly pattern), but places what it can', () => {
    const deadly = parseSudokuString(DEADLY4, 4);
    expect(solverFor(S4).solve(deadly).solutions).toBe(2);
    const r = propagate(deadly, S4);
    expect(r).toMatchObject({ rounds: 0, solved: false });
    expect(Array.from(r.grid)).toEqual(Array.from(deadly));
    deadly[15] = 0; // a naked single elsewhere: one round, still stuck on the pattern
    const r2 = propagate(deadly, S4);
    expect(r2).toMatchObject({ rounds: 1, solved: false });
    expect(r2.grid[15]).toBe(1);
  });
  it('stops unsolved on a contradiction', () => {
    // Row 0 holds 1, 2, 3 and column 3 holds 4: cell (0,3) has no candidate.
    expect(propagate(parseSudokuString('123....4........', 4), S4)).toMatchObject({ solved: false });
  });
  it('never contradicts the solver: every placed digit is the solution’s; solved ⇔ the solver needs no guess', () => {
    for (const [n, spec] of [[6, S6], [4, S4]] as const) {
      let solved = 0;
      let stuck = 0;
      let k = 0;
      for (const g of generateSudokus({ n, seed: 11 })) {
        const r = propagate(g.puzzle, spec);
        for (let i = 0; i < r.grid.length; i++) if (r.grid[i]) expect(r.grid[i]).toBe(g.solution[i]);
        expect(r.solved).toBe(solverFor(spec).solve(g.puzzle, { limit: 1 }).guesses === 0);
        if (r.solved) solved++;
        else stuck++;
        if (++k === 60) break;
      }
      expect(solved).toBeGreaterThan(0);
      if (n === 6) expect(stuck).toBeGreaterThan(0); // 6×6 minimal puzzles include some that need search
    }
  });
  it('needs the same rounds on every symmetric variant (augmentations keep a puzzle’s depth)', () => {
    const rng = new Rng(3);
    let k = 0;
    for (const g of generateSudokus({ n: 6, seed: 12 })) {
      const r = propagate(g.puzzle, S6);
      for (let t = 0; t < 5; t++) {
        const v = propagate(applySudokuTransform(g.puzzle, S6, randomSudokuTransform(S6, rng)), S6);
        expect([v.rounds, v.solved]).toEqual([r.rounds, r.solved]);
      }
      if (++k === 30) break;
    }
  });
  it('rejects malformed grids', () => {
    expect(() => propagate(new Uint8Array(15), S4)).toThrow(DataError);
    expect(() => propagate(new Uint8Array(16).fill(5), S4)).toThrow(/cell 0: expected 0 \(blank\) or a digit 1-4, got 5/);
  });
});

describe('testbedProperties', () => {
  it('summarises rounds, classes and the hard slice of a hand-made list', () => {
    const one = parseSudokuString(SOL4, 4);
    one[0] = 0;
    const two = parseSudokuString(TWO_ROUNDS4, 4);
    // Digits 1 ↔ 2 relabelled: the same class as `two`, still two rounds.
    const twoRelabelled = applySudokuTransform(two, S4, { transpose: false, rowPerm: Int32Array.of(0, 1, 2, 3), colPerm: Int32Array.of(0, 1, 2, 3), digitMap: Int32Array.of(0, 2, 1, 3, 4) });
    const p = testbedProperties([one, two, parseSudokuString(DEADLY4, 4), twoRelabelled], S4);
    expect(p.count).toBe(4);
    expect(p.distinctClasses).toBe(3);
    expect(p.puzzles).toEqual([
      { rounds: 1, solvedByPropagation: true },
      { rounds: 2, solvedByPropagation: true },
      { rounds: 0, solvedByPropagation: false },
      { rounds: 2, solvedByPropagation: true },
    ]);
    expect(p).toMatchObject({ solvedByPropagation: 3, needSearchFraction: 0.25, medianRounds: 2, maxRounds: 2, roundsHistogram: [0, 1, 2], hardIndices: [2] });
    expect(p.meanRounds).toBeCloseTo(5 / 3, 14);
  });
  it('reports NaN rounds when nothing is solved and rejects an empty list', () => {
    const p = testbedProperties([parseSudokuString(DEADLY4, 4)], S4);
    expect(p).toMatchObject({ solvedByPropagation: 0, needSearchFraction: 1, roundsHistogram: [], hardIndices: [0] });
    expect(p.meanRounds).toBeNaN();
    expect(() => testbedProperties([], S4)).toThrow(DataError);
  });
});
