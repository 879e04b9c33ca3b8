/** File access for tasks that read data; platform-free so the registry runs anywhere. */
import { ConfigError } from '@trm-ts/core';
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

export function requireIO(io: DataIO | undefined, task: string): DataIO {
  if (!io) throw new ConfigError(`task ${task}: reading files needs a DataIO; pass nodeIO from '@trm-ts/data/node'.`);
  return io;
}

export function joinPath(dir: string, file: string): string {
  return dir.endsWith('/') ? dir + file : `${dir}/${file}`;
}
