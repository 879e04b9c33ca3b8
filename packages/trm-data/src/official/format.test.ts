import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ArrayDataset, datasetFromExamples } from '../dataset.js';
import { DataError } from '../errors.js';
import { nodeIO, readOfficialDatasetDir, writeOfficialDatasetDir } from '../node/index.js';
import { readNpy } from './npy.js';
import { officialDatasetFiles, readOfficialDataset, type ReadFile } from './format.js';

const FIX = fileURLToPath(new URL('./fixtures/', import.meta.url));
const expected = JSON.parse(readFileSync(FIX + 'expected.json', 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'trm-data-official-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function mapReader(files: Map<string, Uint8Array>): ReadFile {
  return async (p) => {
    const f = files.get(p);
    if (!f) throw new Error(`no such file ${p}`);
    return f;
  };
}

function sample(): ArrayDataset {
  const ex = (i: number, puzzle: number, group: number) => ({ inputs: [i % 5, 1, 2], labels: [i % 4 + 1, -100, 3], puzzleId: puzzle % 3, puzzle, group });
  return datasetFromExamples({ name: 's', seqLen: 3, vocabSize: 6, numPuzzleIdentifiers: 3, identifiers: ['<blank>', 'a', 'b'], examples: [ex(0, 0, 0), ex(1, 0, 0), ex(2, 1, 0), ex(3, 2, 1), ex(4, 3, 2), ex(5, 3, 2)] });
}

describe('official on-disk format (§7.1)', () => {
  it('reads a dataset root written by numpy the way the official sudoku builder writes it', async () => {
    const d = await readOfficialDatasetDir(join(FIX, 'official_root'));
    const train = d.train!;
    const e = expected['official_root/train'];
    expect([train.numExamples, train.numPuzzles, train.numGroups, train.seqLen, train.vocabSize]).toEqual([5, 5, 2, 16, 6]);
    expect(Array.from(train.inputs)).toEqual(e.inputs);
    // ignore_label_id 0 → −100 on load.
    expect(Array.from(train.labels)).toEqual(e.labels.map((v: number) => (v === 0 ? -100 : v)));
    expect(Array.from(train.groupIndices)).toEqual(e.group_indices);
    expect(d.metadata.train!.total_puzzles).toBe(2);
    expect(d.test!.numExamples).toBe(2);
    expect(d.identifiers).toEqual(['<blank>']);
    expect(d.train!.identifiers).toEqual(['<blank>']);
  });

  it('round-trips write → read exactly, with −100 stored as ignore_label_id', async () => {
    const ds = sample();
    const files = officialDatasetFiles({ train: ds, test: ds });
    const labels = readNpy(files.get('train/all__labels.npy')!);
    expect(labels.dtype).toBe('|u1');
    expect(Array.from(labels.data as Uint8Array).slice(0, 3)).toEqual([1, 0, 3]);
    const meta = JSON.parse(new TextDecoder().decode(files.get('train/dataset.json')!));
    expect(meta).toEqual({ pad_id: 0, ignore_label_id: 0, blank_identifier_id: 0, vocab_size: 6, seq_len: 3, num_puzzle_identifiers: 3, total_groups: 3, mean_puzzle_examples: 1.5, total_puzzles: 4, sets: ['all'] });
    const back = await readOfficialDataset(mapReader(files));
    for (const k of ['inputs', 'labels', 'puzzleIndices', 'groupIndices', 'puzzleIdentifiers'] as const) {
      expect(Array.from(back.train![k] as ArrayLike<number>)).toEqual(Array.from(ds[k] as ArrayLike<number>));
    }
    expect(back.identifiers).toEqual(['<blank>', 'a', 'b']);
    const i8 = officialDatasetFiles({ train: ds }, { tokenDtype: '<i8', totalPuzzlesQuirk: true });
    expect(readNpy(i8.get('train/all__inputs.npy')!).dtype).toBe('<i8');
    expect(JSON.parse(new TextDecoder().decode(i8.get('train/dataset.json')!)).total_puzzles).toBe(3);
    const back8 = await readOfficialDataset(mapReader(i8), { splits: ['train'] });
    expect(Array.from(back8.train!.labels)).toEqual(Array.from(ds.labels));
  });

  it('writes and reads folders through the node helpers', async () => {
    const ds = sample();
    const written = await writeOfficialDatasetDir(join(tmp, 'root'), { train: ds, test: ds }, { testPuzzles: { t: 1 } });
    expect(written.length).toBe(14);
    const back = await readOfficialDatasetDir(join(tmp, 'root'));
    expect(Array.from(back.test!.inputs)).toEqual(Array.from(ds.inputs));
    expect(back.testPuzzles).toEqual({ t: 1 });
    expect(new TextDecoder().decode(await nodeIO.readFile(join(tmp, 'root', 'identifiers.json')))).toBe('["<blank>","a","b"]');
  });

  it('names the file of a missing or malformed part', async () => {
    const files = officialDatasetFiles({ train: sample() });
    const without = (k: string) => new Map([...files].filter(([p]) => p !== k));
    const withFile = (k: string, v: Uint8Array) => new Map([...files, [k, v]]);
    const rd = (m: Map<string, Uint8Array>) => readOfficialDataset(mapReader(m), { splits: ['train'] });
    await expect(rd(without('train/all__labels.npy'))).rejects.toThrow(/^train\/all__labels\.npy: expected a file/);
    await expect(rd(withFile('train/dataset.json', new TextEncoder().encode('{')))).rejects.toThrow(/train\/dataset\.json: expected JSON/);
    await expect(rd(withFile('train/dataset.json', new TextEncoder().encode('{"seq_len": 3}')))).rejects.toThrow(/pad_id: expected a non-negative integer/);
    await expect(rd(withFile('train/all__inputs.npy', files.get('train/all__puzzle_indices.npy')!))).rejects.toThrow(/train\/all__inputs\.npy: expected shape \(N, 3\)/);
    const corrupt = files.get('train/all__inputs.npy')!.slice();
    corrupt[0] = 0;
    await expect(rd(withFile('train/all__inputs.npy', corrupt))).rejects.toThrow(/train\/all__inputs\.npy: \.npy: expected the magic string/);
    const meta = JSON.parse(new TextDecoder().decode(files.get('train/dataset.json')!));
    await expect(rd(withFile('train/dataset.json', new TextEncoder().encode(JSON.stringify({ ...meta, vocab_size: 4 }))))).rejects.toThrow(/train\/: dataset train: label 4 at example 3, position 0: expected a token in \[0, 4\)/);
    await expect(readOfficialDatasetDir(join(tmp, 'missing'))).rejects.toThrow(DataError);
    expect(() => officialDatasetFiles({ train: datasetFromExamples({ name: 'z', seqLen: 1, vocabSize: 3, examples: [{ inputs: [1], labels: [0] }] }) })).toThrow(/collides with ignore_label_id 0/);
  });
});
