import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '@trm-ts/core';
import { randomGrid } from '../testing/grids.js';
import { DataError } from '../errors.js';
import { gridFromRows, gridsEqual, gridToRows } from '../grid.js';
import {
  ARC_SEQ_LEN, applyArcAugmentation, arcPuzzleName, decodeArcGrid, encodeArcGrid, formatArcChallenges, formatArcTask, invertArcAugmentation,
  parseArcChallenges, parseArcPuzzleName, parseArcTask, randomArcAugmentation, type ArcTask,
} from './arc.js';
import { buildArcDataset } from './dataset.js';

/** The shared real data: ../shared beside the repository (ALGORITHM.md §7.5). */
const ARC_DIR = fileURLToPath(new URL('../../../../../shared/data/arc-agi/', import.meta.url));
const read = (f: string) => readFileSync(ARC_DIR + f, 'utf8');

function loadSubset(name: string): ArcTask[] {
  return parseArcChallenges(read(`arc-agi_${name}_challenges.json`), read(`arc-agi_${name}_solutions.json`), { challenges: name, solutions: name });
}

describe('ARC-AGI loaders on the real data', () => {
  it('read every file in shared/data/arc-agi with the counts of §7.5', () => {
    const files = readdirSync(ARC_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(['arc-agi_evaluation_challenges.json', 'arc-agi_evaluation_solutions.json', 'arc-agi_training_challenges.json', 'arc-agi_training_solutions.json']);
    const counts = (ts: ArcTask[]) => [ts.length, ts.reduce((a, t) => a + t.train.length, 0), ts.reduce((a, t) => a + t.test.length, 0)];
    const training = loadSubset('training');
    const evaluation = loadSubset('evaluation');
    expect(counts(training)).toEqual([400, 1302, 416]);
    expect(counts(evaluation)).toEqual([400, 1363, 419]);
    for (const t of [...training, ...evaluation]) for (const p of t.test) expect(p.output).not.toBeNull();
  });

  it('round-trips both layouts exactly (combined files and one file per task)', () => {
    const training = loadSubset('training').slice(0, 50);
    const { challenges, solutions } = formatArcChallenges(training);
    expect(parseArcChallenges(JSON.stringify(challenges), JSON.stringify(solutions))).toEqual(training);
    for (const t of training.slice(0, 10)) expect(parseArcTask(JSON.stringify(formatArcTask(t)), t.id)).toEqual(t);
    // The raw JSON of a task equals what we write back.
    const raw = JSON.parse(read('arc-agi_training_challenges.json'));
    const id = training[0]!.id;
    expect(challenges[id]).toEqual(raw[id]);
  });

  it('rejects invalid grids with a DataError naming the file and task', () => {
    const task = (input: unknown) => JSON.stringify({ t1: { train: [{ input, output: [[1]] }], test: [{ input: [[0]] }] } });
    const bad = (input: unknown) => () => parseArcChallenges(task(input), undefined, { challenges: 'c.json' });
    expect(bad([[1, 2], [3]])).toThrow(/^c\.json, task t1: train\[0\]\.input: row 1: expected 2 colours/);
    expect(bad([[1, 10]])).toThrow(/cell \(0, 1\): expected a colour 0-9, got 10/);
    expect(bad([[1, -1]])).toThrow(/got -1/);
    expect(bad([[1.5]])).toThrow(/got 1.5/);
    expect(bad(Array.from({ length: 31 }, () => [0]))).toThrow(/expected a list of 1-30 rows, got 31 rows/);
    expect(bad([Array(31).fill(0)])).toThrow(/expected a list of 1-30 colours, got 31 entries/);
    expect(bad([])).toThrow(DataError);
    expect(() => parseArcChallenges('{"t1": {"train": [], "test": []}}')).toThrow(/non-empty list of pairs/);
    expect(() => parseArcChallenges(task([[1]]), '{"t1": [[[1]], [[2]]]}', { solutions: 's.json' })).toThrow(/s\.json, task t1: expected 1 solution grids/);
    expect(() => parseArcChallenges(task([[1]]), '{"zz": [[[1]]]}')).toThrow(/task zz/);
    expect(() => parseArcChallenges('{"t1": ', undefined, { challenges: 'c.json' })).toThrow(/c\.json: expected JSON/);
    try {
      bad([[11]])();
    } catch (e) {
      expect((e as DataError).taskId).toBe('t1');
      expect((e as DataError).file).toBe('c.json');
    }
  });
});

describe('ARC encoding (§7.5)', () => {
  it('writes colour + 2, EOS on the row below and column right, corner PAD (hand example)', () => {
    const g = gridFromRows([[0, 9], [5, 1]]);
    const t = encodeArcGrid(g, 1, 2);
    const at = (r: number, c: number) => t[r * 30 + c];
    expect([at(1, 2), at(1, 3), at(2, 2), at(2, 3)]).toEqual([2, 11, 7, 3]);
    expect([at(3, 2), at(3, 3), at(1, 4), at(2, 4)]).toEqual([1, 1, 1, 1]);
    expect(at(3, 4)).toBe(0);
    expect(t.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0)).toBe(8);
    // A 30×30 grid leaves no room for EOS.
    const full = encodeArcGrid({ h: 30, w: 30, data: new Uint8Array(900).fill(3) });
    expect(full.every((v) => v === 5)).toBe(true);
    expect(() => encodeArcGrid(g, 29, 0)).toThrow(DataError);
  });

  it('decodes a grid at (0, 0) back exactly, and crops like the official evaluator', () => {
    const rng = new Rng(3);
    for (let k = 0; k < 30; k++) {
      const g = randomGrid(rng, 30);
      expect(gridsEqual(decodeArcGrid(encodeArcGrid(g))!, g)).toBe(true);
    }
    // Ragged prediction: colour runs 3, 3, 2, 2, 0 → areas 3, 6, 6 (a tie keeps 2×3), 8 → the 4×2 crop wins.
    const t = new Uint8Array(ARC_SEQ_LEN);
    t.set([2, 3, 4, 1], 0);
    t.set([5, 6, 7, 1], 30);
    t.set([8, 9, 1], 60);
    t.set([10, 11, 0], 90);
    expect(gridToRows(decodeArcGrid(t)!)).toEqual([[0, 1], [3, 4], [6, 7], [8, 9]]);
    t.set([8, 9, 1], 120);
    expect(gridToRows(decodeArcGrid(t)!)).toEqual([[0, 1], [3, 4], [6, 7], [8, 9], [6, 7]]);
    expect(decodeArcGrid(new Uint8Array(ARC_SEQ_LEN))).toBeNull();
  });
});

describe('ARC augmentation (§7.5, §7.6)', () => {
  it('inverts every transform of every real test output', () => {
    const rng = new Rng(11);
    const tasks = loadSubset('evaluation');
    for (const t of tasks) {
      const aug = randomArcAugmentation(rng);
      expect(aug.colorMap[0]).toBe(0);
      expect(new Set(aug.colorMap).size).toBe(10);
      for (const p of t.test) expect(gridsEqual(invertArcAugmentation(applyArcAugmentation(p.output!, aug), aug), p.output!)).toBe(true);
    }
  });

  it('applies map then dihedral (hand example) and names versions reversibly', () => {
    const g = gridFromRows([[0, 1], [2, 3]]);
    const aug = { tid: 1, colorMap: Uint8Array.from([0, 2, 1, 3, 4, 5, 6, 7, 8, 9]) };
    // map: [[0,2],[1,3]]; rot90 CCW: [[2,3],[0,1]].
    expect(gridToRows(applyArcAugmentation(g, aug))).toEqual([[2, 3], [0, 1]]);
    const name = arcPuzzleName('abc', aug);
    expect(name).toBe('abc|||t1|||0213456789');
    expect(parseArcPuzzleName(name)).toEqual({ taskId: 'abc', aug });
    expect(parseArcPuzzleName('abc').aug.tid).toBe(0);
    expect(() => parseArcPuzzleName('abc|||t9|||0123456789')).toThrow(DataError);
    expect(() => parseArcPuzzleName('abc|||t1|||1023456789')).toThrow(DataError);
  });
});

describe('ARC dataset build (§7.5)', () => {
  const training = loadSubset('training').slice(0, 6);
  const evaluation = loadSubset('evaluation').slice(0, 4);
  const build = buildArcDataset([{ name: 'training', tasks: training }, { name: 'evaluation', tasks: evaluation, isTest: true }], { seed: 42, augmentations: 3 });

  it('routes pairs: training subset → train; evaluation demos → train, tests → test, under shared ids', () => {
    const { train, test, identifiers } = build;
    const demos = (ts: ArcTask[]) => ts.reduce((a, t) => a + t.train.length, 0);
    const tests = (ts: ArcTask[]) => ts.reduce((a, t) => a + t.test.length, 0);
    expect(train.numExamples).toBe(4 * (demos(training) + tests(training) + demos(evaluation)));
    expect(test.numExamples).toBe(4 * tests(evaluation));
    expect(train.numGroups).toBe(10);
    expect(test.numGroups).toBe(4);
    expect(identifiers[0]).toBe('<blank>');
    expect(identifiers.length).toBe(1 + 4 * 10);
    expect(train.numPuzzleIdentifiers).toBe(41);
    const trainIds = new Set(train.puzzleIdentifiers);
    for (const id of test.puzzleIdentifiers) {
      expect(trainIds.has(id)).toBe(true);
      const { taskId } = parseArcPuzzleName(identifiers[id]!);
      expect(evaluation.some((t) => t.id === taskId)).toBe(true);
    }
    expect(Object.keys(build.testPuzzles).sort()).toEqual(evaluation.map((t) => t.id).sort());
  });

  it('stores test pairs at (0, 0) with PAD labels ignored; inverting a test label gives the real solution', () => {
    const { test, identifiers } = build;
    for (let p = 0; p < test.numPuzzles; p++) {
      const { taskId, aug } = parseArcPuzzleName(identifiers[test.puzzleIdentifiers[p]!]!);
      const task = evaluation.find((t) => t.id === taskId)!;
      for (let e = test.puzzleIndices[p]!; e < test.puzzleIndices[p + 1]!; e++) {
        const ex = test.example(e);
        // PAD is never a target: every PAD cell of the label canvas became −100.
        expect(ex.labels.includes(0)).toBe(false);
        expect(ex.labels.includes(-100)).toBe(true);
        const label = decodeArcGrid(Int32Array.from(ex.labels, (v) => (v === -100 ? 0 : v)))!;
        const k = e - test.puzzleIndices[p]!;
        expect(gridsEqual(invertArcAugmentation(label, aug), task.test[k]!.output!)).toBe(true);
      }
    }
  });

  it('translates train pairs, keeping one pair per puzzle at (0, 0)', () => {
    const { train } = build;
    let moved = 0;
    for (let p = 0; p < train.numPuzzles; p++) {
      let atOrigin = 0;
      for (let e = train.puzzleIndices[p]!; e < train.puzzleIndices[p + 1]!; e++) {
        const ex = train.example(e);
        if (ex.inputs[0]! >= 2) atOrigin++;
        else moved++;
      }
      expect(atOrigin).toBeGreaterThanOrEqual(1);
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('is deterministic in the seed and rejects a second test subset', () => {
    const again = buildArcDataset([{ name: 'training', tasks: training }, { name: 'evaluation', tasks: evaluation, isTest: true }], { seed: 42, augmentations: 3 });
    expect(Array.from(again.train.inputs)).toEqual(Array.from(build.train.inputs));
    expect(again.identifiers).toEqual(build.identifiers);
    expect(() => buildArcDataset([{ name: 'a', tasks: training, isTest: true }, { name: 'b', tasks: evaluation, isTest: true }], { seed: 1 })).toThrow(/at most one test subset/);
  });
});
