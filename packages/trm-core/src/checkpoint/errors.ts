/**
 * Typed checkpoint errors. Each carries a stable `code` so that callers (the CLI, tests) can branch on the
 * kind of failure without parsing messages; messages follow `<what>: expected <x>, got <y>. <fix>`.
 */
import { CheckpointError } from '../errors.js';

/** What is wrong with a safetensors file (or with tensors handed to the writer). ALGORITHM §6.5. */
export type SafetensorsErrorCode =
  | 'truncated' // shorter than 8 bytes, or than 8 + N
  | 'header-too-large' // N above the limit (100 MB by default)
  | 'header-json' // header is not UTF-8, not JSON, not an object, or repeats a key inside an entry
  | 'entry' // a tensor entry is not an object or lacks / mistypes dtype, shape or data_offsets
  | 'dtype' // unknown dtype, or data that does not fit the dtype (writer)
  | 'shape' // shape is not a list of non-negative integers, or does not match the data (writer)
  | 'offsets-out-of-range' // a tensor's bytes lie (partly) outside the data section
  | 'offsets-mismatch' // end − begin ≠ numel · sizeof(dtype)
  | 'overlap' // two tensors share bytes
  | 'hole' // bytes of the data section that no tensor covers
  | 'duplicate-name' // a tensor name appears twice
  | 'metadata'; // __metadata__ is not an object of strings

export class SafetensorsError extends CheckpointError {
  override name = 'SafetensorsError';
  constructor(
    readonly code: SafetensorsErrorCode,
    message: string,
  ) {
    super(message, { code });
  }
}

/** A tensor that the model and the file disagree on: `expected` is the model's shape, `got` the file's. */
export interface ShapeMismatch {
  key: string;
  expected: number[];
  got: number[];
}

export type StateDictErrorCode = 'prefix-mix' | 'state-dict-mismatch';

/**
 * The file's tensors do not fit the model. `missing`, `unexpected`, `mismatched` and `badDtype` list every
 * problem found (all of them at once, so one run shows everything to fix); keys are bare (prefix removed).
 */
export class StateDictError extends CheckpointError {
  override name = 'StateDictError';
  constructor(
    readonly code: StateDictErrorCode,
    message: string,
    readonly missing: string[] = [],
    readonly unexpected: string[] = [],
    readonly mismatched: ShapeMismatch[] = [],
    readonly badDtype: { key: string; dtype: string }[] = [],
  ) {
    super(message, { code });
  }
}

export type CheckpointFileErrorCode =
  | 'file-not-found'
  | 'file-unreadable' // a directory, or an I/O error
  | 'file-too-large' // above the limit of its kind, refused before reading
  | 'file-write'
  | 'file-escape' // a name that is not a plain file name, or a path that leaves its directory
  | 'file-special' // a FIFO, device or socket (refused before it is opened)
  | 'file-symlink'; // a symbolic link whose target is not a regular file inside the directory

/** A checkpoint file cannot be read or written (Node entry `@trm-ts/core/node`). */
export class CheckpointFileError extends CheckpointError {
  override name = 'CheckpointFileError';
  constructor(
    readonly code: CheckpointFileErrorCode,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, { ...options, code });
  }
}
