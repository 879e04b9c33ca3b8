/**
 * The four-column puzzle CSV shared by Sudoku-Extreme and Maze-Hard (ALGORITHM.md §7.3, §7.4): a header
 * `source,question,answer,rating`, then one puzzle per line. Fields may be quoted (RFC 4180, one line per record).
 * Both an in-memory parser and a streaming one (bounded memory) are provided.
 */
import { describeValue } from '@trm-ts/core';
import { DataError } from './errors.js';

export interface PuzzleCsvRow {
  source: string;
  question: string;
  answer: string;
  rating: number;
  /** 1-based line number in the file. */
  line: number;
}

export const PUZZLE_CSV_HEADER = 'source,question,answer,rating';
const COLUMNS = ['source', 'question', 'answer', 'rating'] as const;
/** Longest line accepted by the streaming reader (a file without newlines must not fill memory). */
export const MAX_CSV_LINE = 1 << 20;

/** Splits one CSV line into fields; quotes are honoured ("" inside a quoted field is one quote). */
export function splitCsvLine(text: string, line: number, file?: string): string[] {
  if (text.indexOf('"') < 0) return text.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new DataError('CSV: expected a closing quote before the end of the line, got none. Fields spanning lines are not supported.', { file, line });
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i === text.length) return fields;
      if (text[i] !== ',') throw new DataError(`CSV: expected ',' after a quoted field at column ${i + 1}, got ${describeValue(text[i])}.`, { file, line });
      i++;
    } else {
      const c = text.indexOf(',', i);
      const end = c < 0 ? text.length : c;
      const value = text.slice(i, end);
      if (value.indexOf('"') >= 0) throw new DataError(`CSV: unexpected quote inside an unquoted field at column ${i + value.indexOf('"') + 1}. Quote the whole field.`, { file, line });
      fields.push(value);
      if (c < 0) return fields;
      i = c + 1;
    }
  }
}

/** Parses CSV lines one at a time: the header first, then rows. */
export class PuzzleCsvParser {
  private order: number[] | null = null;
  constructor(readonly file?: string) {}

  /** Returns a row, or null for the header and blank lines. */
  line(raw: string, line: number): PuzzleCsvRow | null {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const { file } = this;
    if (!this.order) {
      const names = splitCsvLine(line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, line, file).map((h) => h.trim());
      const order = COLUMNS.map((c) => names.indexOf(c));
      if (order.some((k) => k < 0) || names.length !== COLUMNS.length) {
        throw new DataError(`CSV header: expected the columns ${PUZZLE_CSV_HEADER}, got ${describeValue(text.slice(0, 200))}.`, { file, line });
      }
      this.order = order;
      return null;
    }
    if (text.length === 0) return null;
    const f = splitCsvLine(text, line, file);
    if (f.length !== COLUMNS.length) {
      throw new DataError(`CSV row: expected ${COLUMNS.length} fields (${PUZZLE_CSV_HEADER}), got ${f.length}.`, { file, line });
    }
    const [s, q, a, r] = this.order.map((k) => f[k]!) as [string, string, string, string];
    const rating = r.trim() === '' ? NaN : Number(r);
    if (!Number.isFinite(rating)) throw new DataError(`CSV row: rating: expected a number, got ${describeValue(r.slice(0, 50))}.`, { file, line });
    return { source: s, question: q, answer: a, rating, line };
  }

  /** Throws unless a header was seen (an empty file is not a dataset). */
  end(lines: number): void {
    if (!this.order) throw new DataError(`CSV: expected a header line ${PUZZLE_CSV_HEADER}, got an empty file.`, { file: this.file, line: lines });
  }
}

/** Parses a whole CSV text. */
export function* parsePuzzleCsv(text: string, file?: string): Generator<PuzzleCsvRow> {
  const parser = new PuzzleCsvParser(file);
  let start = 0;
  let line = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    const row = parser.line(text.slice(start, end), line);
    if (row) yield row;
    start = end + 1;
  }
  parser.end(line);
}

/** A chunk of a file: Node's `fs.createReadStream` and web `ReadableStream`s are async iterables of these. */
export type TextChunk = Uint8Array | string;

/** Splits a chunk stream into lines (UTF-8), yielding them in arrays per chunk. Memory is bounded by MAX_CSV_LINE. */
export async function* readLines(chunks: AsyncIterable<TextChunk> | Iterable<TextChunk>, file?: string): AsyncGenerator<string[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rest = '';
  let lineNo = 0;
  const decode = (c: TextChunk, stream: boolean) => {
    try {
      return typeof c === 'string' ? c : decoder.decode(c, { stream });
    } catch {
      throw new DataError(`expected UTF-8 text, got invalid bytes after line ${lineNo}.`, { file, line: lineNo + 1 });
    }
  };
  for await (const chunk of chunks) {
    const text = rest + decode(chunk, true);
    const parts = text.split('\n');
    rest = parts.pop()!;
    if (rest.length > MAX_CSV_LINE) throw new DataError(`expected lines of at most ${MAX_CSV_LINE} characters, got a longer one.`, { file, line: lineNo + parts.length + 1 });
    lineNo += parts.length;
    if (parts.length) yield parts;
  }
  rest += decode(new Uint8Array(0), false);
  if (rest.length) yield [rest];
}

/** Streams rows of a CSV file; bad rows throw a DataError naming the file and line. */
export async function* streamPuzzleCsv(chunks: AsyncIterable<TextChunk> | Iterable<TextChunk>, file?: string): AsyncGenerator<PuzzleCsvRow[]> {
  const parser = new PuzzleCsvParser(file);
  let line = 0;
  for await (const lines of readLines(chunks, file)) {
    const rows: PuzzleCsvRow[] = [];
    for (const text of lines) {
      const row = parser.line(text, ++line);
      if (row) rows.push(row);
    }
    if (rows.length) yield rows;
  }
  parser.end(line);
}

function quote(field: string, what: string): string {
  if (/[\r\n]/.test(field)) throw new DataError(`CSV write: ${what}: expected no line breaks, got ${describeValue(field.slice(0, 50))}.`);
  return /[",]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** Writes rows (header included); `rating` is written as JavaScript prints the number. */
export function formatPuzzleCsv(rows: Iterable<Omit<PuzzleCsvRow, 'line'>>): string {
  const out = [PUZZLE_CSV_HEADER];
  for (const r of rows) {
    if (!Number.isFinite(r.rating)) throw new DataError(`CSV write: rating: expected a finite number, got ${r.rating}.`);
    out.push(`${quote(r.source, 'source')},${quote(r.question, 'question')},${quote(r.answer, 'answer')},${r.rating}`);
  }
  return out.join('\n') + '\n';
}
