import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, Rng, ShapeError } from '@trm-ts/core';
import { describe, expect, it } from 'vitest';
import { arcGridFromJson, arcGridToJson, dihedral, type ArcGrid } from './grid.js';
import { ArcVoter, arcTestPuzzlesFromFiles, type ArcTestPuzzles } from './voter.js';

/** Official test-row encoding (§7.5): grid at (0, 0), colours + 2, EOS row below and column right. */
function encode(g: ArcGrid): Int32Array {
  const t = new Int32Array(900);
  for (let i = 0; i < g.h; i++) for (let j = 0; j < g.w; j++) t[i * 30 + j] = g.cells[i * g.w + j]! + 2;
  if (g.h < 30) for (let j = 0; j < g.w; j++) t[g.h * 30 + j] = 1;
  if (g.w < 30) for (let i = 0; i < g.h; i++) t[i * 30 + g.w] = 1;
  return t;
}
/** The builder's augmentation: dihedral(map[g], tid), named `<task>|||t<tid>|||<map>`. */
function augment(task: string, g: number[][], tid: number, map: number[]): { name: string; canvas: Int32Array } {
  const grid = arcGridFromJson(g);
  return { name: `${task}|||t${tid}|||${map.join('')}`, canvas: encode(dihedral({ ...grid, cells: grid.cells.map((c) => map[c]!) }, tid)) };
}
const MAP_A = [0, 2, 1, 3, 4, 5, 6, 7, 8, 9];
const MAP_B = [0, 9, 8, 7, 6, 5, 4, 3, 2, 1];

const G1 = [[1, 2], [3, 4]];
const O1 = [[5, 5, 5]];
const Y = [[6, 6, 6]];
const Z = [[7]];
const G2 = [[1, 0, 1]];
const O2 = [[2], [2]];
const W = [[3], [3]];
const G3 = [[4]];
const O3 = [[8, 9]];
const puzzles: ArcTestPuzzles = {
  T1: { test: [{ input: G1, output: O1 }, { input: G2, output: O2 }] },
  T2: { test: [{ input: G3, output: O3 }] },
  T3: { test: [{ input: [[1]], output: [[1]] }] }, // receives no vote → scores 0
};

/** Vote `pred` for the test input `input` of `task`, both seen through augmentation (tid, map). */
function vote(v: ArcVoter, task: string, input: number[][], pred: number[][], q: number, tid: number, map: number[]): void {
  const i = augment(task, input, tid, map);
  v.add(i.name, i.canvas, augment(task, pred, tid, map).canvas, q);
}

function castVotes(v: ArcVoter): void {
  // T1 pair 1: O1 (right) 2 votes at q 0 (mean sigmoid 0.5); Y 2 votes at q 2 (0.88); Z 1 vote at q 5.
  // Rank: Y (2, 0.88), O1 (2, 0.5), Z (1, 0.99) → pass@1 no, pass@2 yes.
  vote(v, 'T1', G1, O1, 0, 1, MAP_A);
  vote(v, 'T1', G1, Y, 2, 6, MAP_B);
  vote(v, 'T1', G1, O1, 0, 7, MAP_B);
  vote(v, 'T1', G1, Z, 5, 0, MAP_A);
  vote(v, 'T1', G1, Y, 2, 3, MAP_A);
  // T1 pair 2: W then O2, one vote each at the same q → full tie, first seen (W) ranks first.
  vote(v, 'T1', G2, W, 1, 2, MAP_A);
  vote(v, 'T1', G2, O2, 1, 5, MAP_B);
  // T2: a single (right) vote, through an un-augmented name.
  v.add('T2', encode(arcGridFromJson(G3)), encode(arcGridFromJson(O3)), -3);
}

describe('ArcVoter (§8.7)', () => {
  it('ranks by (votes, mean sigmoid q), stable on full ties, and scores pass@K per task', () => {
    const v = new ArcVoter();
    castVotes(v);
    expect(v.size).toBe(8);
    const r = v.evaluate(puzzles);
    expect(r.passKs).toEqual([1, 2, 5, 10, 100, 1000]);
    expect(r.tasks.T1).toEqual({ pairs: 2, correct: [0, 2, 2, 2, 2, 2], voted: 2 });
    expect(r.tasks.T2).toEqual({ pairs: 1, correct: [1, 1, 1, 1, 1, 1], voted: 1 });
    expect(r.tasks.T3).toEqual({ pairs: 1, correct: [0, 0, 0, 0, 0, 0], voted: 0 });
    // mean over the 3 tasks of (correct pairs / pairs): pass@1 = (0 + 1 + 0)/3, pass@2 = (1 + 1 + 0)/3
    expect(r.passAtK[0]).toBeCloseTo(1 / 3, 12);
    for (const p of r.passAtK.slice(1)) expect(p).toBeCloseTo(2 / 3, 12);
    const p1 = r.rankings.T1![0]!;
    expect(p1.map((c) => c.votes)).toEqual([2, 2, 1]);
    expect(p1[0]!.meanQ).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
    expect(p1[1]!.meanQ).toBeCloseTo(0.5, 12);
    expect(r.votes).toBe(8);
  });

  it('submits the top-2 grids in the original frame, repeating the first when alone, [[0]] when none', () => {
    const v = new ArcVoter();
    castVotes(v);
    const { submission } = v.evaluate(puzzles);
    expect(submission.T1).toEqual([
      { attempt_1: Y, attempt_2: O1 },
      { attempt_1: W, attempt_2: O2 },
    ]);
    expect(submission.T2).toEqual([{ attempt_1: O3, attempt_2: O3 }]);
    expect(submission.T3).toEqual([{ attempt_1: [[0]], attempt_2: [[0]] }]);
  });

  it('clears votes after each evaluation by default', () => {
    const v = new ArcVoter();
    castVotes(v);
    v.evaluate(puzzles);
    expect(v.size).toBe(0);
    const again = v.evaluate(puzzles);
    expect(again.passAtK).toEqual([0, 0, 0, 0, 0, 0]);
    expect(again.votes).toBe(0);
  });

  it('accumulates across evaluations when asked (the official quirk)', () => {
    const v = new ArcVoter({ accumulate: true, passKs: [1] });
    castVotes(v);
    expect(v.evaluate(puzzles).passAtK[0]).toBeCloseTo(1 / 3, 12);
    // two more votes for O1 in a later evaluation: now O1 has 4 votes and wins pair 1 of T1
    vote(v, 'T1', G1, O1, 0, 4, MAP_A);
    vote(v, 'T1', G1, O1, 0, 5, MAP_A);
    const r = v.evaluate(puzzles);
    expect(r.tasks.T1!.correct).toEqual([1]);
    expect(r.votes).toBe(10);
    v.clear();
    expect(v.size).toBe(0);
  });

  it('addBatch skips blank-id rows and maps ids through identifiers.json', () => {
    const v = new ArcVoter({ passKs: [1] });
    const identifiers = ['<blank>', 'T2|||t2|||0123456789'];
    const a = augment('T2', G3, 2, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const p = augment('T2', O3, 2, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).canvas;
    const inputs = new Int32Array(1800);
    inputs.set(a.canvas, 0);
    const preds = new Int32Array(1800);
    preds.set(p, 0);
    preds.fill(5, 900); // the padded row's garbage must not vote
    v.addBatch({ puzzleIds: [1, 0], identifiers, inputs, preds, qHalt: [0, 0] });
    expect(v.size).toBe(1);
    expect(v.evaluate(puzzles).tasks.T2!.correct).toEqual([1]);
    expect(() => v.addBatch({ puzzleIds: [2], identifiers, inputs: inputs.subarray(0, 900), preds: preds.subarray(0, 900), qHalt: [0] })).toThrow(ShapeError);
  });

  it('rejects bad options and inputs', () => {
    expect(() => new ArcVoter({ passKs: [0] })).toThrow(ConfigError);
    expect(() => new ArcVoter().add('T1', new Int32Array(10), new Int32Array(900), 0)).toThrow(ShapeError);
    expect(() => new ArcVoter().evaluate({})).toThrow(ConfigError);
    expect(() => new ArcVoter().evaluate({ T: { test: [{ input: [[1]] }] } } as never)).toThrow(/expected input and output/);
  });
});

const arcDir = process.env.TRM_ARC_DIR ?? fileURLToPath(new URL('../../../../../shared/data/arc-agi', import.meta.url));
const haveArc = existsSync(`${arcDir}/arc-agi_evaluation_challenges.json`);

describe.skipIf(!haveArc)('ArcVoter on real ARC-AGI evaluation tasks', () => {
  it('recovers every answer voted through all 8 dihedral transforms and random colour maps', () => {
    const challenges = JSON.parse(readFileSync(`${arcDir}/arc-agi_evaluation_challenges.json`, 'utf8'));
    const solutions = JSON.parse(readFileSync(`${arcDir}/arc-agi_evaluation_solutions.json`, 'utf8'));
    const all = arcTestPuzzlesFromFiles(challenges, solutions);
    const tasks = Object.keys(all).slice(0, 12);
    const subset: ArcTestPuzzles = Object.fromEntries(tasks.map((t) => [t, all[t]!]));
    const rng = new Rng(5);
    const v = new ArcVoter({ passKs: [1, 2] });
    for (const task of tasks) {
      for (const pair of subset[task]!.test) {
        const wrong = pair.output.map((row) => row.map((c) => (c + 1) % 10));
        for (let tid = 0; tid < 8; tid++) {
          const map = [0, ...Array.from(rng.permutation(9), (x) => x + 1)];
          vote(v, task, pair.input, pair.output, 0, tid, map);
          if (tid < 3) vote(v, task, pair.input, wrong, 4, tid, map); // fewer votes, higher confidence
        }
      }
    }
    const r = v.evaluate(subset);
    expect(r.passAtK).toEqual([1, 1]);
    for (const task of tasks) {
      subset[task]!.test.forEach((pair, i) => {
        expect(r.submission[task]![i]!.attempt_1).toEqual(pair.output);
        expect(r.submission[task]![i]!.attempt_2).toEqual(arcGridToJson(arcGridFromJson(pair.output.map((row) => row.map((c) => (c + 1) % 10)))));
      });
    }
  });
});
