/**
 * The official on-disk dataset layout (ALGORITHM.md §7.1), read and written so that a dataset built by the
 * official Python builders trains here and one built here trains there:
 * `identifiers.json`, optional `test_puzzles.json`, and per split `dataset.json` plus `<set>__{inputs, labels,
 * puzzle_identifiers, puzzle_indices, group_indices}.npy`. File access goes through a reader/writer callback so
 * that this module runs anywhere; `@trm-ts/data/node` supplies the file-system ones.
 */
import { TrmError, describeValue, parseJsonText } from '@trm-ts/core';
import { ArrayDataset, IGNORE_LABEL, type TokenArray } from '../dataset.js';
import { DataError, withLocation } from '../errors.js';
import { npyToInt32, readNpy, writeNpy, type NpyArray, type NpyDtype } from './npy.js';

/** `dataset.json` (field names as the official builders write them). */
export interface OfficialMetadata {
  pad_id: number;
  ignore_label_id: number | null;
  blank_identifier_id: number;
  vocab_size: number;
  seq_len: number;
  num_puzzle_identifiers: number;
  total_groups: number;
  mean_puzzle_examples: number;
  total_puzzles: number;
  sets: string[];
}

/** Reads a file relative to the dataset root ("train/dataset.json"); rejects when missing. */
export type ReadFile = (path: string) => Promise<Uint8Array>;

const FIELDS = ['inputs', 'labels', 'puzzle_identifiers', 'puzzle_indices', 'group_indices'] as const;

function parseJsonFile(bytes: Uint8Array, file: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError(`expected UTF-8 JSON, got ${bytes.length} bytes with invalid sequences.`, { file, code: 'json' });
  }
  return parseJsonText(text, '', (message, code) => new DataError(message, { file, code }));
}

/**
 * Reads a file, keeping typed errors (the Node gate's 'file-*' codes). A ReadFile rejects when the file is
 * missing (its contract), so any other failure becomes DataError 'file-not-found'.
 */
async function readTyped(read: ReadFile, path: string): Promise<Uint8Array> {
  try {
    return await read(path);
  } catch (e) {
    if (e instanceof TrmError) throw e;
    throw new DataError(`expected a file, got none (${describeValue((e as Error | null)?.message ?? e)}).`, { file: path, code: 'file-not-found' });
  }
}

const isMissing = (e: unknown): boolean => e instanceof TrmError && e.code === 'file-not-found';

function checkMetadata(v: unknown, file: string): OfficialMetadata {
  const m = v as Record<string, unknown>;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new DataError('expected a dataset.json object, got ' + typeof v + '.', { file });
  const ints = ['pad_id', 'blank_identifier_id', 'vocab_size', 'seq_len', 'num_puzzle_identifiers'] as const;
  for (const k of ints) {
    if (!Number.isInteger(m[k]) || (m[k] as number) < 0) throw new DataError(`${k}: expected a non-negative integer, got ${describeValue(m[k])}.`, { file });
  }
  if (!(m.ignore_label_id === null || m.ignore_label_id === undefined || Number.isInteger(m.ignore_label_id))) {
    throw new DataError(`ignore_label_id: expected an integer or null, got ${describeValue(m.ignore_label_id)}.`, { file });
  }
  const sets = m.sets ?? ['all'];
  if (!Array.isArray(sets) || sets.length === 0 || sets.some((s) => typeof s !== 'string' || !/^[\w.-]+$/.test(s))) {
    throw new DataError(`sets: expected a non-empty list of set names, got ${describeValue(m.sets)}.`, { file });
  }
  return { ...(m as unknown as OfficialMetadata), ignore_label_id: (m.ignore_label_id ?? null) as number | null, sets: sets as string[] };
}

async function readArray(read: ReadFile, path: string): Promise<NpyArray> {
  return readNpy(await readTyped(read, path), path);
}

/** Reads one split (`train` or `test`); the sets listed in dataset.json are concatenated in order. */
export async function readOfficialSplit(read: ReadFile, split: string, extra: { name?: string; identifiers?: readonly string[] } = {}): Promise<{ dataset: ArrayDataset; metadata: OfficialMetadata }> {
  const metaFile = `${split}/dataset.json`;
  const metaBytes = await readTyped(read, metaFile);
  const meta = checkMetadata(parseJsonFile(metaBytes, metaFile), metaFile);
  if (extra.identifiers && extra.identifiers.length !== meta.num_puzzle_identifiers) {
    // Silently dropping them (as before) made every report show bare ids; a mismatch means mixed-up folders.
    throw new DataError(`identifiers.json: expected ${meta.num_puzzle_identifiers} names (num_puzzle_identifiers of ${metaFile}), got ${extra.identifiers.length}. Use the identifiers.json written with this dataset`, { file: 'identifiers.json', code: 'identifiers' });
  }
  const L = meta.seq_len;
  const parts: Record<(typeof FIELDS)[number], Int32Array>[] = [];
  for (const set of meta.sets) {
    const part = {} as Record<(typeof FIELDS)[number], Int32Array>;
    for (const f of FIELDS) {
      const file = `${split}/${set}__${f}.npy`;
      const arr = await readArray(read, file);
      const tokens = f === 'inputs' || f === 'labels';
      const ok = tokens ? arr.shape.length === 2 && arr.shape[1] === L : arr.shape.length === 1;
      if (!ok) throw new DataError(`expected shape ${tokens ? `(N, ${L})` : '(N,)'}, got (${arr.shape.join(', ')}).`, { file });
      part[f] = npyToInt32(arr, f, file);
    }
    const where = { file: `${split}/${set}__*.npy` };
    if (part.labels.length !== part.inputs.length) throw new DataError(`labels: expected ${part.inputs.length / L} rows (as inputs), got ${part.labels.length / L}.`, where);
    if (part.puzzle_indices.length !== part.puzzle_identifiers.length + 1) throw new DataError(`puzzle_indices: expected ${part.puzzle_identifiers.length + 1} entries (puzzles + 1), got ${part.puzzle_indices.length}.`, where);
    parts.push(part);
  }
  // Concatenate sets, shifting each set's CSR offsets.
  const concat = (f: (typeof FIELDS)[number]) => {
    const total = parts.reduce((a, p) => a + p[f].length, 0);
    return { out: new Int32Array(total), total };
  };
  const inputs = concat('inputs').out;
  const labels = concat('labels').out;
  const ids = concat('puzzle_identifiers').out;
  const pidx = new Int32Array(parts.reduce((a, p) => a + p.puzzle_identifiers.length, 0) + 1);
  const gidx = new Int32Array(parts.reduce((a, p) => a + p.group_indices.length - 1, 0) + 1);
  let e = 0;
  let p = 0;
  let g = 0;
  for (const part of parts) {
    inputs.set(part.inputs, e * L);
    labels.set(part.labels, e * L);
    ids.set(part.puzzle_identifiers, p);
    for (let k = 1; k < part.puzzle_indices.length; k++) pidx[p + k] = part.puzzle_indices[k]! + e;
    for (let k = 1; k < part.group_indices.length; k++) gidx[g + k] = part.group_indices[k]! + p;
    e += part.inputs.length / L;
    p += part.puzzle_identifiers.length;
    g += part.group_indices.length - 1;
  }
  if (meta.ignore_label_id !== null) {
    for (let k = 0; k < labels.length; k++) if (labels[k] === meta.ignore_label_id) labels[k] = IGNORE_LABEL;
  }
  try {
    const dataset = new ArrayDataset({
      name: extra.name ?? split,
      seqLen: L,
      vocabSize: meta.vocab_size,
      inputs: compact(inputs, meta.vocab_size, false),
      labels: compact(labels, meta.vocab_size, true),
      puzzleIndices: pidx,
      groupIndices: gidx,
      puzzleIdentifiers: ids,
      numPuzzleIdentifiers: meta.num_puzzle_identifiers,
      ...(extra.identifiers ? { identifiers: extra.identifiers } : {}),
    });
    return { dataset, metadata: meta };
  } catch (err) {
    return withLocation(err, { file: `${split}/` });
  }
}

function compact(a: Int32Array, vocab: number, signed: boolean): TokenArray {
  if (!signed && vocab <= 256 && a.every((v) => v >= 0 && v < 256)) return Uint8Array.from(a);
  if (vocab <= 32768 && a.every((v) => v >= -32768 && v < 32768)) return Int16Array.from(a);
  return a;
}

export interface OfficialDataset {
  train?: ArrayDataset;
  test?: ArrayDataset;
  metadata: { train?: OfficialMetadata; test?: OfficialMetadata };
  /** identifiers.json: index = puzzle id → name. */
  identifiers?: string[];
  /** test_puzzles.json (ARC), as parsed JSON. */
  testPuzzles?: unknown;
}

/** Reads a dataset root; `splits` lists the splits to read (default both). Missing optional files are skipped. */
export async function readOfficialDataset(read: ReadFile, options: { splits?: readonly string[] } = {}): Promise<OfficialDataset> {
  const optional = async (path: string) => {
    let bytes: Uint8Array;
    try {
      bytes = await readTyped(read, path);
    } catch (e) {
      if (isMissing(e)) return undefined; // optional; a FIFO, an escape or an oversized file is still an error
      throw e;
    }
    return parseJsonFile(bytes, path);
  };
  const identifiers = await optional('identifiers.json');
  if (identifiers !== undefined && (!Array.isArray(identifiers) || identifiers.some((s) => typeof s !== 'string'))) {
    throw new DataError('expected a JSON list of puzzle names, got another value.', { file: 'identifiers.json' });
  }
  const out: OfficialDataset = { metadata: {} };
  if (identifiers) out.identifiers = identifiers as string[];
  const testPuzzles = await optional('test_puzzles.json');
  if (testPuzzles !== undefined) out.testPuzzles = testPuzzles;
  for (const split of options.splits ?? ['train', 'test']) {
    if (split !== 'train' && split !== 'test') throw new DataError(`splits: expected 'train' or 'test', got ${describeValue(split)}.`);
    const { dataset, metadata } = await readOfficialSplit(read, split, { name: split, ...(out.identifiers ? { identifiers: out.identifiers } : {}) });
    out[split] = dataset;
    out.metadata[split] = metadata;
  }
  return out;
}

export interface OfficialWriteOptions {
  /** Stored for −100 labels (official: 0). `null` keeps −100 and needs a signed dtype. Default 0. */
  ignoreLabelId?: number | null;
  /** dtype of inputs and labels: `auto` = `|u1` when every value fits, else `<i4`. Official Sudoku train uses `<i8`. */
  tokenDtype?: 'auto' | '|u1' | '<i4' | '<i8';
  /** Mirror the official Sudoku/Maze quirk `total_puzzles = total_groups`. Default false (the true count). */
  totalPuzzlesQuirk?: boolean;
}

/** The files of one split, keyed by path relative to the dataset root. */
export function officialSplitFiles(split: string, ds: ArrayDataset, options: OfficialWriteOptions = {}): Map<string, Uint8Array> {
  const { ignoreLabelId = 0, tokenDtype = 'auto' } = options;
  const L = ds.seqLen;
  const N = ds.numExamples;
  const labels = Int32Array.from(ds.labels);
  if (ignoreLabelId !== null) {
    for (let k = 0; k < labels.length; k++) {
      if (labels[k] === ignoreLabelId) throw new DataError(`dataset ${ds.name}: label ${ignoreLabelId} at example ${Math.floor(k / L)} collides with ignore_label_id ${ignoreLabelId}; it would read back as ignored. Pass another ignoreLabelId or null.`);
      if (labels[k] === IGNORE_LABEL) labels[k] = ignoreLabelId;
    }
  }
  const inputs = Int32Array.from(ds.inputs);
  const fitsU1 = (a: Int32Array) => a.every((v) => v >= 0 && v < 256);
  const dtype: NpyDtype = tokenDtype === 'auto' ? (fitsU1(inputs) && fitsU1(labels) ? '|u1' : '<i4') : tokenDtype;
  const tokens = (a: Int32Array): NpyArray => {
    if (dtype === '|u1') {
      if (!fitsU1(a)) throw new DataError(`dataset ${ds.name}: tokenDtype |u1: expected values in [0, 255], got others. Use '<i4'.`);
      return { dtype, shape: [N, L], data: Uint8Array.from(a) };
    }
    if (dtype === '<i8') return { dtype, shape: [N, L], data: BigInt64Array.from(a, (v) => BigInt(v)) };
    return { dtype: '<i4', shape: [N, L], data: a };
  };
  const meta: OfficialMetadata = {
    pad_id: 0,
    ignore_label_id: ignoreLabelId,
    blank_identifier_id: 0,
    vocab_size: ds.vocabSize,
    seq_len: L,
    num_puzzle_identifiers: ds.numPuzzleIdentifiers,
    total_groups: ds.numGroups,
    mean_puzzle_examples: N / ds.numPuzzles,
    total_puzzles: options.totalPuzzlesQuirk ? ds.numGroups : ds.numPuzzles,
    sets: ['all'],
  };
  const files = new Map<string, Uint8Array>();
  files.set(`${split}/dataset.json`, new TextEncoder().encode(JSON.stringify(meta)));
  files.set(`${split}/all__inputs.npy`, writeNpy(tokens(inputs)));
  files.set(`${split}/all__labels.npy`, writeNpy(tokens(labels)));
  const i32 = (a: Int32Array): NpyArray => ({ dtype: '<i4', shape: [a.length], data: a });
  files.set(`${split}/all__puzzle_identifiers.npy`, writeNpy(i32(ds.puzzleIdentifiers)));
  files.set(`${split}/all__puzzle_indices.npy`, writeNpy(i32(ds.puzzleIndices)));
  files.set(`${split}/all__group_indices.npy`, writeNpy(i32(ds.groupIndices)));
  return files;
}

/** All files of a dataset root: the splits given, identifiers.json (names, or "<blank>" + ids) and test_puzzles.json. */
export function officialDatasetFiles(
  splits: { train?: ArrayDataset; test?: ArrayDataset },
  options: OfficialWriteOptions & { identifiers?: readonly string[]; testPuzzles?: unknown } = {},
): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const enc = new TextEncoder();
  let numIds = 1;
  for (const [split, ds] of Object.entries(splits)) {
    if (!ds) continue;
    numIds = Math.max(numIds, ds.numPuzzleIdentifiers);
    for (const [k, v] of officialSplitFiles(split, ds, options)) files.set(k, v);
  }
  const any = splits.train ?? splits.test;
  const identifiers = options.identifiers ?? any?.identifiers ?? ['<blank>', ...Array.from({ length: numIds - 1 }, (_, i) => String(i + 1))];
  files.set('identifiers.json', enc.encode(JSON.stringify(identifiers)));
  if (options.testPuzzles !== undefined) files.set('test_puzzles.json', enc.encode(JSON.stringify(options.testPuzzles)));
  return files;
}
