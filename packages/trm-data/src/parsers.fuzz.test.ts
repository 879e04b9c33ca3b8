/**
 * Parser fuzzing (issue: "only typed errors, no hangs"): ≥ 10,000 generated inputs per parser. Every call must
 * either return or throw a DataError. Run with `pnpm --filter @trm-ts/data test:fuzz`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { datasetFromExamples } from './dataset.js';
import { parseSudokuCsv, streamSudokuCsv, formatSudokuCsv } from './sudoku/csv.js';
import { generateSudokus, type GeneratedSudoku } from './sudoku/generate.js';
import { parseMazeCsv, formatMazeCsv, generateMazes } from './maze/maze.js';
import { parseArcChallenges, parseArcPuzzleName, parseArcTask } from './arc/arc.js';
import { readNpy } from './official/npy.js';
import { officialDatasetFiles, readOfficialDataset } from './official/format.js';

const RUNS = 10_000;
const FIX = fileURLToPath(new URL('./official/fixtures/', import.meta.url));
const ARC = fileURLToPath(new URL('../../../../shared/data/arc-agi/', import.meta.url));

/** Runs `f`; anything thrown must be a DataError. Returns whether it threw. */
function onlyDataError(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch (e) {
    if (!(e instanceof DataError)) throw new Error(`expected a DataError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    return true;
  }
}
async function onlyDataErrorAsync(f: () => Promise<unknown>): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!(e instanceof DataError)) throw new Error(`expected a DataError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  }
}

/** Mutations of a valid text: replace, insert or delete characters from an alphabet that matters to the parser. */
function mutatedText(valid: string, alphabet: string): fc.Arbitrary<string> {
  const edit = fc.record({ at: fc.nat({ max: valid.length }), del: fc.nat({ max: 3 }), ins: fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 3 }) });
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => edits.reduce((s, e) => s.slice(0, e.at) + e.ins + s.slice(e.at + e.del), valid));
}

function mutatedBytes(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const edit = fc.record({ at: fc.nat({ max: valid.length }), op: fc.constantFrom('set', 'cut', 'insert'), value: fc.integer({ min: 0, max: 255 }) });
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
    let b = Array.from(valid);
    for (const e of edits) {
      if (e.op === 'set') b[Math.min(e.at, b.length - 1)] = e.value;
      else if (e.op === 'cut') b = b.slice(0, e.at);
      else b.splice(e.at, 0, e.value);
    }
    return Uint8Array.from(b);
  });
}

const gen = generateSudokus({ n: 4, seed: 1 });
const sudokuText = formatSudokuCsv(Array.from({ length: 3 }, () => ({ ...(gen.next().value as GeneratedSudoku), source: 's', rating: 1 })));
const mazes = generateMazes({ side: 5, seed: 1 });
const mazeText = formatMazeCsv([mazes.next().value, mazes.next().value]);

describe(`parser fuzzing (${RUNS} inputs each)`, () => {
  it('Sudoku-Extreme CSV: arbitrary and mutated text', () => {
    let threw = 0;
    fc.assert(
      fc.property(fc.oneof(mutatedText(sudokuText, '.,0123456789\n\r"x '), fc.string({ maxLength: 200 })), (t) => {
        if (onlyDataError(() => parseSudokuCsv(t, { file: 'f.csv' }))) threw++;
      }),
      { numRuns: RUNS, seed: 1 },
    );
    expect(threw).toBeGreaterThan(RUNS / 2);
  });

  it('Sudoku-Extreme CSV streaming: mutated text in random chunks agrees with the in-memory parser', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedText(sudokuText, '.,123\n"'), fc.integer({ min: 1, max: 40 }), async (t, size) => {
        const chunks = Array.from({ length: Math.ceil(t.length / size) }, (_, i) => t.slice(i * size, (i + 1) * size));
        let streamed: unknown = null;
        await onlyDataErrorAsync(async () => {
          const out = [];
          for await (const r of streamSudokuCsv(chunks)) out.push(...r);
          streamed = out;
        });
        let direct: unknown = null;
        onlyDataError(() => (direct = parseSudokuCsv(t)));
        expect(streamed === null).toBe(direct === null);
      }),
      { numRuns: RUNS, seed: 2 },
    );
  });

  it('Maze-Hard CSV: arbitrary and mutated text', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedText(mazeText, '# SGo,\n'), fc.string({ maxLength: 200 })), (t) => {
        onlyDataError(() => parseMazeCsv(t, { file: 'm.csv' }));
      }),
      { numRuns: RUNS, seed: 3 },
    );
  });

  it('ARC JSON: arbitrary JSON values, mutated real tasks, and puzzle names', () => {
    const all = JSON.parse(readFileSync(ARC + 'arc-agi_training_challenges.json', 'utf8')) as Record<string, unknown>;
    const small = Object.fromEntries(Object.entries(all).filter(([, t]) => JSON.stringify(t).length < 400).slice(0, 3));
    const text = JSON.stringify(small);
    fc.assert(
      fc.property(fc.oneof(mutatedText(text, '[]{},:0123456789"-.e'), fc.json({ maxDepth: 4 })), (t) => {
        onlyDataError(() => parseArcChallenges(t, undefined, { challenges: 'c.json' }));
        onlyDataError(() => parseArcTask(t, 'x', 't.json'));
      }),
      { numRuns: RUNS, seed: 4 },
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), mutatedText('abc|||t3|||0123456789', '|t0123456789')), (name) => {
        onlyDataError(() => parseArcPuzzleName(name));
      }),
      { numRuns: RUNS, seed: 5 },
    );
  });

  it('.npy: random bytes and mutated numpy files', () => {
    const valid = ['i4_2x3', 'u1_3x4', 'i8_2x2', 'i4_v2'].map((n) => new Uint8Array(readFileSync(`${FIX}${n}.npy`)));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), ...valid.map(mutatedBytes)), (b) => {
        onlyDataError(() => readNpy(b, 'x.npy'));
      }),
      { numRuns: RUNS, seed: 6 },
    );
  });

  it('official layout: one mutated file of a valid dataset root', async () => {
    const ds = datasetFromExamples({ name: 'd', seqLen: 3, vocabSize: 5, examples: [{ inputs: [1, 2, 3], labels: [1, -100, 2] }, { inputs: [4, 0, 1], labels: [2, 2, 2], group: 1, puzzle: 1 }] });
    const files = officialDatasetFiles({ train: ds });
    const names = [...files.keys()];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), fc.nat(), async (name, seed) => {
        const mutated = fc.sample(mutatedBytes(files.get(name)!), { numRuns: 1, seed })[0]!;
        const m = new Map(files).set(name, mutated);
        await onlyDataErrorAsync(() => readOfficialDataset(async (p) => m.get(p) ?? Promise.reject(new Error('missing')), { splits: ['train'] }));
      }),
      { numRuns: RUNS, seed: 7 },
    );
  });

  it('batch cursors: arbitrary JSON never puts an iterator in a bad state', () => {
    const ds = datasetFromExamples({ name: 'c', seqLen: 1, vocabSize: 3, examples: [{ inputs: [1], labels: [1] }, { inputs: [2], labels: [2] }] });
    const valid = ds.batches({ batchSize: 1, seed: 1 }).getState();
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ ...Object.fromEntries(Object.entries(valid).map(([k, v]) => [k, fc.oneof(fc.constant(v), fc.jsonValue())])) })), (c) => {
        const it = ds.batches({ batchSize: 1, seed: 1 });
        if (!onlyDataError(() => it.setState(c as never))) for (let k = 0; k < 3; k++) it.next();
      }),
      { numRuns: RUNS, seed: 8 },
    );
  });
});
