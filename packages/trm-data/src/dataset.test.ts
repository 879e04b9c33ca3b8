import { describe, expect, it } from 'vitest';
import { ConfigError } from '@trm-ts/core';
import { ArrayDataset, DatasetBuilder, datasetFromExamples, IGNORE_LABEL, type TaskBatch } from './dataset.js';
import { DataError } from './errors.js';
import { BatchIterator } from './batching.js';

/** 7 examples of seqLen 2; example i = inputs [i, i], labels [i, -100]; puzzles {0,1,2} {3} {4,5} {6}; groups {p0,p1} {p2} {p3}. */
function small(): ArrayDataset {
  const inputs = new Uint8Array(14);
  const labels = new Int16Array(14);
  for (let i = 0; i < 7; i++) {
    inputs.set([i, i], 2 * i);
    labels.set([i, IGNORE_LABEL], 2 * i);
  }
  return new ArrayDataset({
    name: 'small',
    seqLen: 2,
    vocabSize: 8,
    inputs,
    labels,
    puzzleIndices: Int32Array.from([0, 3, 4, 6, 7]),
    groupIndices: Int32Array.from([0, 2, 3, 4]),
    puzzleIdentifiers: Int32Array.from([1, 2, 3, 4]),
  });
}

const rowsOf = (b: TaskBatch) => Array.from({ length: b.batchSize }, (_, r) => Array.from(b.inputs.subarray(r * b.seqLen, (r + 1) * b.seqLen)));

describe('ArrayDataset', () => {
  it('exposes examples with their puzzle ids and the CSR structure', () => {
    const ds = small();
    expect([ds.numExamples, ds.numPuzzles, ds.numGroups, ds.numPuzzleIdentifiers]).toEqual([7, 4, 3, 5]);
    const ex = ds.example(5);
    expect(Array.from(ex.inputs)).toEqual([5, 5]);
    expect(Array.from(ex.labels)).toEqual([5, -100]);
    expect(ex.puzzleId).toBe(3);
    expect(ds.example(3).puzzleId).toBe(2);
    expect(ds.example(0).puzzleId).toBe(1);
    expect(() => ds.example(7)).toThrow(ConfigError);
  });

  it('rejects tokens outside the vocabulary, bad labels and broken CSR arrays', () => {
    const base = { name: 'x', seqLen: 2, vocabSize: 4 };
    expect(() => new ArrayDataset({ ...base, inputs: Uint8Array.from([0, 4]), labels: Int16Array.from([0, 0]) })).toThrow(/input token 4 .*expected a token in \[0, 4\)/);
    expect(() => new ArrayDataset({ ...base, inputs: Uint8Array.from([0, 1]), labels: Int16Array.from([0, -1]) })).toThrow(/label -1/);
    expect(() => new ArrayDataset({ ...base, inputs: Uint8Array.from([0, 1, 2]), labels: Int16Array.from([0, 1, 2]) })).toThrow(/multiple of seqLen 2/);
    const two = { ...base, inputs: Uint8Array.from([0, 1, 2, 3]), labels: Int16Array.from([0, 1, 2, 3]) };
    expect(() => new ArrayDataset({ ...two, puzzleIndices: Int32Array.from([0, 1, 1, 2]) })).toThrow(/strictly increasing/);
    expect(() => new ArrayDataset({ ...two, puzzleIndices: Int32Array.from([0, 1]) })).toThrow(/last offset to be 2/);
    expect(() => new ArrayDataset({ ...two, puzzleIdentifiers: Int32Array.from([0, 3]), numPuzzleIdentifiers: 2 })).toThrow(DataError);
    expect(() => new ArrayDataset({ ...two, identifiers: ['<blank>', 'extra'] })).toThrow(/identifiers: expected 1 names/);
  });
});

describe('DatasetBuilder and datasetFromExamples', () => {
  it('groups consecutive examples by their puzzle and group keys', () => {
    const ex = (v: number, puzzle?: string, group?: string, puzzleId?: number) => ({ inputs: [v], labels: [v], puzzle, group, puzzleId });
    const ds = datasetFromExamples({
      name: 'keys',
      seqLen: 1,
      vocabSize: 10,
      examples: [ex(1, 'a', 'g', 2), ex(2, 'a', 'g', 2), ex(3, 'b', 'g', 1), ex(4), ex(5, 'c', 'h'), ex(6, 'c', 'h')],
    });
    expect(Array.from(ds.puzzleIndices)).toEqual([0, 2, 3, 4, 6]);
    expect(Array.from(ds.groupIndices)).toEqual([0, 2, 3, 4]);
    expect(Array.from(ds.puzzleIdentifiers)).toEqual([2, 1, 0, 0]);
    expect(ds.numPuzzleIdentifiers).toBe(3);
  });

  it('rejects a wrong-length example, an out-of-range token and an empty list', () => {
    const b = new DatasetBuilder({ name: 'b', seqLen: 3, vocabSize: 5 });
    expect(() => b.push([1, 2], [1, 2])).toThrow(/expected 3 inputs and labels, got 2 and 2/);
    expect(() => b.push([1, 2, 300], [1, 2, 3])).toThrow(/input 300/);
    expect(() => b.push([1, 2, 3], [1, 2, 1.5])).toThrow(/label 1.5/);
    expect(() => datasetFromExamples({ name: 'e', seqLen: 1, vocabSize: 2, examples: [] })).toThrow(/at least one example/);
    expect(() => datasetFromExamples({ name: 'e', seqLen: 1, vocabSize: 2, examples: [{ inputs: [2], labels: [0] }] })).toThrow(/input token 2/);
  });

  it('grows its buffers past the initial capacity', () => {
    const b = new DatasetBuilder({ name: 'g', seqLen: 1, vocabSize: 300, capacity: 1 });
    for (let i = 0; i < 100; i++) b.push([i * 2], [IGNORE_LABEL]);
    const ds = b.build();
    expect(ds.numExamples).toBe(100);
    expect(ds.inputs[99]).toBe(198);
    expect(ds.labels[50]).toBe(-100);
  });
});

describe('batches: stored order (evaluation)', () => {
  it('pads the last batch with PAD inputs, ignore labels, blank puzzle id and valid 0', () => {
    const batches = [...small().batches({ batchSize: 3 })];
    expect(batches.map(rowsOf)).toEqual([
      [[0, 0], [1, 1], [2, 2]],
      [[3, 3], [4, 4], [5, 5]],
      [[6, 6], [0, 0], [0, 0]],
    ]);
    const last = batches[2]!;
    expect(Array.from(last.labels)).toEqual([6, -100, -100, -100, -100, -100]);
    expect(Array.from(last.puzzleIds)).toEqual([4, 0, 0]);
    expect(Array.from(last.valid!)).toEqual([1, 0, 0]);
    expect(Array.from(batches[1]!.puzzleIds)).toEqual([2, 3, 3]);
    expect(Array.from(batches[0]!.valid!)).toEqual([1, 1, 1]);
  });

  it('drops or shortens the last batch on request', () => {
    expect([...small().batches({ batchSize: 3, dropLast: true })].length).toBe(2);
    const short = [...small().batches({ batchSize: 3, dropLast: false })];
    expect(short.map((b) => b.batchSize)).toEqual([3, 3, 1]);
    expect(short[2]!.inputs.length).toBe(2);
    expect(() => small().batches({ batchSize: 3, dropLast: true, pad: true })).toThrow(ConfigError);
  });

  it('runs several epochs back to back and validates its options', () => {
    const b = [...small().batches({ batchSize: 4, epochs: 2, pad: true })];
    expect(b.map(rowsOf).flat().map((r) => r[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 0]);
    expect(() => small().batches({ batchSize: 0 })).toThrow(/batchSize/);
    expect(() => small().batches({ batchSize: 2, epochs: 0 })).toThrow(/epochs/);
    expect(() => small().batches({ batchSize: 2, seed: 1.5 })).toThrow(/seed/);
  });
});

describe('batches: seeded (training, §7.7)', () => {
  it('draws every group once per epoch, one puzzle per group, all its examples without repeats', () => {
    const ds = small();
    // batchSize 6 ≥ the 3-example puzzle, so no puzzle is truncated inside an epoch of 3 groups.
    // With batch size 1 each group contributes exactly one example per epoch: the groups hold examples {0..3}, {4,5}, {6}.
    const stream = [...ds.batches({ batchSize: 1, seed: 3, epochs: 50 })].map((b) => b.inputs[0]!);
    expect(stream.length).toBe(150);
    const groupOf = (e: number) => (e <= 3 ? 0 : e <= 5 ? 1 : 2);
    for (let k = 0; k < 50; k++) expect(stream.slice(3 * k, 3 * k + 3).map(groupOf).sort()).toEqual([0, 1, 2]);
  });

  it('takes min(puzzle size, room left) examples of a puzzle, truncating at the batch end', () => {
    const ds = small();
    const counts = new Map<number, number>();
    for (const b of ds.batches({ batchSize: 2, seed: 9, epochs: 200 })) {
      expect(b.batchSize).toBe(2);
      for (let r = 0; r < 2; r++) {
        const e = b.inputs[2 * r]!;
        expect(b.puzzleIds[r]).toBe(e <= 2 ? 1 : e === 3 ? 2 : e <= 5 ? 3 : 4);
        counts.set(e, (counts.get(e) ?? 0) + 1);
      }
    }
    for (let e = 0; e < 7; e++) expect(counts.get(e) ?? 0).toBeGreaterThan(0);
    // A batch that starts with the 3-example puzzle (id 1) holds all three of its examples, each once.
    let seen = 0;
    for (const b of ds.batches({ batchSize: 3, seed: 4, epochs: 100 })) {
      if (b.puzzleIds[0] !== 1) continue;
      seen++;
      expect(Array.from(b.puzzleIds)).toEqual([1, 1, 1]);
      expect([b.inputs[0], b.inputs[2], b.inputs[4]].sort()).toEqual([0, 1, 2]);
    }
    expect(seen).toBeGreaterThan(10);
  });

  it('is deterministic in the seed and differs across seeds', () => {
    const run = (seed: number) => [...small().batches({ batchSize: 3, seed, epochs: 5 })].map(rowsOf);
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });

  it('resumes from a JSON cursor to the identical batch stream', () => {
    const ds = small();
    const full = [...ds.batches({ batchSize: 2, seed: 5, epochs: 7 })];
    const it = ds.batches({ batchSize: 2, seed: 5, epochs: 7 });
    for (let k = 0; k < 4; k++) it.next();
    const saved = JSON.parse(JSON.stringify(it.getState()));
    const resumed = [...ds.batches({ batchSize: 2, seed: 5, epochs: 7, state: saved })];
    expect(resumed.map(rowsOf)).toEqual(full.slice(4).map(rowsOf));
    expect(resumed.map((b) => Array.from(b.puzzleIds))).toEqual(full.slice(4).map((b) => Array.from(b.puzzleIds)));
    // setState on a running iterator rewinds it as well.
    const again = ds.batches({ batchSize: 2, seed: 5, epochs: 7 });
    again.next();
    again.setState(saved);
    expect(rowsOf(again.next().value!)).toEqual(rowsOf(full[4]!));
  });

  it('resumes an unseeded stream too, and an endless stream keeps going', () => {
    const ds = small();
    const it = ds.batches({ batchSize: 3 });
    it.next();
    const rest = [...ds.batches({ batchSize: 3, state: it.getState() })];
    expect(rest.map(rowsOf)).toEqual([...small().batches({ batchSize: 3 })].slice(1).map(rowsOf));
    const endless = ds.batches({ batchSize: 5, seed: 1, epochs: Infinity });
    for (let k = 0; k < 100; k++) expect(endless.next().done).toBe(false);
    expect(JSON.parse(JSON.stringify(endless.getState())).epochs).toBeNull();
  });

  it('rejects a cursor from other options or other data', () => {
    const ds = small();
    const state = ds.batches({ batchSize: 2, seed: 5 }).getState();
    expect(() => ds.batches({ batchSize: 3, seed: 5, state })).toThrow(/batchSize: expected 3 .* got 2/);
    expect(() => ds.batches({ batchSize: 2, seed: 6, state })).toThrow(/seed/);
    const other = datasetFromExamples({ name: 'o', seqLen: 2, vocabSize: 8, examples: [{ inputs: [1, 1], labels: [1, 1] }] });
    expect(() => other.batches({ batchSize: 2, seed: 5, state })).toThrow(/numExamples/);
    expect(() => ds.batches({ batchSize: 2, seed: 5, state: { ...state, position: 99 } })).toThrow(DataError);
    expect(() => ds.batches({ batchSize: 2, seed: 5, state: { ...state, rng: [0, 0, 0, 0] } })).toThrow(/rng/);
  });
});

describe('a custom ExampleStore without token arrays', () => {
  it('is batched through example(), puzzle ids included', () => {
    const store = {
      name: 'squares',
      seqLen: 1,
      vocabSize: 50,
      numPuzzleIdentifiers: 2,
      numExamples: 5,
      numPuzzles: 5,
      numGroups: 5,
      puzzleIndices: Int32Array.from([0, 1, 2, 3, 4, 5]),
      groupIndices: Int32Array.from([0, 1, 2, 3, 4, 5]),
      puzzleIdentifiers: Int32Array.from([0, 1, 0, 1, 0]),
      example: (i: number) => ({ inputs: Int32Array.from([i]), labels: Int32Array.from([i * i]), puzzleId: i % 2 }),
    };
    const bs = [...new BatchIterator(store, { batchSize: 2 })];
    expect(bs.map((b) => Array.from(b.labels))).toEqual([[0, 1], [4, 9], [16, -100]]);
    expect(bs.map((b) => Array.from(b.puzzleIds))).toEqual([[0, 1], [0, 1], [0, 0]]);
    const seeded = [...new BatchIterator(store, { batchSize: 5, seed: 2 })];
    expect(Array.from(seeded[0]!.inputs).sort()).toEqual([0, 1, 2, 3, 4]);
  });
});
