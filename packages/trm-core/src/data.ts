/**
 * The data types every package shares (one definition each): a batch of puzzles as typed arrays, the label
 * that marks a cell without a target, and what training and evaluation read batches from.
 */

/** A target that is not scored (official `IGNORE_LABEL_ID`). */
export const IGNORE_LABEL = -100;

/** Token ids as stored: 1, 2 or 4 bytes per token. */
export type TokenArray = Uint8Array | Int16Array | Int32Array;

/** A batch as plain typed arrays (the shape trm-data produces). */
export interface TaskBatch {
  batchSize: number;
  seqLen: number;
  /** [B·L] token ids. */
  inputs: Int32Array;
  /** [B·L] targets, IGNORE_LABEL (−100) = ignore. */
  labels: Int32Array;
  /** [B] rows of the puzzle-embedding table. */
  puzzleIds: Int32Array;
  /** [B], 0 = padding row (excluded from metrics). */
  valid?: Uint8Array;
}

/**
 * A stateful source of training batches (trm-data's `dataset.batches(...)`, `streamBatches(...)`): `next()`
 * may return a promise; `getState`/`setState` make it resumable from a checkpoint.
 */
export interface BatchSource {
  next(): IteratorResult<TaskBatch, unknown> | Promise<IteratorResult<TaskBatch, unknown>>;
  /** JSON-serialisable position, stored in checkpoints. */
  getState?(): unknown;
  setState?(state: unknown): void;
}

/** Anything `for await` reads batches from: arrays, generators, `dataset.batches()`, streams. */
export type BatchIterable = Iterable<TaskBatch> | AsyncIterable<TaskBatch>;

/** A BatchSource for any source or iterable (a source's own getState/setState are kept). */
export function toBatchSource(source: BatchSource | BatchIterable): BatchSource {
  if (typeof (source as BatchSource).next === 'function') return source as BatchSource;
  const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<TaskBatch>)[Symbol.iterator]();
  return { next: () => it.next() };
}
