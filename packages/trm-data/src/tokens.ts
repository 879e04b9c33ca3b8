/**
 * Task helpers for inference: a puzzle as people write it ↔ the model's token ids (one row of L tokens), for
 * `solve`/`predict` of @trm-ts/core. Thin compositions of each task's own encoder, so the encoding has one
 * definition (sudoku §7.3: digit + 1, blank → 1; maze §7.4: `# SGo` → 1..5; ARC §7.5: colour + 2 on a 30×30 canvas).
 */
import { parseArcGrid, encodeArcGrid, decodeArcGrid } from './arc/arc.js';
import { DataError } from './errors.js';
import { gridToRows } from './grid.js';
import { decodeMaze, encodeMaze } from './maze/maze.js';
import { decodeSudoku, encodeSudoku, formatSudokuString, parseSudokuString, sudokuSpec } from './sudoku/spec.js';

/** Side of a square of `cells` cells, or a DataError naming `what`. */
function squareSide(cells: number, what: string, sides?: readonly number[]): number {
  const n = Math.round(Math.sqrt(cells));
  if (n * n !== cells || (sides && !sides.includes(n))) {
    throw new DataError(`${what}: expected ${sides ? sides.map((s) => `${s * s}`).join(', ') : 'a square number of'} cells, got ${cells}.`);
  }
  return n;
}

/** Removes whitespace and the `|`, `-`, `+` of drawn grids, so a sudoku may be written on several lines. */
function compactSudoku(s: string): string {
  return s.replace(/[\s|+-]/g, '');
}

/**
 * An n×n sudoku string (`.` or `0` = blank, digits 1..n, row-major; whitespace and `|-+` ignored) → tokens
 * `[n²]`. `n` defaults to the square root of the length (4, 6 or 9).
 */
export function sudokuToTokens(s: string, n?: number): Int32Array {
  const compact = compactSudoku(s);
  const side = n ?? squareSide(compact.length, 'sudoku', [4, 6, 9]);
  sudokuSpec(side);
  return encodeSudoku(parseSudokuString(compact, side, {}, 'sudoku'), new Int32Array(compact.length));
}

/** Tokens `[n²]` → the sudoku string (`.` = blank). */
export function sudokuFromTokens(tokens: ArrayLike<number>, n?: number): string {
  const side = n ?? squareSide(tokens.length, 'sudoku tokens', [4, 6, 9]);
  return formatSudokuString(decodeSudoku(tokens, side));
}

/** A sudoku string drawn as a grid with box lines, e.g. for a terminal. */
export function drawSudoku(s: string, n?: number): string {
  const compact = compactSudoku(s);
  const { n: side, boxRows, boxCols } = sudokuSpec(n ?? squareSide(compact.length, 'sudoku', [4, 6, 9]));
  const lines: string[] = [];
  const rule = Array.from({ length: side / boxCols }, () => '-'.repeat(boxCols * 2 + 1)).join('+');
  for (let r = 0; r < side; r++) {
    if (r > 0 && r % boxRows === 0) lines.push(rule);
    const cells = Array.from({ length: side }, (_, c) => compact[r * side + c]!);
    const boxes = Array.from({ length: side / boxCols }, (_, b) => ` ${cells.slice(b * boxCols, (b + 1) * boxCols).join(' ')} `);
    lines.push(boxes.join('|'));
  }
  return lines.join('\n');
}

/** A maze as rows of `# SGo` characters (or one string, row-major) → tokens `[side²]`. */
export function mazeToTokens(maze: string | readonly string[]): Int32Array {
  const text = typeof maze === 'string' ? maze.replace(/\r?\n/g, '') : maze.join('');
  squareSide(text.length, 'maze');
  return Int32Array.from(encodeMaze(text));
}

/** Tokens `[side²]` → the maze's rows. */
export function mazeFromTokens(tokens: ArrayLike<number>): string[] {
  const side = squareSide(tokens.length, 'maze tokens');
  const text = decodeMaze(tokens);
  return Array.from({ length: side }, (_, r) => text.slice(r * side, (r + 1) * side));
}

/** An ARC grid (rows of colours 0..9, at most 30×30) → canvas tokens `[900]`. */
export function arcGridToTokens(rows: unknown): Int32Array {
  return Int32Array.from(encodeArcGrid(parseArcGrid(rows, {}, 'ARC grid')));
}

/** Canvas tokens `[900]` → the predicted grid's rows (the official crop), or null when the top-left cell is not a colour. */
export function arcGridFromTokens(tokens: ArrayLike<number>): number[][] | null {
  const g = decodeArcGrid(tokens);
  return g ? gridToRows(g) : null;
}
