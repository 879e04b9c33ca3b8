/**
 * Sudoku datasets: the official Sudoku-Extreme build recipe (ALGORITHM.md §7.3, seeded here) and ready
 * train/val/test splits of generated n×n puzzles, disjoint by canonical form (§7.8, §11.4).
 */
import { ConfigError, Rng } from '@trm-ts/core';
import { ArrayDataset } from '../dataset.js';
import { DataError } from '../errors.js';
import { generateSudokus, type GeneratedSudoku, type SudokuBand } from './generate.js';
import { propagate } from './propagate.js';
import { formatSudokuString, sudokuSpec, sudokuVocabSize, type SudokuSize } from './spec.js';
import { applySudokuTransform, canonicalSudokuKey, randomSudokuTransform } from './symmetry.js';

export interface SudokuPair {
  puzzle: ArrayLike<number>;
  solution: ArrayLike<number>;
}

/**
 * Builds a dataset of sudoku pairs: one group per pair holding the pair itself and `augmentations` random
 * symmetry transforms of it (one puzzle of one example each, puzzle id 0), as the official builder does.
 */
export function sudokuDataset(
  pairs: readonly SudokuPair[],
  options: { n: SudokuSize; name?: string; augmentations?: number; seed?: number },
): ArrayDataset {
  const spec = sudokuSpec(options.n);
  const { augmentations = 0 } = options;
  if (!(Number.isInteger(augmentations) && augmentations >= 0)) throw new ConfigError(`sudoku augmentations: expected a non-negative integer, got ${augmentations}.`);
  if (augmentations > 0 && options.seed === undefined) throw new ConfigError('sudoku augmentations: expected a seed, got none. Pass { seed }.');
  const rng = new Rng(options.seed ?? 0);
  const { n } = spec;
  const N = n * n;
  const per = 1 + augmentations;
  const total = pairs.length * per;
  // Written in place: every token is digit + 1 of a checked pair, so the dataset is valid by construction.
  const inputs = new Uint8Array(total * N);
  const labels = new Uint8Array(total * N);
  const t = randomSudokuTransform(spec, rng);
  const map = t.digitMap;
  for (let k = 0; k < pairs.length; k++) {
    const { puzzle, solution } = pairs[k]!;
    if (puzzle.length !== N || solution.length !== N) {
      throw new DataError(`sudoku pair ${k}: expected ${N} cells for puzzle and solution, got ${puzzle.length} and ${solution.length}.`);
    }
    let o = k * per * N;
    for (let i = 0; i < N; i++) {
      const p = puzzle[i]!;
      const s = solution[i]!;
      if (!(Number.isInteger(p) && Number.isInteger(s) && p >= 0 && p <= n && s >= 0 && s <= n)) {
        throw new DataError(`sudoku pair ${k}: cell ${i}: expected digits 0-${n}, got ${p} and ${s}.`);
      }
      inputs[o + i] = p + 1;
      labels[o + i] = s + 1;
    }
    // Augment from the encoded copy (a typed array): out = map'[token] with map' = map shifted by one.
    const p0 = o;
    for (let a = 0; a < augmentations; a++) {
      o += N;
      // One source-index table serves puzzle and solution (the same transform on both, §7.6).
      randomSudokuTransform(spec, rng, t);
      const { rowPerm, colPerm } = t;
      // new[i][j] = a'[rowPerm[i]][colPerm[j]] (a' = a or its transpose), fused with the copy.
      const rs = t.transpose ? 1 : n;
      const cs = t.transpose ? n : 1;
      for (let i = 0; i < n; i++) {
        const rowBase = p0 + rowPerm[i]! * rs;
        const oi = o + i * n;
        for (let j = 0; j < n; j++) {
          const q = rowBase + colPerm[j]! * cs;
          inputs[oi + j] = map[inputs[q]! - 1]! + 1;
          labels[oi + j] = map[labels[q]! - 1]! + 1;
        }
      }
    }
  }
  const groupIndices = new Int32Array(pairs.length + 1);
  for (let g = 0; g <= pairs.length; g++) groupIndices[g] = g * per;
  const puzzleIndices = new Int32Array(total + 1);
  for (let p = 0; p <= total; p++) puzzleIndices[p] = p;
  return new ArrayDataset({
    name: options.name ?? `sudoku${n}`,
    seqLen: N,
    vocabSize: sudokuVocabSize(n),
    inputs,
    labels,
    puzzleIndices,
    groupIndices,
    puzzleIdentifiers: new Int32Array(total),
    numPuzzleIdentifiers: 1,
    validate: false,
  });
}

/**
 * The official Sudoku-Extreme train build (§7.3): `subsample` rows drawn uniformly without replacement
 * (seeded, unlike the official builder), each becoming a group of itself plus `augmentations` transforms.
 */
export function sudokuExtremeTrain(records: readonly SudokuPair[], options: { seed: number; subsample?: number; augmentations?: number; name?: string }): ArrayDataset {
  const { seed, subsample = records.length, augmentations = 1000 } = options;
  if (!(Number.isInteger(subsample) && subsample >= 1 && subsample <= records.length)) {
    throw new ConfigError(`sudoku subsample: expected an integer in [1, ${records.length}] (the rows available), got ${subsample}.`);
  }
  const rng = new Rng(seed);
  const pick = rng.permutation(records.length).subarray(0, subsample);
  const n = Math.round(Math.sqrt(records[0]!.puzzle.length)) as SudokuSize;
  return sudokuDataset(Array.from(pick, (i) => records[i]!), { n, name: options.name ?? 'sudoku-extreme-train', augmentations, seed: rng.nextU32() });
}

export interface SudokuSplitOptions {
  n: SudokuSize;
  seed: number;
  /** Base puzzles of the train split (default 2000), each with `augmentations` transforms (default 8). */
  train?: number;
  augmentations?: number;
  /** Puzzles of the validation and test splits (defaults 256 and 1000); never augmented. */
  val?: number;
  test?: number;
  band?: SudokuBand;
  /** Random clues added back to each minimal puzzle (easier puzzles). Default 0. */
  addClues?: number;
  /** Stop looking for new canonical classes after this many generated puzzles in a row repeat one. Default 3000. */
  maxStall?: number;
  /**
   * Puzzles of an extra `hardTest` split (default 0: none): generated after the other splits' classes, each one
   * that naked + hidden singles cannot finish ({@link propagate}), each from a canonical class in no other split
   * and pairwise distinct. The other splits are the same with or without it.
   */
  hardTest?: number;
}

export interface SudokuSplits {
  train: ArrayDataset;
  val: ArrayDataset;
  test: ArrayDataset;
  /** Only when `hardTest` > 0. */
  hardTest?: ArrayDataset;
  info: {
    /** Canonical classes (puzzles up to symmetry) found and used by each split. */
    classes: { found: number; train: number; val: number; test: number; hardTest?: number };
    /** True when fewer classes exist than base puzzles were asked for (e.g. 4×4 minimal puzzles): the splits then
     * hold several symmetric variants of each class, still with no class shared between splits. */
    classSpaceExhausted: boolean;
    meanClues: { train: number; val: number; test: number };
    meanGuesses: { train: number; val: number; test: number };
  };
}

/**
 * Ready train/val/test splits of generated n×n puzzles (§11.4), with no puzzle in one split equivalent (same
 * canonical form) to a puzzle in another. Deterministic in `seed`.
 */
export function sudokuSplits(options: SudokuSplitOptions): SudokuSplits {
  const { n, seed, train = 2000, val = 256, test = 1000, augmentations = 8, maxStall = 3000, hardTest = 0 } = options;
  const spec = sudokuSpec(n);
  for (const [k, v] of Object.entries({ train, val, test })) {
    if (!(Number.isInteger(v) && v >= 1)) throw new ConfigError(`sudokuSplits: ${k}: expected a positive integer, got ${v}.`);
  }
  if (!(Number.isInteger(hardTest) && hardTest >= 0)) throw new ConfigError(`sudokuSplits: hardTest: expected a non-negative integer, got ${hardTest}.`);
  const total = train + val + test;
  const classes = new Map<string, GeneratedSudoku>();
  let stall = 0;
  // One stream for all splits: the hard test split continues it where the others stopped.
  const stream = generateSudokus({ n, seed, band: options.band, addClues: options.addClues });
  for (let it = stream.next(); !it.done; it = stream.next()) {
    const g = it.value;
    if (classes.size >= total || stall >= maxStall) break;
    const key = canonicalSudokuKey(g.puzzle, spec);
    if (classes.has(key)) {
      stall++;
      continue;
    }
    stall = 0;
    classes.set(key, g);
  }
  const found = classes.size;
  if (found < 3) throw new DataError(`sudokuSplits: expected at least 3 inequivalent ${n}×${n} puzzles (one per split), found ${found}.`);
  const rng = new Rng(seed ^ 0x5bd1e995);
  const list = [...classes.values()];
  rng.shuffle(list);
  // Classes are split in proportion to the requested sizes, every split getting at least one.
  const exhausted = found < total;
  const nTest = exhausted ? Math.max(1, Math.round((found * test) / total)) : test;
  const nVal = exhausted ? Math.max(1, Math.round((found * val) / total)) : val;
  const testC = list.slice(0, nTest);
  const valC = list.slice(nTest, nTest + nVal);
  const trainC = list.slice(nTest + nVal, exhausted ? found : nTest + nVal + train);
  if (trainC.length === 0) throw new DataError(`sudokuSplits: expected at least one class left for train, found ${found} in all.`);
  const pick = (cls: GeneratedSudoku[], count: number): GeneratedSudoku[] => {
    // Cycle through the split's classes; repeats are fresh random symmetric variants (distinct puzzles).
    const out: GeneratedSudoku[] = [];
    const seen = new Set<string>();
    let attempts = 0;
    for (let i = 0; out.length < count; i++) {
      const c = cls[i % cls.length]!;
      let g = c;
      if (i >= cls.length) {
        const t = randomSudokuTransform(spec, rng);
        g = { ...c, puzzle: applySudokuTransform(c.puzzle, spec, t), solution: applySudokuTransform(c.solution, spec, t) };
      }
      const key = formatSudokuString(g.puzzle);
      if (seen.has(key)) {
        if (++attempts > 100 * count) throw new DataError(`sudokuSplits: expected ${count} distinct puzzles from ${cls.length} classes, got ${out.length}. Ask for fewer.`);
        continue;
      }
      seen.add(key);
      out.push(g);
    }
    return out;
  };
  const trainP = pick(trainC, train);
  const valP = pick(valC, val);
  const testP = pick(testC, test);
  const hardP: GeneratedSudoku[] = [];
  if (hardTest > 0) {
    if (exhausted) throw new DataError(`sudokuSplits: hardTest: expected ${n}×${n} classes beyond the ${found} the other splits use, found none (the class space ran out). Ask for hardTest: 0.`);
    const hardKeys = new Set<string>();
    let misses = 0;
    for (let it = stream.next(); !it.done && hardP.length < hardTest; it = stream.next()) {
      const g = it.value;
      const key = propagate(g.puzzle, spec).solved ? null : canonicalSudokuKey(g.puzzle, spec);
      if (key === null || classes.has(key) || hardKeys.has(key)) {
        // Hard puzzles are ~5% of 6×6 minimal puzzles; 4×4 minimal puzzles never need search.
        if (++misses >= 20 * maxStall) throw new DataError(`sudokuSplits: hardTest: expected ${hardTest} new puzzles that propagation cannot solve, found ${hardP.length} in ${misses} tries in a row. Ask for fewer, or another size.`);
        continue;
      }
      misses = 0;
      hardKeys.add(key);
      hardP.push(g);
    }
  }
  const mean = (xs: GeneratedSudoku[], f: (g: GeneratedSudoku) => number) => xs.reduce((a, g) => a + f(g), 0) / xs.length;
  return {
    ...(hardTest > 0 ? { hardTest: sudokuDataset(hardP, { n, name: `sudoku${n}-hard-test` }) } : {}),
    train: sudokuDataset(trainP, { n, name: `sudoku${n}-train`, augmentations, seed: rng.nextU32() }),
    val: sudokuDataset(valP, { n, name: `sudoku${n}-val` }),
    test: sudokuDataset(testP, { n, name: `sudoku${n}-test` }),
    info: {
      classes: { found, train: trainC.length, val: valC.length, test: testC.length, ...(hardTest > 0 ? { hardTest: hardP.length } : {}) },
      classSpaceExhausted: exhausted,
      meanClues: { train: mean(trainP, (g) => g.clues), val: mean(valP, (g) => g.clues), test: mean(testP, (g) => g.clues) },
      meanGuesses: { train: mean(trainP, (g) => g.rating.meanGuesses), val: mean(valP, (g) => g.rating.meanGuesses), test: mean(testP, (g) => g.rating.meanGuesses) },
    },
  };
}
