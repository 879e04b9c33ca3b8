import * as tf from '@tensorflow/tfjs-core';
import { IGNORE_LABEL } from '@trm-ts/core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { PuzzleRecorder, fractionOf } from './puzzle-record.js';

beforeAll(async () => {
  await useWasmBackend();
});

describe('PuzzleRecorder', () => {
  it('keeps per-puzzle outcomes per read-out, k, step and run (values worked by hand)', () => {
    const before = tf.memory().numTensors;
    // R = 3 runs × B = 3 puzzles × L = 2 cells, rows r·B + b. Labels: puzzle 0 = [1, 2], 1 = [3, IGNORE], 2 = [1, 1].
    const labels = Int32Array.from([1, 2, 3, IGNORE_LABEL, 1, 1]);
    const preds = Int32Array.from([
      // run 0: puzzle 0 right, 1 right (the ignored cell does not count), 2 wrong
      1, 2, 3, 0, 1, 2,
      // run 1: 0 wrong, 1 wrong, 2 right
      2, 2, 4, 0, 1, 1,
      // run 2: 0 wrong (same answer as run 1), 1 right, 2 right
      2, 2, 3, 5, 1, 1,
    ]);
    // q_halt: puzzle 0 most confident in run 1, puzzle 1 in run 2, puzzle 2 in run 0.
    const qHalt = Float32Array.from([0, 0, 5, 3, 0, 0, 1, 4, 0]);
    const rec = new PuzzleRecorder({ ks: [1, 3], cells: 2 });
    rec.onRecord({ batch: 0, step: 4, runs: 3, batchSize: 3, preds, qHalt, labels, valid: Uint8Array.from([1, 1, 1]) });
    const r = rec.result();
    expect(r.steps).toEqual([4]);
    expect(r.puzzles).toBe(3);
    expect(r.runCorrect.map((x) => x[0])).toEqual(['110', '001', '011']);
    expect(r.correct.single!.map((x) => x[0])).toEqual(['110', '110']); // run 0 for every k
    // confidence k=3: puzzle 0 → run 1 (wrong), 1 → run 2 (right), 2 → run 0 (wrong).
    expect(r.correct.confidence![1]![0]).toBe('010');
    // puzzle-mode k=3: puzzle 0: runs 1 and 2 agree on [2,2] (wrong); 1: [3,0],[4,0],[3,5] all differ → the most
    // confident among ties (run 2, right); 2: runs 1, 2 agree on [1,1] (right).
    expect(r.correct.puzzleMode![1]![0]).toBe('011');
    // cell-mode k=3: puzzle 0 cells [2 (1,2,2), 2] wrong; 1: cell 0 {3,4,3} → 3, right; 2: [1, 1] right.
    expect(r.correct.cellMode![1]![0]).toBe('011');
    // Diversity: puzzle 0 has 2 distinct answers of 3, puzzles 1 and 2 have 3 and 2 → (2 + 3 + 2) / 9.
    expect(r.diversity![0]!.distinctFraction).toBeCloseTo(7 / 9, 10);
    expect(fractionOf('0110')).toBe(0.5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('skips padding rows and appends batches in order', () => {
    const rec = new PuzzleRecorder({ ks: [1], cells: 1, readouts: ['single'] });
    rec.onRecord({ batch: 0, step: 1, runs: 1, batchSize: 2, preds: Int32Array.from([1, 0]), qHalt: new Float32Array(2), labels: Int32Array.from([1, 1]) });
    rec.onRecord({ batch: 1, step: 1, runs: 1, batchSize: 2, preds: Int32Array.from([1, 1]), qHalt: new Float32Array(2), labels: Int32Array.from([1, 1]), valid: Uint8Array.from([1, 0]) });
    expect(rec.result().correct.single![0]![0]).toBe('101');
    expect(() => new PuzzleRecorder({ ks: [1], cells: 1 }).result()).toThrow(/nothing was recorded/);
  });
});
