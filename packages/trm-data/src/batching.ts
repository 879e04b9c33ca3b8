/**
 * Batches (ALGORITHM.md §7.7). Two modes:
 * - seeded (training): for each epoch a seeded permutation of the groups; per group one puzzle drawn uniformly,
 *   and `min(puzzleSize, B − filled)` of its examples drawn without replacement; a puzzle straddling the batch end
 *   is truncated (its leftover examples are dropped), as in the official sampler.
 * - unseeded (evaluation): examples in stored order, chunks of B.
 * The last short batch is dropped, padded (inputs PAD, labels −100, puzzle id 0, valid 0) or emitted short.
 * The iterator's position is a small JSON object (`getState()`), so a checkpoint can store it and a resumed run
 * sees the identical batch stream.
 */
import { ConfigError, IGNORE_LABEL, Rng, describeValue, type RngState, type TaskBatch, type TokenArray } from '@trm-ts/core';
import { BLANK_PUZZLE_ID, PAD_ID, type ExampleStore } from './store.js';
import { DataError } from './errors.js';

export interface BatchOptions {
  /** Rows per batch (the global batch size). */
  batchSize: number;
  /** Seed of the shuffled training stream; absent = stored order (evaluation). */
  seed?: number;
  /** Drop a short last batch (default when seeded). */
  dropLast?: boolean;
  /** Pad a short last batch with ignore rows (default when unseeded). `dropLast: false` alone keeps it short. */
  pad?: boolean;
  /** Passes over the data (seeded: one draw per group per epoch). Default 1; `Infinity` for an endless stream. */
  epochs?: number;
  /** Resume from a cursor returned by `getState()` of an iterator with the same options over the same data. */
  state?: BatchCursor;
}

/** The JSON-serialisable position of a {@link BatchIterator}. */
export interface BatchCursor {
  version: 1;
  seed: number | null;
  batchSize: number;
  /** `null` stands for Infinity (JSON has no Infinity). */
  epochs: number | null;
  last: LastBatch;
  numExamples: number;
  numGroups: number;
  /** Epochs completed. */
  epoch: number;
  /** Seeded: next index into the epoch's group order. Unseeded: next example. */
  position: number;
  /** Seeded: the state of the puzzle/example draws. */
  rng: RngState | null;
  batchesEmitted: number;
}

export type LastBatch = 'drop' | 'pad' | 'short';

export function resolveLastBatch(o: Pick<BatchOptions, 'dropLast' | 'pad' | 'seed'>): LastBatch {
  if (o.pad && o.dropLast) throw new ConfigError('batches: expected at most one of dropLast and pad to be true, got both.');
  if (o.pad) return 'pad';
  if (o.dropLast) return 'drop';
  if (o.pad === false || o.dropLast === false) return 'short';
  return o.seed === undefined ? 'pad' : 'drop';
}

/** Iterates batches of an {@link ExampleStore}; also an `Iterable`, so `for (const b of ds.batches(...))` works. */
export class BatchIterator implements IterableIterator<TaskBatch> {
  private readonly store: ExampleStore;
  private readonly seed: number | null;
  private readonly batchSize: number;
  private readonly epochs: number;
  private readonly last: LastBatch;
  private readonly rng: Rng | null;
  private epochIndex = 0;
  private position = 0;
  private emitted = 0;
  private finished = false;
  private order: Int32Array | null = null;
  private orderEpoch = -1;
  private readonly scratch: Int32Array;
  private readonly direct: { inputs: TokenArray; labels: TokenArray } | null;

  constructor(store: ExampleStore, options: BatchOptions) {
    const { batchSize, seed, epochs = 1 } = options;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) {
      throw new ConfigError(`batches: batchSize: expected a positive integer, got ${batchSize}.`);
    }
    if (seed !== undefined && !Number.isSafeInteger(seed)) {
      throw new ConfigError(`batches: seed: expected an integer, got ${seed}.`);
    }
    if (!(epochs === Infinity || (Number.isInteger(epochs) && epochs >= 1))) {
      throw new ConfigError(`batches: epochs: expected a positive integer or Infinity, got ${epochs}.`);
    }
    if (store.numExamples < 1) throw new DataError(`dataset ${store.name}: batches: expected at least one example, got none.`);
    this.store = store;
    this.seed = seed ?? null;
    this.batchSize = batchSize;
    this.epochs = epochs;
    this.last = resolveLastBatch(options);
    this.rng = seed === undefined ? null : new Rng(seed);
    let maxPuzzle = 1;
    for (let p = 0; p < store.numPuzzles; p++) {
      maxPuzzle = Math.max(maxPuzzle, store.puzzleIndices[p + 1]! - store.puzzleIndices[p]!);
    }
    this.scratch = new Int32Array(maxPuzzle);
    const arrays = store as Partial<{ inputs: TokenArray; labels: TokenArray }>;
    // An ArrayDataset (or any store exposing its token arrays) is copied from directly, without example().
    const size = store.numExamples * store.seqLen;
    const direct = ArrayBuffer.isView(arrays.inputs) && ArrayBuffer.isView(arrays.labels) && arrays.inputs!.length === size && arrays.labels!.length === size;
    this.direct = direct ? { inputs: arrays.inputs!, labels: arrays.labels! } : null;
    if (options.state) this.setState(options.state);
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** Epochs completed so far. */
  get epoch(): number {
    return this.epochIndex;
  }

  next(): IteratorResult<TaskBatch, undefined> {
    if (this.finished) return { done: true, value: undefined };
    const batch = this.seed === null ? this.nextSequential() : this.nextSeeded();
    if (!batch) {
      this.finished = true;
      return { done: true, value: undefined };
    }
    this.emitted++;
    return { done: false, value: batch };
  }

  getState(): BatchCursor {
    return {
      version: 1,
      seed: this.seed,
      batchSize: this.batchSize,
      epochs: this.epochs === Infinity ? null : this.epochs,
      last: this.last,
      numExamples: this.store.numExamples,
      numGroups: this.store.numGroups,
      epoch: this.epochIndex,
      position: this.position,
      rng: this.rng ? this.rng.getState() : null,
      batchesEmitted: this.emitted,
    };
  }

  setState(cursor: BatchCursor): void {
    const mine = this.getState();
    const c = cursor as Partial<BatchCursor> | null;
    if (!c || typeof c !== 'object' || c.version !== 1) {
      throw new DataError(`batch cursor: expected an object from BatchIterator.getState() with version 1, got ${describeValue(c)}.`);
    }
    for (const key of ['seed', 'batchSize', 'epochs', 'last', 'numExamples', 'numGroups'] as const) {
      if (c[key] !== mine[key]) {
        throw new DataError(`batch cursor: ${key}: expected ${JSON.stringify(mine[key])} (this iterator), got ${describeValue(c[key])}. Resume with the options and data the cursor was saved with.`);
      }
    }
    const limit = this.seed === null ? this.store.numExamples : this.store.numGroups;
    const epochOk = Number.isInteger(c.epoch) && c.epoch! >= 0 && c.epoch! <= this.epochs;
    const posOk = Number.isInteger(c.position) && c.position! >= 0 && c.position! <= limit;
    if (!epochOk || !posOk || !Number.isInteger(c.batchesEmitted) || c.batchesEmitted! < 0) {
      throw new DataError(`batch cursor: expected epoch in [0, ${this.epochs}], position in [0, ${limit}] and batchesEmitted ≥ 0, got ${describeValue([c.epoch, c.position, c.batchesEmitted])}.`);
    }
    if (this.rng) {
      try {
        this.rng.setState(c.rng as RngState);
      } catch (e) {
        throw new DataError(`batch cursor: rng: ${(e as Error).message}.`);
      }
    }
    this.epochIndex = c.epoch!;
    this.position = c.position!;
    this.emitted = c.batchesEmitted!;
    this.finished = false;
  }

  private newBatch(): TaskBatch {
    const B = this.batchSize;
    const L = this.store.seqLen;
    const batch: TaskBatch = {
      batchSize: B,
      seqLen: L,
      inputs: new Int32Array(B * L),
      labels: new Int32Array(B * L),
      puzzleIds: new Int32Array(B),
      valid: new Uint8Array(B),
    };
    if (PAD_ID !== 0) batch.inputs.fill(PAD_ID);
    batch.labels.fill(IGNORE_LABEL);
    if (BLANK_PUZZLE_ID !== 0) batch.puzzleIds.fill(BLANK_PUZZLE_ID);
    return batch;
  }

  private put(batch: TaskBatch, row: number, example: number, puzzleId: number): void {
    const L = this.store.seqLen;
    if (this.direct) {
      batch.inputs.set(this.direct.inputs.subarray(example * L, (example + 1) * L), row * L);
      batch.labels.set(this.direct.labels.subarray(example * L, (example + 1) * L), row * L);
    } else {
      const ex = this.store.example(example);
      if (ex.inputs.length !== L || ex.labels.length !== L) {
        throw new DataError(`dataset ${this.store.name}: example ${example}: expected ${L} inputs and labels, got ${ex.inputs.length} and ${ex.labels.length}.`);
      }
      batch.inputs.set(ex.inputs, row * L);
      batch.labels.set(ex.labels, row * L);
    }
    batch.puzzleIds[row] = puzzleId;
    batch.valid![row] = 1;
  }

  /** A batch whose first `filled` rows are set, shaped by the last-batch policy (undefined = dropped). */
  private finish(batch: TaskBatch, filled: number): TaskBatch | undefined {
    if (filled === this.batchSize) return batch;
    if (filled === 0 || this.last === 'drop') return undefined;
    if (this.last === 'pad') return batch;
    const L = this.store.seqLen;
    return {
      batchSize: filled,
      seqLen: L,
      inputs: batch.inputs.slice(0, filled * L),
      labels: batch.labels.slice(0, filled * L),
      puzzleIds: batch.puzzleIds.slice(0, filled),
      valid: batch.valid!.slice(0, filled),
    };
  }

  private nextSequential(): TaskBatch | undefined {
    const { store } = this;
    const batch = this.newBatch();
    let filled = 0;
    let puzzle = -1;
    while (filled < this.batchSize) {
      if (this.epochIndex >= this.epochs) return this.finish(batch, filled);
      if (this.endOfEpoch(store.numExamples)) continue;
      const i = this.position++;
      if (puzzle < 0 || i >= store.puzzleIndices[puzzle + 1]!) puzzle = puzzleOfExampleFrom(store.puzzleIndices, i, puzzle);
      this.put(batch, filled++, i, store.puzzleIdentifiers[puzzle]!);
    }
    return batch;
  }

  /** At the end of an epoch over `size` items, starts the next epoch and returns true. */
  private endOfEpoch(size: number): boolean {
    if (this.position !== size) return false;
    this.epochIndex++;
    this.position = 0;
    return true;
  }

  private groupOrder(): Int32Array {
    if (this.orderEpoch !== this.epochIndex || !this.order) {
      // Each epoch's permutation comes from its own generator, so a cursor needs only (epoch, position, rng).
      this.order = new Rng(mixSeed(this.seed!, this.epochIndex)).permutation(this.store.numGroups);
      this.orderEpoch = this.epochIndex;
    }
    return this.order;
  }

  private nextSeeded(): TaskBatch | undefined {
    const { store, scratch } = this;
    const rng = this.rng!;
    const batch = this.newBatch();
    let filled = 0;
    while (filled < this.batchSize) {
      if (this.epochIndex >= this.epochs) return this.finish(batch, filled);
      if (this.endOfEpoch(store.numGroups)) continue;
      const g = this.groupOrder()[this.position++]!;
      const p0 = store.groupIndices[g]!;
      const puzzle = p0 + Math.floor(rng.next() * (store.groupIndices[g + 1]! - p0));
      const e0 = store.puzzleIndices[puzzle]!;
      const size = store.puzzleIndices[puzzle + 1]! - e0;
      const take = Math.min(size, this.batchSize - filled);
      // Partial Fisher–Yates: the first `take` slots become a uniform draw without replacement.
      for (let k = 0; k < size; k++) scratch[k] = e0 + k;
      for (let k = 0; k < take; k++) {
        const j = k + Math.floor(rng.next() * (size - k));
        const t = scratch[k]!;
        scratch[k] = scratch[j]!;
        scratch[j] = t;
        this.put(batch, filled++, scratch[k]!, store.puzzleIdentifiers[puzzle]!);
      }
    }
    return batch;
  }
}

function puzzleOfExampleFrom(puzzleIndices: Int32Array, i: number, hint: number): number {
  let p = Math.max(hint, 0);
  if (puzzleIndices[p]! > i) p = 0;
  while (puzzleIndices[p + 1]! <= i) p++;
  return p;
}

/** A 32-bit seed for epoch e of a run seeded with `seed`. */
export function mixSeed(seed: number, e: number): number {
  let h = (seed ^ Math.imul(Math.floor(seed / 4294967296), 0x27d4eb2d)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = (h + Math.imul(e + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
