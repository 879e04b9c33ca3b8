/**
 * safetensors reader and writer (ALGORITHM §6.5), browser-safe. Layout: 8 bytes N (u64 little-endian), N bytes
 * of UTF-8 JSON `{name: {dtype, shape, data_offsets: [begin, end]}, …, "__metadata__": {k: "v"}}`, then the
 * data section, which the tensors' byte ranges must tile exactly (no holes, no overlaps).
 *
 * The reader trusts nothing in the header: every size it declares is checked against the actual byte length
 * before anything is allocated from it, so a hostile file costs at most about its own size in memory.
 */
import { CheckpointError, check } from '../errors.js';
import {
  DTYPE_ARRAY,
  FLOAT_DTYPES,
  HOST_IS_LITTLE_ENDIAN,
  SAFETENSORS_DTYPES,
  type SafetensorsData,
  type SafetensorsDtype,
  dtypeSize,
  float32ToBf16Bits,
  float32ToF16Bits,
  isSafetensorsDtype,
} from './dtypes.js';
import { SafetensorsError, type SafetensorsErrorCode } from './errors.js';
import { describeValue, jsonNestingDepth } from '../describe.js';

/** The header-length limit of the reference implementation (safetensors' MAX_HEADER_SIZE, §6.5). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** The file's values in the dtype's typed array (raw bits for BF16 / F16 / F8_*, see dtypes.ts). */
  data: SafetensorsData;
}

export interface ParsedSafetensors {
  /** Tensors in the order of the file's header. */
  tensors: Map<string, SafetensorsTensor>;
  /** `__metadata__`, or `{}` when the file has none. */
  metadata: Record<string, string>;
}

/** Deepest nesting accepted in a header (a valid header needs 3). */
const MAX_HEADER_DEPTH = 16;

export interface ParseSafetensorsOptions {
  /** Reject headers longer than this many bytes (default 100,000,000). */
  maxHeaderBytes?: number;
  /**
   * Always copy tensor data into fresh arrays. By default a tensor whose bytes are suitably aligned in
   * `bytes` is returned as a view that shares its memory (no copy); the others are copied.
   */
  copy?: boolean;
}

function fail(code: SafetensorsErrorCode, message: string): never {
  throw new SafetensorsError(code, message);
}

/** A short, printable rendering of an arbitrary JSON value for error messages (bounded in length and depth). */
const show = (v: unknown): string => (v === undefined ? 'nothing' : describeValue(v));

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isNonNegativeInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function checkHost(): void {
  check(
    HOST_IS_LITTLE_ENDIAN,
    () => 'host byte order: expected little-endian, got big-endian. trm-ts reads and writes safetensors only on little-endian hosts',
    CheckpointError,
  );
}

/**
 * The keys of the top-level object of an already validated JSON text, in document order. JSON.parse keeps
 * only the last of repeated keys and moves integer-like keys first, so a small scanner recovers the file's
 * order and catches repeats: a name given twice at the top is 'duplicate-name', a field given twice inside
 * an entry (two dtypes: which one is meant?) is 'header-json'.
 */
function topLevelKeys(json: string): string[] {
  const frames: (Set<string> | null)[] = []; // one per open object (its keys so far) or array (null)
  const keys: string[] = [];
  let i = 0;
  while (i < json.length) {
    const c = json.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i++;
      let escaped = false;
      while (json.charCodeAt(i) !== 0x22) {
        if (json.charCodeAt(i) === 0x5c /* \ */) {
          escaped = true;
          i++;
        }
        i++;
      }
      i++;
      const frame = frames[frames.length - 1];
      if (!frame) continue; // a string in an array
      let j = i;
      while (json.charCodeAt(j) <= 0x20) j++; // JSON whitespace; the text is valid JSON, so j stays in range
      if (json.charCodeAt(j) !== 0x3a /* : */) continue; // a value, not a key
      const key = escaped ? (JSON.parse(json.slice(start, i)) as string) : json.slice(start + 1, i - 1);
      if (frame.has(key)) {
        if (frames.length === 1) {
          fail('duplicate-name', `tensor name ${show(key)}: expected each name once in the header, got it twice. Rename or drop one of the two tensors`);
        }
        fail('header-json', `safetensors header: expected each key once per object, got ${show(key)} twice. The file's writer is broken; re-export it`);
      }
      frame.add(key);
      if (frames.length === 1) keys.push(key);
    } else {
      if (c === 0x7b /* { */) frames.push(new Set());
      else if (c === 0x5b /* [ */) frames.push(null);
      else if (c === 0x7d /* } */ || c === 0x5d /* ] */) frames.pop();
      i++;
    }
  }
  return keys;
}

interface Located {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  numel: number;
  begin: number;
  end: number;
}

/** Validates one header entry against the data section's size `dataLength`. */
function locate(name: string, entry: unknown, dataLength: number): Located {
  const what = `tensor ${show(name)}`;
  if (!isPlainObject(entry)) {
    fail('entry', `${what}: expected an object {"dtype", "shape", "data_offsets"}, got ${show(entry)}. The header is malformed`);
  }
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (dtype === undefined || shape === undefined || offsets === undefined) {
    const missing = ['dtype', 'shape', 'data_offsets'].filter((k) => (entry as Record<string, unknown>)[k] === undefined);
    fail('entry', `${what}: expected the fields dtype, shape and data_offsets, got no ${missing.join(', ')}. The header is malformed`);
  }
  if (!isSafetensorsDtype(dtype)) {
    fail('dtype', `${what} dtype: expected one of ${SAFETENSORS_DTYPES.join(', ')}, got ${show(dtype)}. The file uses a dtype trm-ts cannot read`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) {
    fail('shape', `${what} shape: expected a list of non-negative integers, got ${show(shape)}. The header is malformed`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt)) {
    fail('entry', `${what} data_offsets: expected [begin, end] with non-negative integers, got ${show(offsets)}. The header is malformed`);
  }
  const dims = shape as number[];
  const [begin, end] = offsets as [number, number];
  if (end > dataLength || begin > dataLength) {
    fail('offsets-out-of-range', `${what} data_offsets: expected a range inside the ${dataLength}-byte data section, got [${begin}, ${end}]. The file is truncated or its header is wrong`);
  }
  // numel: computed in float64, which is exact up to 2^53 and can only grow; beyond that it cannot match
  // any byte count of this file anyway. A zero dimension makes the tensor empty whatever the others are.
  const numel = dims.includes(0) ? 0 : dims.reduce((a, d) => a * d, 1);
  const size = dtypeSize(dtype as SafetensorsDtype);
  if (numel * size !== end - begin) {
    const want = numel * size <= Number.MAX_SAFE_INTEGER ? `${numel} × ${size} = ${numel * size}` : `${show(dims)} · ${size} > 2^53`;
    fail('offsets-mismatch', `${what} byte length: expected ${want} bytes for ${dtype} ${show(dims)}, got end − begin = ${end - begin} (data_offsets [${begin}, ${end}]). The header's shape or offsets are wrong`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: dims, numel, begin, end };
}

/** The tensors' ranges must tile [0, dataLength) exactly: sorted by start, each starts where the last ended. */
function checkCoverage(located: Located[], dataLength: number): void {
  const sorted = [...located].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: Located | undefined;
  for (const t of sorted) {
    if (t.begin < at) {
      fail('overlap', `tensors ${show(previous!.name)} [${previous!.begin}, ${previous!.end}) and ${show(t.name)} [${t.begin}, ${t.end}) overlap: expected ${show(t.name)} to start at byte ${at}, got ${t.begin}. The header's data_offsets are wrong`);
    }
    if (t.begin > at) {
      fail('hole', `data section bytes [${at}, ${t.begin}): expected every byte to belong to a tensor, got ${t.begin - at} bytes before ${show(t.name)} that none covers. The header's data_offsets are wrong`);
    }
    at = t.end;
    previous = t;
  }
  if (at !== dataLength) {
    fail('hole', `data section bytes [${at}, ${dataLength}): expected the tensors to end at the end of the file, got ${dataLength - at} trailing bytes that no tensor covers. The file has extra bytes or its header is wrong`);
  }
}

function readMetadata(value: unknown): Record<string, string> {
  // null is what some writers emit for "no metadata" (an Option in the reference implementation)
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    fail('metadata', `__metadata__: expected an object of string values, got ${show(value)}. The header is malformed`);
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') {
      fail('metadata', `__metadata__ ${show(k)}: expected a string value, got ${show(v)}. safetensors metadata holds strings only`);
    }
  }
  return value as Record<string, string>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Reads a safetensors file held in memory. Throws a SafetensorsError (a CheckpointError) with a `code`. */
export function parseSafetensors(bytes: Uint8Array, opts: ParseSafetensorsOptions = {}): ParsedSafetensors {
  checkHost();
  const maxHeader = opts.maxHeaderBytes ?? MAX_HEADER_BYTES;
  if (bytes.length < 8) {
    fail('truncated', `safetensors file: expected at least 8 bytes (the header length), got ${bytes.length}. The file is truncated or not a safetensors file`);
  }
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  const n = Number(n64); // inexact only above 2^53, far beyond any limit
  if (!(n <= maxHeader)) {
    fail('header-too-large', `safetensors header length: expected at most ${maxHeader} bytes, got ${n64}. The file is corrupt or not a safetensors file`);
  }
  if (8 + n > bytes.length) {
    fail('truncated', `safetensors header: expected ${n} bytes after the 8-byte length, got ${bytes.length - 8}. The file is truncated`);
  }

  let text = '';
  try {
    text = utf8.decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('header-json', `safetensors header: expected UTF-8 text, got invalid byte sequences in its ${n} bytes. The file is corrupt or not a safetensors file`);
  }
  // A header is 3 levels deep; refusing deeper nesting first keeps hostile `[[[[…` away from the parser.
  if (jsonNestingDepth(text, MAX_HEADER_DEPTH) > MAX_HEADER_DEPTH) {
    fail('header-json', `safetensors header: expected JSON nested at most ${MAX_HEADER_DEPTH} deep, got deeper. The file is corrupt or not a safetensors file`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch {
    fail('header-json', `safetensors header: expected JSON, got ${n} bytes that do not parse. The file is corrupt or not a safetensors file`);
  }
  if (!isPlainObject(header)) {
    fail('header-json', `safetensors header: expected a JSON object, got ${show(header)}. The file is corrupt or not a safetensors file`);
  }
  const entries = header as Record<string, unknown>;
  const names = topLevelKeys(text);

  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const metadata = readMetadata(entries['__metadata__']);
  const located = names.filter((name) => name !== '__metadata__').map((name) => locate(name, entries[name], dataLength));
  checkCoverage(located, dataLength);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const t of located) {
    const Array_ = DTYPE_ARRAY[t.dtype];
    const at = bytes.byteOffset + dataStart + t.begin;
    let data: SafetensorsData;
    if (!opts.copy && at % Array_.BYTES_PER_ELEMENT === 0) {
      data = new Array_(bytes.buffer, at, t.numel);
    } else {
      data = new Array_(t.numel);
      new Uint8Array(data.buffer).set(bytes.subarray(dataStart + t.begin, dataStart + t.end));
    }
    tensors.set(t.name, { dtype: t.dtype, shape: t.shape, data });
  }
  return { tensors, metadata };
}

// ---- writer ----------------------------------------------------------------------------------------------

/**
 * A tensor to write. `data` is either the dtype's own typed array (see SafetensorsDataByDtype; raw bits for
 * BF16 / F16 / F8_*), written byte for byte, or values to convert: for F16 / BF16 / F32 / F64 a Float32Array,
 * Float64Array or number[] (rounded to float32 first, then to nearest-even for BF16 / F16, §6.4); for
 * integer dtypes and BOOL a plain array of integers (bigints too for I64 / U64; booleans for BOOL).
 */
export interface SafetensorsTensorInput {
  dtype: SafetensorsDtype;
  shape: readonly number[];
  data: SafetensorsData | readonly (number | bigint | boolean)[];
}

const INT_RANGE: Partial<Record<SafetensorsDtype, [bigint, bigint]>> = {
  BOOL: [0n, 1n],
  U8: [0n, 255n],
  I8: [-128n, 127n],
  I16: [-32768n, 32767n],
  U16: [0n, 65535n],
  I32: [-(2n ** 31n), 2n ** 31n - 1n],
  U32: [0n, 2n ** 32n - 1n],
  I64: [-(2n ** 63n), 2n ** 63n - 1n],
  U64: [0n, 2n ** 64n - 1n],
};

/** The tensor's values as the bytes the file stores (little-endian), converting values where asked. */
function encodeData(name: string, t: SafetensorsTensorInput, numel: number): Uint8Array {
  const { dtype, data } = t;
  const what = `tensor ${show(name)}`;
  const Array_ = DTYPE_ARRAY[dtype];
  let typed: SafetensorsData | undefined;
  if (data instanceof Array_) {
    typed = data;
  } else if (FLOAT_DTYPES.includes(dtype) && (data instanceof Float32Array || data instanceof Float64Array || Array.isArray(data))) {
    if (Array.isArray(data) && !data.every((v) => typeof v === 'number')) {
      fail('dtype', `${what} data: expected numbers for ${dtype}, got ${show(data.find((v) => typeof v !== 'number'))}. Pass a Float32Array or number[]`);
    }
    const values = data as ArrayLike<number>;
    if (dtype === 'F64') typed = Float64Array.from(values);
    else if (dtype === 'F32') typed = Float32Array.from(values);
    else if (dtype === 'BF16') typed = float32ToBf16Bits(Float32Array.from(values));
    else typed = float32ToF16Bits(Float32Array.from(values));
  } else if (INT_RANGE[dtype] && Array.isArray(data)) {
    const [lo, hi] = INT_RANGE[dtype]!;
    const out = new Array_(data.length);
    for (let i = 0; i < data.length; i++) {
      const v: unknown = data[i];
      const ok =
        (typeof v === 'bigint' && (dtype === 'I64' || dtype === 'U64')) ||
        (typeof v === 'number' && Number.isSafeInteger(v)) ||
        (typeof v === 'boolean' && dtype === 'BOOL');
      const big = ok ? BigInt(v as number | bigint | boolean) : 0n;
      if (!ok || big < lo || big > hi) {
        fail('dtype', `${what} data[${i}]: expected an integer in [${lo}, ${hi}] for ${dtype}, got ${typeof v === 'bigint' ? `${v}n` : show(v)}. Pass values that fit the dtype`);
      }
      out[i] = out instanceof BigInt64Array || out instanceof BigUint64Array ? big : Number(big);
    }
    typed = out;
  } else {
    const given = (data as object)?.constructor?.name ?? typeof data;
    const accepted = FLOAT_DTYPES.includes(dtype)
      ? `${Array_.name} (raw values), Float32Array, Float64Array or number[]`
      : INT_RANGE[dtype]
        ? `${Array_.name} or an array of integers`
        : `${Array_.name} (raw bits)`;
    fail('dtype', `${what} data: expected ${accepted} for ${dtype}, got ${given}. Convert the data or change the dtype`);
  }
  if (typed!.length !== numel) {
    fail('shape', `${what} data length: expected ${numel} values for shape ${show(t.shape)}, got ${typed!.length}. The shape and the data disagree`);
  }
  return new Uint8Array(typed!.buffer, typed!.byteOffset, typed!.byteLength);
}

/**
 * Writes tensors (and optional string metadata) as a safetensors file. Tensors are ordered by element size,
 * largest first, then by name, so each starts at a multiple of its element size; the header is padded with
 * spaces so the data section starts at a multiple of 8 (§6.5). Input order does not matter.
 */
export function serializeSafetensors(
  tensors: Record<string, SafetensorsTensorInput> | ReadonlyMap<string, SafetensorsTensorInput>,
  metadata?: Record<string, string>,
): Uint8Array {
  checkHost();
  const list = (tensors instanceof Map ? [...tensors] : Object.entries(tensors)).map(([name, t]) => {
    if (name === '__metadata__') {
      fail('entry', `tensor name: expected any name but "__metadata__", got "__metadata__". That key holds the file's metadata; rename the tensor`);
    }
    if (!isSafetensorsDtype(t.dtype)) {
      fail('dtype', `tensor ${show(name)} dtype: expected one of ${SAFETENSORS_DTYPES.join(', ')}, got ${show(t.dtype)}. Choose a safetensors dtype`);
    }
    if (!Array.isArray(t.shape) || !t.shape.every(isNonNegativeInt)) {
      fail('shape', `tensor ${show(name)} shape: expected a list of non-negative integers, got ${show(t.shape)}. Fix the shape`);
    }
    const numel = t.shape.reduce((a: number, d: number) => a * d, 1);
    return { name, dtype: t.dtype, shape: t.shape, bytes: encodeData(name, t, numel) };
  });
  const meta = readMetadata(metadata);

  list.sort((a, b) => dtypeSize(b.dtype) - dtypeSize(a.dtype) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // The JSON is assembled by hand so that the entries keep this order (an object would put integer-like
  // names first) and a tensor named "__proto__" stays an ordinary key.
  const parts: string[] = [];
  if (Object.keys(meta).length > 0) parts.push(`"__metadata__":${JSON.stringify(meta)}`);
  let offset = 0;
  for (const t of list) {
    const info = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    parts.push(`${JSON.stringify(t.name)}:${JSON.stringify(info)}`);
    offset += t.bytes.length;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const n = Math.ceil(json.length / 8) * 8; // 8 + n is then a multiple of 8
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const t of list) {
    out.set(t.bytes, at);
    at += t.bytes.length;
  }
  return out;
}
