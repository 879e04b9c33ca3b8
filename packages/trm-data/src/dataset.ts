/**
 * The dataset contract that trm-core training and trm-eval consume (ALGORITHM.md §7.1, §7.7).
 *
 * Structure mirrors the official on-disk format: an *example* is one (inputs, labels) pair of `seqLen` tokens;
 * a *puzzle* is a run of examples sharing one puzzle identifier (one augmented version of a task); a *group* is
 * a run of puzzles (an original puzzle and all its augmentations). Both are CSR index arrays.
 */
import { ConfigError, IGNORE_LABEL, type TaskBatch, type TokenArray } from '@trm-ts/core';
import { DataError, dataCheck } from './errors.js';
import { BatchIterator, type BatchOptions } from './batching.js';
import { BLANK_PUZZLE_ID, PAD_ID, type Example, type ExampleStore } from './store.js';

export type { TaskBatch, TokenArray };
export { IGNORE_LABEL };
export { PAD_ID, BLANK_PUZZLE_ID, type Example, type DatasetInfo, type ExampleStore } from './store.js';

/** The full dataset interface: examples, groups and a seeded, resumable batch iterator. */
export interface TaskDataset extends ExampleStore {
  /** Names of the puzzle identifiers (index = id, [0] = "<blank>"), where the dataset has them. */
  readonly identifiers?: readonly string[];
  batches(options: BatchOptions): BatchIterator;
}


export interface ArrayDatasetSpec {
  name: string;
  seqLen: number;
  vocabSize: number;
  /** [N * seqLen] tokens in [0, vocabSize). */
  inputs: TokenArray;
  /** [N * seqLen] targets in [0, vocabSize) or −100. */
  labels: TokenArray;
  /** Default: one puzzle per example. */
  puzzleIndices?: Int32Array;
  /** Default: one group per puzzle. */
  groupIndices?: Int32Array;
  /** Default: 0 for every puzzle. */
  puzzleIdentifiers?: Int32Array;
  /** Default: max identifier + 1 (at least 1). */
  numPuzzleIdentifiers?: number;
  identifiers?: readonly string[];
  /**
   * Check every token and the CSR arrays (default true). Builders whose output is valid by construction pass
   * false to skip an O(tokens) scan; the shape checks always run.
   */
  validate?: boolean;
}

/** A dataset held in typed arrays (the in-memory form of the official layout). Validated on construction. */
export class ArrayDataset implements TaskDataset {
  readonly name: string;
  readonly seqLen: number;
  readonly vocabSize: number;
  readonly numPuzzleIdentifiers: number;
  readonly inputs: TokenArray;
  readonly labels: TokenArray;
  readonly puzzleIndices: Int32Array;
  readonly groupIndices: Int32Array;
  readonly puzzleIdentifiers: Int32Array;
  readonly identifiers?: readonly string[];

  constructor(spec: ArrayDatasetSpec) {
    const { name, seqLen, vocabSize, inputs, labels } = spec;
    dataCheck(Number.isInteger(seqLen) && seqLen > 0, () => `dataset ${name}: seqLen: expected a positive integer, got ${seqLen}.`);
    dataCheck(Number.isInteger(vocabSize) && vocabSize > 0, () => `dataset ${name}: vocabSize: expected a positive integer, got ${vocabSize}.`);
    dataCheck(inputs.length % seqLen === 0, () => `dataset ${name}: inputs: expected a multiple of seqLen ${seqLen} tokens, got ${inputs.length}.`);
    dataCheck(labels.length === inputs.length, () => `dataset ${name}: labels: expected ${inputs.length} tokens (as inputs), got ${labels.length}.`);
    const n = inputs.length / seqLen;
    this.name = name;
    this.seqLen = seqLen;
    this.vocabSize = vocabSize;
    this.inputs = inputs;
    this.labels = labels;
    this.puzzleIndices = spec.puzzleIndices ?? range(n + 1);
    const numPuzzles = this.puzzleIndices.length - 1;
    this.groupIndices = spec.groupIndices ?? range(numPuzzles + 1);
    this.puzzleIdentifiers = spec.puzzleIdentifiers ?? new Int32Array(Math.max(numPuzzles, 0));
    let maxId = 0;
    for (const id of this.puzzleIdentifiers) maxId = Math.max(maxId, id);
    this.numPuzzleIdentifiers = spec.numPuzzleIdentifiers ?? maxId + 1;
    if (spec.identifiers) this.identifiers = spec.identifiers;
    this.validate(spec.validate ?? true);
  }

  get numExamples(): number {
    return this.inputs.length / this.seqLen;
  }
  get numPuzzles(): number {
    return this.puzzleIndices.length - 1;
  }
  get numGroups(): number {
    return this.groupIndices.length - 1;
  }

  example(i: number): Example {
    if (!(Number.isInteger(i) && i >= 0 && i < this.numExamples)) {
      throw new ConfigError(`dataset ${this.name}: example index: expected an integer in [0, ${this.numExamples}), got ${i}.`);
    }
    const L = this.seqLen;
    return {
      inputs: Int32Array.from(this.inputs.subarray(i * L, (i + 1) * L)),
      labels: Int32Array.from(this.labels.subarray(i * L, (i + 1) * L)),
      puzzleId: this.puzzleIdentifiers[puzzleOfExample(this.puzzleIndices, i)]!,
    };
  }

  batches(options: BatchOptions): BatchIterator {
    return new BatchIterator(this, options);
  }

  private validate(tokens: boolean): void {
    const { name, vocabSize, inputs, labels, numPuzzleIdentifiers } = this;
    const n = this.numExamples;
    for (let k = 0; tokens && k < inputs.length; k++) {
      const v = inputs[k]!;
      if (!(v >= 0 && v < vocabSize)) {
        throw new DataError(`dataset ${name}: input token ${v} at example ${Math.floor(k / this.seqLen)}, position ${k % this.seqLen}: expected a token in [0, ${vocabSize}). Check the encoding or vocabSize.`);
      }
      const t = labels[k]!;
      if (!((t >= 0 && t < vocabSize) || t === IGNORE_LABEL)) {
        throw new DataError(`dataset ${name}: label ${t} at example ${Math.floor(k / this.seqLen)}, position ${k % this.seqLen}: expected a token in [0, ${vocabSize}) or ${IGNORE_LABEL}. Check the encoding or vocabSize.`);
      }
    }
    checkCsr(`dataset ${name}: puzzleIndices`, this.puzzleIndices, n);
    checkCsr(`dataset ${name}: groupIndices`, this.groupIndices, this.numPuzzles);
    dataCheck(this.puzzleIdentifiers.length === this.numPuzzles, () => `dataset ${name}: puzzleIdentifiers: expected ${this.numPuzzles} entries (one per puzzle), got ${this.puzzleIdentifiers.length}.`);
    dataCheck(Number.isInteger(numPuzzleIdentifiers) && numPuzzleIdentifiers >= 1, () => `dataset ${name}: numPuzzleIdentifiers: expected a positive integer, got ${numPuzzleIdentifiers}.`);
    for (const id of this.puzzleIdentifiers) {
      dataCheck(id >= 0 && id < numPuzzleIdentifiers, () => `dataset ${name}: puzzle identifier ${id}: expected an id in [0, ${numPuzzleIdentifiers}). Raise numPuzzleIdentifiers or fix the ids.`);
    }
    if (this.identifiers) {
      dataCheck(this.identifiers.length === numPuzzleIdentifiers, () => `dataset ${name}: identifiers: expected ${numPuzzleIdentifiers} names (one per puzzle identifier), got ${this.identifiers!.length}.`);
    }
  }
}

function range(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** CSR offsets must start at 0, end at `total` and grow strictly (no empty puzzle or group). */
function checkCsr(what: string, idx: Int32Array, total: number): void {
  dataCheck(idx.length >= 1 && idx[0] === 0, () => `${what}: expected a CSR array starting at 0, got ${idx.length ? idx[0] : 'an empty array'}.`);
  for (let i = 1; i < idx.length; i++) {
    dataCheck(idx[i]! > idx[i - 1]!, () => `${what}: expected strictly increasing offsets (no empty entry), got ${idx[i - 1]} then ${idx[i]} at index ${i}.`);
  }
  dataCheck(idx[idx.length - 1] === total, () => `${what}: expected the last offset to be ${total}, got ${idx[idx.length - 1]}.`);
}

/** Index of the puzzle whose CSR range contains example i (§7.7: an example's puzzle id). */
export function puzzleOfExample(puzzleIndices: Int32Array, i: number): number {
  let lo = 0;
  let hi = puzzleIndices.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (puzzleIndices[mid]! <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Smallest storage type that holds tokens in [0, vocabSize) and, for labels, −100. */
function tokenArrayFor(vocabSize: number, signed: boolean, n: number): TokenArray {
  if (!signed && vocabSize <= 256) return new Uint8Array(n);
  if (vocabSize <= 32768) return new Int16Array(n);
  return new Int32Array(n);
}

/**
 * Builds an {@link ArrayDataset} example by example: `push` examples, `endPuzzle(id)` closes the current puzzle,
 * `endGroup()` closes the current group. Buffers grow geometrically.
 */
export class DatasetBuilder {
  private inputs: TokenArray;
  private labels: TokenArray;
  private n = 0;
  private puzzles: number[] = [0];
  private groups: number[] = [0];
  private ids: number[] = [];

  readonly info: { name: string; seqLen: number; vocabSize: number };

  /** `capacity`: examples to allocate up front (the buffers grow when exceeded). */
  constructor(info: { name: string; seqLen: number; vocabSize: number; capacity?: number }) {
    this.info = { name: info.name, seqLen: info.seqLen, vocabSize: info.vocabSize };
    const cap = Math.max(info.capacity ?? 64, 1) * info.seqLen;
    this.inputs = tokenArrayFor(info.vocabSize, false, cap);
    this.labels = tokenArrayFor(info.vocabSize, true, cap);
  }

  get numExamples(): number {
    return this.n;
  }

  /** Appends one example to the open puzzle (values are validated when the dataset is built). */
  push(inputs: ArrayLike<number>, labels: ArrayLike<number>): void {
    const L = this.info.seqLen;
    if (inputs.length !== L || labels.length !== L) {
      throw new DataError(`dataset ${this.info.name}: example ${this.n}: expected ${L} inputs and labels, got ${inputs.length} and ${labels.length}.`);
    }
    if ((this.n + 1) * L > this.inputs.length) {
      const grow = <T extends TokenArray>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.inputs = grow(this.inputs);
      this.labels = grow(this.labels);
    }
    const o = this.n * L;
    const ins = this.inputs;
    const labs = this.labels;
    for (let k = 0; k < L; k++) {
      const v = inputs[k]!;
      const t = labels[k]!;
      ins[o + k] = v;
      labs[o + k] = t;
      // A typed array silently wraps out-of-range values; catch them here, where the caller's value is known.
      if (ins[o + k] !== v || labs[o + k] !== t) {
        const bad = ins[o + k] !== v ? `input ${v}` : `label ${t}`;
        throw new DataError(`dataset ${this.info.name}: example ${this.n}, position ${k}: ${bad}: expected a token in [0, ${this.info.vocabSize}) (labels may be ${IGNORE_LABEL}). Check the encoding or vocabSize.`);
      }
    }
    this.n++;
  }

  /** Closes the puzzle holding the examples pushed since the last `endPuzzle`. */
  endPuzzle(puzzleId: number = BLANK_PUZZLE_ID): void {
    if (this.n === this.puzzles[this.puzzles.length - 1]) {
      throw new DataError(`dataset ${this.info.name}: endPuzzle: expected at least one example pushed since the last puzzle, got none.`);
    }
    this.puzzles.push(this.n);
    this.ids.push(puzzleId);
  }

  /** Closes the group holding the puzzles ended since the last `endGroup`. */
  endGroup(): void {
    if (this.n !== this.puzzles[this.puzzles.length - 1]) this.endPuzzle();
    const p = this.puzzles.length - 1;
    if (p === this.groups[this.groups.length - 1]) {
      throw new DataError(`dataset ${this.info.name}: endGroup: expected at least one puzzle since the last group, got none.`);
    }
    this.groups.push(p);
  }

  build(extra: { numPuzzleIdentifiers?: number; identifiers?: readonly string[] } = {}): ArrayDataset {
    if (this.n !== this.puzzles[this.puzzles.length - 1]) this.endPuzzle();
    if (this.puzzles.length - 1 !== this.groups[this.groups.length - 1]) this.endGroup();
    const L = this.info.seqLen;
    return new ArrayDataset({
      ...this.info,
      inputs: this.inputs.slice(0, this.n * L),
      labels: this.labels.slice(0, this.n * L),
      puzzleIndices: Int32Array.from(this.puzzles),
      groupIndices: Int32Array.from(this.groups),
      puzzleIdentifiers: Int32Array.from(this.ids),
      ...extra,
    });
  }
}

/** One example of a custom dataset; consecutive items with equal `puzzle` (`group`) keys share a puzzle (group). */
export interface ExampleSpec {
  inputs: ArrayLike<number>;
  labels: ArrayLike<number>;
  puzzleId?: number;
  puzzle?: string | number;
  group?: string | number;
}

/**
 * The shortest way to a custom dataset: a list of examples → a validated {@link ArrayDataset}. Without `puzzle`
 * and `group` keys every example is its own puzzle and group, so the seeded sampler is a plain shuffle.
 */
export function datasetFromExamples(spec: {
  name: string;
  seqLen: number;
  vocabSize: number;
  numPuzzleIdentifiers?: number;
  identifiers?: readonly string[];
  examples: Iterable<ExampleSpec>;
}): ArrayDataset {
  const b = new DatasetBuilder(spec);
  let first = true;
  let puzzleKey: unknown;
  let groupKey: unknown;
  let puzzleId = BLANK_PUZZLE_ID;
  for (const ex of spec.examples) {
    const samePuzzle = !first && ex.puzzle !== undefined && ex.puzzle === puzzleKey;
    const sameGroup = !first && ex.group !== undefined && ex.group === groupKey;
    if (!first && !samePuzzle) {
      b.endPuzzle(puzzleId);
      if (!sameGroup) b.endGroup();
    } else if (samePuzzle && ex.group !== groupKey) {
      throw new DataError(`dataset ${spec.name}: example ${b.numExamples}: puzzle ${String(ex.puzzle)} spans groups ${String(groupKey)} and ${String(ex.group)}; expected one group per puzzle.`);
    } else if (samePuzzle && (ex.puzzleId ?? BLANK_PUZZLE_ID) !== puzzleId) {
      throw new DataError(`dataset ${spec.name}: example ${b.numExamples}: puzzle ${String(ex.puzzle)}: expected one puzzleId per puzzle, got ${puzzleId} and ${ex.puzzleId}.`);
    }
    b.push(ex.inputs, ex.labels);
    first = false;
    puzzleKey = ex.puzzle;
    groupKey = ex.group;
    puzzleId = ex.puzzleId ?? BLANK_PUZZLE_ID;
  }
  if (first) throw new DataError(`dataset ${spec.name}: examples: expected at least one example, got none.`);
  b.endPuzzle(puzzleId);
  b.endGroup();
  return b.build({ numPuzzleIdentifiers: spec.numPuzzleIdentifiers, identifiers: spec.identifiers });
}
