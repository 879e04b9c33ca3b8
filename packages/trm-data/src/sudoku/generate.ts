/**
 * Sudoku generation with controlled hardness (ALGORITHM.md §7.8, following tdoku's generator): random full grids,
 * minimal puzzles, a rating by solver guesses averaged over random symmetry transforms, and hill climbing toward
 * few clues and many guesses for the harder bands.
 */
import { ConfigError, Rng } from '@trm-ts/core';
import { DataError } from '../errors.js';
import { solverFor } from './solver.js';
import { countClues, formatSudokuString, sudokuSpec, type SudokuSize, type SudokuSpec } from './spec.js';
import { applySudokuTransform, canonicalSudokuKey, randomSudokuTransform } from './symmetry.js';

export interface SudokuRating {
  /** Mean guesses of the singles + MRV solver over the sampled transforms. */
  meanGuesses: number;
  /** exp(mean ln(g + 1)) − 1, tdoku's generator statistic. */
  geoMeanGuesses: number;
  /** Guesses per sampled transform. */
  samples: number[];
}

/** Rates a puzzle: solve K random symmetry transforms to the first solution and average the guesses (§7.8). */
export function rateSudoku(puzzle: ArrayLike<number>, spec: SudokuSpec, rng: Rng, samples = 10): SudokuRating {
  const solver = solverFor(spec);
  const out: number[] = [];
  let lnSum = 0;
  for (let k = 0; k < samples; k++) {
    const t = randomSudokuTransform(spec, rng);
    const g = solver.solve(applySudokuTransform(puzzle, spec, t), { limit: 1 }).guesses;
    out.push(g);
    lnSum += Math.log(g + 1);
  }
  const mean = out.reduce((a, b) => a + b, 0) / samples;
  return { meanGuesses: mean, geoMeanGuesses: Math.exp(lnSum / samples) - 1, samples: out };
}

/** Difficulty bands by mean singles + MRV guesses (D, §7.8): [min, max). */
export const SUDOKU_BANDS = Object.freeze({
  easy: Object.freeze([0, 3] as const),
  medium: Object.freeze([3, 20] as const),
  hard: Object.freeze([20, 100] as const),
  extreme: Object.freeze([100, Infinity] as const),
});
export type SudokuBand = keyof typeof SUDOKU_BANDS;

export function inBand(rating: SudokuRating, band: SudokuBand | undefined): boolean {
  if (!band) return true;
  const [lo, hi] = SUDOKU_BANDS[band];
  return rating.meanGuesses >= lo && rating.meanGuesses < hi;
}

/** A uniformly shuffled search of the empty grid: a random complete solution. */
export function randomFullGrid(spec: SudokuSpec, rng: Rng): Uint8Array {
  return solverFor(spec).solve(new Uint8Array(spec.n * spec.n), { limit: 1, rng }).solution!;
}

/** True iff the puzzle has exactly one solution. */
export function hasUniqueSolution(puzzle: ArrayLike<number>, spec: SudokuSpec): boolean {
  return solverFor(spec).solve(puzzle, { limit: 2 }).solutions === 1;
}

/** Removes clues in random order while the solution stays unique; the result is minimal. `puzzle` must be unique. */
export function minimizePuzzle(puzzle: ArrayLike<number>, spec: SudokuSpec, rng: Rng): Uint8Array {
  const p = Uint8Array.from(puzzle);
  const solver = solverFor(spec);
  const cells: number[] = [];
  for (let i = 0; i < p.length; i++) if (p[i]) cells.push(i);
  rng.shuffle(cells);
  for (const i of cells) {
    const d = p[i]!;
    p[i] = 0;
    // Still unique iff no solution puts another digit here (cheaper than counting to 2).
    if (solver.solve(p, { limit: 1, exclude: { cell: i, digit: d } }).solutions !== 0) p[i] = d;
  }
  return p;
}

export interface GeneratedSudoku {
  puzzle: Uint8Array;
  solution: Uint8Array;
  clues: number;
  rating: SudokuRating;
}

export interface SudokuGeneratorOptions {
  n: SudokuSize;
  seed: number;
  /** Emit only puzzles whose rating falls in this band; harder bands use hill climbing. Default: any. */
  band?: SudokuBand;
  /** Random clues (from the solution) added back after minimising; makes puzzles easier. Default 0. */
  addClues?: number;
  /** Transforms per rating (K). Default 10. */
  ratingSamples?: number;
  /** Emit only puzzles with at most this many clues; switches to hill climbing (which favours few clues). */
  maxClues?: number;
  /** Hill-climbing pool size. Default 500 (9×9), 100 (smaller sizes and the extreme band). */
  poolSize?: number;
  /**
   * Hill-climbing loss `clues − exp(guessExponent · meanLn(g + 1)) + U(0, 1)`. §7.8 (tdoku) uses 0.5, which
   * mostly removes clues; the default is 0.5 up to the hard band and 1.5 (with a pool of 100) for extreme, which
   * needs many guesses: with 0.5 and 500 no extreme puzzle appeared in 3 minutes.
   */
  guessExponent?: number;
  /**
   * Ends the (otherwise endless) stream when it returns true; asked between candidates, e.g.
   * `() => performance.now() > deadline`. (An AbortSignal would never fire: generation is synchronous.)
   */
  stop?: () => boolean;
}

/**
 * An endless stream of unique-solution puzzles (not deduplicated: see {@link generateSudokuSet}).
 * Without a band, or for `easy`, random minimal puzzles; for harder bands, the §7.8 hill climb.
 */
export function* generateSudokus(options: SudokuGeneratorOptions): Generator<GeneratedSudoku, void> {
  const spec = sudokuSpec(options.n);
  const { band, addClues = 0, ratingSamples = 10 } = options;
  if (band !== undefined && !(band in SUDOKU_BANDS)) {
    throw new ConfigError(`sudoku band: expected one of ${Object.keys(SUDOKU_BANDS).join(', ')}, got ${String(band)}.`);
  }
  if (!(Number.isInteger(addClues) && addClues >= 0 && addClues < spec.n * spec.n)) {
    throw new ConfigError(`sudoku addClues: expected an integer in [0, ${spec.n * spec.n}), got ${addClues}.`);
  }
  const rng = new Rng(options.seed);
  const make = (puzzle: Uint8Array, solution: Uint8Array): GeneratedSudoku => {
    if (addClues > 0) {
      const blanks: number[] = [];
      for (let i = 0; i < puzzle.length; i++) if (!puzzle[i]) blanks.push(i);
      rng.shuffle(blanks);
      for (const i of blanks.slice(0, addClues)) puzzle[i] = solution[i]!;
    }
    return { puzzle, solution, clues: countClues(puzzle), rating: rateSudoku(puzzle, spec, rng, ratingSamples) };
  };
  const { maxClues } = options;
  if ((band === undefined || band === 'easy') && maxClues === undefined) {
    while (!options.stop?.()) {
      const solution = randomFullGrid(spec, rng);
      const g = make(minimizePuzzle(solution, spec, rng), solution);
      if (inBand(g.rating, band)) yield g;
    }
    return;
  }
  if (addClues > 0) throw new ConfigError(`sudoku addClues: expected 0 with band ${band} or maxClues (clues are only added to random minimal puzzles), got ${addClues}.`);
  const accept = (g: GeneratedSudoku) => inBand(g.rating, band) && (maxClues === undefined || g.clues <= maxClues);
  const extreme = band === 'extreme';
  const exponent = options.guessExponent ?? (extreme ? 1.5 : 0.5);
  const pool = options.poolSize ?? (spec.n === 9 && !extreme ? 500 : 100);
  yield* hillClimb(spec, rng, pool, ratingSamples, exponent, accept, options.stop ?? (() => false));
}

interface PoolEntry {
  puzzle: Uint8Array;
  solution: Uint8Array;
  loss: number;
  key: string;
}

function* hillClimb(
  spec: SudokuSpec,
  rng: Rng,
  poolSize: number,
  ratingSamples: number,
  guessExponent: number,
  accept: (g: GeneratedSudoku) => boolean,
  stop: () => boolean,
): Generator<GeneratedSudoku> {
  const solver = solverFor(spec);
  const N = spec.n * spec.n;
  // loss = clues − exp(e·meanLn(g+1)) + U(0,1): fewer clues and more guesses are better (§7.8, tdoku: e = 0.5).
  const lossOf = (puzzle: Uint8Array, geo: number) => countClues(puzzle) - Math.exp(guessExponent * Math.log(geo + 1)) + rng.next();
  const pool: PoolEntry[] = [];
  const keys = new Set<string>();
  const rate = (puzzle: Uint8Array, solution: Uint8Array): GeneratedSudoku => ({
    puzzle: Uint8Array.from(puzzle),
    solution,
    clues: countClues(puzzle),
    rating: rateSudoku(puzzle, spec, rng, ratingSamples),
  });
  while (pool.length < poolSize && !stop()) {
    const solution = randomFullGrid(spec, rng);
    const puzzle = minimizePuzzle(solution, spec, rng);
    const key = formatSudokuString(puzzle);
    if (keys.has(key)) continue;
    const g = rate(puzzle, solution);
    if (accept(g)) yield g;
    keys.add(key);
    pool.push({ puzzle, solution, loss: lossOf(puzzle, g.rating.geoMeanGuesses), key });
  }
  while (!stop()) {
    // Parent: the better of two random pool members (a tournament speeds the climb; §7.8 picks one at random).
    const a = pool[Math.floor(rng.next() * pool.length)]!;
    const c = pool[Math.floor(rng.next() * pool.length)]!;
    const parent = a.loss <= c.loss ? a : c;
    const p = Uint8Array.from(parent.puzzle);
    const clues: number[] = [];
    for (let i = 0; i < N; i++) if (p[i]) clues.push(i);
    rng.shuffle(clues);
    for (const i of clues.slice(0, 3)) p[i] = 0;
    // Re-fix the solution: add clues from one random completion until the puzzle is unique again.
    const completion = solver.solve(p, { limit: 1, rng }).solution!;
    const blanks: number[] = [];
    for (let i = 0; i < N; i++) if (!p[i]) blanks.push(i);
    rng.shuffle(blanks);
    let k = 0;
    while (solver.solve(p, { limit: 2 }).solutions !== 1) {
      const i = blanks[k++]!;
      p[i] = completion[i]!;
    }
    const puzzle = minimizePuzzle(p, spec, rng);
    const key = formatSudokuString(puzzle);
    if (keys.has(key)) continue;
    const g = rate(puzzle, completion);
    if (accept(g)) yield g;
    const loss = lossOf(puzzle, g.rating.geoMeanGuesses);
    let worst = 0;
    for (let j = 1; j < pool.length; j++) if (pool[j]!.loss > pool[worst]!.loss) worst = j;
    if (loss < pool[worst]!.loss) {
      keys.delete(pool[worst]!.key);
      keys.add(key);
      pool[worst] = { puzzle, solution: completion, loss, key };
    }
  }
}

export interface SudokuSetOptions extends SudokuGeneratorOptions {
  count: number;
  /** Give up (DataError) after this many consecutive puzzles without a new canonical class. Default 2000. */
  maxStall?: number;
}

/** `count` puzzles from {@link generateSudokus}, pairwise inequivalent (distinct canonical forms). */
export function generateSudokuSet(options: SudokuSetOptions): (GeneratedSudoku & { key: string })[] {
  const spec = sudokuSpec(options.n);
  const { count, maxStall = 2000 } = options;
  const out: (GeneratedSudoku & { key: string })[] = [];
  const seen = new Set<string>();
  let stall = 0;
  for (const g of generateSudokus(options)) {
    if (out.length >= count) break;
    const key = canonicalSudokuKey(g.puzzle, spec);
    if (seen.has(key)) {
      if (++stall >= maxStall) {
        throw new DataError(`sudoku generator: expected ${count} inequivalent ${spec.n}×${spec.n} puzzles${options.band ? ` in band ${options.band}` : ''}, got ${out.length} before ${maxStall} puzzles in a row repeated a class. Ask for fewer, or a larger size.`);
      }
      continue;
    }
    stall = 0;
    seen.add(key);
    out.push({ ...g, key });
  }
  return out;
}
