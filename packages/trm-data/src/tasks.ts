/**
 * The task registry. A task is one folder under src/ plus one line in {@link TASKS}; each exports a
 * {@link TaskDefinition} that builds its splits from generator options or from files (read through a
 * {@link DataIO}, which `@trm-ts/data/node` provides as `nodeIO`).
 */
import { ConfigError, describeValue } from '@trm-ts/core';
import type { TaskDefinition } from './io.js';
import { sudokuTask } from './sudoku/task.js';
import { mazeTask } from './maze/task.js';
import { arcTask } from './arc/task.js';
import { officialTask } from './official/task.js';

export const TASKS = {
  sudoku: sudokuTask,
  maze: mazeTask,
  arc: arcTask,
  official: officialTask,
} as const satisfies Record<string, TaskDefinition<never>>;

export type { DataIO, TaskSplits, TaskDefinition } from './io.js';

export type TaskName = keyof typeof TASKS;

export function getTask(name: string): (typeof TASKS)[TaskName] {
  const t = Object.hasOwn(TASKS, name) ? (TASKS as Record<string, (typeof TASKS)[TaskName]>)[name] : undefined; // not 'constructor'
  if (!t) throw new ConfigError(`task: expected one of ${Object.keys(TASKS).join(', ')}, got ${describeValue(name)}.`);
  return t;
}

