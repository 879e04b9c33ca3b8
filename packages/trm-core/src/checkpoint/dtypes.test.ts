import { describe, expect, it } from 'vitest';
import {
  DTYPE_ARRAY,
  SAFETENSORS_DTYPES,
  bf16BitsToFloat32,
  dtypeSize,
  f16BitsToFloat32,
  float32ToBf16Bits,
  float32ToF16Bits,
  toFloat32,
} from './dtypes.js';

/** float32 values from their bit patterns, so every case below is spelled exactly. */
const fromBits = (...bits: number[]) => new Float32Array(new Uint32Array(bits).buffer);
const bitsOf = (f: Float32Array) => [...new Uint32Array(f.buffer, f.byteOffset, f.length)];

describe('dtype sizes', () => {
  it('match the safetensors spec (ALGORITHM §6.5)', () => {
    const expected: Record<string, number> = {
      BOOL: 1, U8: 1, I8: 1, F8_E4M3: 1, F8_E5M2: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
    };
    expect(Object.fromEntries(SAFETENSORS_DTYPES.map((d) => [d, dtypeSize(d)]))).toEqual(expected);
    expect(DTYPE_ARRAY.BF16).toBe(Uint16Array);
  });
});

describe('float32 → bf16 (round to nearest, ties to even; ALGORITHM §6.4)', () => {
  // [float32 bits, expected bf16 bits], each worked out by hand from the bit layout
  const cases: [string, number, number][] = [
    ['1.0 exact', 0x3f800000, 0x3f80],
    ['-1.5 exact', 0xbfc00000, 0xbfc0],
    ['+0', 0x00000000, 0x0000],
    ['-0', 0x80000000, 0x8000],
    ['1 + 2^-8: tie, 0x3F80 is even → down', 0x3f808000, 0x3f80],
    ['1 + 3·2^-8: tie, 0x3F81 is odd → up to 0x3F82', 0x3f818000, 0x3f82],
    ['just above a tie → up', 0x3f808001, 0x3f81],
    ['just below a tie → down', 0x3f807fff, 0x3f80],
    ['+inf', 0x7f800000, 0x7f80],
    ['-inf', 0xff800000, 0xff80],
    ['quiet NaN', 0x7fc00000, 0x7fc0],
    ['signalling NaN (would round to inf without the NaN check)', 0x7f800001, 0x7fc0],
    ['negative NaN with payload', 0xffc12345, 0x7fc0],
    ['max finite float32 rounds up to inf', 0x7f7fffff, 0x7f80],
    ['max finite bf16 is exact', 0x7f7f0000, 0x7f7f],
    ['tie above max finite bf16 (odd) → inf', 0x7f7f8000, 0x7f80],
    ['below that tie → max finite', 0x7f7f7fff, 0x7f7f],
    ['smallest f32 subnormal → 0', 0x00000001, 0x0000],
    ['subnormal tie to even 0', 0x00008000, 0x0000],
    ['subnormal tie, 0x0001 odd → 0x0002', 0x00018000, 0x0002],
    ['bf16 subnormal 2^-133 exact', 0x00010000, 0x0001],
    ['carry from mantissa into exponent', 0x3fffffff, 0x4000],
  ];
  it.each(cases)('%s', (_, f32, bf16) => {
    expect(float32ToBf16Bits(fromBits(f32))[0]).toBe(bf16);
  });

  it('reads the input through its own offset (subarray of a larger buffer)', () => {
    const big = fromBits(0x3f800000, 0x40000000, 0x40400000);
    expect([...float32ToBf16Bits(big.subarray(1))]).toEqual([0x4000, 0x4040]);
  });
});

describe('bf16 → float32', () => {
  it('puts the bits in the upper half', () => {
    const out = bf16BitsToFloat32(new Uint16Array([0x3f80, 0xc000, 0x7f80, 0xff80, 0x0001, 0x8000, 0x7fc0]));
    expect(out[0]).toBe(1);
    expect(out[1]).toBe(-2);
    expect(out[2]).toBe(Infinity);
    expect(out[3]).toBe(-Infinity);
    expect(out[4]).toBe(2 ** -133);
    expect(Object.is(out[5], -0)).toBe(true);
    expect(out[6]).toBeNaN();
  });

  it('round-trips every non-NaN bf16 bit pattern', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToBf16Bits(bf16BitsToFloat32(all));
    for (let i = 0; i < 65536; i++) {
      const isNaN = (i & 0x7f80) === 0x7f80 && (i & 0x7f) !== 0;
      if (back[i] !== (isNaN ? 0x7fc0 : i)) throw new Error(`bf16 0x${i.toString(16)} came back as 0x${back[i]!.toString(16)}`);
    }
  });
});

describe('f16 → float32 (exact)', () => {
  const cases: [string, number, number][] = [
    ['1', 0x3c00, 1],
    ['-2', 0xc000, -2],
    ['max finite 65504', 0x7bff, 65504],
    ['smallest normal 2^-14', 0x0400, 2 ** -14],
    ['smallest subnormal 2^-24', 0x0001, 2 ** -24],
    ['largest subnormal 1023·2^-24', 0x03ff, 1023 * 2 ** -24],
    ['negative subnormal', 0x8001, -(2 ** -24)],
    ['1/3 rounded: 1365/4096', 0x3555, 1365 / 4096],
    ['+inf', 0x7c00, Infinity],
    ['-inf', 0xfc00, -Infinity],
  ];
  it.each(cases)('%s', (_, h, v) => {
    expect(f16BitsToFloat32(new Uint16Array([h]))[0]).toBe(v);
  });

  it('keeps -0 and NaN', () => {
    const out = f16BitsToFloat32(new Uint16Array([0x8000, 0x7e00, 0x7c01, 0xfe00]));
    expect(Object.is(out[0], -0)).toBe(true);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeNaN(); // signalling NaN must not become inf
    expect(out[3]).toBeNaN();
  });
});

describe('float32 → f16 (round to nearest, ties to even)', () => {
  const cases: [string, number, number][] = [
    ['1', 1, 0x3c00],
    ['65504 max finite', 65504, 0x7bff],
    ['65519.996 (just below the midpoint to 2^16) → max finite', fromBits(0x477fefff)[0]!, 0x7bff],
    ['65520 (midpoint, 0x3FF odd) → inf', 65520, 0x7c00],
    ['1e6 overflows', 1e6, 0x7c00],
    ['-1e6 overflows', -1e6, 0xfc00],
    ['+inf', Infinity, 0x7c00],
    ['2^-24 smallest subnormal', 2 ** -24, 0x0001],
    ['2^-25: tie between 0 and 2^-24 → 0', 2 ** -25, 0x0000],
    ['1.5·2^-24: tie → 2·2^-24', 1.5 * 2 ** -24, 0x0002],
    ['2^-25 + 2^-35 → 2^-24', 2 ** -25 + 2 ** -35, 0x0001],
    ['2^-14 − 2^-25: tie 1023.5·2^-24 → 1024·2^-24 = smallest normal', 2 ** -14 - 2 ** -25, 0x0400],
    ['2^-14 smallest normal', 2 ** -14, 0x0400],
    ['1 + 2^-11: tie, even → 1', 1 + 2 ** -11, 0x3c00],
    ['1 + 3·2^-11: tie → 0x3C02', 1 + 3 * 2 ** -11, 0x3c02],
    ['1025.5: tie between 1025 (odd) and 1026', 1025.5, 0x6402],
    ['-0', -0, 0x8000],
    ['tiny negative → -0', -(2 ** -30), 0x8000],
  ];
  it.each(cases)('%s', (_, v, h) => {
    expect(float32ToF16Bits(new Float32Array([v]))[0]).toBe(h);
  });

  it('maps NaN to a quiet NaN', () => {
    const out = float32ToF16Bits(fromBits(0x7fc00000, 0xff800001));
    expect(out[0]).toBe(0x7e00);
    expect(out[1]).toBe(0xfe00);
  });

  it('round-trips every non-NaN f16 bit pattern', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToF16Bits(f16BitsToFloat32(all));
    for (let i = 0; i < 65536; i++) {
      const isNaN = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (!isNaN && back[i] !== i) throw new Error(`f16 0x${i.toString(16)} came back as 0x${back[i]!.toString(16)}`);
    }
  });
});

describe('toFloat32', () => {
  it('returns F32 data as it is', () => {
    const data = new Float32Array([1, 2]);
    expect(toFloat32({ dtype: 'F32', data })).toBe(data);
  });

  it('converts every other dtype', () => {
    expect([...toFloat32({ dtype: 'F64', data: new Float64Array([0.1, -3]) })]).toEqual([Math.fround(0.1), -3]);
    expect([...toFloat32({ dtype: 'BF16', data: new Uint16Array([0x3f80, 0x4040]) })]).toEqual([1, 3]);
    expect([...toFloat32({ dtype: 'F16', data: new Uint16Array([0x3c00, 0x0001]) })]).toEqual([1, 2 ** -24]);
    expect([...toFloat32({ dtype: 'I32', data: new Int32Array([-100, 7]) })]).toEqual([-100, 7]);
    expect([...toFloat32({ dtype: 'U8', data: new Uint8Array([255]) })]).toEqual([255]);
    expect([...toFloat32({ dtype: 'I64', data: new BigInt64Array([-(2n ** 40n), 5n]) })]).toEqual([-(2 ** 40), 5]);
    expect([...toFloat32({ dtype: 'U64', data: new BigUint64Array([2n ** 63n]) })]).toEqual([2 ** 63]);
    expect([...toFloat32({ dtype: 'BOOL', data: new Uint8Array([0, 1, 2]) })]).toEqual([0, 1, 1]);
  });

  it('decodes 8-bit floats (E4M3 "fn": bias 7, no inf; E5M2: bias 15 like f16)', () => {
    const e4m3 = toFloat32({ dtype: 'F8_E4M3', data: new Uint8Array([0x38, 0x7e, 0x01, 0xb8, 0x08, 0x7f]) });
    expect([...e4m3.subarray(0, 5)]).toEqual([1, 448, 2 ** -9, -1, 2 ** -6]);
    expect(e4m3[5]).toBeNaN();
    const e5m2 = toFloat32({ dtype: 'F8_E5M2', data: new Uint8Array([0x3c, 0x7b, 0x7c, 0x01, 0xc0]) });
    expect([...e5m2]).toEqual([1, 57344, Infinity, 2 ** -16, -2]);
  });
});
