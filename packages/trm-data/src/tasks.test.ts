import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@trm-ts/core';
import { nodeIO, writeOfficialDatasetDir } from './node/index.js';
import type { ArrayDataset } from './dataset.js';
import { getTask, TASKS } from './tasks.js';
import { formatSudokuCsv } from './sudoku/csv.js';
import { generateSudokus, type GeneratedSudoku } from './sudoku/generate.js';
import { formatMazeCsv, generateMazes } from './maze/maze.js';

const tmp = mkdtempSync(join(tmpdir(), 'trm-data-tasks-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const ARC_DIR = fileURLToPath(new URL('../../../../shared/data/arc-agi/', import.meta.url));

describe('task registry', () => {
  it('lists one entry per task folder and rejects unknown names with the choices', () => {
    expect(Object.keys(TASKS)).toEqual(['sudoku', 'maze', 'arc', 'official']);
    expect(getTask('maze').name).toBe('maze');
    expect(() => getTask('chess')).toThrow(/expected one of sudoku, maze, arc, official, got "chess"/);
    expect(() => getTask('constructor')).toThrow(ConfigError); // an Object.prototype member is not a task
  });

  it('builds generated sudoku and maze splits', async () => {
    const s = await TASKS.sudoku.build({ n: 4, seed: 1, train: 10, val: 2, test: 4, maxStall: 200 });
    expect([s.train.seqLen, s.val!.numExamples, s.test.numExamples]).toEqual([16, 2, 4]);
    const m = await TASKS.maze.build({ seed: 1, side: 9, train: 5, test: 3, minPathLength: 6 });
    expect([m.train.numExamples, m.test.numExamples, m.train.vocabSize]).toEqual([5, 3, 6]);
    await expect(TASKS.sudoku.build({ seed: 1 })).rejects.toThrow(ConfigError);
  });

  it('builds from files through nodeIO: Sudoku-Extreme CSV, Maze-Hard CSV, ARC JSON, and the official layout', async () => {
    const gen = generateSudokus({ n: 9, seed: 2 });
    const rows = Array.from({ length: 6 }, () => ({ ...(gen.next().value as GeneratedSudoku), source: 'g', rating: 0 }));
    writeFileSync(join(tmp, 'train.csv'), formatSudokuCsv(rows));
    writeFileSync(join(tmp, 'test.csv'), formatSudokuCsv(rows.slice(0, 2)));
    const s = await TASKS.sudoku.build({ seed: 3, dir: tmp, subsample: 4, augmentations: 2 }, nodeIO);
    expect([s.train.numExamples, s.train.numGroups, s.test.numExamples]).toEqual([12, 4, 2]);
    await expect(TASKS.sudoku.build({ seed: 3, dir: tmp })).rejects.toThrow(/nodeIO/);

    const mdir = join(tmp, 'maze');
    const mazes = generateMazes({ side: 7, seed: 1 });
    const mrows = Array.from({ length: 3 }, () => mazes.next().value);
    await import('node:fs/promises').then((f) => f.mkdir(mdir));
    writeFileSync(join(mdir, 'train.csv'), formatMazeCsv(mrows));
    writeFileSync(join(mdir, 'test.csv'), formatMazeCsv(mrows));
    const m = await TASKS.maze.build({ seed: 1, dir: mdir, augment: true }, nodeIO);
    expect([m.train.numExamples, m.test.numExamples]).toEqual([24, 3]);

    const arc = await TASKS.arc.build({ seed: 1, dir: ARC_DIR }, nodeIO);
    expect(arc.train.numGroups).toBe(800);
    expect(arc.test.numExamples).toBe(419);
    expect(arc.identifiers!.length).toBe(801);

    await writeOfficialDatasetDir(join(tmp, 'arc-official'), { train: arc.train as ArrayDataset, test: arc.test as ArrayDataset }, { testPuzzles: arc.testPuzzles });
    const o = await TASKS.official.build({ dir: join(tmp, 'arc-official') }, nodeIO);
    expect(Array.from(o.test.puzzleIdentifiers)).toEqual(Array.from(arc.test.puzzleIdentifiers));
    expect(o.identifiers).toEqual(arc.identifiers);
    expect(Object.keys(o.testPuzzles as object).length).toBe(400);
  });
});
