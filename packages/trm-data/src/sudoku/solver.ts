/**
 * Bitmask Sudoku solver (ALGORITHM.md §7.8): propagation of naked and hidden singles to a fixpoint, then
 * depth-first search branching on the unfilled cell with the fewest candidates (MRV, ties → first in row-major
 * order). `guesses` counts every value tried at a branch node; it is the difficulty measure of the rating.
 */
import type { Rng } from '@trm-ts/core';
import { DataError } from '../errors.js';
import { sudokuUnits, type SudokuSpec } from './spec.js';

export interface SolveOptions {
  /** Stop after this many solutions: 1 = solve / rate, 2 = uniqueness check. Default 2. */
  limit?: number;
  /** Try branch values in random order (generation); default ascending (rating). */
  rng?: Rng;
  /** Forbid one digit in one blank cell: "is there a solution other than the known one?" (minimising). */
  exclude?: { cell: number; digit: number };
}

export interface SolveResult {
  /** Solutions found, at most `limit`. */
  solutions: number;
  /** Values tried at branch nodes. */
  guesses: number;
  /** The first solution found, or null. */
  solution: Uint8Array | null;
}

export class SudokuSolver {
  readonly spec: SudokuSpec;
  private readonly N: number;
  private readonly full: number;
  private readonly peers: Int32Array;
  private readonly peerCount: number;
  private readonly units: Int32Array;
  private readonly popcount: Uint8Array;
  /** Bit u set when cell's unit u (row, column, box) — a 27-bit mask per cell for n = 9. */
  private readonly unitMask: Int32Array;
  /** Units whose cells changed since their last hidden-single check. */
  private dirty = 0;
  private readonly cand: Uint16Array;
  private readonly queue: Int32Array;
  private qlen = 0;
  private solutions = 0;
  private guesses = 0;
  private limit = 2;
  private rng: Rng | undefined;
  private first: Uint8Array | null = null;

  constructor(spec: SudokuSpec) {
    this.spec = spec;
    const { n } = spec;
    const N = n * n;
    this.N = N;
    this.full = (1 << n) - 1;
    const unitList = sudokuUnits(spec);
    this.units = Int32Array.from(unitList.flat());
    const peerSets = Array.from({ length: N }, () => new Set<number>());
    for (const u of unitList) for (const a of u) for (const b of u) if (a !== b) peerSets[a]!.add(b);
    this.peerCount = peerSets[0]!.size;
    this.peers = Int32Array.from(peerSets.flatMap((s) => [...s].sort((x, y) => x - y)));
    this.unitMask = new Int32Array(N);
    unitList.forEach((u, k) => {
      for (const c of u) this.unitMask[c]! |= 1 << k;
    });
    this.popcount = new Uint8Array(1 << n);
    for (let m = 1; m < 1 << n; m++) this.popcount[m] = this.popcount[m >> 1]! + (m & 1);
    this.cand = new Uint16Array(N * (N + 2));
    this.queue = new Int32Array(4 * N);
  }

  /** Solves `grid` (0 = blank, 1..n), counting solutions up to `limit`. Throws DataError on a malformed grid. */
  solve(grid: ArrayLike<number>, options: SolveOptions = {}): SolveResult {
    const { N } = this;
    const { n } = this.spec;
    if (grid.length !== N) throw new DataError(`sudoku grid: expected ${N} cells for ${n}×${n}, got ${grid.length}.`);
    this.limit = options.limit ?? 2;
    this.rng = options.rng;
    this.solutions = 0;
    this.guesses = 0;
    this.first = null;
    this.qlen = 0;
    const cand = this.cand;
    for (let i = 0; i < N; i++) {
      const d = grid[i]!;
      if (d === 0) cand[i] = this.full;
      else if (Number.isInteger(d) && d >= 1 && d <= n) {
        cand[i] = 1 << (d - 1);
        this.queue[this.qlen++] = i;
      } else throw new DataError(`sudoku grid: cell ${i}: expected 0 (blank) or a digit 1-${n}, got ${d}.`);
    }
    this.dirty = (1 << (3 * n)) - 1 | 0;
    const ex = options.exclude;
    if (ex && grid[ex.cell] === 0) cand[ex.cell] = this.full & ~(1 << (ex.digit - 1));
    this.search(0);
    return { solutions: this.solutions, guesses: this.guesses, solution: this.first };
  }

  /** Propagates frame `b` to the singles fixpoint; false on contradiction. */
  private propagate(b: number): boolean {
    const { cand, peers, peerCount, queue, units, full, unitMask } = this;
    const n = this.spec.n;
    let q = this.qlen;
    this.qlen = 0;
    let dirty = this.dirty;
    this.dirty = 0;
    for (;;) {
      // Naked singles: a solved cell removes its digit from its peers.
      while (q > 0) {
        const cell = queue[--q]!;
        const v = cand[b + cell]!;
        const p0 = cell * peerCount;
        for (let k = 0; k < peerCount; k++) {
          const pc = peers[p0 + k]!;
          const p = b + pc;
          const m = cand[p]!;
          if (m & v) {
            const r = m & ~v;
            if (r === 0) return false;
            cand[p] = r;
            dirty |= unitMask[pc]!;
            if ((r & (r - 1)) === 0) queue[q++] = pc;
          }
        }
      }
      if (dirty === 0) return true;
      // Hidden singles, only in units whose cells changed (the parent frame was at the fixpoint): a digit with one
      // place in a unit goes there; a digit with no place is a contradiction.
      let todo = dirty;
      dirty = 0;
      while (todo !== 0) {
        const u = 31 - Math.clz32(todo & -todo);
        todo &= todo - 1;
        const u0 = u * n;
        let once = 0;
        let twice = 0;
        let fixed = 0;
        for (let k = 0; k < n; k++) {
          const m = cand[b + units[u0 + k]!]!;
          twice |= once & m;
          once |= m;
          if ((m & (m - 1)) === 0) fixed |= m;
        }
        if (once !== full) return false;
        // Digits already placed in the unit are "unique" too; leave them out so solved units cost one pass.
        const uniq = once & ~twice & ~fixed;
        if (uniq === 0) continue;
        for (let k = 0; k < n; k++) {
          const c = units[u0 + k]!;
          const cm = cand[b + c]!;
          const m = cm & uniq;
          if (m === 0 || m === cm) continue;
          if (m & (m - 1)) return false;
          cand[b + c] = m;
          dirty |= unitMask[c]!;
          queue[q++] = c;
        }
      }
      if (q === 0 && dirty === 0) return true;
    }
  }

  private search(depth: number): void {
    const { N, cand, popcount } = this;
    const b = depth * N;
    if (!this.propagate(b)) return;
    let best = -1;
    let bestCount = 99;
    for (let i = 0; i < N; i++) {
      const c = popcount[cand[b + i]!]!;
      if (c > 1 && c < bestCount) {
        bestCount = c;
        best = i;
        if (c === 2) break;
      }
    }
    if (best < 0) {
      if (++this.solutions === 1) {
        const sol = new Uint8Array(N);
        for (let i = 0; i < N; i++) sol[i] = 32 - Math.clz32(cand[b + i]!);
        this.first = sol;
      }
      return;
    }
    const nb = b + N;
    if (this.rng) {
      const digits: number[] = [];
      for (let m = cand[b + best]!; m; m &= m - 1) digits.push(m & -m);
      for (const bit of this.rng.shuffle(digits)) {
        if (this.branch(b, nb, best, bit, depth)) return;
      }
      return;
    }
    // Ascending value order (rating); the loop reads the parent frame, which children never touch.
    for (let m = cand[b + best]!; m; m &= m - 1) {
      if (this.branch(b, nb, best, m & -m, depth)) return;
    }
  }

  /** Tries one value at a branch node; true when the solution limit is reached. */
  private branch(b: number, nb: number, cell: number, bit: number, depth: number): boolean {
    this.guesses++;
    this.cand.copyWithin(nb, b, nb);
    this.cand[nb + cell] = bit;
    this.queue[0] = cell;
    this.qlen = 1;
    this.dirty = this.unitMask[cell]!;
    this.search(depth + 1);
    return this.solutions >= this.limit;
  }
}

const solvers = new Map<string, SudokuSolver>();

/** A shared solver per geometry (solvers hold scratch buffers; JavaScript is single-threaded). */
export function solverFor(spec: SudokuSpec): SudokuSolver {
  const key = `${spec.n}:${spec.boxRows}x${spec.boxCols}`;
  let s = solvers.get(key);
  if (!s) solvers.set(key, (s = new SudokuSolver(spec)));
  return s;
}
