import { describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError, TrmError } from './errors.js';
import { describeValue, jsonNestingDepth, parseJsonText } from './describe.js';
import { resolveTrmConfig } from './config.js';
import { resolveTrainConfig } from './train/config.js';

/** [[[…[]…]]] built without recursion, `depth` arrays deep. */
function deepArray(depth: number): unknown {
  let v: unknown[] = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

describe('describeValue', () => {
  it('renders small values like JSON, NaN and Infinity as words', () => {
    expect(describeValue({ a: [1, 'x', null, true] })).toBe('{"a":[1,"x",null,true]}');
    expect(describeValue([Number.NaN, -Infinity])).toBe('[NaN,-Infinity]');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(Float32Array.of(1, 2, 3))).toBe('Float32Array(3)');
  });

  it('truncates by length and by depth', () => {
    expect(describeValue('x'.repeat(1000))).toBe(`"${'x'.repeat(76)}...`);
    expect(describeValue('x'.repeat(1000))).toHaveLength(80);
    expect(describeValue([[[[1]]]])).toBe('[[[[…]]]]');
    expect(describeValue({ a: { b: { c: { d: 1 } } } }, { maxDepth: 2 })).toBe('{"a":{"b":{…}}}');
    expect(describeValue(Array.from({ length: 1e6 }, (_, i) => i), { maxLength: 20 })).toBe('[0,1,2,3,4,5,6,7,...');
  });

  it('never recurses without bound: 10^5 nested arrays and a cycle', () => {
    const t0 = performance.now();
    expect(describeValue(deepArray(1e5))).toBe('[[[[…]]]]');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toBe('{"a":1,"self":{"a":1,"self":{"a":1,"self":{…}}}}');
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('survives a throwing getter', () => {
    const o = Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect(describeValue(o)).toBe('{"x":…');
  });
});

describe('parseJsonText', () => {
  it('counts nesting outside strings only', () => {
    expect(jsonNestingDepth('{"a":[1,{"b":"[[[["}]}')).toBe(3);
    expect(jsonNestingDepth('"\\"[["')).toBe(0);
  });

  it('refuses 10^5 nesting before parsing, with code json-depth', () => {
    const text = '['.repeat(1e5) + ']'.repeat(1e5);
    const err = (() => {
      try {
        parseJsonText(text, 'x.json', (m, code) => new CheckpointError(m, { code }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as TrmError).code).toBe('json-depth');
    expect((err as Error).message).toBe('x.json: expected JSON nested at most 256 deep, got deeper than 256. The file is corrupt or hostile');
  });

  it('types parse failures without echoing the text', () => {
    let err: unknown;
    try {
      parseJsonText('root:x:0:0:root:/root:/bin/bash', 'latest.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TrmError);
    expect((err as TrmError).code).toBe('json');
    expect((err as Error).message).not.toContain('root:');
    expect(parseJsonText('{"a":[1]}', 'ok')).toEqual({ a: [1] });
  });
});

describe('error codes', () => {
  it('every TrmError has a code: the class default or the one given', () => {
    expect(new TrmError('m').code).toBe('trm');
    expect(new ConfigError('m').code).toBe('config');
    expect(new CheckpointError('m', { code: 'manifest' }).code).toBe('manifest');
  });

  it('config errors stay short for hostile configs (10^5 unknown keys, a 10^5-deep value)', () => {
    const keys = Object.fromEntries(Array.from({ length: 1e5 }, (_, i) => [`k${i}`, i]));
    expect(() => resolveTrmConfig(keys)).toThrow(ConfigError);
    try {
      resolveTrmConfig(keys);
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(1000);
    }
    expect(() => resolveTrmConfig({ hiddenSize: deepArray(1e5) as number })).toThrow("TRM config 'hiddenSize': expected an integer in [1, 65536], got [[[[…]]]].");
    for (const k of ['lr', 'emaRate', 'lrMinRatio', 'gradClipNorm', 'seed', 'beta1'] as const) {
      expect(() => resolveTrainConfig({ [k]: deepArray(1e5) })).toThrow(`train config '${k}': expected`);
    }
    for (const k of ['rmsNormEps', 'ropeTheta', 'haltExplorationProb'] as const) {
      expect(() => resolveTrmConfig({ [k]: deepArray(1e5) as number })).toThrow(ConfigError);
    }
    expect(() => resolveTrmConfig({ numPuzzleIdentifiers: 1e8 })).toThrow("TRM config 'numPuzzleIdentifiers': expected an integer in [1, 16777216], got 100000000.");
  });
});
