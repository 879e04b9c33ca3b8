/**
 * n×n Sudoku geometry and the official token encoding (ALGORITHM.md §7.3, §7.6).
 * A grid is a Uint8Array of n² cells in row-major order: 0 = blank, 1..n = digits.
 */
import { ConfigError } from '@trm-ts/core';
import { DataError, type DataLocation } from '../errors.js';

export interface SudokuSpec {
  /** Side and number of digits. */
  n: number;
  /** Rows per box (= rows per band). */
  boxRows: number;
  /** Columns per box (= columns per stack). */
  boxCols: number;
}

/** The supported sizes: 4×4 (2×2 boxes), 6×6 (2 rows × 3 columns), 9×9 (3×3). */
export const SUDOKU_SPECS: Readonly<Record<4 | 6 | 9, Readonly<SudokuSpec>>> = Object.freeze({
  4: Object.freeze({ n: 4, boxRows: 2, boxCols: 2 }),
  6: Object.freeze({ n: 6, boxRows: 2, boxCols: 3 }),
  9: Object.freeze({ n: 9, boxRows: 3, boxCols: 3 }),
});

export type SudokuSize = 4 | 6 | 9;

export function sudokuSpec(n: number): SudokuSpec {
  const spec = SUDOKU_SPECS[n as SudokuSize];
  if (!spec) throw new ConfigError(`sudoku size: expected one of 4, 6, 9, got ${n}.`);
  return spec;
}

/** Token of a blank cell: the official builders write digit + 1, so blank (0) → 1 and PAD = 0 (§7.3). */
export const SUDOKU_BLANK_TOKEN = 1;

/** `vocab_size` of an n×n task: PAD, blank and n digits. */
export function sudokuVocabSize(n: number): number {
  return n + 2;
}

/** Digits → tokens (digit + 1); `out` may be reused. */
export function encodeSudoku<T extends Int32Array | Uint8Array = Uint8Array>(grid: ArrayLike<number>, out?: T): T {
  const o = out ?? (new Uint8Array(grid.length) as T);
  for (let i = 0; i < grid.length; i++) o[i] = grid[i]! + 1;
  return o;
}

/** Tokens → digits (PAD and blank → 0). Throws on a token outside [0, n + 1]. */
export function decodeSudoku(tokens: ArrayLike<number>, n: number): Uint8Array {
  const out = new Uint8Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!(Number.isInteger(t) && t >= 0 && t <= n + 1)) {
      throw new DataError(`sudoku tokens: position ${i}: expected a token in [0, ${n + 1}], got ${t}.`);
    }
    out[i] = t <= 1 ? 0 : t - 1;
  }
  return out;
}

/**
 * Parses the CSV string form (`.` or `0` = blank, `1`..`n`); the length must be n². `what` names the field in
 * errors (e.g. "question").
 */
export function parseSudokuString(s: string, n: number, where: DataLocation = {}, what = 'grid'): Uint8Array {
  const N = n * n;
  if (s.length !== N) throw new DataError(`${what}: expected ${N} characters for a ${n}×${n} sudoku, got ${s.length}.`, where);
  const out = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */ || c === 48 /* 0 */) continue;
    const d = c - 48;
    if (!(d >= 1 && d <= n)) {
      throw new DataError(`${what}: character ${JSON.stringify(s[i])} at position ${i}: expected '.' or a digit 1-${n}.`, where);
    }
    out[i] = d;
  }
  return out;
}

/** The CSV string form; blanks as `.`. */
export function formatSudokuString(grid: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < grid.length; i++) s += grid[i] === 0 ? '.' : String.fromCharCode(48 + grid[i]!);
  return s;
}

/** True iff `grid` is a complete n×n solution: every row, column and box holds 1..n once. */
export function isValidSolution(grid: ArrayLike<number>, spec: SudokuSpec): boolean {
  const { n } = spec;
  if (grid.length !== n * n) return false;
  const units = flatUnits(spec);
  for (let u = 0; u < units.length; u += n) {
    let seen = 0;
    for (let k = 0; k < n; k++) {
      const d = grid[units[u + k]!]!;
      if (!(d >= 1 && d <= n) || seen & (1 << d)) return false;
      seen |= 1 << d;
    }
  }
  return true;
}

const unitCache = new Map<string, Int32Array>();

/** {@link sudokuUnits} flattened and cached per geometry (hot path of CSV loading). */
function flatUnits(spec: SudokuSpec): Int32Array {
  const key = `${spec.n}:${spec.boxRows}x${spec.boxCols}`;
  let u = unitCache.get(key);
  if (!u) unitCache.set(key, (u = Int32Array.from(sudokuUnits(spec).flat())));
  return u;
}

/** True iff `solution` is a valid solution that agrees with every given of `puzzle`. */
export function solves(puzzle: ArrayLike<number>, solution: ArrayLike<number>, spec: SudokuSpec): boolean {
  if (!isValidSolution(solution, spec) || puzzle.length !== solution.length) return false;
  for (let i = 0; i < puzzle.length; i++) if (puzzle[i] !== 0 && puzzle[i] !== solution[i]) return false;
  return true;
}

/** The 3n units (rows, columns, boxes) as lists of cell indices. */
export function sudokuUnits(spec: SudokuSpec): number[][] {
  const { n, boxRows, boxCols } = spec;
  const units: number[][] = [];
  for (let r = 0; r < n; r++) units.push(Array.from({ length: n }, (_, c) => r * n + c));
  for (let c = 0; c < n; c++) units.push(Array.from({ length: n }, (_, r) => r * n + c));
  for (let br = 0; br < n; br += boxRows) {
    for (let bc = 0; bc < n; bc += boxCols) {
      const box: number[] = [];
      for (let r = 0; r < boxRows; r++) for (let c = 0; c < boxCols; c++) box.push((br + r) * n + bc + c);
      units.push(box);
    }
  }
  return units;
}

export function countClues(grid: ArrayLike<number>): number {
  let k = 0;
  for (let i = 0; i < grid.length; i++) if (grid[i] !== 0) k++;
  return k;
}
