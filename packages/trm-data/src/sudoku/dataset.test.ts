import { describe, expect, it } from 'vitest';
import { ConfigError } from '@trm-ts/core';
import { bruteValid } from './oracle.test-helper.js';
import { sudokuDataset, sudokuExtremeTrain, sudokuSplits } from './dataset.js';
import { decodeSudoku, sudokuSpec } from './spec.js';
import { canonicalSudokuKey } from './symmetry.js';
import { propagate } from './propagate.js';
import { solverFor } from './solver.js';
import { randomFullGrid } from './generate.js';
import { Rng } from '@trm-ts/core';

const S4 = sudokuSpec(4);

function pairs(n: 4 | 6 | 9, count: number, seed: number) {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const solution = randomFullGrid(sudokuSpec(n), rng);
    return { puzzle: solution.map((d) => (rng.next() < 0.5 ? 0 : d)), solution };
  });
}

describe('sudoku datasets', () => {
  it('encodes the official way: vocab n + 2, tokens digit + 1, one group of 1 + augmentations per pair', () => {
    const ps = pairs(9, 3, 1);
    const ds = sudokuDataset(ps, { n: 9, augmentations: 4, seed: 2 });
    expect([ds.seqLen, ds.vocabSize, ds.numPuzzleIdentifiers]).toEqual([81, 11, 1]);
    expect([ds.numExamples, ds.numPuzzles, ds.numGroups]).toEqual([15, 15, 3]);
    expect(Array.from(ds.groupIndices)).toEqual([0, 5, 10, 15]);
    const first = ds.example(0);
    expect(Array.from(first.inputs)).toEqual(Array.from(ps[0]!.puzzle, (d) => d + 1));
    expect(Array.from(first.labels)).toEqual(Array.from(ps[0]!.solution, (d) => d + 1));
    for (let e = 0; e < ds.numExamples; e++) {
      const ex = ds.example(e);
      const sol = decodeSudoku(ex.labels, 9);
      const puz = decodeSudoku(ex.inputs, 9);
      expect(bruteValid(sol, sudokuSpec(9))).toBe(true);
      for (let i = 0; i < 81; i++) if (puz[i]) expect(puz[i]).toBe(sol[i]);
    }
    expect(() => sudokuDataset(ps, { n: 9, augmentations: 2 })).toThrow(ConfigError);
  });

  it('builds the Sudoku-Extreme train set from a seeded subsample', () => {
    const ps = pairs(9, 20, 3);
    const a = sudokuExtremeTrain(ps, { seed: 7, subsample: 5, augmentations: 2 });
    const b = sudokuExtremeTrain(ps, { seed: 7, subsample: 5, augmentations: 2 });
    const c = sudokuExtremeTrain(ps, { seed: 8, subsample: 5, augmentations: 2 });
    expect([a.numExamples, a.numGroups]).toEqual([15, 5]);
    expect(Array.from(a.inputs)).toEqual(Array.from(b.inputs));
    expect(Array.from(a.inputs)).not.toEqual(Array.from(c.inputs));
    // Each group's first example is one of the source rows, unmodified.
    const sources = new Set(ps.map((p) => Array.from(p.puzzle, (d) => d + 1).join()));
    for (let g = 0; g < 5; g++) expect(sources.has(Array.from(a.example(a.groupIndices[g]!).inputs).join())).toBe(true);
    expect(() => sudokuExtremeTrain(ps, { seed: 1, subsample: 21 })).toThrow(/subsample/);
  });

  it('splits generated 6×6 puzzles into train/val/test with no canonical class shared between splits', () => {
    const s = sudokuSplits({ n: 6, seed: 4, train: 60, val: 10, test: 20, augmentations: 2 });
    expect([s.train.numExamples, s.train.numGroups, s.val.numExamples, s.test.numExamples]).toEqual([180, 60, 10, 20]);
    expect([s.train.vocabSize, s.train.seqLen]).toEqual([8, 36]);
    const classes = (ds: typeof s.train) => new Set(Array.from({ length: ds.numExamples }, (_, e) => canonicalSudokuKey(decodeSudoku(ds.example(e).inputs, 6), sudokuSpec(6))));
    const [tr, va, te] = [classes(s.train), classes(s.val), classes(s.test)];
    for (const k of va) expect(tr.has(k) || te.has(k)).toBe(false);
    for (const k of te) expect(tr.has(k)).toBe(false);
    expect(s.info.classSpaceExhausted).toBe(false);
    expect(te.size).toBe(20);
  });

  it('still keeps splits disjoint when 4×4 classes run out, using distinct symmetric variants', () => {
    const s = sudokuSplits({ n: 4, seed: 1, train: 200, val: 20, test: 50, augmentations: 1, maxStall: 500 });
    expect(s.info.classSpaceExhausted).toBe(true);
    expect(s.info.classes.found).toBeLessThan(270);
    expect(s.info.classes.train + s.info.classes.val + s.info.classes.test).toBe(s.info.classes.found);
    const keys = (ds: typeof s.train) => Array.from({ length: ds.numExamples }, (_, e) => decodeSudoku(ds.example(e).inputs, 4));
    const cls = (gs: Uint8Array[]) => new Set(gs.map((g) => canonicalSudokuKey(g, S4)));
    const [tr, va, te] = [cls(keys(s.train)), cls(keys(s.val)), cls(keys(s.test))];
    for (const k of te) expect(tr.has(k) || va.has(k)).toBe(false);
    for (const k of va) expect(tr.has(k)).toBe(false);
    expect(new Set(keys(s.test).map((g) => g.join())).size).toBe(50);
    expect(s.info.meanClues.test).toBeGreaterThanOrEqual(4);
  });

  it('is deterministic in the seed', () => {
    const a = sudokuSplits({ n: 4, seed: 3, train: 20, val: 4, test: 8, maxStall: 200 });
    const b = sudokuSplits({ n: 4, seed: 3, train: 20, val: 4, test: 8, maxStall: 200 });
    expect(Array.from(a.train.inputs)).toEqual(Array.from(b.train.inputs));
    expect(Array.from(a.test.labels)).toEqual(Array.from(b.test.labels));
  });

  it('adds a hard test split: puzzles propagation cannot solve, classes in no other split, other splits unchanged', () => {
    const S6 = sudokuSpec(6);
    const opts = { n: 6, seed: 4, train: 60, val: 10, test: 20, augmentations: 2 } as const;
    const plain = sudokuSplits(opts);
    const s = sudokuSplits({ ...opts, hardTest: 15 });
    expect(plain.hardTest).toBeUndefined();
    for (const k of ['train', 'val', 'test'] as const) expect(Array.from(s[k].inputs)).toEqual(Array.from(plain[k].inputs));
    const hard = s.hardTest!;
    expect([hard.numExamples, s.info.classes.hardTest]).toEqual([15, 15]);
    const grids = (ds: typeof hard) => Array.from({ length: ds.numExamples }, (_, e) => ({ p: decodeSudoku(ds.example(e).inputs, 6), y: decodeSudoku(ds.example(e).labels, 6) }));
    const others = new Set((['train', 'val', 'test'] as const).flatMap((k) => grids(s[k]).map((g) => canonicalSudokuKey(g.p, S6))));
    const hardKeys = new Set<string>();
    for (const { p, y } of grids(hard)) {
      expect(propagate(p, S6).solved).toBe(false);
      expect(solverFor(S6).solve(p)).toMatchObject({ solutions: 1, solution: y });
      const key = canonicalSudokuKey(p, S6);
      expect(others.has(key)).toBe(false);
      hardKeys.add(key);
    }
    expect(hardKeys.size).toBe(15);
    expect(() => sudokuSplits({ n: 4, seed: 1, train: 200, val: 20, test: 50, maxStall: 200, hardTest: 1 })).toThrow(/class space ran out/);
  });
});
