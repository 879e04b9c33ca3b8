/**
 * The official ARC-AGI build (ALGORITHM.md §7.5): per task, the original and up to `augmentations` distinct
 * augmented versions (one puzzle id each, one group per task); tasks of the test subset send their demo pairs to
 * train and their test pairs to test under the same puzzle ids; other subsets send everything to train.
 * Translation (train split only): each pair at a random offset, one random pair per puzzle at (0, 0).
 */
import { ConfigError, Rng } from '@trm-ts/core';
import { DatasetBuilder, IGNORE_LABEL, type ArrayDataset } from '../dataset.js';
import { DataError } from '../errors.js';
import { gridFromRows, gridToRows, type Grid } from '../grid.js';
import {
  ARC_IDENTITY, ARC_PAD, ARC_SEQ_LEN, ARC_SIDE, ARC_VOCAB_SIZE, applyArcAugmentation, arcPuzzleName, encodeArcGrid, randomArcAugmentation,
  type ArcAugmentation, type ArcTask,
} from './arc.js';

export interface ArcSubset {
  /** E.g. "training", "evaluation", "concept". */
  name: string;
  tasks: readonly ArcTask[];
  /** The test subset: its test pairs form the test split. */
  isTest?: boolean;
}

export interface ArcBuildOptions {
  seed: number;
  /** Extra augmented versions per task (official 1000). Default 0. */
  augmentations?: number;
  /** Random placement of train-split pairs on the canvas. Default true. */
  translate?: boolean;
  /** Tries per wanted augmentation before giving up on more distinct versions (official 5). Default 5. */
  retriesPerAugmentation?: number;
}

export interface ArcBuild {
  train: ArrayDataset;
  test: ArrayDataset;
  /** index = puzzle id → puzzle name, [0] = "<blank>" (identifiers.json). */
  identifiers: string[];
  /** Raw test-subset tasks including solutions (test_puzzles.json, used by the voting evaluator). */
  testPuzzles: Record<string, { train: { input: number[][]; output: number[][] }[]; test: { input: number[][]; output: number[][] }[] }>;
}

const MISSING_OUTPUT: Grid = gridFromRows([[0]]);

/** A stable string of a version's grids, sorted, to reject duplicate augmentations (§7.5). */
function versionKey(pairs: { input: Grid; output: Grid }[]): string {
  const g = (x: Grid) => `${x.h}x${x.w}:${x.data.join('')}`;
  return pairs.map((p) => `${g(p.input)}>${g(p.output)}`).sort().join('|');
}

export function buildArcDataset(subsets: readonly ArcSubset[], options: ArcBuildOptions): ArcBuild {
  const { seed, augmentations = 0, translate = true, retriesPerAugmentation = 5 } = options;
  if (!(Number.isInteger(augmentations) && augmentations >= 0)) throw new ConfigError(`ARC augmentations: expected a non-negative integer, got ${augmentations}.`);
  if (subsets.filter((s) => s.isTest).length > 1) throw new ConfigError('ARC subsets: expected at most one test subset, got several.');
  const rng = new Rng(seed);
  const ids = new Map<string, number>([['<blank>', 0]]);
  const idOf = (name: string) => {
    let id = ids.get(name);
    if (id === undefined) ids.set(name, (id = ids.size));
    return id;
  };
  const info = { seqLen: ARC_SEQ_LEN, vocabSize: ARC_VOCAB_SIZE };
  const train = new DatasetBuilder({ name: 'arc-train', ...info });
  const test = new DatasetBuilder({ name: 'arc-test', ...info });
  const testPuzzles: ArcBuild['testPuzzles'] = {};
  const seen = new Set<string>();
  const inp = new Uint8Array(ARC_SEQ_LEN);
  const lab = new Int16Array(ARC_SEQ_LEN);
  const place = (b: DatasetBuilder, pairs: { input: Grid; output: Grid }[], id: number, shift: boolean) => {
    if (!pairs.length) return;
    const fixed = Math.floor(rng.next() * pairs.length);
    pairs.forEach((p, k) => {
      let r0 = 0;
      let c0 = 0;
      if (shift && k !== fixed) {
        r0 = Math.floor(rng.next() * (ARC_SIDE - Math.max(p.input.h, p.output.h) + 1));
        c0 = Math.floor(rng.next() * (ARC_SIDE - Math.max(p.input.w, p.output.w) + 1));
      }
      encodeArcGrid(p.input, r0, c0, inp);
      const out = encodeArcGrid(p.output, r0, c0);
      for (let i = 0; i < ARC_SEQ_LEN; i++) lab[i] = out[i] === ARC_PAD ? IGNORE_LABEL : out[i]!;
      b.push(inp, lab);
    });
    b.endPuzzle(id);
  };
  for (const subset of subsets) {
    const tasks = rng.shuffle(subset.tasks.slice());
    for (const task of tasks) {
      if (seen.has(task.id)) throw new DataError(`ARC subsets: task ${task.id} appears twice; expected each task once.`, { taskId: task.id });
      seen.add(task.id);
      const demo = task.train.map((p) => ({ input: p.input, output: p.output ?? MISSING_OUTPUT }));
      const tests = task.test.map((p) => ({ input: p.input, output: p.output ?? MISSING_OUTPUT }));
      if (subset.isTest) {
        testPuzzles[task.id] = {
          train: demo.map((p) => ({ input: gridToRows(p.input), output: gridToRows(p.output) })),
          test: tests.map((p) => ({ input: gridToRows(p.input), output: gridToRows(p.output) })),
        };
      }
      const versions: ArcAugmentation[] = [ARC_IDENTITY];
      const keys = new Set([versionKey([...demo, ...tests])]);
      for (let attempt = 0; attempt < retriesPerAugmentation * augmentations && versions.length <= augmentations; attempt++) {
        const aug = randomArcAugmentation(rng);
        const key = versionKey([...demo, ...tests].map((p) => ({ input: applyArcAugmentation(p.input, aug), output: applyArcAugmentation(p.output, aug) })));
        if (keys.has(key)) continue;
        keys.add(key);
        versions.push(aug);
      }
      for (const aug of versions) {
        const id = idOf(arcPuzzleName(task.id, aug));
        const apply = (ps: typeof demo) => ps.map((p) => ({ input: applyArcAugmentation(p.input, aug), output: applyArcAugmentation(p.output, aug) }));
        if (subset.isTest) {
          place(train, apply(demo), id, translate);
          place(test, apply(tests), id, false);
        } else {
          place(train, apply([...demo, ...tests]), id, translate);
        }
      }
      train.endGroup();
      if (subset.isTest) test.endGroup();
    }
  }
  const identifiers = [...ids.keys()];
  const extra = { numPuzzleIdentifiers: identifiers.length, identifiers };
  if (test.numExamples === 0) throw new ConfigError('ARC subsets: expected one subset with isTest (its test pairs form the test split), got none.');
  return { train: train.build(extra), test: test.build(extra), identifiers, testPuzzles };
}
