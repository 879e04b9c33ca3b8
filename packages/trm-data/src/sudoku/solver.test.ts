import { describe, expect, it } from 'vitest';
import { Rng } from '@trm-ts/core';
import { DataError } from '../errors.js';
import { bruteSolutions, bruteValid } from './oracle.test-helper.js';
import { SudokuSolver } from './solver.js';
import { isValidSolution, parseSudokuString, solves, sudokuSpec } from './spec.js';

const S4 = sudokuSpec(4);
const S6 = sudokuSpec(6);
const S9 = sudokuSpec(9);

// A 9×9 grid checked by hand (rows are shifts of 123456789 by 3, 3, 1, ...).
const GRID9 = '123456789456789123789123456234567891567891234891234567345678912678912345912345678';

describe('sudoku validity', () => {
  it('accepts a hand-built solution and rejects broken ones', () => {
    const g = parseSudokuString(GRID9, 9);
    expect(isValidSolution(g, S9)).toBe(true);
    const swapped = g.slice();
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!]; // breaks two columns
    expect(isValidSolution(swapped, S9)).toBe(false);
    // Rows and columns fine but boxes broken: the cyclic Latin square 1234/2341/3412/4123.
    expect(isValidSolution([1, 2, 3, 4, 2, 3, 4, 1, 3, 4, 1, 2, 4, 1, 2, 3], S4)).toBe(false);
    expect(isValidSolution([1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1], S4)).toBe(true);
  });
});

describe('SudokuSolver', () => {
  it('counts solutions of random 4×4 and 6×6 puzzles exactly as brute force does (capped at 2)', () => {
    const rng = new Rng(1);
    for (const [spec, trials] of [[S4, 300], [S6, 60]] as const) {
      const solver = new SudokuSolver(spec);
      const N = spec.n * spec.n;
      for (let t = 0; t < trials; t++) {
        // Random givens (possibly contradictory), dense enough that brute force stays fast.
        const p = new Uint8Array(N);
        const k = spec.n === 4 ? rng.int(0, 8) : rng.int(10, 24);
        for (let j = 0; j < k; j++) p[rng.int(0, N - 1)] = rng.int(1, spec.n);
        const brute = bruteSolutions(p, spec, 2);
        const r = solver.solve(p, { limit: 2 });
        expect(r.solutions).toBe(brute.length);
        if (brute.length === 1) expect(Array.from(r.solution!)).toEqual(brute[0]);
        if (r.solution) expect(bruteValid(r.solution, spec) && solves(p, r.solution, spec)).toBe(true);
      }
    }
  });

  it('solves hard 9×9 puzzles to a valid unique solution', () => {
    const solver = new SudokuSolver(S9);
    // Two well-known 17-clue puzzles (published as unique).
    for (const q of ['4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......', '52...6.........7.13...........4..8..6......5...........418.........3..2...87.....']) {
      const p = parseSudokuString(q, 9);
      const r = solver.solve(p, { limit: 2 });
      expect(r.solutions).toBe(1);
      expect(bruteValid(r.solution!, S9)).toBe(true);
      expect(solves(p, r.solution!, S9)).toBe(true);
      expect(r.guesses).toBeGreaterThan(0);
    }
  });

  it('needs no guess for a puzzle that singles solve, and exactly 2 for a two-solution rectangle', () => {
    const solver = new SudokuSolver(S4);
    const sol = [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1];
    // One blank per row: naked singles finish it.
    const easy = sol.slice();
    easy[0] = easy[5] = easy[10] = easy[15] = 0;
    expect(solver.solve(easy, { limit: 2 })).toMatchObject({ solutions: 1, guesses: 0 });
    // Blank the rectangle (0,0) (0,1) (2,0) (2,1): digits 1/2 can swap in both rows (the boxes still hold 1..4),
    // so the puzzle has two solutions; each candidate of the first branching cell is one guess.
    const rect = sol.slice();
    rect[0] = rect[1] = rect[8] = rect[9] = 0;
    expect(bruteSolutions(rect, S4).length).toBe(2);
    expect(solver.solve(rect, { limit: 2 })).toMatchObject({ solutions: 2, guesses: 2 });
    expect(solver.solve(rect, { limit: 1 })).toMatchObject({ solutions: 1, guesses: 1 });
  });

  it('reports clashing givens as unsolvable and malformed grids as DataError', () => {
    const solver = new SudokuSolver(S4);
    const clash = new Uint8Array(16);
    clash[0] = clash[3] = 2;
    expect(solver.solve(clash).solutions).toBe(0);
    expect(() => solver.solve(new Uint8Array(15))).toThrow(DataError);
    expect(() => solver.solve(Uint8Array.from({ length: 16 }, (_, i) => (i === 3 ? 5 : 0)))).toThrow(/cell 3: expected 0 \(blank\) or a digit 1-4, got 5/);
  });

  it('randomised value order still finds valid grids, and different seeds give different grids', () => {
    const solver = new SudokuSolver(S9);
    const a = solver.solve(new Uint8Array(81), { limit: 1, rng: new Rng(1) }).solution!;
    const b = solver.solve(new Uint8Array(81), { limit: 1, rng: new Rng(2) }).solution!;
    expect(bruteValid(a, S9) && bruteValid(b, S9)).toBe(true);
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });
});
