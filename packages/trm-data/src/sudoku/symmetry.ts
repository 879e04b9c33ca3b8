/**
 * The Sudoku symmetry group used for augmentation, rating and deduplication (ALGORITHM.md §7.6, §7.8):
 * digit relabelling, band permutation and row permutation within bands, stack permutation and column
 * permutation within stacks, and transposition when boxes are square (for 6×6 it would make 3×2 boxes).
 */
import type { Rng } from '@trm-ts/core';
import type { SudokuSpec } from './spec.js';

export interface SudokuTransform {
  /** Transpose first (only when boxRows = boxCols). */
  transpose: boolean;
  /** Output row i takes source row rowPerm[i] (of the transposed grid when `transpose`). */
  rowPerm: Int32Array;
  colPerm: Int32Array;
  /** [n + 1], digitMap[0] = 0. */
  digitMap: Int32Array;
}

/**
 * A uniformly random element of the group (the same distribution as the official draws: digits, transpose,
 * rows, columns). Two 32-bit draws cover it: a uniform index into the n! digit maps, decoded as the swap
 * choices of a Fisher–Yates shuffle, and one into transposes × row orders × column orders (tables). `into` is
 * filled and returned when given (no allocation: the augmentation hot path).
 */
export function randomSudokuTransform(spec: SudokuSpec, rng: Rng, into?: SudokuTransform): SudokuTransform {
  const { n, boxRows, boxCols } = spec;
  const t = into ?? { transpose: false, rowPerm: new Int32Array(n), colPerm: new Int32Array(n), digitMap: new Int32Array(n + 1) };
  const map = t.digitMap;
  for (let d = 0; d <= n; d++) map[d] = d;
  let r = uniformInt(rng, FACT[n]!);
  for (let i = n; i > 1; i--) {
    // Mixed-radix digits of a uniform integer in [0, n!) are independent and uniform: j ∈ [1, i].
    const j = 1 + (r % i);
    r = Math.floor(r / i);
    const x = map[i]!;
    map[i] = map[j]!;
    map[j] = x;
  }
  const rows = lineOrderTable(n, boxRows);
  const cols = lineOrderTable(n, boxCols);
  const nr = rows.length / n;
  const nc = cols.length / n;
  const flips = boxRows === boxCols ? 2 : 1;
  r = uniformInt(rng, flips * nr * nc);
  t.transpose = r % flips === 1;
  r = Math.floor(r / flips);
  const ri = r % nr;
  const ci = Math.floor(r / nr);
  for (let k = 0; k < n; k++) {
    t.rowPerm[k] = rows[ri * n + k]!;
    t.colPerm[k] = cols[ci * n + k]!;
  }
  return t;
}

const FACT = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880];

/** Uniform integer in [0, m), m ≤ 2^32, by rejection on 32-bit draws (no modulo bias). */
function uniformInt(rng: Rng, m: number): number {
  const limit = Math.floor(4294967296 / m) * m;
  let x = rng.nextU32();
  while (x >= limit) x = rng.nextU32();
  return x % m;
}

/** Indexed by n·16 + size (an array lookup: this sits on the augmentation hot path). */
const orderTables: (Int32Array | undefined)[] = [];

/** All line orders of {@link bandedPermutations}, flattened and cached (1296 × 9 for 9×9). */
function lineOrderTable(n: number, size: number): Int32Array {
  let t = orderTables[n * 16 + size];
  if (!t) {
    const all = bandedPermutations(n, size);
    t = new Int32Array(all.length * n);
    all.forEach((p, i) => t!.set(p, i * n));
    orderTables[n * 16 + size] = t;
  }
  return t;
}

/** Source cell of every output cell: out[k] = digitMap[grid[sourceIndex[k]]]. */
export function transformSourceIndex(spec: SudokuSpec, t: SudokuTransform, out = new Int32Array(spec.n * spec.n)): Int32Array {
  const { n } = spec;
  for (let i = 0; i < n; i++) {
    const r = t.rowPerm[i]!;
    for (let j = 0; j < n; j++) {
      const c = t.colPerm[j]!;
      out[i * n + j] = t.transpose ? c * n + r : r * n + c;
    }
  }
  return out;
}

/** Applies a transform to a digit grid (0 = blank stays 0). */
export function applySudokuTransform(grid: ArrayLike<number>, spec: SudokuSpec, t: SudokuTransform, out = new Uint8Array(grid.length)): Uint8Array {
  const src = transformSourceIndex(spec, t);
  for (let k = 0; k < src.length; k++) out[k] = t.digitMap[grid[src[k]!]!]!;
  return out;
}

/** The official augmentation of one (puzzle, solution) pair: one random transform applied to both. */
export function augmentSudoku(puzzle: ArrayLike<number>, solution: ArrayLike<number>, spec: SudokuSpec, rng: Rng): { puzzle: Uint8Array; solution: Uint8Array } {
  const t = randomSudokuTransform(spec, rng);
  return { puzzle: applySudokuTransform(puzzle, spec, t), solution: applySudokuTransform(solution, spec, t) };
}

/** Every valid permutation of n lines grouped in blocks of `size` (block order × order within each block). */
export function bandedPermutations(n: number, size: number): Int32Array[] {
  const blockPerms = permutations(n / size);
  const innerPerms = permutations(size);
  const out: Int32Array[] = [];
  const rec = (blocks: number[], k: number, acc: number[]) => {
    if (k === blocks.length) {
      out.push(Int32Array.from(acc));
      return;
    }
    for (const inner of innerPerms) rec(blocks, k + 1, acc.concat(inner.map((i) => blocks[k]! * size + i)));
  };
  for (const blocks of blockPerms) rec(blocks, 0, []);
  return out;
}

function permutations(m: number): number[][] {
  if (m === 0) return [[]];
  const out: number[][] = [];
  for (const p of permutations(m - 1)) for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), m - 1, ...p.slice(i)]);
  return out;
}

interface CanonState {
  grid: Uint8Array;
  cols: Int32Array;
  usedRows: number;
  usedBands: number;
  band: number;
  map: Uint8Array;
  next: number;
}

const colPermCache = new Map<string, Int32Array[]>();

/**
 * Canonical form: the lexicographically smallest grid over the whole symmetry group, digits relabelled in
 * order of first appearance (blank 0 sorts first). Two grids are equivalent iff their canonical forms are equal.
 * Exact search, row by row, keeping every partial choice that ties for the smallest prefix.
 */
export function canonicalSudoku(grid: ArrayLike<number>, spec: SudokuSpec): Uint8Array {
  const { n, boxRows, boxCols } = spec;
  const key = `${n}:${boxCols}`;
  let colPerms = colPermCache.get(key);
  if (!colPerms) colPermCache.set(key, (colPerms = bandedPermutations(n, boxCols)));
  const g0 = Uint8Array.from(grid);
  const variants = [g0];
  if (boxRows === boxCols) {
    const t = new Uint8Array(n * n);
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) t[c * n + r] = g0[r * n + c]!;
    variants.push(t);
  }
  let states: CanonState[] = [];
  for (const g of variants) for (const cols of colPerms) states.push({ grid: g, cols, usedRows: 0, usedBands: 0, band: -1, map: new Uint8Array(n + 1), next: 1 });
  const result = new Uint8Array(n * n);
  const row = new Uint8Array(n);
  const best = new Uint8Array(n);
  const map = new Uint8Array(n + 1);
  for (let i = 0; i < n; i++) {
    let next: CanonState[] = [];
    let haveBest = false;
    const newBand = i % boxRows === 0;
    for (const s of states) {
      for (let r = 0; r < n; r++) {
        if (s.usedRows & (1 << r)) continue;
        const band = Math.floor(r / boxRows);
        if (newBand ? s.usedBands & (1 << band) : band !== s.band) continue;
        map.set(s.map);
        let nextLabel = s.next;
        for (let j = 0; j < n; j++) {
          const d = s.grid[r * n + s.cols[j]!]!;
          if (d !== 0 && map[d] === 0) map[d] = nextLabel++;
          row[j] = d === 0 ? 0 : map[d]!;
        }
        let cmp = 0;
        if (haveBest) for (let j = 0; j < n && cmp === 0; j++) cmp = row[j]! - best[j]!;
        if (!haveBest || cmp < 0) {
          best.set(row);
          haveBest = true;
          next = [];
        } else if (cmp > 0) continue;
        next.push({ grid: s.grid, cols: s.cols, usedRows: s.usedRows | (1 << r), usedBands: s.usedBands | (1 << band), band, map: map.slice(), next: nextLabel });
      }
    }
    result.set(best, i * n);
    states = next;
  }
  return result;
}

/** The canonical form as a compact string key (for Sets and Maps). */
export function canonicalSudokuKey(grid: ArrayLike<number>, spec: SudokuSpec): string {
  return String.fromCharCode(...canonicalSudoku(grid, spec));
}
