import { ConfigError } from '@trm-ts/core';
import { joinPath, requireIO, type DataIO, type TaskDefinition, type TaskSplits } from '../io.js';
import { parseSudokuCsv } from './csv.js';
import { sudokuDataset, sudokuExtremeTrain, sudokuSplits, type SudokuSplitOptions } from './dataset.js';

export interface SudokuTaskOptions extends Partial<SudokuSplitOptions> {
  seed: number;
  /** A folder with Sudoku-Extreme `train.csv` and `test.csv`; without it puzzles are generated. */
  dir?: string;
  /** CSV build: train rows drawn (official 1000) and augmentations per row (official 1000). */
  subsample?: number;
  minRating?: number;
}

export const sudokuTask: TaskDefinition<SudokuTaskOptions> = {
  name: 'sudoku',
  description: 'n×n Sudoku (4, 6, 9): generated splits disjoint by canonical form, or Sudoku-Extreme CSV files',
  options: {
    n: 'side: 4, 6 or 9 (generated)',
    seed: 'seed of generation, subsampling and augmentation',
    band: 'difficulty band: easy, medium, hard, extreme (generated)',
    train: 'base train puzzles (generated, default 2000)',
    val: 'validation puzzles (generated, default 256)',
    test: 'test puzzles (generated, default 1000)',
    augmentations: 'augmented versions per train puzzle (default 8 generated, 1000 CSV)',
    dir: 'folder with Sudoku-Extreme train.csv and test.csv',
    subsample: 'CSV: train rows drawn (official 1000)',
    minRating: 'CSV: keep rows with rating ≥ this',
  },
  async build(options: SudokuTaskOptions, io?: DataIO): Promise<TaskSplits> {
    if (options.dir === undefined) {
      if (options.n === undefined) throw new ConfigError('task sudoku: expected n (4, 6 or 9) or dir, got neither.');
      const { train, val, test } = sudokuSplits({ ...options, n: options.n });
      return { train, val, test };
    }
    const fs = requireIO(io, 'sudoku');
    const read = async (f: string) => {
      const file = joinPath(options.dir!, f);
      return parseSudokuCsv(new TextDecoder().decode(await fs.readFile(file)), { file, minRating: options.minRating });
    };
    const trainRows = await read('train.csv');
    const testRows = await read('test.csv');
    const n = options.n ?? (Math.round(Math.sqrt(trainRows[0]?.puzzle.length ?? 81)) as 4 | 6 | 9);
    return {
      train: sudokuExtremeTrain(trainRows, { seed: options.seed, subsample: Math.min(options.subsample ?? trainRows.length, trainRows.length), augmentations: options.augmentations ?? 1000 }),
      test: sudokuDataset(testRows, { n, name: 'sudoku-extreme-test' }),
    };
  },
};
