/**
 * Puzzles as the page handles them: parsing what the user typed or pasted, generating one (trm-data's
 * generator) and the reference solution that the model's answer is checked against (trm-data's solver).
 */
import { ConfigError } from '@trm-ts/core';
import { formatSudokuString, generateSudokus, solverFor, sudokuSpec, type SudokuSize } from '@trm-ts/data';

/**
 * Reads an n×n puzzle from text: digits 1..n are givens, `.`, `0` or `_` are blanks; spaces, newlines, `|`, `-`
 * and `+` (pretty-printed grids) are ignored.
 */
export function parsePuzzle(text: string, n: SudokuSize): Uint8Array {
  const cells = text.replace(/[\s|+-]/g, '');
  if (cells.length !== n * n) {
    throw new ConfigError(`puzzle: expected ${n * n} cells for a ${n}×${n} sudoku (digits 1-${n}, '.' or 0 for blanks), got ${cells.length}. Paste one grid.`);
  }
  const out = new Uint8Array(n * n);
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    if (c === '.' || c === '0' || c === '_') continue;
    const d = Number(c);
    if (!(Number.isInteger(d) && d >= 1 && d <= n)) throw new ConfigError(`puzzle: cell ${i + 1} is '${c}': expected a digit 1-${n}, or '.' / 0 for a blank.`);
    out[i] = d;
  }
  return out;
}

/** One row per line, blanks as `.`. */
export function formatPuzzle(grid: ArrayLike<number>, n: number): string {
  const s = formatSudokuString(grid);
  return Array.from({ length: n }, (_, r) => s.slice(r * n, (r + 1) * n)).join('\n');
}

/** A random minimal puzzle with a unique solution. */
export function generatePuzzle(n: SudokuSize, seed: number): { puzzle: Uint8Array; solution: Uint8Array } {
  const g = generateSudokus({ n, seed }).next();
  if (g.done) throw new ConfigError(`generate: the ${n}×${n} generator produced nothing for seed ${seed}.`);
  return { puzzle: g.value.puzzle, solution: g.value.solution };
}

/** The solution when the puzzle has exactly one; null when it has none or several (then "correct" is undefined). */
export function uniqueSolution(puzzle: Uint8Array, n: SudokuSize): Uint8Array | null {
  const r = solverFor(sudokuSpec(n)).solve(puzzle, { limit: 2 });
  return r.solutions === 1 && r.solution ? Uint8Array.from(r.solution) : null;
}
