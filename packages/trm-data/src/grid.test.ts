import { describe, expect, it } from 'vitest';
import { Rng } from '@trm-ts/core';
import { randomGrid } from './testing/grids.js';
import { DIHEDRAL_INVERSE, dihedral, gridFromRows, gridsEqual, gridToRows } from './grid.js';

describe('dihedral transforms (§7.6)', () => {
  const a = gridFromRows([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  it('match the hand-computed images of a 2×3 grid', () => {
    const expected: number[][][] = [
      [[1, 2, 3], [4, 5, 6]],
      [[3, 6], [2, 5], [1, 4]], // rot90 CCW
      [[6, 5, 4], [3, 2, 1]],
      [[4, 1], [5, 2], [6, 3]], // rot270 CCW = rot90 CW
      [[3, 2, 1], [6, 5, 4]],
      [[4, 5, 6], [1, 2, 3]],
      [[1, 4], [2, 5], [3, 6]],
      [[6, 3], [5, 2], [4, 1]],
    ];
    expected.forEach((e, t) => expect(gridToRows(dihedral(a, t))).toEqual(e));
    expect(() => dihedral(a, 8)).toThrow(RangeError);
  });

  it('are undone by their inverses and form a group of 8 distinct maps', () => {
    const rng = new Rng(1);
    for (let k = 0; k < 20; k++) {
      const g = randomGrid(rng, 6);
      for (let t = 0; t < 8; t++) expect(gridsEqual(dihedral(dihedral(g, t), DIHEDRAL_INVERSE[t]!), g)).toBe(true);
    }
    const sq = gridFromRows([[1, 2], [3, 4]]);
    expect(new Set(Array.from({ length: 8 }, (_, t) => dihedral(sq, t).data.join())).size).toBe(8);
  });
});
