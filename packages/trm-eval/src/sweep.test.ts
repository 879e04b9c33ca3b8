import { ConfigError, ShapeError } from '@trm-ts/core';
import { describe, expect, it } from 'vitest';
import { IGNORE_LABEL } from '@trm-ts/core';
import { EarlyExitTracker, SweepAccumulator, meanSweeps, type SweepResult } from './sweep.js';

// B = 2 examples, L = 2 cells, R = 3 runs (rows r·B + b). Labels: example 0 → [1, 2], example 1 → [3, 3].
//   run 0: ex0 [1, 2] (right)   ex1 [3, 1] (1/2)    q: −1, −1
//   run 1: ex0 [1, 1] (1/2)     ex1 [3, 3] (right)  q:  2,  0
//   run 2: ex0 [1, 1] (1/2)     ex1 [2, 3] (1/2)    q:  0,  1
const labels = Int32Array.from([1, 2, 3, 3]);
const preds = Int32Array.from([1, 2, 3, 1, 1, 1, 3, 3, 1, 1, 2, 3]);
const qHalt = Float32Array.from([-1, -1, 2, 0, 0, 1]);
// Expected by hand (solved, cellAcc):
//   k = 1, every read-out = run 0: ex0 right, ex1 1/2 → (0.5, 0.75)
//   k = 3 single: (0.5, 0.75)
//   k = 3 confidence: ex0 → run 1 (q 2) 1/2, ex1 → run 2 (q 1) 1/2 → (0, 0.5)
//   k = 3 cellMode: ex0 cells 1,1,1 → 1 ✓ and 2,1,1 → 1 ✗; ex1 cells 3,3,2 → 3 ✓ and 1,3,3 → 3 ✓ → (0.5, 0.75)
//   k = 3 puzzleMode: ex0 {[1,1]: runs 1, 2} wins → 1/2; ex1 all different → most confident run 2 → 1/2 → (0, 0.5)

describe('SweepAccumulator', () => {
  it('scores every read-out and k from one step (hand-computed case)', () => {
    const acc = new SweepAccumulator({ ks: [1, 3], cells: 2 });
    acc.ingest(1, { preds, qHalt, labels });
    const r = acc.result();
    expect(r.ks).toEqual([1, 3]);
    expect(r.steps).toEqual([1]);
    expect(r.rows).toEqual([2]);
    const at = (name: 'single' | 'confidence' | 'cellMode' | 'puzzleMode', ki: number) => [r.curves[name]!.solved[ki]![0], r.curves[name]!.cellAcc[ki]![0]];
    for (const name of ['single', 'confidence', 'cellMode', 'puzzleMode'] as const) expect(at(name, 0)).toEqual([0.5, 0.75]);
    expect(at('single', 1)).toEqual([0.5, 0.75]);
    expect(at('confidence', 1)).toEqual([0, 0.5]);
    expect(at('cellMode', 1)).toEqual([0.5, 0.75]);
    expect(at('puzzleMode', 1)).toEqual([0, 0.5]);
  });

  it('sums batches of the same step, keeps steps apart and sorts them, and is plain JSON', () => {
    const acc = new SweepAccumulator({ ks: [1, 3], cells: 2, readouts: ['confidence'] });
    acc.ingest(4, { preds, qHalt, labels });
    // a second batch at step 4 whose 3 runs are all run 1 of the first batch: every read-out gives [1,1] / [3,3]
    const same = Int32Array.from([1, 1, 3, 3, 1, 1, 3, 3, 1, 1, 3, 3]);
    acc.ingest(4, { preds: same, qHalt, labels });
    // step 2: a padded second example (mask 0) and an example 0 that all runs solve
    acc.ingest(2, { preds: Int32Array.from([1, 2, 0, 0, 1, 2, 0, 0, 1, 2, 0, 0]), qHalt, labels, valid: [1, 0] });
    const r = acc.result();
    expect(r.steps).toEqual([2, 4]);
    expect(r.rows).toEqual([1, 4]);
    expect(Object.keys(r.curves)).toEqual(['confidence']);
    // step 4, k = 3: batch 1 (0 solved, cell sum 1) + batch 2 (ex1 solved, cell sum 0.5 + 1) → 1/4 solved, 2.5/4 cells
    expect(r.curves.confidence!.solved[1]).toEqual([1, 0.25]);
    expect(r.curves.confidence!.cellAcc[1]).toEqual([1, 2.5 / 4]);
    // step 4, k = 1: batch 1 run 0 (1 solved, 1.5) + batch 2 run 0 [1,1]/[3,3] (1 solved, 1.5) → 2/4, 3/4
    expect(r.curves.confidence!.solved[0]).toEqual([1, 0.5]);
    expect(r.curves.confidence!.cellAcc[0]).toEqual([1, 0.75]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('ignores −100 cells and rows without any label', () => {
    const acc = new SweepAccumulator({ ks: [1], cells: 2 });
    const lab = Int32Array.from([1, IGNORE_LABEL, IGNORE_LABEL, IGNORE_LABEL]);
    acc.ingest(1, { preds: Int32Array.from([1, 9, 9, 9]), qHalt: new Float32Array(2), labels: lab });
    const r = acc.result();
    expect(r.rows).toEqual([1]);
    expect(r.curves.cellMode!.solved[0]).toEqual([1]);
  });

  it('reads k as a prefix of the runs, so runs beyond max(k) are never looked at', () => {
    const acc = new SweepAccumulator({ ks: [1], cells: 2, readouts: ['confidence', 'puzzleMode'] });
    acc.ingest(1, { preds, qHalt, labels }); // 3 runs given, k = 1 uses run 0 only
    expect(acc.result().curves.confidence!.solved[0]).toEqual([0.5]);
  });

  it('rejects bad options and inputs without touching its sums', () => {
    expect(() => new SweepAccumulator({ ks: [], cells: 2 })).toThrow(ConfigError);
    expect(() => new SweepAccumulator({ ks: [3, 1], cells: 2 })).toThrow(/ascending/);
    expect(() => new SweepAccumulator({ ks: [1], cells: 2, readouts: ['vote' as never] })).toThrow(ConfigError);
    const acc = new SweepAccumulator({ ks: [1, 5], cells: 2 });
    expect(() => acc.ingest(1, { preds, qHalt, labels })).toThrow(ShapeError); // only 3 runs for k = 5
    expect(() => acc.ingest(0, { preds, qHalt, labels })).toThrow(ConfigError);
    expect(() => acc.ingest(1, { preds: preds.subarray(2), qHalt, labels })).toThrow(ShapeError);
    expect(() => acc.result()).toThrow(/no step was ingested/);
  });

  it('refuses to report a step with no counted row', () => {
    const acc = new SweepAccumulator({ ks: [1], cells: 2 });
    acc.ingest(1, { preds, qHalt, labels, valid: [0, 0] });
    expect(() => acc.result()).toThrow(/no counted row/);
  });
});

describe('meanSweeps', () => {
  const base = (v: number): SweepResult => ({
    ks: [1],
    steps: [1, 2],
    rows: [10, 10],
    readouts: ['single'],
    curves: { single: { solved: [[v, v + 0.2]], cellAcc: [[0.5, 0.5]] } },
  });
  it('averages curves with equal weight per sweep and sums rows', () => {
    const m = meanSweeps([base(0.2), base(0.4)]);
    expect(m.curves.single!.solved[0]![0]).toBeCloseTo(0.3, 12);
    expect(m.curves.single!.solved[0]![1]).toBeCloseTo(0.5, 12);
    expect(m.rows).toEqual([20, 20]);
  });
  it('rejects sweeps over different grids', () => {
    expect(() => meanSweeps([base(0), { ...base(0), steps: [1, 4] }])).toThrow(ConfigError);
  });
});

describe('EarlyExitTracker (§8.2)', () => {
  it('freezes each row at its first q > 0 and the rest at the last step', () => {
    const t = new EarlyExitTracker(3, 1);
    t.update(1, Int32Array.of(5, 5, 5), Float32Array.of(1, -1, -1));
    t.update(2, Int32Array.of(6, 6, 6), Float32Array.of(-1, 2, -1));
    expect(t.done).toBe(false);
    t.update(3, Int32Array.of(7, 7, 7), Float32Array.of(3, 3, -1));
    expect(t.done).toBe(false);
    expect(() => t.meanStepsUsed()).toThrow(/finish/);
    t.finish();
    expect(Array.from(t.answers)).toEqual([5, 6, 7]);
    expect(Array.from(t.stepsUsed)).toEqual([1, 2, 3]);
    expect(t.meanStepsUsed()).toBe(2);
    expect(t.meanStepsUsed([1, 1, 0])).toBe(1.5);
  });
  it('is done once every row froze; q = 0 does not halt', () => {
    const t = new EarlyExitTracker(2, 2);
    t.update(1, Uint8Array.of(1, 2, 3, 4), Float32Array.of(0, 0.5));
    t.update(2, Uint8Array.of(5, 6, 7, 8), Float32Array.of(0.1, -4));
    expect(t.done).toBe(true);
    expect(Array.from(t.answers)).toEqual([5, 6, 3, 4]);
    expect(t.meanStepsUsed()).toBe(1.5);
  });
  it('requires steps in order and matching sizes', () => {
    const t = new EarlyExitTracker(1, 1);
    expect(() => t.update(2, Int32Array.of(0), Float32Array.of(0))).toThrow(ConfigError);
    expect(() => t.update(1, Int32Array.of(0, 0), Float32Array.of(0))).toThrow(ShapeError);
  });
});
