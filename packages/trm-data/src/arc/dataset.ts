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

/** A 32-bit FNV-1a hash of one grid (shape included). */
function gridHash(g: Grid): number {
  let h = 0x811c9dc5;
  h = Math.imul(h ^ g.h, 0x01000193);
  h = Math.imul(h ^ g.w, 0x01000193);
  for (let i = 0; i < g.data.length; i++) h = Math.imul(h ^ g.data[i]!, 0x01000193);
  return h >>> 0;
}

/** A key of a version: the sorted (input, output) grid hashes, as §7.5 rejects duplicate augmentations. */
function versionKey(pairs: { input: Grid; output: Grid }[]): string {
  return pairs.map((p) => `${gridHash(p.input)}.${gridHash(p.output)}`).sort().join('|');
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
      const all = [...demo, ...tests];
      const versions: { aug: ArcAugmentation; pairs: typeof all }[] = [{ aug: ARC_IDENTITY, pairs: all }];
      const keys = new Set([versionKey(all)]);
      for (let attempt = 0; attempt < retriesPerAugmentation * augmentations && versions.length <= augmentations; attempt++) {
        const aug = randomArcAugmentation(rng);
        const pairs = all.map((p) => ({ input: applyArcAugmentation(p.input, aug), output: applyArcAugmentation(p.output, aug) }));
        const key = versionKey(pairs);
        if (keys.has(key)) continue;
        keys.add(key);
        versions.push({ aug, pairs });
      }
      for (const { aug, pairs } of versions) {
        const id = idOf(arcPuzzleName(task.id, aug));
        if (subset.isTest) {
          place(train, pairs.slice(0, demo.length), id, translate);
          place(test, pairs.slice(demo.length), id, false);
        } else {
          place(train, pairs, id, translate);
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
