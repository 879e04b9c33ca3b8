/**
 * A small `.npy` reader and writer (ALGORITHM.md §7.2): magic `\x93NUMPY`, version, header length (uint16 LE in
 * v1.0, uint32 LE in v2.0/v3.0), a Python-literal dict `{'descr': …, 'fortran_order': …, 'shape': (…), }`,
 * then C-order little-endian data. Fortran order and big-endian data are rejected.
 */
import { describeValue } from '@trm-ts/core';
import { DataError } from '../errors.js';

export type NpyDtype = '|u1' | '|i1' | '<u2' | '<i2' | '<i4' | '<u4' | '<i8' | '<f4' | '<f8' | '|b1';
export type NpyData = Uint8Array | Int8Array | Uint16Array | Int16Array | Int32Array | Uint32Array | BigInt64Array | Float32Array | Float64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

const TYPES: Record<NpyDtype, { size: number; make: (b: ArrayBuffer) => NpyData }> = {
  '|u1': { size: 1, make: (b) => new Uint8Array(b) },
  '|b1': { size: 1, make: (b) => new Uint8Array(b) },
  '|i1': { size: 1, make: (b) => new Int8Array(b) },
  '<u2': { size: 2, make: (b) => new Uint16Array(b) },
  '<i2': { size: 2, make: (b) => new Int16Array(b) },
  '<i4': { size: 4, make: (b) => new Int32Array(b) },
  '<u4': { size: 4, make: (b) => new Uint32Array(b) },
  '<i8': { size: 8, make: (b) => new BigInt64Array(b) },
  '<f4': { size: 4, make: (b) => new Float32Array(b) },
  '<f8': { size: 8, make: (b) => new Float64Array(b) },
};
/** Spellings numpy also writes for one-byte types. */
const ALIASES: Record<string, NpyDtype> = { '<u1': '|u1', '<i1': '|i1', '<b1': '|b1', '|u1': '|u1', '|i1': '|i1', '|b1': '|b1' };
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function readNpy(bytes: Uint8Array, file?: string): NpyArray {
  const fail = (msg: string): never => {
    throw new DataError(`.npy: ${msg}`, { file, code: 'npy' });
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('expected the magic string \\x93NUMPY at the start, got other bytes. Is this a .npy file?');
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) fail(`expected format version 1.0, 2.0 or 3.0, got ${major}.${minor}.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenSize) fail('expected a header length, got a truncated file.');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenSize;
  if (start + headerLen > bytes.length) fail(`expected a header of ${headerLen} bytes, got a file of ${bytes.length} bytes.`);
  let header: string;
  try {
    header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(bytes.subarray(start, start + headerLen));
  } catch {
    return fail('expected a readable header, got undecodable bytes.');
  }
  // numpy reads the header with ast.literal_eval, where a repeated key keeps its last value; a regex keeps the
  // first. A header that repeats a key is ambiguous (and never written by numpy): refuse it.
  for (const key of ['descr', 'fortran_order', 'shape']) {
    const n = header.split(`'${key}'`).length - 1;
    if (n > 1) fail(`expected the key '${key}' once in the header, got it ${n} times. The file was edited; re-save it with numpy.save`);
  }
  const descrMatch = /'descr'\s*:\s*'([^']*)'/.exec(header);
  const fortranMatch = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!header.trimStart().startsWith('{') || !descrMatch || !fortranMatch || !shapeMatch) {
    fail(`expected a header dict with 'descr', 'fortran_order' and 'shape', got ${describeValue(header, { maxLength: 120 })}.`);
  }
  const rawDescr = descrMatch![1]!;
  if (rawDescr.startsWith('>') && rawDescr !== '>u1' && rawDescr !== '>i1') fail(`descr: expected little-endian data, got ${describeValue(rawDescr)} (big-endian). Convert with arr.astype(arr.dtype.newbyteorder('<')).`);
  const dtype = ALIASES[rawDescr] ?? ALIASES[rawDescr.replace('>', '|')] ?? (rawDescr in TYPES ? (rawDescr as NpyDtype) : undefined);
  if (!dtype) fail(`descr: expected one of ${Object.keys(TYPES).join(', ')}, got ${describeValue(rawDescr)}.`);
  if (fortranMatch![1] === 'True') fail("fortran_order: expected False (C order), got True. Save with np.ascontiguousarray(arr).");
  const dims = shapeMatch![1]!.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const shape = dims.map((d) => (/^\d+L?$/.test(d) ? Number.parseInt(d, 10) : NaN));
  if (shape.some((d) => !Number.isSafeInteger(d))) fail(`shape: expected non-negative integers, got (${describeValue(shapeMatch![1]).slice(1, -1)}).`);
  const count = shape.reduce((a, b) => a * b, 1);
  const { size, make } = TYPES[dtype!];
  const dataStart = start + headerLen;
  if (!Number.isSafeInteger(count * size) || bytes.length - dataStart !== count * size) {
    fail(`expected ${count} × ${size} = ${count * size} data bytes for shape (${shape.join(', ')}), got ${bytes.length - dataStart}.`);
  }
  // Copy into a fresh buffer: typed arrays need aligned offsets, and the caller may reuse `bytes`.
  const data = make(bytes.slice(dataStart, dataStart + count * size).buffer);
  return { dtype: dtype!, shape, data };
}

/** Writes a version 1.0 file, header padded with spaces so that the data starts at a multiple of 64. */
export function writeNpy(arr: NpyArray): Uint8Array {
  const { dtype, shape, data } = arr;
  const t = TYPES[dtype];
  if (!t) throw new DataError(`.npy write: dtype: expected one of ${Object.keys(TYPES).join(', ')}, got ${String(dtype)}.`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count || data.BYTES_PER_ELEMENT !== t.size) {
    throw new DataError(`.npy write: expected ${count} elements of ${t.size} bytes for shape (${shape.join(', ')}) and dtype ${dtype}, got ${data.length} of ${data.BYTES_PER_ELEMENT}.`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Integer data → Int32Array, checking that every value fits (int64 files of ids and tokens). */
export function npyToInt32(arr: NpyArray, what: string, file?: string): Int32Array {
  const { data } = arr;
  if (data instanceof Float32Array || data instanceof Float64Array) throw new DataError(`${what}: expected an integer dtype, got ${arr.dtype}.`, { file });
  if (data instanceof Int32Array) return data;
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]!);
    if (!(v >= -2147483648 && v <= 2147483647)) throw new DataError(`${what}: element ${i}: expected a value that fits int32, got ${String(data[i])}.`, { file });
    out[i] = v;
  }
  return out;
}
