import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { ConfigError, type TaskBatch, type TrmNetwork } from '@trm-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLeaksEachTest } from '@trm-ts/testing';
import { arcGridFromJson, dihedral, type ArcGrid } from '../arc/grid.js';
import { ArcVoter, type ArcTestPuzzles } from '../arc/voter.js';
import { evaluateArc } from './arc-run.js';
import { counterModel, tinyNet } from './test-helpers.js';
import { trajectory } from './trajectory.js';

let net: TrmNetwork;
beforeAll(async () => {
  await useWasmBackend();
  net = tinyNet(4, { vocabSize: 12, numPuzzleIdentifiers: 5 });
});
afterAll(() => net.dispose());
checkLeaksEachTest();

const SIDE = 4;
/** §7.5 encoding on a 4×4 canvas: colours + 2 at (0, 0), EOS on the row below and the column right. */
function encode(g: ArcGrid): Int32Array {
  const t = new Int32Array(SIDE * SIDE);
  for (let i = 0; i < g.h; i++) for (let j = 0; j < g.w; j++) t[i * SIDE + j] = g.cells[i * g.w + j]! + 2;
  if (g.h < SIDE) for (let j = 0; j < g.w; j++) t[g.h * SIDE + j] = 1;
  if (g.w < SIDE) for (let i = 0; i < g.h; i++) t[i * SIDE + g.w] = 1;
  return t;
}
const MAP = [0, 2, 1, 3, 4, 5, 6, 7, 8, 9];
const G1 = [[1, 2], [3, 4]];
const G2 = [[5, 0, 6]];
const identifiers = ['<blank>', 'T1', `T1|||t1|||${MAP.join('')}`, 'T2', 'T2|||t5|||0123456789'];
// T1's answer is its input (an identity predictor solves it); T2's is not.
const puzzles: ArcTestPuzzles = { T1: { test: [{ input: G1, output: G1 }] }, T2: { test: [{ input: G2, output: [[9]] }] } };

function arcBatch(): TaskBatch {
  const g1 = arcGridFromJson(G1);
  const g2 = arcGridFromJson(G2);
  const rows = [
    encode(g1), // T1
    encode(dihedral({ ...g1, cells: g1.cells.map((c) => MAP[c]!) }, 1)), // T1 rotated + recoloured
    encode(g2), // T2
    encode(dihedral(g2, 5)), // T2 flipped
    new Int32Array(SIDE * SIDE), // padding row, blank id
    encode(g2), // marked invalid: must not vote
  ];
  const inputs = new Int32Array(rows.length * SIDE * SIDE);
  rows.forEach((r, i) => inputs.set(r, i * SIDE * SIDE));
  return {
    batchSize: rows.length,
    seqLen: SIDE * SIDE,
    inputs,
    labels: new Int32Array(inputs.length).fill(-100),
    puzzleIds: Int32Array.of(1, 2, 3, 4, 0, 3),
    valid: Uint8Array.of(1, 1, 1, 1, 0, 0),
  };
}

describe('evaluateArc', () => {
  it('an identity predictor (counter model at N ≡ 0 mod V) solves exactly the task whose answer is its input, through the inverse augmentation', async () => {
    const m = counterModel(SIDE * SIDE, 12); // after 12 steps the prediction equals the input canvas
    const res = await evaluateArc(m, [arcBatch()], { steps: 12, identifiers, testPuzzles: puzzles, voter: new ArcVoter({ side: SIDE }) });
    expect(res.rows).toBe(4);
    expect(res.votes).toBe(4);
    expect(res.tasks.T1!.correct[0]).toBe(1);
    expect(res.tasks.T2!.correct.every((c) => c === 0)).toBe(true);
    expect(res.passAtK[0]).toBe(0.5);
    expect(res.rankings.T1![0]![0]!.votes).toBe(2); // both versions of T1 vote for the same (inverted) grid
    expect(res.submission.T1![0]!.attempt_1).toEqual(G1);
  });

  it('feeds the final step of a random tiny net exactly as a hand-fed voter (plumbing, not accuracy)', async () => {
    const batch = arcBatch();
    const res = await evaluateArc(net, [batch], { steps: 3, identifiers, testPuzzles: puzzles, voter: new ArcVoter({ side: SIDE }) });
    const ref = new ArcVoter({ side: SIDE });
    for await (const st of trajectory(net, batch, { steps: 3 })) {
      if (st.step !== 3) continue;
      for (const b of [0, 1, 2, 3]) ref.add(identifiers[batch.puzzleIds[b]!]!, batch.inputs.subarray(b * 16, (b + 1) * 16), st.preds!.subarray(b * 16, (b + 1) * 16), st.qHalt[b]!);
    }
    const expected = ref.evaluate(puzzles);
    expect({ passAtK: res.passAtK, tasks: res.tasks, rankings: res.rankings, submission: res.submission, votes: res.votes }).toEqual({
      passAtK: expected.passAtK, tasks: expected.tasks, rankings: expected.rankings, submission: expected.submission, votes: expected.votes,
    });
    expect(res.batches).toBe(1);
  });

  it('rejects a model whose seqLen is not the voter canvas', async () => {
    await expect(evaluateArc(net, [arcBatch()], { steps: 1, identifiers, testPuzzles: puzzles })).rejects.toThrow(ConfigError);
  });
});
