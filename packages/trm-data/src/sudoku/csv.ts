/**
 * The Sudoku-Extreme CSV format (ALGORITHM.md §7.3): `source,question,answer,rating`, 81-character grids in
 * row-major order with `.` for blanks. Read (in memory or streamed) and written; every row is checked: lengths,
 * characters, a complete valid answer that agrees with the question's givens.
 */
import { describeValue } from '@trm-ts/core';
import { parsePuzzleCsv, streamPuzzleCsv, formatPuzzleCsv, type PuzzleCsvRow, type TextChunk } from '../csv.js';
import { IGNORE_LABEL, type Example } from '../dataset.js';
import { DataError } from '../errors.js';
import type { ExampleSource } from '../stream.js';
import { encodeSudoku, formatSudokuString, isValidSolution, sudokuSpec, sudokuVocabSize, type SudokuSize } from './spec.js';

export interface SudokuRecord {
  source: string;
  /** Digits, 0 = blank. */
  puzzle: Uint8Array;
  /** The complete solution. */
  solution: Uint8Array;
  rating: number;
}

export interface SudokuCsvOptions {
  /** Side; default: inferred from the first row's length (16 → 4, 36 → 6, 81 → 9). */
  n?: SudokuSize;
  /** Named in errors. */
  file?: string;
  /** Keep rows with rating ≥ minRating (the official `--min-difficulty`). */
  minRating?: number;
}

function sideOf(len: number): SudokuSize | undefined {
  return ({ 16: 4, 36: 6, 81: 9 } as Record<number, SudokuSize>)[len];
}

/**
 * A CSV row straight to an example, checked: lengths, characters, a complete valid answer keeping the givens.
 * No intermediate grids: this is the hot path of streaming.
 */
function rowToExample(row: PuzzleCsvRow, n: SudokuSize, file: string | undefined): Example {
  const where = { file, line: row.line };
  const N = n * n;
  const { question: q, answer: a } = row;
  if (q.length !== N) throw new DataError(`question: expected ${N} characters for a ${n}×${n} sudoku, got ${q.length}.`, where);
  if (a.length !== N) throw new DataError(`answer: expected ${N} characters for a ${n}×${n} sudoku, got ${a.length}.`, where);
  const inputs = new Int32Array(N);
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const c = q.charCodeAt(i);
    const d = c === 46 || c === 48 ? 0 : c - 48;
    if (!(d >= 0 && d <= n)) throw new DataError(`question: character ${JSON.stringify(q[i])} at position ${i}: expected '.' or a digit 1-${n}.`, where);
    const e = a.charCodeAt(i) - 48;
    if (!(e >= 1 && e <= n) || (d !== 0 && d !== e)) {
      throw new DataError(`answer: expected a complete valid ${n}×${n} solution that keeps every given of the question, got ${describeValue(a, { maxLength: 100 })}.`, where);
    }
    inputs[i] = d + 1;
    labels[i] = e + 1;
  }
  if (!solvesTokens(labels, n)) throw new DataError(`answer: expected a complete valid ${n}×${n} solution that keeps every given of the question, got ${describeValue(a, { maxLength: 100 })}.`, where);
  return { inputs, labels, puzzleId: 0 };
}

function solvesTokens(labels: Int32Array, n: SudokuSize): boolean {
  const digits = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) digits[i] = labels[i]! - 1;
  return isValidSolution(digits, sudokuSpec(n));
}

/** Converts parsed CSV rows to checked records; `state.n` carries the inferred size across calls. */
function toRecord(row: PuzzleCsvRow, state: { n?: SudokuSize }, file?: string): SudokuRecord {
  if (state.n === undefined) {
    state.n = sideOf(row.question.length);
    if (!state.n) throw new DataError(`question: expected 16, 36 or 81 characters (4×4, 6×6, 9×9 sudoku), got ${row.question.length}.`, { file, line: row.line });
  }
  const ex = rowToExample(row, state.n, file);
  return { source: row.source, puzzle: Uint8Array.from(ex.inputs, (t) => t - 1), solution: Uint8Array.from(ex.labels, (t) => t - 1), rating: row.rating };
}

/** Parses a whole CSV text into records. */
export function parseSudokuCsv(text: string, options: SudokuCsvOptions = {}): SudokuRecord[] {
  const state = { n: options.n };
  const out: SudokuRecord[] = [];
  for (const row of parsePuzzleCsv(text, options.file)) {
    const r = toRecord(row, state, options.file);
    if (options.minRating === undefined || r.rating >= options.minRating) out.push(r);
  }
  return out;
}

/** Streams records (in arrays per chunk) from a chunk stream, e.g. `fs.createReadStream(path)`. */
export async function* streamSudokuCsv(chunks: AsyncIterable<TextChunk> | Iterable<TextChunk>, options: SudokuCsvOptions = {}): AsyncGenerator<SudokuRecord[]> {
  const state = { n: options.n };
  for await (const rows of streamPuzzleCsv(chunks, options.file)) {
    const recs: SudokuRecord[] = [];
    for (const row of rows) {
      const r = toRecord(row, state, options.file);
      if (options.minRating === undefined || r.rating >= options.minRating) recs.push(r);
    }
    if (recs.length) yield recs;
  }
}

/** Writes records in the Sudoku-Extreme layout (`.` blanks). */
export function formatSudokuCsv(records: Iterable<SudokuRecord>): string {
  function* rows() {
    for (const r of records) yield { source: r.source, question: formatSudokuString(r.puzzle), answer: formatSudokuString(r.solution), rating: r.rating };
  }
  return formatPuzzleCsv(rows());
}

/** A (puzzle, solution) pair as an example: tokens digit + 1, labels = the full solution (the loss covers givens, §7.3). */
export function sudokuExample(puzzle: ArrayLike<number>, solution: ArrayLike<number>): Example {
  const labels = encodeSudoku(solution, new Int32Array(solution.length));
  for (let i = 0; i < puzzle.length; i++) if (solution[i] === 0) labels[i] = IGNORE_LABEL;
  return { inputs: encodeSudoku(puzzle, new Int32Array(puzzle.length)), labels, puzzleId: 0 };
}

/**
 * A streaming {@link ExampleSource} over a Sudoku-Extreme CSV: `open` is called once per pass and must return a
 * fresh chunk stream of the file (e.g. `() => fs.createReadStream(path)`); memory stays bounded.
 */
export function sudokuCsvSource(open: () => AsyncIterable<TextChunk>, options: SudokuCsvOptions & { n: SudokuSize; name?: string }): ExampleSource {
  const { n, file, minRating } = options;
  return {
    name: options.name ?? file ?? `sudoku${n}-csv`,
    seqLen: n * n,
    vocabSize: sudokuVocabSize(n),
    numPuzzleIdentifiers: 1,
    async *open() {
      for await (const rows of streamPuzzleCsv(open(), file)) {
        yield rows.filter((r) => minRating === undefined || r.rating >= minRating).map((r) => rowToExample(r, n, file));
      }
    },
  };
}
