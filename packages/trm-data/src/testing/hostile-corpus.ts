/**
 * A generator of hostile inputs for every Node loader (issue 12): corrupt safetensors, npy, dataset folders,
 * CSV, ARC JSON and checkpoint directories, including traversal names, FIFOs (mkfifo) and links to /dev/zero.
 * Nothing is stored: each case writes its files into a fresh temporary directory when it runs, then returns
 * the loader call to measure. `hostile-corpus.test.ts` runs every case and checks the error class, its
 * code, the time (< 1 s) and the extra memory (< 64 MB); docs/security.md lists what each loader promises.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CheckpointError, CheckpointFileError, ConfigError, SafetensorsError, StateDictError, TRM_DEFAULTS, TrmError,
  networkFromSafetensors, paramSpecs, resolveTrmConfig, serializeSafetensors, type TrmConfig,
} from '@trm-ts/core';
import { loadTrainerCheckpoint, readManifest, readSafetensorsFile } from '@trm-ts/core/node';
import { DataError } from '../errors.js';
import { writeNpy } from '../official/npy.js';
import { parseArcChallenges } from '../arc/arc.js';
import { TASKS } from '../tasks.js';
import { gatedIO, mazeCsvFileSource, nodeIO, readOfficialDatasetDir, sudokuCsvFileSource, writeOfficialDatasetDir } from '../node/index.js';
import { ArrayDataset } from '../dataset.js';
import { streamBatches } from '../stream.js';

type ErrorClass = abstract new (...args: never[]) => TrmError;

export interface HostileCase {
  /** Which loader, fed what. */
  name: string;
  /** The exact class and code of the error; 'accept' for a valid input that must load. */
  expect: { error: ErrorClass; code: string } | 'accept';
  /** Writes the case's files into `dir` (empty, private) and returns the loader call to measure. */
  make(dir: string): Promise<() => Promise<unknown>> | (() => Promise<unknown>);
  /** Needs mkfifo (POSIX only). */
  posixOnly?: boolean;
}

const enc = new TextEncoder();
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** A safetensors file from a header text and a data section, with any declared length. */
function rawSafetensors(header: string, data = new Uint8Array(0), declaredLength?: bigint): Uint8Array {
  const h = enc.encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** A tiny valid model file (config in the metadata), every value `fill`. */
function modelFile(config: Partial<TrmConfig>, fill = 0.01, metadataConfig: string = JSON.stringify(resolveTrmConfig(config))): Uint8Array {
  const tensors = new Map(paramSpecs(resolveTrmConfig(config)).map((s) => {
    const n = s.officialShape.reduce((a, b) => a * b, 1);
    return [`_orig_mod.model.inner.${s.key}`, { dtype: 'F32' as const, shape: s.officialShape, data: new Float32Array(n).fill(fill) }];
  }));
  return serializeSafetensors(tensors, { trm_config: metadataConfig, format: 'pt' });
}

const TINY: Partial<TrmConfig> = { seqLen: 4, vocabSize: 5, hiddenSize: 8, numHeads: 2, expansion: 2, numLayers: 1, puzzleEmbDim: 0, puzzleEmbLen: 0 };

function write(dir: string, name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function fifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

const smallDataset = () => new ArrayDataset({
  name: 'train', seqLen: 4, vocabSize: 5, inputs: new Uint8Array(16).fill(1), labels: new Uint8Array(16).fill(2),
  puzzleIndices: Int32Array.from([0, 1, 2, 3, 4]), groupIndices: Int32Array.from([0, 4]), puzzleIdentifiers: new Int32Array(4), numPuzzleIdentifiers: 1,
});

/** A valid 1-split official dataset folder (4 examples of length 4), written with the package's own writer. */
async function datasetDir(dir: string): Promise<string> {
  const root = join(dir, 'ds');
  await writeOfficialDatasetDir(root, { train: smallDataset() }, { identifiers: ['<blank>'] });
  return root;
}

const smallNpy = () => writeNpy({ dtype: '|u1', shape: [4, 4], data: new Uint8Array(16) });

/** Replaces text in a version-1 .npy header, keeping its length (the padding before '\\n' absorbs the change). */
function editNpyHeader(npy: Uint8Array, from: string, to: string): Uint8Array {
  const len = new DataView(npy.buffer, npy.byteOffset).getUint16(8, true);
  const header = new TextDecoder('latin1').decode(npy.subarray(10, 10 + len));
  const edited = header.replace(from, to).trimEnd();
  if (edited.length + 1 > len) throw new Error('editNpyHeader: the edit does not fit the header padding');
  const out = npy.slice();
  out.set(enc.encode(edited.padEnd(len - 1, ' ') + '\n'), 10);
  return out;
}

const checkpointDir = (dir: string, manifest: unknown): string => {
  const d = join(dir, 'ckpt');
  mkdirSync(d);
  write(d, 'latest.json', typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  return d;
};

const noSource = { next: () => ({ done: true as const, value: undefined }) };

/** Every case (fresh objects each call). */
export function hostileCases(): HostileCase[] {
  const sudokuCsv = 'source,question,answer,rating\n';
  return [
    // --- safetensors (readSafetensorsFile, networkFromSafetensors) ---
    { name: 'safetensors: 4 bytes', expect: { error: SafetensorsError, code: 'truncated' }, make: (d) => { const p = write(d, 'a.safetensors', new Uint8Array(4)); return () => readSafetensorsFile(p); } },
    { name: 'safetensors: header length 2^40', expect: { error: SafetensorsError, code: 'header-too-large' }, make: (d) => { const p = write(d, 'a.safetensors', rawSafetensors('{}', undefined, 1n << 40n)); return () => readSafetensorsFile(p); } },
    { name: 'safetensors: header nested 10^5 deep', expect: { error: SafetensorsError, code: 'header-json' }, make: (d) => { const p = write(d, 'a.safetensors', rawSafetensors(nested(1e5))); return () => readSafetensorsFile(p); } },
    { name: 'safetensors: header {"a": nested 10^5}', expect: { error: SafetensorsError, code: 'header-json' }, make: (d) => { const p = write(d, 'a.safetensors', rawSafetensors(`{"a":${nested(1e5)}}`)); return () => readSafetensorsFile(p); } },
    { name: 'safetensors: header not JSON', expect: { error: SafetensorsError, code: 'header-json' }, make: (d) => { const p = write(d, 'a.safetensors', rawSafetensors('root:x:0:0:root')); return () => readSafetensorsFile(p); } },
    { name: 'safetensors: offsets beyond the data', expect: { error: SafetensorsError, code: 'offsets-out-of-range' }, make: (d) => { const p = write(d, 'a.safetensors', rawSafetensors('{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', new Uint8Array(8))); return () => readSafetensorsFile(p); } },
    { name: 'safetensors: a FIFO', posixOnly: true, expect: { error: CheckpointFileError, code: 'file-special' }, make: (d) => { const p = fifo(join(d, 'a.safetensors')); return () => readSafetensorsFile(p); } },
    { name: 'safetensors: a link to /dev/zero', expect: { error: CheckpointFileError, code: 'file-symlink' }, make: (d) => { const p = join(d, 'a.safetensors'); symlinkSync('/dev/zero', p); return () => readSafetensorsFile(p); } },
    { name: 'safetensors: /dev/zero itself', expect: { error: CheckpointFileError, code: 'file-special' }, make: () => () => readSafetensorsFile('/dev/zero') },
    { name: 'safetensors: a directory', expect: { error: CheckpointFileError, code: 'file-unreadable' }, make: (d) => () => readSafetensorsFile(d) },
    { name: 'safetensors: above the size limit', expect: { error: CheckpointFileError, code: 'file-too-large' }, make: (d) => { const p = write(d, 'a.safetensors', new Uint8Array(1025)); return () => readSafetensorsFile(p, { maxBytes: 1024 }); } },
    {
      name: 'model file: 300 bytes claiming hidden 4096', expect: { error: StateDictError, code: 'state-dict-mismatch' },
      make: () => { const b = rawSafetensors(JSON.stringify({ __metadata__: { trm_config: JSON.stringify({ ...TRM_DEFAULTS, hiddenSize: 4096 }) }, w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }), new Uint8Array(4)); return async () => networkFromSafetensors(b); },
    },
    {
      name: 'model file: 1e8 puzzle identifiers', expect: { error: ConfigError, code: 'config' },
      make: () => { const b = rawSafetensors(JSON.stringify({ __metadata__: { trm_config: JSON.stringify({ ...TRM_DEFAULTS, numPuzzleIdentifiers: 1e8 }) } })); return async () => networkFromSafetensors(b); },
    },
    { name: 'model file: trm_config nested 10^5 deep', expect: { error: CheckpointError, code: 'json-depth' }, make: () => { const b = modelFile(TINY, 0.01, nested(1e5)); return async () => networkFromSafetensors(b); } },
    { name: 'model file: trm_config with 2·10^4 unknown keys', expect: { error: ConfigError, code: 'config' }, make: () => { const b = modelFile(TINY, 0.01, JSON.stringify(Object.fromEntries(Array.from({ length: 2e4 }, (_, i) => [`k${i}`, i])))); return async () => networkFromSafetensors(b); } },
    { name: 'model file: NaN weights', expect: { error: CheckpointError, code: 'non-finite' }, make: () => { const b = modelFile(TINY, Number.NaN); return async () => networkFromSafetensors(b); } },

    // --- checkpoint directories (readManifest, loadTrainerCheckpoint) ---
    { name: 'checkpoint: latest.json names ../../../../etc/passwd', expect: { error: CheckpointFileError, code: 'file-escape' }, make: (d) => { const c = checkpointDir(d, { step: 1, model: 'm.safetensors', trainer: '../../../../etc/passwd' }); return () => loadTrainerCheckpoint(c, noSource); } },
    { name: 'checkpoint: latest.json names ../other/step_3.trainer.safetensors', expect: { error: CheckpointFileError, code: 'file-escape' }, make: (d) => { const c = checkpointDir(d, { step: 3, model: 'm.safetensors', trainer: '../other/step_3.trainer.safetensors' }); return () => loadTrainerCheckpoint(c, noSource); } },
    { name: 'checkpoint: latest.json names an absolute path', expect: { error: CheckpointFileError, code: 'file-escape' }, make: (d) => { const c = checkpointDir(d, { step: 1, model: 'm.safetensors', trainer: '/etc/passwd' }); return () => loadTrainerCheckpoint(c, noSource); } },
    { name: 'checkpoint: latest.json = null', expect: { error: CheckpointError, code: 'manifest' }, make: (d) => { const c = checkpointDir(d, 'null'); return () => readManifest(c); } },
    { name: 'checkpoint: latest.json with step -3', expect: { error: CheckpointError, code: 'manifest' }, make: (d) => { const c = checkpointDir(d, { step: -3, model: 'a', trainer: 'b' }); return () => readManifest(c); } },
    { name: 'checkpoint: latest.json nested 10^4 deep (the most that fits 64 KiB)', expect: { error: CheckpointError, code: 'json-depth' }, make: (d) => { const c = checkpointDir(d, `{"step":${nested(1e4)}}`); return () => readManifest(c); } },
    { name: 'checkpoint: latest.json of 100 KB', expect: { error: CheckpointFileError, code: 'file-too-large' }, make: (d) => { const c = checkpointDir(d, `{"step":1,"model":"a","trainer":"b","pad":"${'x'.repeat(100_000)}"}`); return () => readManifest(c); } },
    { name: 'checkpoint: latest.json is a FIFO', posixOnly: true, expect: { error: CheckpointFileError, code: 'file-special' }, make: (d) => { const c = join(d, 'ckpt'); mkdirSync(c); fifo(join(c, 'latest.json')); return () => readManifest(c); } },
    { name: 'checkpoint: latest.json links to /dev/zero', expect: { error: CheckpointFileError, code: 'file-symlink' }, make: (d) => { const c = join(d, 'ckpt'); mkdirSync(c); symlinkSync('/dev/zero', join(c, 'latest.json')); return () => readManifest(c); } },
    { name: 'checkpoint: latest.json links to a file outside', expect: { error: CheckpointFileError, code: 'file-symlink' }, make: (d) => { const c = join(d, 'ckpt'); mkdirSync(c); write(d, 'elsewhere.json', '{"step":1,"model":"a","trainer":"b"}'); symlinkSync(join(d, 'elsewhere.json'), join(c, 'latest.json')); return () => readManifest(c); } },
    { name: 'checkpoint: no latest.json', expect: { error: CheckpointFileError, code: 'file-not-found' }, make: (d) => () => readManifest(d) },
    { name: 'checkpoint: trainer file is a FIFO', posixOnly: true, expect: { error: CheckpointFileError, code: 'file-special' }, make: (d) => { const c = checkpointDir(d, { step: 1, model: 'm.safetensors', trainer: 't.safetensors' }); fifo(join(c, 't.safetensors')); return () => loadTrainerCheckpoint(c, noSource); } },
    { name: 'checkpoint: trainer file links outside the directory', expect: { error: CheckpointFileError, code: 'file-symlink' }, make: (d) => { const c = checkpointDir(d, { step: 1, model: 'm.safetensors', trainer: 't.safetensors' }); write(d, 'other.safetensors', modelFile(TINY)); symlinkSync(join(d, 'other.safetensors'), join(c, 't.safetensors')); return () => loadTrainerCheckpoint(c, noSource); } },
    { name: 'checkpoint: trainer file is a model file', expect: { error: CheckpointError, code: 'checkpoint' }, make: (d) => { const c = checkpointDir(d, { step: 1, model: 'm.safetensors', trainer: 't.safetensors' }); write(c, 't.safetensors', modelFile(TINY)); return () => loadTrainerCheckpoint(c, noSource); } },
    {
      name: 'checkpoint: trainer metadata nested 10^5 deep', expect: { error: CheckpointError, code: 'json-depth' },
      make: (d) => { const c = checkpointDir(d, { step: 1, model: 'm.safetensors', trainer: 't.safetensors' }); write(c, 't.safetensors', serializeSafetensors({}, { trainer: nested(1e5), optimizer: '{}' })); return () => loadTrainerCheckpoint(c, noSource); },
    },
    {
      name: 'checkpoint: trainer metadata = null', expect: { error: CheckpointError, code: 'trainer-state' },
      make: (d) => { const c = checkpointDir(d, { step: 1, model: 'm.safetensors', trainer: 't.safetensors' }); write(c, 't.safetensors', serializeSafetensors({}, { trainer: 'null', optimizer: '{"kind":"adamAtan2","steps":{}}' })); return () => loadTrainerCheckpoint(c, noSource); },
    },

    // --- npy (through a dataset folder) ---
    { name: 'npy: repeated header key (numpy would read <i4)', expect: { error: DataError, code: 'npy' }, make: async (d) => { const r = await datasetDir(d); write(join(r, 'train'), 'all__inputs.npy', editNpyHeader(smallNpy(), "'shape': (4, 4), ", "'shape': (4, 4), 'descr': '<i4', ")); return () => readOfficialDatasetDir(r); } },
    { name: 'npy: shape of 10^12 elements', expect: { error: DataError, code: 'npy' }, make: async (d) => { const r = await datasetDir(d); write(join(r, 'train'), 'all__inputs.npy', editNpyHeader(smallNpy(), '(4, 4)', '(1000000, 1000000)')); return () => readOfficialDatasetDir(r); } },
    { name: 'npy: bad magic', expect: { error: DataError, code: 'npy' }, make: async (d) => { const r = await datasetDir(d); write(join(r, 'train'), 'all__labels.npy', 'root:x:0:0:root:/root:/bin/bash\n'); return () => readOfficialDatasetDir(r); } },
    { name: 'npy: a FIFO', posixOnly: true, expect: { error: DataError, code: 'file-special' }, make: async (d) => { const r = await datasetDir(d); const p = join(r, 'train', 'all__labels.npy'); execFileSync('rm', [p]); fifo(p); return () => readOfficialDatasetDir(r); } },

    // --- dataset folders (readOfficialDatasetDir, TASKS.official) ---
    { name: 'dataset: valid folder loads', expect: 'accept', make: async (d) => { const r = await datasetDir(d); return () => readOfficialDatasetDir(r, { splits: ['train'] }); } },
    { name: 'dataset: dataset.json nested 10^5 deep', expect: { error: DataError, code: 'json-depth' }, make: async (d) => { const r = await datasetDir(d); write(join(r, 'train'), 'dataset.json', nested(1e5)); return () => readOfficialDatasetDir(r, { splits: ['train'] }); } },
    { name: 'dataset: dataset.json = null', expect: { error: DataError, code: 'data' }, make: async (d) => { const r = await datasetDir(d); write(join(r, 'train'), 'dataset.json', 'null'); return () => readOfficialDatasetDir(r, { splits: ['train'] }); } },
    { name: 'dataset: dataset.json is a FIFO', posixOnly: true, expect: { error: DataError, code: 'file-special' }, make: async (d) => { const r = await datasetDir(d); const p = join(r, 'train', 'dataset.json'); execFileSync('rm', [p]); fifo(p); return () => readOfficialDatasetDir(r, { splits: ['train'] }); } },
    { name: 'dataset: dataset.json links to /dev/zero', expect: { error: DataError, code: 'file-symlink' }, make: async (d) => { const r = await datasetDir(d); const p = join(r, 'train', 'dataset.json'); execFileSync('rm', [p]); symlinkSync('/dev/zero', p); return () => readOfficialDatasetDir(r, { splits: ['train'] }); } },
    { name: 'dataset: identifiers.json is a FIFO', posixOnly: true, expect: { error: DataError, code: 'file-special' }, make: async (d) => { const r = await datasetDir(d); const p = join(r, 'identifiers.json'); execFileSync('rm', [p]); fifo(p); return () => readOfficialDatasetDir(r, { splits: ['train'] }); } },
    { name: 'dataset: identifiers.json of the wrong length', expect: { error: DataError, code: 'identifiers' }, make: async (d) => { const r = await datasetDir(d); write(r, 'identifiers.json', '["<blank>", "extra"]'); return () => readOfficialDatasetDir(r, { splits: ['train'] }); } },
    { name: 'dataset: split folder links outside the root', expect: { error: DataError, code: 'file-escape' }, make: async (d) => { const r = await datasetDir(d); const outside = join(d, 'outside'); execFileSync('mv', [join(r, 'train'), outside]); symlinkSync(outside, join(r, 'train')); return () => readOfficialDatasetDir(r, { splits: ['train'] }); } },
    { name: 'dataset: missing folder (TASKS.official.build)', expect: { error: DataError, code: 'file-not-found' }, make: (d) => () => TASKS.official.build({ dir: join(d, 'nope') }, nodeIO) },

    // --- CSV (sudoku / maze streaming sources, TASKS.*.build) ---
    { name: 'csv: sudoku source over a FIFO', posixOnly: true, expect: { error: DataError, code: 'file-special' }, make: (d) => { const p = fifo(join(d, 'train.csv')); return async () => { for await (const x of sudokuCsvFileSource(p, { n: 4 }).open()) void x; }; } },
    { name: 'csv: maze source over a link to /dev/zero', expect: { error: DataError, code: 'file-symlink' }, make: (d) => { const p = join(d, 'train.csv'); symlinkSync('/dev/zero', p); return async () => { for await (const x of mazeCsvFileSource(p, { side: 3 }).open()) void x; }; } },
    { name: 'csv: maze answer off the S→G path', expect: { error: DataError, code: 'maze-path' }, make: (d) => { const p = write(d, 'train.csv', `${sudokuCsv}x,S  # # G ,So # #oGo,0\n`); return async () => { for await (const x of mazeCsvFileSource(p, { side: 3 }).open()) void x; }; } },
    { name: 'csv: sudoku header only 10 MB of one line', expect: { error: DataError, code: 'data' }, make: (d) => { const p = write(d, 'train.csv', 'x'.repeat(10_000_000)); return async () => { for await (const x of sudokuCsvFileSource(p, { n: 4 }).open()) void x; }; } },
    { name: 'csv: missing folder (TASKS.sudoku.build)', expect: { error: DataError, code: 'file-not-found' }, make: (d) => () => TASKS.sudoku.build({ dir: join(d, 'nope'), n: 4 } as never, nodeIO) },

    // --- data cursors (the JSON a trainer checkpoint stores for its batch source) ---
    { name: 'cursor: batch cursor nested 10^5 deep', expect: { error: DataError, code: 'data' }, make: () => { const it = smallDataset().batches({ batchSize: 2, seed: 1 }); const deep = JSON.parse(nested(1e5)); return async () => it.setState(deep); } },
    { name: 'cursor: batch cursor with a 10^5-deep epoch', expect: { error: DataError, code: 'data' }, make: () => { const it = smallDataset().batches({ batchSize: 2, seed: 1 }); const c = { ...it.getState(), epoch: JSON.parse(nested(1e5)) }; return async () => it.setState(c); } },
    { name: 'cursor: batch cursor with a bad RNG state', expect: { error: DataError, code: 'data' }, make: () => { const it = smallDataset().batches({ batchSize: 2, seed: 1 }); const c = { ...it.getState(), rng: [0, 0, 0, 0] }; return async () => it.setState(c as never); } },
    { name: 'cursor: stream cursor with a 10^5-deep extra field', expect: 'accept', make: () => { const st = streamBatches({ name: 'empty', seqLen: 4, vocabSize: 5, numPuzzleIdentifiers: 1, async *open() {} }, { batchSize: 2, seed: 1 }); const c = { ...st.getState(), extra: JSON.parse(nested(1e5)) }; return async () => st.setState(c); } },

    // --- ARC JSON ---
    { name: 'arc: challenges nested 10^5 deep', expect: { error: DataError, code: 'json-depth' }, make: () => async () => parseArcChallenges(`{"t": ${nested(1e5)}}`) },
    { name: 'arc: task ids constructor, toString, __proto__ load', expect: 'accept', make: () => { const t = '{"train":[{"input":[[1]],"output":[[2]]}],"test":[{"input":[[3]]}]}'; return async () => parseArcChallenges(`{"constructor":${t},"toString":${t},"__proto__":${t}}`, '{"toString":[[[4]]]}'); } },
    { name: 'arc: challenges file is a FIFO (TASKS.arc.build)', posixOnly: true, expect: { error: DataError, code: 'file-special' }, make: (d) => { fifo(join(d, 'arc-agi_training_challenges.json')); return () => TASKS.arc.build({ dir: d, subsets: ['training'], testSubset: 'training' } as never, gatedIO(d)); } },
    { name: 'arc: missing folder (TASKS.arc.build)', expect: { error: DataError, code: 'file-not-found' }, make: (d) => () => TASKS.arc.build({ dir: join(d, 'nope') } as never, nodeIO) },
  ];
}
