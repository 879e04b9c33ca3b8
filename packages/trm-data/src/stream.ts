/**
 * An async streaming source for datasets larger than memory: examples are read from a re-openable
 * `AsyncIterable` (a CSV file, a network stream, a generator), optionally shuffled through a bounded buffer,
 * and batched. The cursor stores the source position and which source positions sit in the buffer, so a resumed
 * stream re-reads the source once up to that point and continues with the identical batches.
 */
import { ConfigError, Rng, type RngState, describeValue } from '@trm-ts/core';
import { resolveLastBatch, type LastBatch } from './batching.js';
import { BLANK_PUZZLE_ID, IGNORE_LABEL, type DatasetInfo, type Example, type TaskBatch } from './dataset.js';
import { DataError } from './errors.js';

export interface ExampleSource extends DatasetInfo {
  /**
   * Starts a fresh pass over the examples, in a fixed order (called once per epoch and on resume). Yielding
   * arrays of examples (e.g. one per file chunk) saves an await per example.
   */
  open(): AsyncIterable<Example | readonly Example[]>;
}

export interface StreamOptions {
  batchSize: number;
  /** Needed when `shuffleBuffer` > 0. */
  seed?: number;
  /** Examples held for shuffling (memory bound); 0 = source order. */
  shuffleBuffer?: number;
  dropLast?: boolean;
  pad?: boolean;
  /** Default 1; `Infinity` for an endless stream. */
  epochs?: number;
  state?: StreamCursor;
}

export interface StreamCursor {
  version: 1;
  kind: 'stream';
  seed: number | null;
  batchSize: number;
  shuffleBuffer: number;
  epochs: number | null;
  last: LastBatch;
  epoch: number;
  /** Examples read from the source in the current epoch. */
  consumed: number;
  /** Source positions (within the epoch) of the examples in the shuffle buffer, in buffer order. */
  buffer: number[];
  sourceDone: boolean;
  rng: RngState | null;
  batchesEmitted: number;
}

interface Item {
  pos: number;
  ex: Example;
}

export class StreamBatches implements AsyncIterableIterator<TaskBatch> {
  private readonly batchSize: number;
  private readonly bufferSize: number;
  private readonly epochs: number;
  private readonly last: LastBatch;
  private readonly seed: number | null;
  private readonly rng: Rng | null;
  private it: AsyncIterator<Example | readonly Example[]> | null = null;
  private pending: readonly Example[] = [];
  private pendingAt = 0;
  private epochIndex = 0;
  private consumed = 0;
  private sourceDone = false;
  private buffer: Item[] = [];
  private emitted = 0;
  private finished = false;
  private pendingState: StreamCursor | null = null;

  constructor(
    private readonly source: ExampleSource,
    options: StreamOptions,
  ) {
    const { batchSize, seed, shuffleBuffer = 0, epochs = 1 } = options;
    if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new ConfigError(`streamBatches: batchSize: expected a positive integer, got ${batchSize}.`);
    if (!(Number.isInteger(shuffleBuffer) && shuffleBuffer >= 0)) throw new ConfigError(`streamBatches: shuffleBuffer: expected a non-negative integer, got ${shuffleBuffer}.`);
    if (shuffleBuffer > 0 && seed === undefined) throw new ConfigError('streamBatches: seed: expected a seed when shuffleBuffer > 0, got none. Pass { seed }.');
    if (seed !== undefined && !Number.isSafeInteger(seed)) throw new ConfigError(`streamBatches: seed: expected an integer, got ${seed}.`);
    if (!(epochs === Infinity || (Number.isInteger(epochs) && epochs >= 1))) throw new ConfigError(`streamBatches: epochs: expected a positive integer or Infinity, got ${epochs}.`);
    this.batchSize = batchSize;
    this.bufferSize = shuffleBuffer;
    this.epochs = epochs;
    this.seed = seed ?? null;
    this.rng = seed === undefined ? null : new Rng(seed);
    this.last = resolveLastBatch({ dropLast: options.dropLast, pad: options.pad, seed: shuffleBuffer > 0 ? seed : undefined });
    if (options.state) this.setState(options.state);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  getState(): StreamCursor {
    if (this.pendingState) return structuredClone(this.pendingState);
    return {
      version: 1,
      kind: 'stream',
      seed: this.seed,
      batchSize: this.batchSize,
      shuffleBuffer: this.bufferSize,
      epochs: this.epochs === Infinity ? null : this.epochs,
      last: this.last,
      epoch: this.epochIndex,
      consumed: this.consumed,
      buffer: this.buffer.map((b) => b.pos),
      sourceDone: this.sourceDone,
      rng: this.rng ? this.rng.getState() : null,
      batchesEmitted: this.emitted,
    };
  }

  /** Restores a cursor; the source is re-read up to the cursor's position on the next `next()`. */
  setState(cursor: StreamCursor): void {
    const c = cursor as Partial<StreamCursor> | null;
    if (!c || typeof c !== 'object' || c.version !== 1 || c.kind !== 'stream') {
      throw new DataError(`stream cursor: expected an object from StreamBatches.getState(), got ${describeValue(c)}.`);
    }
    const mine = this.getState();
    for (const key of ['seed', 'batchSize', 'shuffleBuffer', 'epochs', 'last'] as const) {
      if (c[key] !== mine[key]) {
        throw new DataError(`stream cursor: ${key}: expected ${JSON.stringify(mine[key])} (this stream), got ${describeValue(c[key])}. Resume with the options the cursor was saved with.`);
      }
    }
    const consumed = c.consumed;
    const buf = c.buffer;
    if (!Number.isInteger(c.epoch) || c.epoch! < 0 || !Number.isInteger(consumed) || consumed! < 0 || !Array.isArray(buf) || buf.length > this.bufferSize || buf.some((p) => !Number.isInteger(p) || p < 0 || p >= consumed!) || new Set(buf).size !== buf.length) {
      throw new DataError(`stream cursor: expected epoch ≥ 0, consumed ≥ 0 and at most ${this.bufferSize} distinct buffer positions below consumed, got ${describeValue({ epoch: c.epoch, consumed, buffer: buf })}.`);
    }
    if (this.rng) {
      try {
        this.rng.setState(c.rng as RngState);
      } catch (e) {
        throw new DataError(`stream cursor: rng: ${(e as Error).message}.`);
      }
    }
    // Copy the known fields only: an extra field of a hostile cursor (10^5 nested arrays) must not reach structuredClone.
    const k = c as StreamCursor;
    this.pendingState = {
      version: 1, kind: 'stream', seed: k.seed, batchSize: k.batchSize, shuffleBuffer: k.shuffleBuffer, epochs: k.epochs, last: k.last,
      epoch: k.epoch, consumed: k.consumed, buffer: [...k.buffer], sourceDone: k.sourceDone === true,
      rng: Array.isArray(k.rng) ? ([...k.rng] as RngState) : null, batchesEmitted: k.batchesEmitted,
    };
    this.epochIndex = c.epoch!;
    this.emitted = c.batchesEmitted ?? 0;
    this.finished = false;
  }

  async next(): Promise<IteratorResult<TaskBatch, undefined>> {
    if (this.finished) return { done: true, value: undefined };
    if (this.pendingState) await this.restore(this.pendingState);
    const rows: Item[] = [];
    while (rows.length < this.batchSize) {
      if (this.epochIndex >= this.epochs) break;
      // Synchronous while the current chunk lasts: one await per chunk, not per example.
      const item = this.pullSync() ?? (await this.pull());
      if (item) {
        rows.push(item);
        continue;
      }
      if (this.consumed === 0) throw new DataError(`source ${this.source.name}: expected at least one example per pass, got none.`);
      this.epochIndex++;
      await this.close();
    }
    const batch = this.assemble(rows);
    if (!batch) {
      this.finished = true;
      await this.close();
      return { done: true, value: undefined };
    }
    this.emitted++;
    return { done: false, value: batch };
  }

  async return(): Promise<IteratorResult<TaskBatch, undefined>> {
    this.finished = true;
    await this.close();
    return { done: true, value: undefined };
  }

  private async close(): Promise<void> {
    const it = this.it;
    this.it = null;
    this.pending = [];
    this.pendingAt = 0;
    this.consumed = 0;
    this.sourceDone = false;
    this.buffer = [];
    if (it?.return) await it.return();
  }

  /** The next example if it is at hand (null at the end of the source); undefined when a chunk must be awaited. */
  private readSync(): Example | null | undefined {
    if (this.pendingAt < this.pending.length) {
      const ex = this.pending[this.pendingAt++]!;
      this.checkExample(ex, this.consumed);
      this.consumed++;
      return ex;
    }
    return this.sourceDone ? null : undefined;
  }

  /** Awaits the source's next chunk into `pending`. */
  private async fill(): Promise<void> {
    if (!this.it) this.it = this.source.open()[Symbol.asyncIterator]();
    const r = await this.it.next();
    if (r.done) {
      this.sourceDone = true;
      return;
    }
    this.pending = Array.isArray(r.value) ? (r.value as readonly Example[]) : [r.value as Example];
    this.pendingAt = 0;
  }

  private async read(): Promise<Example | null> {
    for (;;) {
      const ex = this.readSync();
      if (ex !== undefined) return ex;
      await this.fill();
    }
  }

  /** Like {@link pull} without awaiting; undefined when a chunk must be awaited first (state stays consistent). */
  private pullSync(): Item | null | undefined {
    if (this.bufferSize === 0) {
      const pos = this.consumed;
      const ex = this.readSync();
      return ex ? { pos, ex } : ex;
    }
    while (this.buffer.length < this.bufferSize) {
      const pos = this.consumed;
      const ex = this.readSync();
      if (ex === undefined) return undefined;
      if (ex === null) break;
      this.buffer.push({ pos, ex });
    }
    if (this.buffer.length === 0) return null;
    const j = Math.floor(this.rng!.next() * this.buffer.length);
    const item = this.buffer[j]!;
    this.buffer[j] = this.buffer[this.buffer.length - 1]!;
    this.buffer.pop();
    return item;
  }

  /** The next example in stream order (through the shuffle buffer), or null at the end of the pass. */
  private async pull(): Promise<Item | null> {
    for (;;) {
      const item = this.pullSync();
      if (item !== undefined) return item;
      await this.fill();
    }
  }

  private async restore(c: StreamCursor): Promise<void> {
    this.pendingState = null;
    await this.close();
    const slot = new Map(c.buffer.map((p, k) => [p, k]));
    const buffer: Item[] = new Array(c.buffer.length);
    for (let pos = 0; pos < c.consumed; pos++) {
      const ex = await this.read();
      if (!ex) throw new DataError(`stream cursor: expected the source ${this.source.name} to hold at least ${c.consumed} examples, got ${pos}. The source changed since the cursor was saved.`);
      const k = slot.get(pos);
      if (k !== undefined) buffer[k] = { pos, ex };
    }
    this.buffer = buffer;
    if (c.sourceDone) {
      const extra = await this.read();
      if (extra) throw new DataError(`stream cursor: expected the source ${this.source.name} to end after ${c.consumed} examples, got more. The source changed since the cursor was saved.`);
    }
  }

  private checkExample(ex: Example, pos: number): void {
    const { seqLen, vocabSize, numPuzzleIdentifiers, name } = this.source;
    if (ex.inputs.length !== seqLen || ex.labels.length !== seqLen) {
      throw new DataError(`source ${name}: example ${pos}: expected ${seqLen} inputs and labels, got ${ex.inputs.length} and ${ex.labels.length}.`);
    }
    for (let k = 0; k < seqLen; k++) {
      const v = ex.inputs[k]!;
      const t = ex.labels[k]!;
      if (!(v >= 0 && v < vocabSize) || !((t >= 0 && t < vocabSize) || t === IGNORE_LABEL)) {
        throw new DataError(`source ${name}: example ${pos}, position ${k}: expected tokens in [0, ${vocabSize}) (labels may be ${IGNORE_LABEL}), got input ${v}, label ${t}.`);
      }
    }
    if (!(Number.isInteger(ex.puzzleId) && ex.puzzleId >= 0 && ex.puzzleId < numPuzzleIdentifiers)) {
      throw new DataError(`source ${name}: example ${pos}: puzzleId: expected an integer in [0, ${numPuzzleIdentifiers}), got ${ex.puzzleId}.`);
    }
  }

  private assemble(rows: Item[]): TaskBatch | undefined {
    const L = this.source.seqLen;
    if (rows.length === 0) return undefined;
    if (rows.length < this.batchSize && this.last === 'drop') return undefined;
    const B = rows.length < this.batchSize && this.last === 'short' ? rows.length : this.batchSize;
    const batch: TaskBatch = {
      batchSize: B,
      seqLen: L,
      inputs: new Int32Array(B * L),
      labels: new Int32Array(B * L).fill(IGNORE_LABEL),
      puzzleIds: new Int32Array(B).fill(BLANK_PUZZLE_ID),
      valid: new Uint8Array(B),
    };
    rows.forEach(({ ex }, r) => {
      batch.inputs.set(ex.inputs, r * L);
      batch.labels.set(ex.labels, r * L);
      batch.puzzleIds[r] = ex.puzzleId;
      batch.valid![r] = 1;
    });
    return batch;
  }
}

/** Batches an {@link ExampleSource}; see {@link StreamOptions}. */
export function streamBatches(source: ExampleSource, options: StreamOptions): StreamBatches {
  return new StreamBatches(source, options);
}
