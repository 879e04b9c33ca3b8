import { ConfigError } from '@trm-ts/core';
import { isMissingFile, joinPath, requireIO, type DataIO, type TaskDefinition, type TaskSplits } from '../io.js';
import { parseArcChallenges } from './arc.js';
import { buildArcDataset } from './dataset.js';

export interface ArcTaskOptions {
  seed: number;
  /** Folder with `<prefix>_<subset>_challenges.json` and `<prefix>_<subset>_solutions.json`. */
  dir: string;
  prefix?: string;
  /** Subsets trained on (default training, evaluation); the last one listed in `testSubset` is the test set. */
  subsets?: string[];
  /** Default evaluation. */
  testSubset?: string;
  augmentations?: number;
  translate?: boolean;
}

export const arcTask: TaskDefinition<ArcTaskOptions> = {
  name: 'arc',
  description: 'ARC-AGI from the combined challenges/solutions JSON files, with dihedral + colour augmentations',
  options: {
    seed: 'seed of task order, augmentation and translation',
    dir: 'folder with <prefix>_<subset>_challenges.json / _solutions.json',
    prefix: 'file prefix (default arc-agi)',
    subsets: 'subsets to read (default training,evaluation)',
    testSubset: 'subset whose test pairs form the test split (default evaluation)',
    augmentations: 'augmented versions per task (official 1000)',
    translate: 'random placement of train pairs (default true)',
  },
  async build(options: ArcTaskOptions, io?: DataIO): Promise<TaskSplits> {
    const fs = requireIO(io, 'arc');
    if (!options.dir) throw new ConfigError('task arc: expected dir, got none.');
    const { prefix = 'arc-agi', subsets = ['training', 'evaluation'], testSubset = 'evaluation' } = options;
    if (!subsets.includes(testSubset)) throw new ConfigError(`task arc: testSubset: expected one of ${subsets.join(', ')}, got ${testSubset}.`);
    const dec = new TextDecoder();
    const parts = [];
    for (const name of subsets) {
      const challenges = joinPath(options.dir, `${prefix}_${name}_challenges.json`);
      const solutions = joinPath(options.dir, `${prefix}_${name}_solutions.json`);
      const cText = dec.decode(await fs.readFile(challenges));
      let sText: string | undefined;
      try {
        sText = dec.decode(await fs.readFile(solutions));
      } catch (e) {
        if (!isMissingFile(e)) throw e; // the solutions are optional; a FIFO or an oversized file is not
        sText = undefined;
      }
      parts.push({ name, isTest: name === testSubset, tasks: parseArcChallenges(cText, sText, { challenges, solutions }) });
    }
    const b = buildArcDataset(parts, { seed: options.seed, augmentations: options.augmentations, translate: options.translate });
    return { train: b.train, test: b.test, identifiers: b.identifiers, testPuzzles: b.testPuzzles };
  },
};
