/**
 * The tasks `trm train` / `trm eval` / `trm solve` work on, described by a small JSON-able spec that a run saves
 * in run.json, so later commands rebuild the same splits (generated data is deterministic in its seed).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { arcTask, mazeTask, sudokuTask, sudokuSplits, type SudokuSize, type TaskSplits } from '@trm-ts/data';
import { nodeIO } from '@trm-ts/data/node';
import { UsageError } from './errors.js';

export const TASK_NAMES = ['sudoku', 'maze', 'arc', 'custom'] as const;
export type TaskKind = (typeof TASK_NAMES)[number];

export interface TaskSpec {
  task: TaskKind;
  /** Data seed (generation, augmentation). */
  seed: number;
  /** sudoku: side 4, 6 or 9. */
  n?: number;
  /** maze: side of generated mazes. */
  side?: number;
  /** sudoku / maze: folder with train.csv + test.csv; arc: folder with the challenges/solutions JSON. */
  dataDir?: string;
  /** arc: subsets read (the last is the test subset). */
  subsets?: string[];
  /** custom: an ES module whose default export is `(options) => TaskSplits | Promise<TaskSplits>`. */
  module?: string;
  /** Generated train / test sizes. */
  trainSize?: number;
  testSize?: number;
}

/** Builds the train and test splits of a task. */
export async function buildSplits(spec: TaskSpec): Promise<TaskSplits> {
  switch (spec.task) {
    case 'sudoku': {
      if (spec.dataDir) return sudokuTask.build({ dir: existingDir(spec.dataDir, '--data-dir'), seed: spec.seed, ...(spec.n ? { n: spec.n as SudokuSize } : {}) }, nodeIO);
      const n = (spec.n ?? 4) as SudokuSize;
      const s = sudokuSplits({ n, seed: spec.seed, train: spec.trainSize ?? 2000, val: 256, test: spec.testSize ?? 1000 });
      return { train: s.train, val: s.val, test: s.test };
    }
    case 'maze':
      return mazeTask.build(
        { seed: spec.seed, ...(spec.dataDir ? { dir: existingDir(spec.dataDir, '--data-dir') } : { side: spec.side ?? 9, train: spec.trainSize ?? 1000, test: spec.testSize ?? 200 }) },
        nodeIO,
      );
    case 'arc': {
      if (!spec.dataDir) throw new UsageError('--task arc: expected --data-dir with the ARC challenges/solutions JSON files, got none', 'e.g. --data-dir data/arc-agi --subsets training,evaluation');
      const subsets = spec.subsets ?? ['training', 'evaluation'];
      return arcTask.build({ dir: existingDir(spec.dataDir, '--data-dir'), seed: spec.seed, subsets, testSubset: subsets.at(-1)!, augmentations: 8 }, nodeIO);
    }
    case 'custom': {
      if (!spec.module) throw new UsageError('--task custom: expected --module <file.mjs>, got none', 'the module default-exports (options) => ({ train, test })');
      const path = resolve(spec.module);
      if (!existsSync(path)) throw new UsageError(`--module ${path}: no such file`);
      const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
      if (typeof mod.default !== 'function') throw new UsageError(`--module ${path}: expected a default export (options) => ({ train, test }), got ${typeof mod.default}`);
      const splits = (await (mod.default as (o: unknown) => unknown)({ seed: spec.seed })) as TaskSplits;
      if (!splits?.train?.batches || !splits?.test?.batches) throw new UsageError(`--module ${path}: expected its default export to return { train, test } datasets (e.g. datasetFromExamples of @trm-ts/data)`);
      return splits;
    }
  }
}

function existingDir(dir: string, flag: string): string {
  const path = resolve(dir);
  if (!existsSync(path)) throw new UsageError(`${flag} ${path}: no such directory`);
  return path;
}
