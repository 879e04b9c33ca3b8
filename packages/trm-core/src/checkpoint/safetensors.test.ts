import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { thrownBy } from '@trm-ts/testing';
import { CheckpointError } from '../errors.js';
import { DTYPE_ARRAY, SAFETENSORS_DTYPES, type SafetensorsDtype, dtypeSize } from './dtypes.js';
import { SafetensorsError, type SafetensorsErrorCode } from './errors.js';
import { type SafetensorsTensorInput, parseSafetensors, serializeSafetensors } from './safetensors.js';

const enc = new TextEncoder();

/** A file from a header text and a data section, assembled by hand: u64 LE length, header, data. */
function fileOf(header: string, data: Uint8Array | number = 0): Uint8Array {
  const h = enc.encode(header);
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

const bytesOf = (a: ArrayBufferView) => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];

/** Asserts that parsing throws a SafetensorsError with `code` whose message contains every `mentions`. */
function expectError(bytes: Uint8Array, code: SafetensorsErrorCode, ...mentions: string[]): SafetensorsError {
  const caught = thrownBy(() => parseSafetensors(bytes));
  expect(caught).toBeInstanceOf(SafetensorsError);
  expect(caught).toBeInstanceOf(CheckpointError);
  const err = caught as SafetensorsError;
  expect(err.code).toBe(code);
  for (const m of mentions) expect(err.message).toContain(m);
  expect(err.message).toMatch(/expected .*, got .*\. \S/s); // `<what>: expected <x>, got <y>. <fix>`
  return err;
}

describe('parseSafetensors on hand-made files', () => {
  it('reads an F32 tensor and the metadata', () => {
    const data = new Uint8Array([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]); // 1.0, -2.0 little-endian
    const file = fileOf('{"__metadata__":{"k":"v"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', data);
    const { tensors, metadata } = parseSafetensors(file);
    expect(metadata).toEqual({ k: 'v' });
    const w = tensors.get('w')!;
    expect(w.dtype).toBe('F32');
    expect(w.shape).toEqual([2]);
    expect(w.data).toBeInstanceOf(Float32Array);
    expect([...w.data]).toEqual([1, -2]);
  });

  it('keeps the header order, including integer-like names that a JS object would move first', () => {
    const file = fileOf(
      '{"b":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"10":{"dtype":"U8","shape":[],"data_offsets":[1,2]},"a":{"dtype":"U8","shape":[0],"data_offsets":[2,2]}}',
      new Uint8Array([7, 9]),
    );
    const { tensors, metadata } = parseSafetensors(file);
    expect([...tensors.keys()]).toEqual(['b', '10', 'a']);
    expect(tensors.get('10')!.shape).toEqual([]); // a scalar: numel 1
    expect([...tensors.get('10')!.data]).toEqual([9]);
    expect(tensors.get('a')!.data.length).toBe(0);
    expect(metadata).toEqual({});
  });

  it('accepts an empty file header "{}" and null metadata', () => {
    expect(parseSafetensors(fileOf('{}')).tensors.size).toBe(0);
    expect(parseSafetensors(fileOf('{"__metadata__":null}')).metadata).toEqual({});
  });

  it('returns aligned views without copying, and copies when asked or when unaligned', () => {
    const file = serializeSafetensors({ x: { dtype: 'F64', shape: [2], data: new Float64Array([1.5, -3]) } });
    const view = parseSafetensors(file).tensors.get('x')!.data;
    expect(view.buffer).toBe(file.buffer);
    const copied = parseSafetensors(file, { copy: true }).tensors.get('x')!.data;
    expect(copied.buffer).not.toBe(file.buffer);
    expect([...copied]).toEqual([1.5, -3]);
    // the same file one byte into a larger buffer: the F64 data are no longer 8-aligned
    const shifted = new Uint8Array(file.length + 1);
    shifted.set(file, 1);
    const unaligned = parseSafetensors(shifted.subarray(1)).tensors.get('x')!.data;
    expect(unaligned.buffer).not.toBe(shifted.buffer);
    expect([...unaligned]).toEqual([1.5, -3]);
  });
});

describe('serializeSafetensors', () => {
  it('writes the exact bytes of the format (header by hand: metadata, then by element size, then name)', () => {
    const file = serializeSafetensors(
      { b: { dtype: 'I16', shape: [2], data: new Int16Array([1, 2]) }, a: { dtype: 'F64', shape: [1], data: [0.5] } },
      { k: 'v' },
    );
    const header = '{"__metadata__":{"k":"v"},"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"I16","shape":[2],"data_offsets":[8,12]}}';
    // 133 header bytes, padded with 3 spaces to 136 so that the data start at byte 144 = 18·8
    const expected = [
      136, 0, 0, 0, 0, 0, 0, 0,
      ...enc.encode(header), 0x20, 0x20, 0x20,
      0, 0, 0, 0, 0, 0, 0xe0, 0x3f, // 0.5 as float64 LE
      1, 0, 2, 0, // int16 1, 2
    ];
    expect([...file]).toEqual(expected);
  });

  it('round-trips every dtype byte for byte, each tensor aligned to its element size', () => {
    const tensors: Record<string, SafetensorsTensorInput> = {};
    let seed = 12345;
    for (const [i, dtype] of SAFETENSORS_DTYPES.entries()) {
      const shape = [2, i % 3 + 1, 3];
      const raw = new Uint8Array(shape[0]! * shape[1]! * shape[2]! * dtypeSize(dtype)).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24));
      tensors[`t.${dtype}`] = { dtype, shape, data: new DTYPE_ARRAY[dtype](raw.buffer, 0, raw.length / dtypeSize(dtype)) };
    }
    tensors['scalar'] = { dtype: 'I32', shape: [], data: new Int32Array([-7]) };
    tensors['empty'] = { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) };
    const file = serializeSafetensors(tensors, { note: 'ünïcode ✓', '': 'empty key' });
    expect(new DataView(file.buffer).getBigUint64(0, true) % 8n).toBe(0n);

    const { tensors: back, metadata } = parseSafetensors(file);
    expect(metadata).toEqual({ note: 'ünïcode ✓', '': 'empty key' });
    expect(new Set(back.keys())).toEqual(new Set(Object.keys(tensors)));
    let lastSize = Infinity;
    for (const [name, t] of back) {
      const want = tensors[name]!;
      expect(t.dtype).toBe(want.dtype);
      expect(t.shape).toEqual(want.shape);
      expect(t.data).toBeInstanceOf(DTYPE_ARRAY[t.dtype]);
      expect(bytesOf(t.data)).toEqual(bytesOf(want.data as ArrayBufferView));
      expect(t.data.buffer).toBe(file.buffer); // aligned, so a view
      expect(t.data.byteOffset % dtypeSize(t.dtype)).toBe(0);
      expect(dtypeSize(t.dtype)).toBeLessThanOrEqual(lastSize); // the file order: largest element first
      lastSize = dtypeSize(t.dtype);
    }
  });

  it('converts values: floats to BF16 / F16 / F64, integer lists to integer dtypes', () => {
    const file = serializeSafetensors({
      bf: { dtype: 'BF16', shape: [3], data: new Float32Array([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8]) },
      h: { dtype: 'F16', shape: [2], data: [1, 65520] },
      d: { dtype: 'F64', shape: [1], data: new Float32Array([0.1]) },
      i: { dtype: 'I32', shape: [2], data: [-100, 2 ** 31 - 1] },
      l: { dtype: 'I64', shape: [2], data: [-(2n ** 63n), 3] },
      u: { dtype: 'U64', shape: [1], data: [2n ** 64n - 1n] },
      b: { dtype: 'BOOL', shape: [2], data: [true, 0] },
    });
    const t = parseSafetensors(file).tensors;
    expect([...t.get('bf')!.data]).toEqual([0x3f80, 0x3f80, 0x3f82]); // ties to even (§6.4)
    expect([...t.get('h')!.data]).toEqual([0x3c00, 0x7c00]);
    expect([...t.get('d')!.data]).toEqual([Math.fround(0.1)]);
    expect([...t.get('i')!.data]).toEqual([-100, 2147483647]);
    expect([...t.get('l')!.data]).toEqual([-(2n ** 63n), 3n]);
    expect([...t.get('u')!.data]).toEqual([2n ** 64n - 1n]);
    expect([...t.get('b')!.data]).toEqual([1, 0]);
  });

  it('is independent of the input order', () => {
    const a = { dtype: 'F32', shape: [1], data: new Float32Array([1]) } as const;
    const b = { dtype: 'F32', shape: [1], data: new Float32Array([2]) } as const;
    expect([...serializeSafetensors({ a, b })]).toEqual([...serializeSafetensors(new Map([['b', b], ['a', a]]))]);
  });

  const bad: [string, () => unknown, SafetensorsErrorCode, string][] = [
    ['a fraction for I32', () => serializeSafetensors({ x: { dtype: 'I32', shape: [1], data: [1.5] } }), 'dtype', 'data[0]'],
    ['256 for U8', () => serializeSafetensors({ x: { dtype: 'U8', shape: [1], data: [256] } }), 'dtype', '[0, 255]'],
    ['a Float32Array for F8', () => serializeSafetensors({ x: { dtype: 'F8_E4M3', shape: [1], data: new Float32Array(1) } }), 'dtype', 'Uint8Array'],
    ['an Int32Array for F32', () => serializeSafetensors({ x: { dtype: 'F32', shape: [1], data: new Int32Array(1) } }), 'dtype', 'Int32Array'],
    ['an unknown dtype', () => serializeSafetensors({ x: { dtype: 'F128' as SafetensorsDtype, shape: [1], data: [1] } }), 'dtype', 'F128'],
    ['too few values', () => serializeSafetensors({ x: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } }), 'shape', 'expected 4 values'],
    ['a negative dimension', () => serializeSafetensors({ x: { dtype: 'F32', shape: [-1], data: [] } }), 'shape', '[-1]'],
    ['the reserved name', () => serializeSafetensors({ __metadata__: { dtype: 'F32', shape: [0], data: [] } }), 'entry', '__metadata__'],
    ['a number in metadata', () => serializeSafetensors({}, { n: 3 as unknown as string }), 'metadata', '"n"'],
  ];
  it.each(bad)('rejects %s', (_, write, code, mention) => {
    expect(write).toThrow(SafetensorsError);
    try {
      write();
    } catch (e) {
      expect((e as SafetensorsError).code).toBe(code);
      expect((e as Error).message).toContain(mention);
    }
  });
});

describe('parseSafetensors rejects bad files with a specific error', () => {
  const f32 = (name: string, shape: string, offsets: string) => `"${name}":{"dtype":"F32","shape":${shape},"data_offsets":${offsets}}`;

  it('truncated: fewer than 8 bytes', () => {
    expectError(new Uint8Array(5), 'truncated', 'at least 8 bytes', 'got 5');
  });

  it('truncated: fewer than 8 + N bytes', () => {
    const file = fileOf('{}');
    new DataView(file.buffer).setBigUint64(0, 100n, true);
    expectError(file, 'truncated', 'expected 100 bytes', 'got 2');
  });

  it('header-too-large: N above 100 MB, before reading anything else', () => {
    const file = new Uint8Array(8);
    new DataView(file.buffer).setBigUint64(0, 100_000_001n, true);
    expectError(file, 'header-too-large', '100000000', '100000001');
    new DataView(file.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expectError(file, 'header-too-large', '18446744073709551615');
    expect(() => parseSafetensors(fileOf('{}       '), { maxHeaderBytes: 4 })).toThrow(/at most 4 bytes, got 9/);
  });

  it('header-json: invalid UTF-8', () => {
    const file = fileOf('{"a":1}');
    file[10] = 0xff;
    expectError(file, 'header-json', 'UTF-8');
  });

  it('header-json: invalid JSON', () => {
    expectError(fileOf('{"a":'), 'header-json', 'expected JSON');
  });

  it('header-json: not an object', () => {
    expectError(fileOf('[1,2]'), 'header-json', 'expected a JSON object', '[1,2]');
    expectError(fileOf('null'), 'header-json', 'null');
  });

  it('header-json: a field repeated inside an entry', () => {
    expectError(fileOf('{"a":{"dtype":"F32","dtype":"F64","shape":[0],"data_offsets":[0,0]}}'), 'header-json', '"dtype" twice');
  });

  it('duplicate-name', () => {
    const file = fileOf(`{${f32('w', '[1]', '[0,4]')},${f32('w', '[1]', '[4,8]')}}`, 8);
    expectError(file, 'duplicate-name', '"w"', 'twice');
  });

  it('entry: not an object', () => {
    expectError(fileOf('{"w":3}'), 'entry', '"w"', 'got 3');
  });

  it('entry: a missing field', () => {
    expectError(fileOf('{"w":{"dtype":"F32","shape":[1]}}', 4), 'entry', '"w"', 'no data_offsets');
  });

  it('entry: malformed data_offsets', () => {
    expectError(fileOf(`{${f32('w', '[1]', '[0]')}}`, 4), 'entry', '"w" data_offsets', '[0]');
    expectError(fileOf(`{${f32('w', '[1]', '[-4,0]')}}`, 4), 'entry', '[-4,0]');
    expectError(fileOf(`{${f32('w', '[1]', '[0,"4"]')}}`, 4), 'entry', '[0,"4"]');
  });

  it('dtype: unknown', () => {
    expectError(fileOf('{"w":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}', 16), 'dtype', '"w" dtype', 'F128', 'BF16');
  });

  it('shape: negative, fractional or not a list', () => {
    expectError(fileOf(`{${f32('w', '[2,-1]', '[0,0]')}}`), 'shape', '"w" shape', '[2,-1]');
    expectError(fileOf(`{${f32('w', '[1.5]', '[0,0]')}}`), 'shape', '[1.5]');
    expectError(fileOf(`{${f32('w', '"3"', '[0,12]')}}`, 12), 'shape', '"3"');
  });

  it('offsets-out-of-range: past the end of the data section', () => {
    expectError(fileOf(`{${f32('w', '[4]', '[0,16]')}}`, 8), 'offsets-out-of-range', '"w"', '8-byte data section', '[0, 16]');
  });

  it('offsets-mismatch: end − begin ≠ numel · size', () => {
    expectError(fileOf(`{${f32('w', '[3]', '[0,8]')}}`, 8), 'offsets-mismatch', '"w"', '3 × 4 = 12', 'got end − begin = 8');
  });

  it('offsets-mismatch: a huge declared shape fails on the numbers, without allocating', () => {
    expectError(fileOf(`{${f32('w', '[1000000000000]', '[0,8]')}}`, 8), 'offsets-mismatch', '1000000000000 × 4 = 4000000000000');
    expectError(fileOf(`{${f32('w', '[9007199254740991,9007199254740991]', '[0,8]')}}`, 8), 'offsets-mismatch', '> 2^53');
    // a zero dimension makes the tensor empty, however large the others are
    const empty = parseSafetensors(fileOf(`{${f32('w', '[0,9007199254740991]', '[0,0]')}}`));
    expect(empty.tensors.get('w')!.data.length).toBe(0);
  });

  it('overlap: two tensors share bytes', () => {
    expectError(fileOf(`{${f32('a', '[2]', '[0,8]')},${f32('b', '[2]', '[4,12]')}}`, 12), 'overlap', '"a" [0, 8)', '"b" [4, 12)', 'start at byte 8, got 4');
  });

  it('hole: bytes between tensors', () => {
    expectError(fileOf(`{${f32('a', '[1]', '[0,4]')},${f32('b', '[1]', '[8,12]')}}`, 12), 'hole', '[4, 8)', '"b"');
  });

  it('hole: trailing bytes no tensor covers', () => {
    expectError(fileOf(`{${f32('a', '[1]', '[0,4]')}}`, 7), 'hole', '[4, 7)', '3 trailing bytes');
  });

  it('metadata: not an object, or a non-string value', () => {
    expectError(fileOf('{"__metadata__":[1]}'), 'metadata', '__metadata__', '[1]');
    expectError(fileOf('{"__metadata__":{"epoch":3}}'), 'metadata', '"epoch"', 'got 3');
  });
});

// ---- the parity fixtures, written by the Python safetensors package -----------------------------------------

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
const parityDir = process.env.TRM_PARITY_DIR ?? resolve(packageRoot, '../../../shared/fixtures/parity');
const fixtures = existsSync(parityDir) ? readdirSync(parityDir).filter((d) => existsSync(join(parityDir, d, 'config.json'))) : [];

/** Numbers from the parity README's tables (counted there, not here). */
const README: Record<string, { params: number; weightsBytes: number; ioBytes: number; trainLoss: number; ids: number[] }> = {
  'sudoku4-mlp': { params: 148_354, weightsBytes: 596_168, ioBytes: 1_743_536, trainLoss: 1.9777731709828332, ids: [0, 0, 0, 0] },
  'maze5-att-rope': { params: 131_970, weightsBytes: 531_144, ioBytes: 1_314_720, trainLoss: 2.1542423935209634, ids: [2, 0, 2, 1] },
};

describe.skipIf(fixtures.length === 0)(`parity fixtures in ${parityDir}`, () => {
  it('finds fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });

  describe.each(fixtures)('%s', (name) => {
    const weightsFile = new Uint8Array(readFileSync(join(parityDir, name, 'weights.safetensors')));
    const ioFile = new Uint8Array(readFileSync(join(parityDir, name, 'io.safetensors')));
    const config = JSON.parse(readFileSync(join(parityDir, name, 'config.json'), 'utf8')) as Record<string, number>;
    const known = README[name];

    it('weights: F32 state dict with the official key prefix and the config\'s shapes', () => {
      const { tensors, metadata } = parseSafetensors(weightsFile);
      expect(metadata['config']).toBe(name);
      const D = config['hidden_size']!;
      const key = (k: string) => tensors.get(`_orig_mod.model.inner.${k}`)!;
      expect(key('H_init').shape).toEqual([D]);
      expect(key('embed_tokens.embedding_weight').shape).toEqual([config['vocab_size'], D]);
      expect(key('puzzle_emb.weights').shape).toEqual([config['num_puzzle_identifiers'], config['puzzle_emb_ndim']]);
      expect(key('q_head.bias').shape).toEqual([2]);
      for (const t of tensors.values()) {
        expect(t.dtype).toBe('F32');
        expect(t.data.length).toBe(t.shape.reduce((a, d) => a * d, 1));
        expect((t.data as Float32Array).every(Number.isFinite)).toBe(true);
      }
      if (known) {
        expect(weightsFile.length).toBe(known.weightsBytes);
        // #params leaves out the buffers H_init, L_init and the puzzle table (README)
        const buffers = ['H_init', 'L_init', 'puzzle_emb.weights'].map((k) => `_orig_mod.model.inner.${k}`);
        const params = [...tensors].filter(([k]) => !buffers.includes(k)).reduce((a, [, t]) => a + t.data.length, 0);
        expect(params).toBe(known.params);
      }
    });

    it('io: I32 / F32 / F64 tensors that agree with the metadata', () => {
      const { tensors, metadata } = parseSafetensors(ioFile);
      const B = Number(metadata['B']);
      const S = Number(metadata['S']);
      const T = config['seq_len']!;
      expect(tensors.get('inputs')!.dtype).toBe('I32');
      expect(tensors.get('inputs')!.shape).toEqual([B, T]);
      expect(tensors.get('all_steps_preds')!.shape).toEqual([S, B, T]);
      expect(tensors.get('step1_logits')!.shape).toEqual([B, T, config['vocab_size']]);
      const loss = tensors.get('train_loss')!;
      expect(loss.dtype).toBe('F64');
      expect(loss.data[0]).toBe(Number(metadata['train_loss'])); // binary F64 vs the decimal text
      expect([...(tensors.get('labels')!.data as Int32Array)]).toContain(-100);
      if (known) {
        expect(ioFile.length).toBe(known.ioBytes);
        expect(loss.data[0]).toBe(known.trainLoss);
        expect([...tensors.get('puzzle_identifiers')!.data]).toEqual(known.ids);
      }
    });

    it.each([
      ['weights', weightsFile],
      ['io', ioFile],
    ])('%s: our writer reproduces the Python file byte for byte', (_, file) => {
      const { tensors, metadata } = parseSafetensors(file);
      const written = serializeSafetensors(tensors, metadata);
      expect(written.length).toBe(file.length);
      const firstDiff = written.findIndex((b, i) => b !== file[i]); // toEqual on ~1 MB is slow
      expect(firstDiff).toBe(-1);
    });
  });
});
