import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { npyToInt32, readNpy, writeNpy, type NpyDtype } from './npy.js';

const FIX = fileURLToPath(new URL('./fixtures/', import.meta.url));
const expected = JSON.parse(readFileSync(FIX + 'expected.json', 'utf8')) as Record<string, { dtype: string; shape: number[]; values: number[] }>;
const bytesOf = (name: string) => new Uint8Array(readFileSync(`${FIX}${name}.npy`));
const NAMES = ['i4_2x3', 'u1_3x4', 'i8_2x2', 'f4_5', 'u2_4', 'i4_scalar', 'u1_0x81', 'i4_v2'];

describe('.npy reader and writer (§7.2)', () => {
  it('reads files written by numpy (v1.0 and v2.0) with their dtype, shape and values', () => {
    for (const name of NAMES) {
      const e = expected[name]!;
      const a = readNpy(bytesOf(name), name);
      expect(a.dtype).toBe(e.dtype);
      expect(a.shape).toEqual(e.shape);
      expect(Array.from(a.data as ArrayLike<number | bigint>, Number)).toEqual(e.values);
    }
  });

  it('writes v1.0 files byte-identical to numpy.save', () => {
    for (const name of NAMES.filter((n) => n !== 'i4_v2')) {
      const a = readNpy(bytesOf(name));
      expect(Array.from(writeNpy(a))).toEqual(Array.from(bytesOf(name)));
    }
  });

  it('round-trips every supported dtype', () => {
    const cases: [NpyDtype, ArrayLike<number | bigint>, new (xs: ArrayLike<never>) => ArrayLike<number | bigint>][] = [
      ['|u1', [0, 255], Uint8Array as never], ['|i1', [-128, 127], Int8Array as never], ['<u2', [0, 65535], Uint16Array as never],
      ['<i2', [-5, 5], Int16Array as never], ['<i4', [-1, 7], Int32Array as never], ['<u4', [0, 4e9], Uint32Array as never],
      ['<i8', [-3n, 1n << 50n], BigInt64Array as never], ['<f4', [0.5, -2], Float32Array as never], ['<f8', [Math.PI, -1e300], Float64Array as never],
    ];
    for (const [dtype, values, Make] of cases) {
      const data = new Make(values as never) as never;
      const back = readNpy(writeNpy({ dtype, shape: [2], data }));
      expect(back.dtype).toBe(dtype);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(values));
    }
  });

  it('converts integer data to int32 and refuses values that do not fit', () => {
    expect(Array.from(npyToInt32(readNpy(bytesOf('u1_3x4')), 'x'))).toEqual(expected.u1_3x4!.values);
    expect(() => npyToInt32(readNpy(bytesOf('i8_2x2')), 'labels', 'f.npy')).toThrow(/f\.npy: labels: element 2: expected a value that fits int32, got 1099511627776/);
    expect(() => npyToInt32(readNpy(bytesOf('f4_5')), 'x')).toThrow(/integer dtype/);
  });

  it('rejects corrupt files with a DataError naming the file', () => {
    const good = bytesOf('i4_2x3');
    const header = (h: string) => {
      const text = h.padEnd(118, ' ') + '\n';
      const out = new Uint8Array(10 + text.length + 24);
      out.set(good.subarray(0, 8));
      out[8] = text.length;
      out[9] = 0;
      for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
      return out;
    };
    const bad = (b: Uint8Array) => () => readNpy(b, 'bad.npy');
    expect(bad(good.slice(0, 5))).toThrow(/^bad\.npy: \.npy: expected the magic string/);
    expect(bad(Uint8Array.from([...good.subarray(0, 6), 4, 0, ...good.subarray(8)]))).toThrow(/version 1.0, 2.0 or 3.0, got 4.0/);
    expect(bad(good.slice(0, good.length - 1))).toThrow(/expected 6 × 4 = 24 data bytes for shape \(2, 3\), got 23/);
    expect(bad(good.slice(0, 40))).toThrow(/header of 118 bytes/);
    expect(bad(header("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }"))).toThrow(/fortran_order: expected False/);
    expect(bad(header("{'descr': '>i4', 'fortran_order': False, 'shape': (2, 3), }"))).toThrow(/big-endian/);
    expect(bad(header("{'descr': '<c16', 'fortran_order': False, 'shape': (2, 3), }"))).toThrow(/descr: expected one of/);
    expect(bad(header("{'descr': '<i4', 'fortran_order': False, 'shape': (2, -3), }"))).toThrow(/shape: expected non-negative integers/);
    expect(bad(header("{'descr': '<i4', 'shape': (2, 3), }"))).toThrow(/'fortran_order'/);
    expect(bad(header("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }"))).not.toThrow();
    expect(() => writeNpy({ dtype: '<i4', shape: [3], data: new Int32Array(2) })).toThrow(DataError);
  });
});
