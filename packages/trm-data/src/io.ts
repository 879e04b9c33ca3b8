/** File access for tasks that read data; platform-free so the registry runs anywhere. */
import { ConfigError, TrmError, describeValue } from '@trm-ts/core';
import { DataError } from './errors.js';
import type { TaskDataset } from './dataset.js';

/** File access for tasks that load data. Paths are as the user gave them. */
export interface DataIO {
  readFile(path: string): Promise<Uint8Array>;
}

export interface TaskSplits {
  train: TaskDataset;
  test: TaskDataset;
  val?: TaskDataset;
  /** Puzzle names by id, where the task has them. */
  identifiers?: readonly string[];
  /** ARC: raw test tasks with solutions, for the voting evaluator. */
  testPuzzles?: unknown;
}

export interface TaskDefinition<O = Record<string, unknown>> {
  name: string;
  description: string;
  /** Option name → one-line help (for command lines). */
  options: Readonly<Record<string, string>>;
  build(options: O, io?: DataIO): Promise<TaskSplits>;
}

/**
 * The task's DataIO, with any untyped failure (a raw ENOENT from a custom DataIO) turned into a DataError
 * naming the file, code 'file-not-found' or 'file-unreadable'. Typed errors (the Node gate's) pass through.
 */
export function requireIO(io: DataIO | undefined, task: string): DataIO {
  if (!io) throw new ConfigError(`task ${task}: reading files needs a DataIO; pass nodeIO from '@trm-ts/data/node'.`);
  return {
    async readFile(path: string): Promise<Uint8Array> {
      try {
        return await io.readFile(path);
      } catch (e) {
        if (e instanceof TrmError) throw e;
        const missing = (e as { code?: unknown } | null)?.code === 'ENOENT';
        throw new DataError(`task ${task}: expected a readable file, got ${missing ? 'none (ENOENT). Check the dir option' : `a read failure (${describeValue((e as Error | null)?.message ?? e)})`}.`, {
          file: path, code: missing ? 'file-not-found' : 'file-unreadable',
        });
      }
    },
  };
}

/** Whether a read failed only because the file does not exist (optional files are then skipped). */
export const isMissingFile = (e: unknown): boolean => e instanceof TrmError && e.code === 'file-not-found';

export function joinPath(dir: string, file: string): string {
  return dir.endsWith('/') ? dir + file : `${dir}/${file}`;
}
