import { describe, expect, it } from 'vitest';
import { ConfigError } from '@trm-ts/core';
import type { Example, TaskBatch } from './dataset.js';
import { DataError } from './errors.js';
import { streamBatches, type ExampleSource } from './stream.js';

/** Example i has inputs [i % 7, 1], labels [1, 2]; `reads` counts examples handed out (to check the memory bound). */
function source(n: number, reads = { count: 0 }): ExampleSource & { reads: { count: number } } {
  return {
    name: 'counting',
    seqLen: 2,
    vocabSize: 8,
    numPuzzleIdentifiers: 3,
    reads,
    async *open(): AsyncGenerator<Example> {
      for (let i = 0; i < n; i++) {
        reads.count++;
        yield { inputs: Int32Array.from([i % 7, 1]), labels: Int32Array.from([1, 2]), puzzleId: i % 3 };
      }
    },
  };
}

async function collect(it: AsyncIterable<TaskBatch>): Promise<TaskBatch[]> {
  const out: TaskBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}
const ids = (bs: TaskBatch[]) => bs.flatMap((b) => Array.from({ length: b.batchSize }, (_, r) => (b.valid![r] ? b.inputs[2 * r]! * 100 + b.puzzleIds[r]! : -1)));

describe('streamBatches', () => {
  it('keeps source order without a shuffle buffer and pads the last batch', async () => {
    const bs = await collect(streamBatches(source(5), { batchSize: 2 }));
    expect(bs.length).toBe(3);
    expect(ids(bs)).toEqual([0, 101, 202, 300, 401, -1]);
    expect(Array.from(bs[2]!.labels)).toEqual([1, 2, -100, -100]);
  });

  it('shuffles each epoch through a bounded buffer: every example exactly once per epoch', async () => {
    const src = source(40);
    const stream = streamBatches(src, { batchSize: 4, seed: 3, shuffleBuffer: 8, epochs: 2 });
    const first = await stream.next();
    // One batch of 4 needs at most buffer + batch examples read.
    expect(src.reads.count).toBeLessThanOrEqual(12);
    const rest = await collect(stream);
    const all = ids([first.value!, ...rest]);
    expect(all.length).toBe(80);
    const expected = Array.from({ length: 40 }, (_, i) => (i % 7) * 100 + (i % 3)).sort();
    expect(all.slice(0, 40).sort()).toEqual(expected);
    expect(all.slice(40).sort()).toEqual(expected);
    expect(all.slice(0, 40)).not.toEqual(all.slice(40));
  });

  it('resumes from a JSON cursor to the identical batches', async () => {
    const opts = { batchSize: 3, seed: 11, shuffleBuffer: 5, epochs: 3 };
    const full = ids(await collect(streamBatches(source(17), opts)));
    const s = streamBatches(source(17), opts);
    for (let k = 0; k < 7; k++) await s.next();
    const cursor = JSON.parse(JSON.stringify(s.getState()));
    await s.return();
    const resumed = ids(await collect(streamBatches(source(17), { ...opts, state: cursor })));
    expect(resumed).toEqual(full.slice(21));
  });

  it('drops a short last batch when asked, and stops an endless stream on return()', async () => {
    expect((await collect(streamBatches(source(5), { batchSize: 2, dropLast: true }))).length).toBe(2);
    const s = streamBatches(source(3), { batchSize: 2, seed: 1, shuffleBuffer: 2, epochs: Infinity });
    for (let k = 0; k < 20; k++) expect((await s.next()).done).toBe(false);
    await s.return();
    expect((await s.next()).done).toBe(true);
  });

  it('rejects bad options, bad examples, an empty source and a cursor that does not fit', async () => {
    expect(() => streamBatches(source(3), { batchSize: 2, shuffleBuffer: 4 })).toThrow(ConfigError);
    const bad: ExampleSource = { ...source(1), async *open() { yield { inputs: Int32Array.from([9, 1]), labels: Int32Array.from([1, 1]), puzzleId: 0 }; } };
    await expect(collect(streamBatches(bad, { batchSize: 1 }))).rejects.toThrow(/example 0, position 0: expected tokens in \[0, 8\)/);
    await expect(collect(streamBatches(source(0), { batchSize: 1, epochs: Infinity }))).rejects.toThrow(/at least one example per pass/);
    const cursor = streamBatches(source(10), { batchSize: 2, seed: 1, shuffleBuffer: 3 }).getState();
    expect(() => streamBatches(source(10), { batchSize: 2, seed: 2, shuffleBuffer: 3, state: cursor })).toThrow(/seed/);
    const later = { ...cursor, consumed: 20 };
    await expect(streamBatches(source(10), { batchSize: 2, seed: 1, shuffleBuffer: 3, state: later }).next()).rejects.toThrow(DataError);
  });
});
