/**
 * safetensors dtypes (ALGORITHM §6.5) and the conversions to and from float32 that checkpoints need (§6.4).
 * Browser-safe: no Node imports. Half-precision and 8-bit floats are held as their raw bits (Uint16Array /
 * Uint8Array) so that reading and writing a file never changes a bit.
 */

export const SAFETENSORS_DTYPES = [
  'BOOL',
  'U8',
  'I8',
  'F8_E4M3',
  'F8_E5M2',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'F64',
  'I64',
  'U64',
] as const;

export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

/** The typed array that holds a tensor of each dtype. BF16, F16 and F8_* hold raw bits. */
export interface SafetensorsDataByDtype {
  BOOL: Uint8Array;
  U8: Uint8Array;
  I8: Int8Array;
  F8_E4M3: Uint8Array;
  F8_E5M2: Uint8Array;
  I16: Int16Array;
  U16: Uint16Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I32: Int32Array;
  U32: Uint32Array;
  F32: Float32Array;
  F64: Float64Array;
  I64: BigInt64Array;
  U64: BigUint64Array;
}

export type SafetensorsData = SafetensorsDataByDtype[SafetensorsDtype];

interface TypedArrayClass {
  new (length: number): SafetensorsData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): SafetensorsData;
  readonly BYTES_PER_ELEMENT: number;
}

/** The typed-array class of each dtype; its BYTES_PER_ELEMENT is the dtype's size in the file. */
export const DTYPE_ARRAY: Readonly<Record<SafetensorsDtype, TypedArrayClass>> = {
  BOOL: Uint8Array,
  U8: Uint8Array,
  I8: Int8Array,
  F8_E4M3: Uint8Array,
  F8_E5M2: Uint8Array,
  I16: Int16Array,
  U16: Uint16Array,
  F16: Uint16Array,
  BF16: Uint16Array,
  I32: Int32Array,
  U32: Uint32Array,
  F32: Float32Array,
  F64: Float64Array,
  I64: BigInt64Array,
  U64: BigUint64Array,
};

export function isSafetensorsDtype(x: unknown): x is SafetensorsDtype {
  return typeof x === 'string' && Object.hasOwn(DTYPE_ARRAY, x);
}

export function dtypeSize(dtype: SafetensorsDtype): number {
  return DTYPE_ARRAY[dtype].BYTES_PER_ELEMENT;
}

/** Float dtypes whose values a writer can take from a Float32Array / Float64Array / number[]. */
export const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F16', 'BF16', 'F32', 'F64'];

/** Typed arrays view memory in the host's byte order; safetensors is little-endian (§6.5). */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---- bf16 (ALGORITHM §6.4) -------------------------------------------------------------------------------

/** bf16 bits → float32: the bf16 bits are the upper half of the float32 bits (§6.4), so this is exact. */
export function bf16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = bits[i]! << 16;
  return new Float32Array(out.buffer);
}

/**
 * float32 → bf16 bits, round to nearest, ties to even; every NaN becomes 0x7FC0 (§6.4, as PyTorch's
 * `round_to_nearest_even`). No overflow: the largest non-NaN input, 0xFF800000 (−inf), plus 0x8000 fits in uint32.
 */
export function float32ToBf16Bits(values: Float32Array): Uint16Array {
  const u = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < u.length; i++) {
    const b = u[i]!;
    out[i] = (b & 0x7fffffff) > 0x7f800000 ? 0x7fc0 : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

// ---- IEEE half (F16) -------------------------------------------------------------------------------------

/** f16 bits → float32, exact: subnormals (m·2⁻²⁴), ±0, ±inf and NaN (payload kept in the top mantissa bits). */
export function f16BitsToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = (h & 0x8000) << 16;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    if (e === 0) {
      const v = m * 2 ** -24; // exact in float32
      out[i] = sign ? -v : v;
    } else if (e === 31) {
      outBits[i] = (sign | 0x7f800000 | (m << 13)) >>> 0; // inf (m = 0) or NaN
    } else {
      outBits[i] = (sign | ((e + 112) << 23) | (m << 13)) >>> 0; // rebias 15 → 127
    }
  }
  return out;
}

/** float32 → f16 bits, round to nearest, ties to even; overflow → ±inf, every NaN → 0x7E00 (sign kept). */
export function float32ToF16Bits(values: Float32Array): Uint16Array {
  const u = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < u.length; i++) {
    const b = u[i]!;
    const sign = (b >>> 16) & 0x8000;
    const abs = b & 0x7fffffff;
    if (abs > 0x7f800000) {
      out[i] = sign | 0x7e00;
    } else if (abs >= 0x477ff000) {
      out[i] = sign | 0x7c00; // ≥ 65520, the midpoint between 65504 (max) and 2^16: rounds (to even) to inf
    } else if (abs < 0x38800000) {
      // below 2^-14: subnormal f16, value = q·2^-24 with q rounded to the nearest even integer
      const q = Math.abs(values[i]!) * 2 ** 24; // exact in float64
      let r = Math.floor(q);
      const frac = q - r;
      if (frac > 0.5 || (frac === 0.5 && (r & 1) === 1)) r += 1;
      out[i] = sign | r; // r = 0x400 is the smallest normal, which these bits also spell
    } else {
      let h = (abs >>> 13) - (112 << 10); // rebias 127 → 15, keep 10 mantissa bits
      const rest = abs & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h += 1; // a carry moves into the exponent
      out[i] = sign | h;
    }
  }
  return out;
}

// ---- 8-bit floats (read only) ----------------------------------------------------------------------------

/** F8_E4M3 (the "fn" variant: bias 7, no inf, S.1111.111 = NaN) → float32. */
function f8e4m3ToFloat32(bits: Uint8Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    const e = (b >>> 3) & 0xf;
    const m = b & 7;
    const v = e === 0 ? m * 2 ** -9 : e === 15 && m === 7 ? NaN : (1 + m / 8) * 2 ** (e - 7);
    out[i] = b & 0x80 ? -v : v;
  }
  return out;
}

/** F8_E5M2 is the upper byte of an F16 (same exponent), so widen and reuse the F16 decoder. */
function f8e5m2ToFloat32(bits: Uint8Array): Float32Array {
  const h = new Uint16Array(bits.length);
  for (let i = 0; i < bits.length; i++) h[i] = bits[i]! << 8;
  return f16BitsToFloat32(h);
}

/**
 * Any safetensors tensor as float32 values (trm-ts holds every weight as float32, §6.4). F32 data is
 * returned as it is (no copy); everything else is converted into a new array. F64 and 64/32-bit integers
 * round to the nearest float32; BOOL gives 0/1.
 */
export function toFloat32(entry: { dtype: SafetensorsDtype; data: SafetensorsData }): Float32Array {
  const { dtype, data } = entry;
  switch (dtype) {
    case 'F32':
      return data as Float32Array;
    case 'BF16':
      return bf16BitsToFloat32(data as Uint16Array);
    case 'F16':
      return f16BitsToFloat32(data as Uint16Array);
    case 'F8_E4M3':
      return f8e4m3ToFloat32(data as Uint8Array);
    case 'F8_E5M2':
      return f8e5m2ToFloat32(data as Uint8Array);
    case 'BOOL':
      return Float32Array.from(data as Uint8Array, (v) => (v ? 1 : 0));
    case 'I64':
    case 'U64':
      return Float32Array.from(data as BigInt64Array | BigUint64Array, (v) => Number(v));
    default:
      return Float32Array.from(data as ArrayLike<number>);
  }
}
