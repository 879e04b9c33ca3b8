/**
 * What a dataset stores (ALGORITHM.md §7.1, §7.7): examples, puzzles and groups as CSR index arrays, and the
 * padding conventions. The batch sampler (batching.ts) reads only this.
 */
/** Token of an empty cell of the canvas / a padding row (`pad_id`, §7.1). */
export const PAD_ID = 0;
/** Puzzle identifier of padding rows and of datasets without per-puzzle embeddings (`blank_identifier_id`). */
export const BLANK_PUZZLE_ID = 0;

/** One training pair. `inputs`/`labels` have `seqLen` entries; labels use −100 for "ignore". */
export interface Example {
  inputs: Int32Array;
  labels: Int32Array;
  puzzleId: number;
}

/** What every dataset declares: the model's `seq_len`, `vocab_size` and `num_puzzle_identifiers` come from here. */
export interface DatasetInfo {
  readonly name: string;
  readonly seqLen: number;
  readonly vocabSize: number;
  readonly numPuzzleIdentifiers: number;
}

/**
 * Random access to examples plus the group structure; enough for the batch sampler. A custom dataset implements
 * this (or builds an {@link ArrayDataset} with {@link datasetFromExamples}) and gets `batches` from
 * `new BatchIterator(this, options)`.
 */
export interface ExampleStore extends DatasetInfo {
  readonly numExamples: number;
  readonly numPuzzles: number;
  readonly numGroups: number;
  /** [numPuzzles + 1] CSR: puzzle j owns examples [puzzleIndices[j], puzzleIndices[j+1]). */
  readonly puzzleIndices: Int32Array;
  /** [numGroups + 1] CSR: group g owns puzzles [groupIndices[g], groupIndices[g+1]). */
  readonly groupIndices: Int32Array;
  /** [numPuzzles] the identifier (row of the puzzle-embedding table) of each puzzle. */
  readonly puzzleIdentifiers: Int32Array;
  /** Example i (0 ≤ i < numExamples). */
  example(i: number): Example;
}

