import { createHash } from 'node:crypto';
import { ConfigError, ShapeError } from '@trm-ts/core';
import { describe, expect, it } from 'vitest';
import {
  DIHEDRAL_INVERSE,
  arcGridFromJson,
  arcGridHash,
  arcGridToJson,
  cropArc,
  dihedral,
  inverseAugment,
  parseArcName,
  type ArcGrid,
} from './grid.js';

const a = arcGridFromJson([
  [1, 2, 3],
  [4, 5, 6],
]);

describe('dihedral transforms (§7.6)', () => {
  it('match hand-written results on a 2×3 grid', () => {
    const expected = [
      [[1, 2, 3], [4, 5, 6]], // 0 identity
      [[3, 6], [2, 5], [1, 4]], // 1 rot90 CCW
      [[6, 5, 4], [3, 2, 1]], // 2 rot180
      [[4, 1], [5, 2], [6, 3]], // 3 rot270
      [[3, 2, 1], [6, 5, 4]], // 4 flip left-right
      [[4, 5, 6], [1, 2, 3]], // 5 flip up-down
      [[1, 4], [2, 5], [3, 6]], // 6 transpose
      [[6, 3], [5, 2], [4, 1]], // 7 anti-transpose
    ];
    expected.forEach((e, tid) => expect(arcGridToJson(dihedral(a, tid)), `tid ${tid}`).toEqual(e));
  });
  it('are undone by their listed inverses', () => {
    for (let tid = 0; tid < 8; tid++) expect(arcGridToJson(dihedral(dihedral(a, tid), DIHEDRAL_INVERSE[tid]!))).toEqual(arcGridToJson(a));
  });
  it('rejects an unknown id', () => {
    expect(() => dihedral(a, 8)).toThrow(ConfigError);
  });
});

/** Official encoding (§7.5) of a grid at (r0, c0) on a side×side canvas: colours + 2, EOS row/column, rest PAD. */
function encode(g: ArcGrid, r0 = 0, c0 = 0, side = 30): Int32Array {
  const t = new Int32Array(side * side);
  for (let i = 0; i < g.h; i++) for (let j = 0; j < g.w; j++) t[(r0 + i) * side + c0 + j] = g.cells[i * g.w + j]! + 2;
  if (r0 + g.h < side) for (let j = 0; j < g.w; j++) t[(r0 + g.h) * side + c0 + j] = 1;
  if (c0 + g.w < side) for (let i = 0; i < g.h; i++) t[(r0 + i) * side + c0 + g.w] = 1;
  return t;
}

describe('cropArc (§8.7)', () => {
  it('recovers a grid encoded at the top-left, EOS row and column included', () => {
    expect(arcGridToJson(cropArc(encode(a)))).toEqual(arcGridToJson(a));
  });
  it('is empty when the top-left cell is PAD or EOS', () => {
    expect(cropArc(new Int32Array(900))).toEqual({ h: 0, w: 0, cells: new Uint8Array(0) });
    const t = encode(a, 1, 0); // translated grid: row 0 is PAD
    expect(cropArc(t).h * cropArc(t).w).toBe(0);
    const e = encode(a);
    e[0] = 1;
    expect(cropArc(e).cells.length).toBe(0);
  });
  it('keeps the largest (rows, shrinking width) rectangle; a later row cannot widen it', () => {
    const side = 6;
    const t = new Int32Array(side * side);
    const row = (r: number, tokens: number[]) => tokens.forEach((v, c) => (t[r * side + c] = v));
    row(0, [2, 3, 4, 5, 1, 0]); // 4 colours then EOS        → r = 1: 1×4 = 4
    row(1, [6, 7, 0, 0, 0, 0]); // 2 colours then PAD        → r = 2: 2×2 = 4 (tie: keep 1×4)
    row(2, [8, 9, 10, 11, 2, 12]); // 5 colours, then 12 > 11; width stays 2 → r = 3: 3×2 = 6
    row(3, [1, 1, 1, 1, 1, 1]); // EOS at column 0 → width 0 from here on
    expect(arcGridToJson(cropArc(t, side))).toEqual([
      [0, 1],
      [4, 5],
      [6, 7],
    ]);
    t[2 * side] = 0; // row 2 now starts with PAD → width 0 at r = 3; the 1×4 / 2×2 tie keeps the first
    expect(arcGridToJson(cropArc(t, side))).toEqual([[0, 1, 2, 3]]);
  });
  it('stops at tokens above 11 and keeps a full 30×30 grid', () => {
    const full = new Int32Array(900).fill(11);
    expect(cropArc(full).h * cropArc(full).w).toBe(900);
    full[5] = 12;
    expect([cropArc(full).h, cropArc(full).w]).toEqual([30, 5]);
  });
  it('rejects a canvas of the wrong size', () => {
    expect(() => cropArc(new Int32Array(899))).toThrow(ShapeError);
  });
});

describe('named augmentations (§7.5, §7.6)', () => {
  it('parses names and rejects malformed ones', () => {
    const n = parseArcName('007bbfb7|||t3|||0213456789');
    expect(n.task).toBe('007bbfb7');
    expect(n.tid).toBe(3);
    expect(Array.from(n.colourMap!)).toEqual([0, 2, 1, 3, 4, 5, 6, 7, 8, 9]);
    expect(parseArcName('007bbfb7')).toEqual({ task: '007bbfb7', tid: 0, colourMap: null });
    expect(() => parseArcName('x|||t8|||0123456789')).toThrow(ConfigError);
    expect(() => parseArcName('x|||t1|||012345678')).toThrow(ConfigError);
    expect(() => parseArcName('x|||t1|||0123456788')).toThrow(/permutation/);
  });
  it('undoes dihedral(map[g], tid) for every transform', () => {
    const map = [0, 7, 3, 9, 1, 2, 8, 4, 6, 5];
    for (let tid = 0; tid < 8; tid++) {
      const coloured = { ...a, cells: a.cells.map((c) => map[c]!) };
      const aug = dihedral(coloured, tid);
      const name = parseArcName(`task|||t${tid}|||${map.join('')}`);
      expect(arcGridToJson(inverseAugment(aug, name)), `tid ${tid}`).toEqual(arcGridToJson(a));
    }
  });
  it('worked example: t1 (rot90) with colours 1↔2 swapped', () => {
    // augmented grid = rot90(map[a]) with map swapping 1 and 2: map[a] = [[2,1,3],[4,5,6]] → rot90 = [[3,6],[1,5],[2,4]]
    const aug = arcGridFromJson([
      [3, 6],
      [1, 5],
      [2, 4],
    ]);
    expect(arcGridToJson(inverseAugment(aug, parseArcName('x|||t1|||0213456789')))).toEqual(arcGridToJson(a));
  });
});

describe('arcGridHash (§8.7)', () => {
  it('is sha256 of [h, w] ++ cells', () => {
    const bytes = Uint8Array.from([2, 3, 1, 2, 3, 4, 5, 6]);
    expect(arcGridHash(a)).toBe(createHash('sha256').update(bytes).digest('hex'));
    // shape is part of the hash: same cells as 3×2 differ
    expect(arcGridHash({ h: 3, w: 2, cells: a.cells })).not.toBe(arcGridHash(a));
    expect(arcGridHash({ h: 0, w: 0, cells: new Uint8Array(0) })).toBe(createHash('sha256').update(Uint8Array.of(0, 0)).digest('hex'));
  });
  it('rejects bad JSON grids', () => {
    expect(() => arcGridFromJson([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => arcGridFromJson([[10]])).toThrow(ShapeError);
    expect(() => arcGridFromJson([])).toThrow(ShapeError);
  });
});
