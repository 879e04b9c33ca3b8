import { ConfigError } from '@trm-ts/core';
import { DataError } from '../errors.js';
import { joinPath, requireIO, type DataIO, type TaskDefinition, type TaskSplits } from '../io.js';
import { readOfficialDataset } from './format.js';

export interface OfficialTaskOptions {
  /** A dataset root written by the official builders (or by writeOfficialDataset). */
  dir: string;
}

export const officialTask: TaskDefinition<OfficialTaskOptions> = {
  name: 'official',
  description: 'a dataset folder in the official .npy layout (train/, test/, identifiers.json)',
  options: { dir: 'dataset root (holds train/ and test/)' },
  async build(options: OfficialTaskOptions, io?: DataIO): Promise<TaskSplits> {
    const fs = requireIO(io, 'official');
    if (!options.dir) throw new ConfigError('task official: expected dir, got none.');
    const d = await readOfficialDataset((p) => fs.readFile(joinPath(options.dir, p)));
    if (!d.train || !d.test) throw new DataError('expected train/ and test/ splits.', { file: options.dir });
    return { train: d.train, test: d.test, ...(d.identifiers ? { identifiers: d.identifiers } : {}), ...(d.testPuzzles !== undefined ? { testPuzzles: d.testPuzzles } : {}) };
  },
};
