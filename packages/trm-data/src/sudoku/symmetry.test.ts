import { describe, expect, it } from 'vitest';
import { Rng } from '@trm-ts/core';
import { bruteCanonical, bruteSolutions, bruteValid } from './oracle.test-helper.js';
import { randomFullGrid } from './generate.js';
import { sudokuSpec } from './spec.js';
import { applySudokuTransform, augmentSudoku, bandedPermutations, canonicalSudoku, canonicalSudokuKey, randomSudokuTransform } from './symmetry.js';

const S4 = sudokuSpec(4);
const S6 = sudokuSpec(6);
const S9 = sudokuSpec(9);

describe('sudoku symmetry transforms (§7.6)', () => {
  it('keep every transformed solution valid and every puzzle solved by its transformed solution', () => {
    const rng = new Rng(5);
    for (const spec of [S4, S6, S9]) {
      for (let t = 0; t < 40; t++) {
        const sol = randomFullGrid(spec, rng);
        const puzzle = sol.map((d) => (rng.next() < 0.5 ? 0 : d));
        const aug = augmentSudoku(puzzle, sol, spec, rng);
        expect(bruteValid(aug.solution, spec)).toBe(true);
        for (let i = 0; i < puzzle.length; i++) if (aug.puzzle[i]) expect(aug.puzzle[i]).toBe(aug.solution[i]);
        expect(aug.puzzle.filter((d) => d === 0).length).toBe(puzzle.filter((d) => d === 0).length);
      }
    }
  });

  it('never transposes 6×6 (2×3 boxes) and does transpose 9×9 about half the time', () => {
    const rng = new Rng(2);
    let t9 = 0;
    for (let k = 0; k < 400; k++) {
      expect(randomSudokuTransform(S6, rng).transpose).toBe(false);
      if (randomSudokuTransform(S9, rng).transpose) t9++;
    }
    expect(t9).toBeGreaterThan(150);
    expect(t9).toBeLessThan(250);
  });

  it('maps a grid as new[i][j] = map[a[rowPerm[i]][colPerm[j]]] (hand example)', () => {
    const a = [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1];
    const t = { transpose: false, rowPerm: Int32Array.from([1, 0, 2, 3]), colPerm: Int32Array.from([2, 3, 0, 1]), digitMap: Int32Array.from([0, 2, 1, 3, 4]) };
    // Rows 0↔1 swapped, stacks swapped, digits 1↔2: row 0 = a[1] = 3 4 1 2 → cols 2,3,0,1 → 1 2 3 4 → 2 1 3 4.
    expect(Array.from(applySudokuTransform(a, S4, t))).toEqual([2, 1, 3, 4, 3, 4, 2, 1, 4, 3, 1, 2, 1, 2, 4, 3]);
    const tt = { ...t, transpose: true, rowPerm: Int32Array.from([0, 1, 2, 3]), colPerm: Int32Array.from([0, 1, 2, 3]), digitMap: Int32Array.from([0, 1, 2, 3, 4]) };
    expect(Array.from(applySudokuTransform(a, S4, tt))).toEqual([1, 3, 2, 4, 2, 4, 1, 3, 3, 1, 4, 2, 4, 2, 3, 1]);
  });

  it('enumerates the row orders of the group: (bands)!·(size!)^bands', () => {
    expect(bandedPermutations(4, 2).length).toBe(8);
    expect(bandedPermutations(6, 3).length).toBe(72);
    expect(bandedPermutations(6, 2).length).toBe(48);
    expect(bandedPermutations(9, 3).length).toBe(1296);
    expect(new Set(bandedPermutations(9, 3).map((p) => p.join())).size).toBe(1296);
  });
});

describe('canonical form (§7.8)', () => {
  it('equals the minimum over an explicit enumeration of the group (4×4 and 6×6 puzzles)', () => {
    const rng = new Rng(9);
    for (const [spec, count] of [[S4, 60], [S6, 6]] as const) {
      for (let k = 0; k < count; k++) {
        const sol = randomFullGrid(spec, rng);
        const puzzle = sol.map((d) => (rng.next() < 0.6 ? 0 : d));
        expect(canonicalSudokuKey(puzzle, spec)).toBe(bruteCanonical(puzzle, spec));
      }
    }
  });

  it('is invariant under random transforms (9×9) and separates inequivalent puzzles', () => {
    const rng = new Rng(4);
    const sol = randomFullGrid(S9, rng);
    const puzzle = sol.map((d) => (rng.next() < 0.7 ? 0 : d));
    const key = canonicalSudokuKey(puzzle, S9);
    for (let k = 0; k < 5; k++) expect(canonicalSudokuKey(applySudokuTransform(puzzle, S9, randomSudokuTransform(S9, rng)), S9)).toBe(key);
    const other = puzzle.slice();
    const i = other.findIndex((d) => d !== 0);
    other[i] = 0; // one clue fewer: a different number of clues cannot be equivalent
    expect(canonicalSudokuKey(other, S9)).not.toBe(key);
    expect(canonicalSudoku(puzzle, S9).filter((d) => d !== 0).length).toBe(puzzle.filter((d) => d !== 0).length);
  });

  it('finds exactly 2 classes among all 288 4×4 solution grids (a known count)', () => {
    const all = bruteSolutions(new Uint8Array(16), S4);
    expect(all.length).toBe(288);
    expect(new Set(all.map((g) => canonicalSudokuKey(g, S4))).size).toBe(2);
  });
});
