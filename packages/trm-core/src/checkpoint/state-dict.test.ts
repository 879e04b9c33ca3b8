import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors.js';
import type { SafetensorsData, SafetensorsDtype } from './dtypes.js';
import { StateDictError } from './errors.js';
import { matchStateDict, prefixStateDict } from './state-dict.js';

type Entry = { dtype: SafetensorsDtype; shape: number[]; data: SafetensorsData };

const f32 = (shape: number[], values?: number[]): Entry => ({
  dtype: 'F32',
  shape,
  data: values ? new Float32Array(values) : new Float32Array(shape.reduce((a, d) => a * d, 1)),
});

/** A small model's expected tensors (bare keys, ALGORITHM §6.2 naming). */
const EXPECTED = {
  H_init: [4],
  'embed_tokens.embedding_weight': [3, 4],
  'puzzle_emb.weights': [2, 4],
  'lm_head.weight': [3, 4],
};

function file(prefix: string, overrides: Record<string, Entry | undefined> = {}): Map<string, Entry> {
  const all: Record<string, Entry | undefined> = {
    H_init: { dtype: 'BF16', shape: [4], data: new Uint16Array([0x3f80, 0x4000, 0xbf80, 0x0000]) }, // 1, 2, -1, 0
    'embed_tokens.embedding_weight': f32([3, 4], [...Array(12).keys()]),
    'puzzle_emb.weights': f32([2, 4]),
    'lm_head.weight': f32([3, 4]),
    ...overrides,
  };
  return new Map(Object.entries(all).flatMap(([k, v]) => (v ? [[prefix + k, v] as const] : [])));
}

function catchError(f: () => unknown): StateDictError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StateDictError);
    expect(e).toBeInstanceOf(CheckpointError);
    return e as StateDictError;
  }
  throw new Error('expected a StateDictError');
}

describe('matchStateDict', () => {
  it.each(['', 'model.inner.', '_orig_mod.model.inner.'])('accepts keys with prefix "%s" and returns bare keys as float32', (prefix) => {
    const out = matchStateDict(EXPECTED, file(prefix));
    expect([...out.keys()]).toEqual(Object.keys(EXPECTED)); // the model's order
    expect([...out.get('H_init')!]).toEqual([1, 2, -1, 0]); // BF16 widened (§6.4)
    expect([...out.get('embed_tokens.embedding_weight')!]).toEqual([...Array(12).keys()]);
  });

  it('takes the expected shapes as a Map too', () => {
    const out = matchStateDict(new Map(Object.entries(EXPECTED)), file('model.inner.'));
    expect(out.size).toBe(4);
  });

  it('rejects a mix of prefixes, naming each group', () => {
    const mixed = new Map([...file('_orig_mod.model.inner.'), ['model.inner.lm_head.bias', f32([3])], ['stray', f32([1])]]);
    const err = catchError(() => matchStateDict(EXPECTED, mixed));
    expect(err.code).toBe('prefix-mix');
    expect(err.message).toContain('"_orig_mod.model.inner.": 4');
    expect(err.message).toContain('"model.inner.": 1 (model.inner.lm_head.bias)');
    expect(err.message).toContain('bare: 1 (stray)');
  });

  it('reports every missing, unexpected, misshapen and non-float tensor in one error', () => {
    const bad = file('_orig_mod.model.inner.', {
      'lm_head.weight': undefined, // missing
      'embed_tokens.embedding_weight': f32([4, 4]), // wrong shape
      H_init: { dtype: 'I32', shape: [4], data: new Int32Array(4) }, // not a float
      'rotary_emb.cos_cached': f32([2, 2]), // unexpected (a non-persistent buffer, §6.1)
      'q_head.bias': f32([2]), // unexpected
    });
    const err = catchError(() => matchStateDict(EXPECTED, bad));
    expect(err.code).toBe('state-dict-mismatch');
    expect(err.missing).toEqual(['lm_head.weight']);
    expect(err.unexpected).toEqual(['rotary_emb.cos_cached', 'q_head.bias']);
    expect(err.mismatched).toEqual([{ key: 'embed_tokens.embedding_weight', expected: [3, 4], got: [4, 4] }]);
    expect(err.badDtype).toEqual([{ key: 'H_init', dtype: 'I32' }]);
    expect(err.message).toContain('prefix "_orig_mod.model.inner."');
    expect(err.message).toContain('missing (1): lm_head.weight');
    expect(err.message).toContain('unexpected (2): rotary_emb.cos_cached, q_head.bias');
    expect(err.message).toContain('shape of embed_tokens.embedding_weight: expected [3, 4], got [4, 4]');
    expect(err.message).toContain('dtype of H_init: expected a float dtype');
  });

  it('treats another puzzle-table shape as a mismatch by default, with a hint', () => {
    const err = catchError(() => matchStateDict(EXPECTED, file('', { 'puzzle_emb.weights': f32([5, 4]) })));
    expect(err.mismatched).toEqual([{ key: 'puzzle_emb.weights', expected: [2, 4], got: [5, 4] }]);
    expect(err.message).toContain("puzzleTable: 'resetToMeanRow'");
  });

  it("resetToMeanRow replaces another puzzle table by its mean row, broadcast (official load_checkpoint, §6.1)", () => {
    // rows [1, 2, 3, 4], [3, 6, 9, 0], [2, 1, 0, 2] → column means [2, 3, 4, 2]
    const table = f32([3, 4], [1, 2, 3, 4, 3, 6, 9, 0, 2, 1, 0, 2]);
    const resets: [number[], number[]][] = [];
    const out = matchStateDict(EXPECTED, file('', { 'puzzle_emb.weights': table }), {
      puzzleTable: 'resetToMeanRow',
      onPuzzleTableReset: (found, expected) => resets.push([found, expected]),
    });
    expect([...out.get('puzzle_emb.weights')!]).toEqual([2, 3, 4, 2, 2, 3, 4, 2]);
    expect(resets).toEqual([[[3, 4], [2, 4]]]);
  });

  it('resetToMeanRow keeps a table of the right shape and still rejects another width', () => {
    const same = f32([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    const out = matchStateDict(EXPECTED, file('', { 'puzzle_emb.weights': same }), { puzzleTable: 'resetToMeanRow' });
    expect([...out.get('puzzle_emb.weights')!]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const err = catchError(() =>
      matchStateDict(EXPECTED, file('', { 'puzzle_emb.weights': f32([2, 8]) }), { puzzleTable: 'resetToMeanRow' }),
    );
    expect(err.mismatched).toEqual([{ key: 'puzzle_emb.weights', expected: [2, 4], got: [2, 8] }]);
  });

  it('reports an empty file as all missing', () => {
    const err = catchError(() => matchStateDict(EXPECTED, new Map()));
    expect(err.missing).toEqual(Object.keys(EXPECTED));
  });
});

describe('prefixStateDict', () => {
  it('adds the official prefix by default, or the one given', () => {
    const m = new Map([
      ['H_init', 1],
      ['lm_head.weight', 2],
    ]);
    expect([...prefixStateDict(m)]).toEqual([
      ['_orig_mod.model.inner.H_init', 1],
      ['_orig_mod.model.inner.lm_head.weight', 2],
    ]);
    expect([...prefixStateDict(m, 'model.inner.').keys()]).toEqual(['model.inner.H_init', 'model.inner.lm_head.weight']);
  });

  it('round-trips through matchStateDict', () => {
    const weights = new Map(Object.entries(EXPECTED).map(([k, s]) => [k, f32(s, Array.from({ length: s.reduce((a, d) => a * d, 1) }, (_, i) => i / 8))]));
    const out = matchStateDict(EXPECTED, prefixStateDict(weights));
    for (const [k, t] of weights) expect(out.get(k)).toEqual(t.data);
  });
});
