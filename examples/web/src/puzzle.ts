/**
 * Puzzles as the page handles them, one `PuzzleKind` per task (n×n sudoku, side×side maze): parsing what the user
 * typed or pasted, generating one (trm-data's generators), the reference solution that the model's answer is
 * checked against (trm-data's sudoku solver; the maze's unique shortest path), and how a cell reads.
 *
 * A grid is a Uint8Array of cell values, value = token − 1 of the task's encoding (ALGORITHM.md §7.3, §7.4):
 * sudoku 0 = blank, 1..n = digit; maze 0 `#`, 1 ` `, 2 `S`, 3 `G`, 4 `o` (MAZE_CHARSET). The model's input is
 * value + 1 and its output token t reads back as max(t − 1, 0) for both tasks.
 */
import { ConfigError } from '@trm-ts/core';
import { formatSudokuString, generateMazes, generateSudokus, MAZE_CHARSET, shortestPaths, solverFor, sudokuSpec, type SudokuSize } from '@trm-ts/data';

export interface PuzzleKind {
  kind: 'sudoku' | 'maze';
  /** Side of the square grid (n² cells). */
  n: number;
  /** For people: "4×4 sudoku", "9×9 maze". */
  label: string;
  parse(text: string): Uint8Array;
  /** One row per line, in the form parse() reads. */
  format(grid: ArrayLike<number>): string;
  /** A random puzzle and its solution (reproducible from `seed`). */
  generate(seed: number): { puzzle: Uint8Array; solution: Uint8Array };
  /** The solution when the puzzle has exactly one; null when it has none or several (then "correct" is undefined). */
  solution(puzzle: Uint8Array): Uint8Array | null;
  /** The grid as one string, one character per cell (the end-to-end tests read it from data-values). */
  text(grid: ArrayLike<number>): string;
}

// ---- sudoku ----

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

export function sudokuKind(n: SudokuSize): PuzzleKind {
  return {
    kind: 'sudoku',
    n,
    label: `${n}×${n} sudoku`,
    parse: (text) => parsePuzzle(text, n),
    format: (grid) => formatPuzzle(grid, n),
    generate: (seed) => generatePuzzle(n, seed),
    solution: (puzzle) => uniqueSolution(puzzle, n),
    text: (grid) => Array.from(grid).join(''),
  };
}

// ---- maze ----

const WALL = 0;
const OPEN = 1;
const START = 2;
const GOAL = 3;
/** Cell value of a path cell (`o`). */
export const MAZE_PATH = 4;

/**
 * Reads a side×side maze from text in the Maze-Hard form: one row per line, `#` wall, space open, `S` start,
 * `G` goal (`o`, a path cell, reads as open, so a solved maze can be pasted back). Empty lines before and after
 * are ignored; spaces inside a row are cells, so rows keep their trailing spaces.
 */
export function parseMaze(text: string, side: number): Uint8Array {
  const lines = text.replace(/\r/g, '').split('\n');
  while (lines.length && lines[0] === '') lines.shift();
  while (lines.length && lines.at(-1) === '') lines.pop();
  const fix = `Paste ${side} rows of ${side} characters ('#' wall, space open, 'S' start, 'G' goal), or press Generate.`;
  if (lines.length !== side) throw new ConfigError(`maze: expected ${side} rows for this ${side}×${side} maze model, got ${lines.length}. ${fix}`);
  const out = new Uint8Array(side * side);
  let starts = 0;
  let goals = 0;
  lines.forEach((line, r) => {
    if (line.length !== side) throw new ConfigError(`maze: row ${r + 1}: expected ${side} characters, got ${line.length} (${JSON.stringify(line)}). ${fix}`);
    for (let c = 0; c < side; c++) {
      const ch = line[c]!;
      const v = ch === 'o' ? OPEN : MAZE_CHARSET.indexOf(ch);
      if (v < 0) throw new ConfigError(`maze: row ${r + 1}, column ${c + 1} is ${JSON.stringify(ch)}: expected '#' (wall), ' ' (open), 'S' (start) or 'G' (goal).`);
      if (v === START) starts++;
      if (v === GOAL) goals++;
      out[r * side + c] = v;
    }
  });
  if (starts !== 1 || goals !== 1) throw new ConfigError(`maze: expected one 'S' and one 'G', got ${starts} 'S' and ${goals} 'G'. Mark the start and the goal once each.`);
  return out;
}

/** Cell values → the maze's characters, one string per grid. */
export function mazeText(grid: ArrayLike<number>): string {
  return Array.from(grid, (v) => MAZE_CHARSET[v] ?? '?').join('');
}

/** Rows of `# SGo` characters, one per line. */
export function formatMaze(grid: ArrayLike<number>, side: number): string {
  const s = mazeText(grid);
  return Array.from({ length: side }, (_, r) => s.slice(r * side, (r + 1) * side)).join('\n');
}

/** The maze with `o` on its shortest path from S to G when that path exists and is unique; null otherwise. */
export function mazeSolution(maze: Uint8Array, side: number): Uint8Array | null {
  const start = maze.indexOf(START);
  const goal = maze.indexOf(GOAL);
  const p = shortestPaths(side, (i) => maze[i] !== WALL, start, goal);
  if (p.count !== 1) return null;
  const out = Uint8Array.from(maze, (v) => (v === MAZE_PATH ? OPEN : v));
  for (const i of p.path) if (out[i] === OPEN) out[i] = MAZE_PATH;
  return out;
}

/** Generation settings of a maze model's training data (model.json's `data`), so that generated mazes match them. */
export interface MazeGeneration {
  minPathLength?: number;
  loopFraction?: number;
}

export function mazeKind(side: number, gen: MazeGeneration = {}): PuzzleKind {
  return {
    kind: 'maze',
    n: side,
    label: `${side}×${side} maze`,
    parse: (text) => parseMaze(text, side),
    format: (grid) => formatMaze(grid, side),
    generate(seed) {
      const m = generateMazes({ side, seed, minPathLength: gen.minPathLength, loopFraction: gen.loopFraction }).next().value;
      const values = (s: string) => Uint8Array.from(s, (ch) => MAZE_CHARSET.indexOf(ch));
      return { puzzle: values(m.question), solution: values(m.answer) };
    },
    solution: (maze) => mazeSolution(maze, side),
    text: mazeText,
  };
}
