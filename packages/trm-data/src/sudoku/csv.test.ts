import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { formatSudokuCsv, parseSudokuCsv, streamSudokuCsv, sudokuCsvSource, sudokuExample } from './csv.js';
import { streamBatches } from '../stream.js';

const Q = '4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......';
const A = '417369825632158947958724316825437169791586432346912758289643571573291684164875293';
const Q4 = '1.3....1.1.....2';
const A4 = '1234342121434312';

const text = `source,question,answer,rating\nforum,${Q},${A},42\n"quoted, source",${Q},${A},0\n`;

describe('Sudoku-Extreme CSV (§7.3)', () => {
  it('parses rows: digits from characters, blanks as 0, rating as a number', () => {
    const rows = parseSudokuCsv(text, { file: 'x.csv' });
    expect(rows.length).toBe(2);
    expect(rows[0]!.source).toBe('forum');
    expect(rows[1]!.source).toBe('quoted, source');
    expect(rows[0]!.rating).toBe(42);
    expect(rows[0]!.puzzle[0]).toBe(4);
    expect(rows[0]!.puzzle[1]).toBe(0);
    expect(Array.from(rows[0]!.solution.subarray(0, 9))).toEqual([4, 1, 7, 3, 6, 9, 8, 2, 5]);
    expect(parseSudokuCsv(text, { minRating: 1 }).length).toBe(1);
  });

  it('round-trips write → read exactly (9×9 and 4×4)', () => {
    const rows = parseSudokuCsv(text);
    const again = parseSudokuCsv(formatSudokuCsv(rows));
    expect(again).toEqual(rows);
    const small = parseSudokuCsv(`source,question,answer,rating\ns,${Q4},${A4},3.5\n`);
    expect(small[0]!.puzzle.length).toBe(16);
    expect(parseSudokuCsv(formatSudokuCsv(small))).toEqual(small);
    expect(formatSudokuCsv(small)).toBe(`source,question,answer,rating\ns,${Q4},${A4},3.5\n`);
  });

  it('names the file and line of a malformed row', () => {
    const bad = (row: string) => () => parseSudokuCsv(`source,question,answer,rating\nforum,${Q},${A},1\n${row}\n`, { file: 'train.csv' });
    expect(bad(`s,${Q.slice(1)},${A},1`)).toThrow(/^train\.csv:3: question: expected 81 characters for a 9×9 sudoku, got 80/);
    expect(bad(`s,${Q.replace('4', 'x')},${A},1`)).toThrow(/train\.csv:3: question: character "x" at position 0/);
    expect(bad(`s,${Q},${A.replace('417', '471')},1`)).toThrow(/train\.csv:3: answer: expected a complete valid 9×9 solution/);
    expect(bad(`s,${Q},${A}`)).toThrow(/train\.csv:3: CSV row: expected 4 fields/);
    expect(bad(`s,${Q},${A},hard`)).toThrow(/train\.csv:3: CSV row: rating: expected a number/);
    expect(bad(`s,${Q},${'.'.repeat(81)},1`)).toThrow(DataError);
    expect(() => parseSudokuCsv(`a,b,c\n`, { file: 'f' })).toThrow(/f:1: CSV header: expected the columns source,question,answer,rating/);
    expect(() => parseSudokuCsv('', { file: 'f' })).toThrow(/header/);
    try {
      bad(`s,${Q},${A},x`)();
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).file).toBe('train.csv');
      expect((e as DataError).line).toBe(3);
    }
  });

  it('streams the same records whatever the chunking (bytes split mid-line, CRLF line ends)', async () => {
    const crlf = text.replace(/\n/g, '\r\n');
    const bytes = new TextEncoder().encode(crlf);
    for (const size of [1, 7, 64, bytes.length]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const got = [];
      for await (const recs of streamSudokuCsv(chunks)) got.push(...recs);
      expect(got).toEqual(parseSudokuCsv(text));
    }
    await expect((async () => {
      for await (const _ of streamSudokuCsv([`source,question,answer,rating\ns,${Q},${A},1\ns,${Q}`], { file: 'cut.csv' })) void _;
    })()).rejects.toThrow(/cut\.csv:3: CSV row: expected 4 fields/);
  });

  it('encodes examples as digit + 1 with the full solution as labels, and feeds a stream', async () => {
    const [r] = parseSudokuCsv(`source,question,answer,rating\ns,${Q4},${A4},0\n`);
    const ex = sudokuExample(r!.puzzle, r!.solution);
    expect(Array.from(ex.inputs)).toEqual([2, 1, 4, 1, 1, 1, 1, 2, 1, 2, 1, 1, 1, 1, 1, 3]);
    expect(Array.from(ex.labels)).toEqual([2, 3, 4, 5, 4, 5, 3, 2, 3, 2, 5, 4, 5, 4, 2, 3]);
    const src = sudokuCsvSource(() => (async function* () { yield text; })(), { n: 9 });
    const batches = [];
    for await (const b of streamBatches(src, { batchSize: 2 })) batches.push(b);
    expect(batches.length).toBe(1);
    expect(batches[0]!.inputs[0]).toBe(5);
    expect(batches[0]!.labels[80]).toBe(4);
  });
});
