import { describe, expect, it } from 'vitest';
import { Rng } from '@trm-ts/core';
import { DataError } from '../errors.js';
import { bruteSolutions, bruteValid } from './oracle.test-helper.js';
import { generateSudokus, generateSudokuSet, inBand, minimizePuzzle, rateSudoku, randomFullGrid, SUDOKU_BANDS, type GeneratedSudoku } from './generate.js';
import { countClues, sudokuSpec } from './spec.js';
import { canonicalSudokuKey } from './symmetry.js';

const S4 = sudokuSpec(4);
const S6 = sudokuSpec(6);

describe('sudoku generation (§7.8)', () => {
  it('emits 4×4 puzzles that are unique and minimal by brute force', () => {
    const gen = generateSudokus({ n: 4, seed: 3 });
    for (let k = 0; k < 40; k++) {
      const g = (gen.next().value as GeneratedSudoku);
      const sols = bruteSolutions(g.puzzle, S4);
      expect(sols).toEqual([Array.from(g.solution)]);
      // Minimal: removing any clue admits a second solution.
      for (let i = 0; i < 16; i++) {
        if (!g.puzzle[i]) continue;
        const q = g.puzzle.slice();
        q[i] = 0;
        expect(bruteSolutions(q, S4, 2).length).toBe(2);
      }
      expect(g.clues).toBe(countClues(g.puzzle));
    }
  });

  it('emits 6×6 puzzles with a unique valid solution, and addClues makes them denser', () => {
    const plain = generateSudokus({ n: 6, seed: 1 });
    const dense = generateSudokus({ n: 6, seed: 1, addClues: 5 });
    for (let k = 0; k < 10; k++) {
      const a = (plain.next().value as GeneratedSudoku);
      const b = (dense.next().value as GeneratedSudoku);
      expect(bruteValid(a.solution, S6)).toBe(true);
      expect(bruteSolutions(a.puzzle, S6, 2).length).toBe(1);
      expect(bruteSolutions(b.puzzle, S6, 2).length).toBe(1);
      // Same seed: the first puzzle is the same minimal puzzle plus 5 clues (later ones diverge: the rng moved).
      if (k === 0) expect(b.clues).toBe(a.clues + 5);
      for (let i = 0; i < 36; i++) if (b.puzzle[i]) expect(b.puzzle[i]).toBe(b.solution[i]);
    }
  });

  it('is deterministic in the seed', () => {
    const a = (generateSudokus({ n: 6, seed: 8 }).next().value as GeneratedSudoku);
    const b = (generateSudokus({ n: 6, seed: 8 }).next().value as GeneratedSudoku);
    const c = (generateSudokus({ n: 6, seed: 9 }).next().value as GeneratedSudoku);
    expect(Array.from(a.puzzle)).toEqual(Array.from(b.puzzle));
    expect(Array.from(a.puzzle)).not.toEqual(Array.from(c.puzzle));
  });

  it('minimizePuzzle of a full grid keeps exactly the original solution', () => {
    const rng = new Rng(2);
    const sol = randomFullGrid(S4, rng);
    const p = minimizePuzzle(sol, S4, rng);
    expect(bruteSolutions(p, S4)).toEqual([Array.from(sol)]);
  });

  it('rates by mean guesses over transforms: 0 for singles-only puzzles, and the geometric mean is ≤ the mean', () => {
    const sol = [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1];
    const easy = sol.slice();
    easy[0] = easy[5] = easy[10] = easy[15] = 0;
    expect(rateSudoku(easy, S4, new Rng(1)).meanGuesses).toBe(0);
    const hard = '4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......';
    const r = rateSudoku(Array.from(hard, (c) => (c === '.' ? 0 : Number(c))), sudokuSpec(9), new Rng(1), 10);
    expect(r.samples.length).toBe(10);
    expect(r.meanGuesses).toBeCloseTo(r.samples.reduce((a, b) => a + b) / 10, 12);
    const geo = Math.exp(r.samples.reduce((a, g) => a + Math.log(g + 1), 0) / 10) - 1;
    expect(r.geoMeanGuesses).toBeCloseTo(geo, 9);
    expect(r.geoMeanGuesses).toBeLessThanOrEqual(r.meanGuesses);
    expect(r.meanGuesses).toBeGreaterThan(10);
  });

  it('bands are half-open on the mean guesses', () => {
    const rating = (m: number) => ({ meanGuesses: m, geoMeanGuesses: m, samples: [m] });
    expect(inBand(rating(2.9), 'easy')).toBe(true);
    expect(inBand(rating(3), 'medium')).toBe(true);
    expect(inBand(rating(100), 'extreme')).toBe(true);
    expect(inBand(rating(99.9), 'hard')).toBe(true);
    expect(SUDOKU_BANDS.hard).toEqual([20, 100]);
  });

  it('hill-climbs 9×9 puzzles into the medium band', () => {
    const gen = generateSudokus({ n: 9, seed: 5, band: 'medium', poolSize: 20, ratingSamples: 4 });
    const g = (gen.next().value as GeneratedSudoku);
    expect(g.rating.meanGuesses).toBeGreaterThanOrEqual(3);
    expect(g.rating.meanGuesses).toBeLessThan(20);
    expect(bruteValid(g.solution, sudokuSpec(9))).toBe(true);
  });

  it('generateSudokuSet returns pairwise inequivalent puzzles and fails clearly when the class space runs out', () => {
    const set = generateSudokuSet({ n: 6, seed: 2, count: 30 });
    expect(new Set(set.map((g) => canonicalSudokuKey(g.puzzle, S6))).size).toBe(30);
    // 4×4 minimal puzzles form only a few dozen classes.
    expect(() => generateSudokuSet({ n: 4, seed: 1, count: 100, maxStall: 300 })).toThrow(DataError);
  });
});

describe('generator stop', () => {
  it('ends the stream when stop() turns true, for random minimal puzzles and for the hill climb', () => {
    for (const band of [undefined, 'medium'] as const) {
      let calls = 0;
      const got = [...generateSudokus({ n: 4, seed: 1, band, poolSize: 5, stop: () => ++calls > 20 })];
      expect(calls).toBe(21);
      expect(got.length).toBeLessThanOrEqual(20);
    }
  });
});
