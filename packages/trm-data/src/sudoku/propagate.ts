/**
 * How much reasoning a puzzle needs (issue 14's testbed): plain constraint propagation — naked and hidden singles —
 * in synchronous rounds, as a measure of depth. A round reads one grid and places every single it finds there at
 * once, so `rounds` is the number of parallel deduction steps (a lower bound on what a fixed-depth model must
 * chain); a puzzle it cannot finish needs search (or stronger rules), which makes the "hard slice".
 */
import { DataError } from '../errors.js';
import { isValidSolution, sudokuUnits, type SudokuSpec } from './spec.js';
import { canonicalSudokuKey } from './symmetry.js';

export interface PropagationResult {
  /** The grid when propagation stopped (solved, stuck or contradicted). */
  grid: Uint8Array;
  /** Rounds that placed at least one digit. */
  rounds: number;
  /** True when `grid` is a complete valid solution. */
  solved: boolean;
}

/**
 * Naked singles (a blank with one candidate) and hidden singles (a digit with one place in a row, column or box),
 * found on the grid at the start of a round and placed together, until solved or no single is left. A
 * contradiction (a blank with no candidate, a digit with no place, two singles for one cell) stops it unsolved.
 */
export function propagate(puzzle: ArrayLike<number>, spec: SudokuSpec): PropagationResult {
  const { n } = spec;
  const N = n * n;
  if (puzzle.length !== N) throw new DataError(`propagate: expected ${N} cells for a ${n}×${n} sudoku, got ${puzzle.length}.`);
  const grid = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    const d = puzzle[i]!;
    if (!(Number.isInteger(d) && d >= 0 && d <= n)) throw new DataError(`propagate: cell ${i}: expected 0 (blank) or a digit 1-${n}, got ${d}.`);
    grid[i] = d;
  }
  const { units, unitsOf } = geometry(spec);
  const full = (1 << n) - 1;
  const cand = new Int32Array(N);
  const place = new Uint8Array(N);
  let rounds = 0;
  for (;;) {
    // Candidates of every blank from the digits placed in its three units.
    const used = new Int32Array(units.length);
    units.forEach((u, k) => {
      for (const c of u) if (grid[c]) used[k]! |= 1 << (grid[c]! - 1);
    });
    let blanks = 0;
    let ok = true;
    place.fill(0);
    for (let c = 0; c < N && ok; c++) {
      if (grid[c]) continue;
      blanks++;
      const [a, b, x] = unitsOf[c]!;
      const m = full & ~(used[a]! | used[b]! | used[x]!);
      cand[c] = m;
      if (m === 0) ok = false;
      else if ((m & (m - 1)) === 0) place[c] = 32 - Math.clz32(m);
    }
    if (blanks === 0 || !ok) break;
    for (let k = 0; k < units.length && ok; k++) {
      for (let d = 1; d <= n && ok; d++) {
        const bit = 1 << (d - 1);
        if (used[k]! & bit) continue;
        let where = -1;
        let count = 0;
        for (const c of units[k]!) if (!grid[c] && cand[c]! & bit) (where = c), count++;
        if (count === 0) ok = false;
        else if (count === 1) {
          if (place[where] && place[where] !== d) ok = false;
          place[where] = d;
        }
      }
    }
    if (!ok) break;
    let placed = 0;
    for (let c = 0; c < N; c++) if (place[c]) (grid[c] = place[c]!), placed++;
    if (placed === 0) break;
    rounds++;
  }
  return { grid, rounds, solved: isValidSolution(grid, spec) };
}

export interface TestbedProperties {
  /** Per puzzle, in input order: rounds performed and whether propagation alone solved it. */
  puzzles: { rounds: number; solvedByPropagation: boolean }[];
  count: number;
  /** Distinct canonical forms (symmetry classes, §7.8) among the puzzles. */
  distinctClasses: number;
  /** Puzzles propagation alone solves. */
  solvedByPropagation: number;
  /** Share of puzzles propagation cannot finish: they need search. */
  needSearchFraction: number;
  /** Rounds needed by the puzzles propagation solves (NaN when it solves none). */
  meanRounds: number;
  medianRounds: number;
  maxRounds: number;
  /** roundsHistogram[r] = puzzles propagation solves in exactly r rounds. */
  roundsHistogram: number[];
  /** The hard slice: indices of the puzzles propagation alone cannot solve. */
  hardIndices: number[];
}

/** Propagation depth, canonical classes and the hard slice of a list of puzzles (e.g. a test split). */
export function testbedProperties(puzzles: readonly ArrayLike<number>[], spec: SudokuSpec): TestbedProperties {
  if (puzzles.length === 0) throw new DataError('testbedProperties: expected at least one puzzle, got 0.');
  const per = puzzles.map((p) => {
    const r = propagate(p, spec);
    return { rounds: r.rounds, solvedByPropagation: r.solved };
  });
  const classes = new Set(puzzles.map((p) => canonicalSudokuKey(p, spec)));
  const solvedRounds = per.filter((r) => r.solvedByPropagation).map((r) => r.rounds).sort((a, b) => a - b);
  const k = solvedRounds.length;
  const histogram = new Array<number>(k ? solvedRounds[k - 1]! + 1 : 0).fill(0);
  for (const r of solvedRounds) histogram[r]!++;
  const median = k === 0 ? Number.NaN : k % 2 ? solvedRounds[(k - 1) / 2]! : (solvedRounds[k / 2 - 1]! + solvedRounds[k / 2]!) / 2;
  const hardIndices = per.flatMap((r, i) => (r.solvedByPropagation ? [] : [i]));
  return {
    puzzles: per,
    count: puzzles.length,
    distinctClasses: classes.size,
    solvedByPropagation: k,
    needSearchFraction: hardIndices.length / puzzles.length,
    meanRounds: k === 0 ? Number.NaN : solvedRounds.reduce((s, r) => s + r, 0) / k,
    medianRounds: median,
    maxRounds: k === 0 ? Number.NaN : solvedRounds[k - 1]!,
    roundsHistogram: histogram,
    hardIndices,
  };
}

const geometries = new Map<string, { units: number[][]; unitsOf: [number, number, number][] }>();

/** The 3n units and, per cell, its row, column and box unit (cached per geometry). */
function geometry(spec: SudokuSpec): { units: number[][]; unitsOf: [number, number, number][] } {
  const key = `${spec.n}:${spec.boxRows}x${spec.boxCols}`;
  let g = geometries.get(key);
  if (!g) {
    const units = sudokuUnits(spec);
    const unitsOf = Array.from({ length: spec.n * spec.n }, () => [] as number[]);
    units.forEach((u, k) => u.forEach((c) => unitsOf[c]!.push(k)));
    geometries.set(key, (g = { units, unitsOf: unitsOf as [number, number, number][] }));
  }
  return g;
}
