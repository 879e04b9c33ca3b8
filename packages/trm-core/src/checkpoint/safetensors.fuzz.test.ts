/**
 * Fuzzing the safetensors reader (run: `pnpm --filter @trm-ts/core test:fuzz`). Valid files come from an
 * arbitrary; bad ones from mutating them (byte flips, truncations, header edits, huge N, huge shapes) or from
 * random JSON and random bytes. For every input, parseSafetensors either
 *   - succeeds, and the tensors it returns fit inside the input (Σ byteLength ≤ input length) and survive
 *     serialise → parse unchanged, or
 *   - throws a SafetensorsError (a CheckpointError) — never any other error,
 * within a per-case time bound. Seeds are fixed; FUZZ_SEED and FUZZ_SCALE (a run-count multiplier) vary them.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors.js';
import { DTYPE_ARRAY, SAFETENSORS_DTYPES, type SafetensorsDtype, dtypeSize } from './dtypes.js';
import { SafetensorsError } from './errors.js';
import { type ParsedSafetensors, type SafetensorsTensor, parseSafetensors, serializeSafetensors } from './safetensors.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const PER_CASE_MS = 500; // typical cases take well under a millisecond; this bound only catches hangs
const runs = (n: number) => Math.round(n * SCALE);

const outcomes = new Map<string, number>();
let cases = 0;
let slowest = 0;
const started = performance.now();

// ---- arbitraries -------------------------------------------------------------------------------------------

const nameArb = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.string({ unit: fc.constantFrom('a', '.', '\ud800', '\udc00', '"', '\\', '\n', 'é', '0'), maxLength: 4 }),
    fc.constantFrom('__proto__', '0', '10', 'constructor', 'w.0.weight', ''),
  )
  .filter((n) => n !== '__metadata__');

const tensorArb: fc.Arbitrary<SafetensorsTensor> = fc
  .record({ dtype: fc.constantFrom(...SAFETENSORS_DTYPES), shape: fc.array(fc.nat(4), { maxLength: 3 }) })
  .chain(({ dtype, shape }) => {
    const numel = shape.reduce((a, d) => a * d, 1);
    const size = dtypeSize(dtype);
    return fc.uint8Array({ minLength: numel * size, maxLength: numel * size }).map((raw) => ({
      dtype,
      shape,
      data: new DTYPE_ARRAY[dtype](raw.slice().buffer, 0, numel),
    }));
  });

interface Spec {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

const specArb: fc.Arbitrary<Spec> = fc
  .record({
    entries: fc.uniqueArray(fc.tuple(nameArb, tensorArb), { selector: ([n]) => n, maxLength: 6 }),
    metadata: fc.dictionary(nameArb, fc.string({ maxLength: 8 }), { maxKeys: 3, noNullPrototype: true }),
  })
  .map(({ entries, metadata }) => ({ tensors: new Map(entries), metadata }));

const validFileArb = specArb.map((spec) => serializeSafetensors(spec.tensors, spec.metadata));

// ---- helpers -----------------------------------------------------------------------------------------------

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameTensors(a: Map<string, SafetensorsTensor>, b: Map<string, SafetensorsTensor>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, t] of a) {
    const u = b.get(name);
    if (!u || u.dtype !== t.dtype || JSON.stringify(u.shape) !== JSON.stringify(t.shape)) return false;
    if (u.data.constructor !== t.data.constructor || !sameBytes(bytesOf(u.data), bytesOf(t.data))) return false;
  }
  return true;
}

const sameMetadata = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** The property every input must satisfy; returns the outcome ('ok' or the error code). */
function checkParse(bytes: Uint8Array): string {
  cases++;
  const t0 = performance.now();
  let parsed: ParsedSafetensors;
  let copied: ParsedSafetensors;
  try {
    parsed = parseSafetensors(bytes);
    copied = parseSafetensors(bytes, { copy: true });
  } catch (e) {
    if (!(e instanceof SafetensorsError) || !(e instanceof CheckpointError)) throw e; // a crash, not a verdict
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    expect(ms).toBeLessThan(PER_CASE_MS);
    outcomes.set(e.code, (outcomes.get(e.code) ?? 0) + 1);
    return e.code;
  }
  const ms = performance.now() - t0;
  slowest = Math.max(slowest, ms);
  expect(ms).toBeLessThan(PER_CASE_MS);
  // nothing allocated from the header beyond what the file holds
  for (const p of [parsed, copied]) {
    const total = [...p.tensors.values()].reduce((a, t) => a + t.data.byteLength, 0);
    expect(total).toBeLessThanOrEqual(bytes.length);
  }
  expect(sameTensors(parsed.tensors, copied.tensors)).toBe(true);
  // whatever parses can be written and read back unchanged
  const again = parseSafetensors(serializeSafetensors(parsed.tensors, parsed.metadata));
  expect(sameTensors(parsed.tensors, again.tensors)).toBe(true);
  expect(sameMetadata(parsed.metadata, again.metadata)).toBe(true);
  outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
  return 'ok';
}

/** Splits a valid file into its header entries (as written) and its data section. */
function split(file: Uint8Array): { pairs: [string, unknown][]; data: Uint8Array } {
  const n = Number(new DataView(file.buffer, file.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))) as Record<string, unknown>;
  return { pairs: Object.entries(header), data: file.subarray(8 + n) };
}

/** A file from header entries written in this order (repeats allowed), padding and a data section. */
function join(pairs: [string, unknown][], data: Uint8Array, padding = ''): Uint8Array {
  const text = `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}${padding}`;
  const h = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const hugeDim = fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 40, 1e12, 2 ** 53 - 1, 2 ** 53, 1e300, Number.MAX_VALUE);

const editArb = fc.record({
  kind: fc.constantFrom(
    'shape',
    'huge-shape',
    'offsets',
    'dtype',
    'drop-field',
    'extra-field',
    'duplicate',
    'swap-offsets',
    'metadata',
    'entry-value',
    'drop-entry',
    'padding',
    'append-data',
  ),
  i: fc.nat(),
  j: fc.nat(),
  value: fc.jsonValue({ maxDepth: 2 }),
  shape: fc.oneof(
    fc.array(fc.oneof(fc.integer({ min: -3, max: 8 }), fc.constantFrom(1.5, -0, 0.5)), { maxLength: 4 }),
    fc.jsonValue({ maxDepth: 1 }),
  ),
  hugeShape: fc.array(fc.oneof(hugeDim, fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 4 }),
  offsets: fc.oneof(fc.tuple(fc.integer({ min: -2, max: 300 }), fc.integer({ min: -2, max: 300 })), fc.jsonValue({ maxDepth: 1 })),
  dtype: fc.oneof(fc.constantFrom<unknown>(...SAFETENSORS_DTYPES, 'F128', 'f32', '', 3, null)),
  padding: fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), maxLength: 9 }),
  extra: fc.uint8Array({ minLength: 1, maxLength: 16 }),
});

type Edit = typeof editArb extends fc.Arbitrary<infer E> ? E : never;

/** Edits that replace one field of an entry: the field, and the edit's property holding the new value. */
const FIELD_EDITS: Record<string, readonly [field: string, from: string]> = {
  shape: ['shape', 'shape'],
  'huge-shape': ['shape', 'hugeShape'],
  offsets: ['data_offsets', 'offsets'],
  dtype: ['dtype', 'dtype'],
};

/** Applies one header edit to a valid file. */
function applyEdit(file: Uint8Array, e: Edit): Uint8Array {
  const { pairs, data } = split(file);
  const tensorIdx = pairs.map(([k], idx) => (k === '__metadata__' ? -1 : idx)).filter((idx) => idx >= 0);
  const pick = (x: number) => (tensorIdx.length ? tensorIdx[x % tensorIdx.length]! : -1);
  const at = pick(e.i);
  const entry = at >= 0 ? { ...(pairs[at]![1] as Record<string, unknown>) } : undefined;
  const setEntry = (v: unknown) => {
    if (at >= 0) pairs[at] = [pairs[at]![0], v];
  };
  switch (e.kind) {
    case 'shape':
    case 'huge-shape':
    case 'offsets':
    case 'dtype': {
      const [field, from] = FIELD_EDITS[e.kind]!;
      setEntry({ ...entry, [field]: (e as Record<string, unknown>)[from] });
      break;
    }
    case 'drop-field':
      if (entry) {
        delete entry[['dtype', 'shape', 'data_offsets'][e.j % 3]!];
        setEntry(entry);
      }
      break;
    case 'extra-field':
      setEntry({ ...entry, extra: e.value }); // unknown fields are ignored: must still parse
      break;
    case 'duplicate':
      if (pairs.length) pairs.push([pairs[e.i % pairs.length]![0], pairs[e.j % pairs.length]![1]]);
      break;
    case 'swap-offsets': {
      const other = pick(e.j);
      if (entry && other >= 0) {
        const o = { ...(pairs[other]![1] as Record<string, unknown>) };
        [entry['data_offsets'], o['data_offsets']] = [o['data_offsets'], entry['data_offsets']];
        setEntry(entry);
        pairs[other] = [pairs[other]![0], o];
      }
      break;
    }
    case 'metadata':
      pairs.push(['__metadata__', e.value]);
      return join(pairs.filter(([k], idx) => k !== '__metadata__' || idx === pairs.length - 1), data);
    case 'entry-value':
      setEntry(e.value);
      break;
    case 'drop-entry':
      if (at >= 0) pairs.splice(at, 1);
      break;
    case 'padding':
      return join(pairs, data, e.padding);
    case 'append-data': {
      const longer = new Uint8Array(data.length + e.extra.length);
      longer.set(data);
      longer.set(e.extra, data.length);
      return join(pairs, longer);
    }
  }
  return join(pairs, data);
}

// ---- properties --------------------------------------------------------------------------------------------

describe('safetensors fuzz', () => {
  afterAll(() => {
    const seconds = (performance.now() - started) / 1000;
    const summary = { cases, seconds: Number(seconds.toFixed(2)), slowestCaseMs: Number(slowest.toFixed(2)), seed: SEED, outcomes: Object.fromEntries([...outcomes].sort()) };
    console.log(`safetensors fuzz summary ${JSON.stringify(summary)}`);
  });

  it('valid files round-trip exactly (2,000)', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const file = serializeSafetensors(spec.tensors, spec.metadata);
        const parsed = parseSafetensors(file);
        expect(sameTensors(parsed.tensors, spec.tensors)).toBe(true);
        expect(sameMetadata(parsed.metadata, spec.metadata)).toBe(true);
        expect(sameBytes(serializeSafetensors(parsed.tensors, parsed.metadata), file)).toBe(true);
        expect(checkParse(file)).toBe('ok');
      }),
      { numRuns: runs(2000), seed: SEED },
    );
  });

  it('byte flips (2,500)', () => {
    const flips = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean()), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(validFileArb, flips, (valid, fs) => {
        const file = valid.slice(); // generated values must stay unchanged for shrinking
        const n = Number(new DataView(file.buffer).getBigUint64(0, true));
        for (const [pos, mask, inHeader] of fs) {
          // half the flips land in the header, where they change the meaning rather than the values
          const p = inHeader ? 8 + (pos % Math.max(1, n)) : pos % file.length;
          file[p] = file[p]! ^ mask;
        }
        checkParse(file);
      }),
      { numRuns: runs(2500), seed: SEED + 1 },
    );
  });

  it('truncations and extensions (1,000)', () => {
    fc.assert(
      fc.property(validFileArb, fc.nat(), fc.uint8Array({ maxLength: 16 }), fc.boolean(), (file, cut, extra, shorten) => {
        if (shorten) {
          checkParse(file.subarray(0, cut % (file.length + 1)));
        } else {
          const longer = new Uint8Array(file.length + extra.length);
          longer.set(file);
          longer.set(extra, file.length);
          checkParse(longer);
        }
      }),
      { numRuns: runs(1000), seed: SEED + 2 },
    );
  });

  it('header edits (2,500)', () => {
    fc.assert(
      fc.property(validFileArb, fc.array(editArb, { minLength: 1, maxLength: 2 }), (file, edits) => {
        checkParse(edits.reduce(applyEdit, file));
      }),
      { numRuns: runs(2500), seed: SEED + 3 },
    );
  });

  it('huge or wrong header lengths N (500)', () => {
    const nArb = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.bigInt({ min: 99_999_990n, max: 100_000_010n }),
      fc.bigInt({ min: 0n, max: 400n }),
      fc.constantFrom(2n ** 63n, 2n ** 64n - 1n, 2n ** 53n + 1n),
    );
    fc.assert(
      fc.property(validFileArb, nArb, (valid, n) => {
        const file = valid.slice();
        new DataView(file.buffer).setBigUint64(0, n, true);
        checkParse(file);
      }),
      { numRuns: runs(500), seed: SEED + 4 },
    );
  });

  it('huge shapes with small offsets (500)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(hugeDim, fc.nat(3)), { minLength: 1, maxLength: 5 }),
        fc.constantFrom<SafetensorsDtype>(...SAFETENSORS_DTYPES),
        fc.nat(64),
        (shape, dtype, bytes) => {
          checkParse(join([['t', { dtype, shape, data_offsets: [0, bytes] }]], new Uint8Array(bytes)));
        },
      ),
      { numRuns: runs(500), seed: SEED + 5 },
    );
  });

  it('random JSON headers (1,000)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify({ t: v }))), fc.nat(64), (json, dataLength) => {
        const h = new TextEncoder().encode(json);
        const file = new Uint8Array(8 + h.length + dataLength);
        new DataView(file.buffer).setBigUint64(0, BigInt(h.length), true);
        file.set(h, 8);
        checkParse(file);
      }),
      { numRuns: runs(1000), seed: SEED + 6 },
    );
  });

  it('random plausible entries: arbitrary dtypes, shapes and offsets (1,000)', () => {
    const entryArb = fc.record({
      dtype: fc.constantFrom(...SAFETENSORS_DTYPES),
      shape: fc.array(fc.nat(4), { maxLength: 3 }),
      data_offsets: fc.tuple(fc.nat(48), fc.nat(48)),
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(nameArb, entryArb), { maxLength: 4 }), fc.nat(48), (pairs, dataLength) => {
        checkParse(join(pairs, new Uint8Array(dataLength)));
      }),
      { numRuns: runs(1000), seed: SEED + 7 },
    );
  });

  it('random bytes (500)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (random, smallN) => {
        const bytes = random.slice();
        // with a small N the bytes after it are read as a header, not rejected at once
        if (smallN && bytes.length >= 8) new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(0, BigInt(bytes.length % 64), true);
        checkParse(bytes);
      }),
      { numRuns: runs(500), seed: SEED + 8 },
    );
  });

  it('reached every outcome of the reader', () => {
    const codes = ['ok', 'truncated', 'header-too-large', 'header-json', 'entry', 'dtype', 'shape', 'offsets-out-of-range', 'offsets-mismatch', 'overlap', 'hole', 'duplicate-name', 'metadata'];
    expect(codes.filter((c) => !outcomes.has(c))).toEqual([]);
    expect(cases).toBeGreaterThanOrEqual(runs(10_000));
  });
});
