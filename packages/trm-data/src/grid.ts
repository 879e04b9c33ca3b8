/**
 * Rectangular token grids and the 8 dihedral transforms (ALGORITHM.md §7.6), shared by the maze and ARC tasks.
 */

/** A row-major grid of small integers. */
export interface Grid {
  h: number;
  w: number;
  data: Uint8Array;
}

/** Inverse of each dihedral transform id: dihedral(dihedral(g, t), DIHEDRAL_INVERSE[t]) = g. */
export const DIHEDRAL_INVERSE: readonly number[] = Object.freeze([0, 3, 2, 1, 4, 5, 6, 7]);

/**
 * Dihedral transform `tid` of an H×W grid (output index [i][j]): 0 identity; 1 rot90 CCW a[j][W−1−i];
 * 2 rot180 a[H−1−i][W−1−j]; 3 rot270 a[H−1−j][i]; 4 flip left-right a[i][W−1−j]; 5 flip up-down a[H−1−i][j];
 * 6 transpose a[j][i]; 7 anti-transpose a[H−1−j][W−1−i]. Ids 1, 3, 6, 7 swap the sides.
 */
export function dihedral(g: Grid, tid: number): Grid {
  const { h: H, w: W, data: a } = g;
  const swap = tid === 1 || tid === 3 || tid === 6 || tid === 7;
  const h = swap ? W : H;
  const w = swap ? H : W;
  const out = new Uint8Array(h * w);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      let r: number;
      let c: number;
      switch (tid) {
        case 0: r = i; c = j; break;
        case 1: r = j; c = W - 1 - i; break;
        case 2: r = H - 1 - i; c = W - 1 - j; break;
        case 3: r = H - 1 - j; c = i; break;
        case 4: r = i; c = W - 1 - j; break;
        case 5: r = H - 1 - i; c = j; break;
        case 6: r = j; c = i; break;
        case 7: r = H - 1 - j; c = W - 1 - i; break;
        default: throw new RangeError(`dihedral: transform id: expected an integer in [0, 7], got ${tid}.`);
      }
      out[i * w + j] = a[r * W + c]!;
    }
  }
  return { h, w, data: out };
}

export function gridsEqual(a: Grid, b: Grid): boolean {
  if (a.h !== b.h || a.w !== b.w) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** Grid → list of rows (the ARC JSON form). */
export function gridToRows(g: Grid): number[][] {
  return Array.from({ length: g.h }, (_, r) => Array.from(g.data.subarray(r * g.w, (r + 1) * g.w)));
}

/** List of rows → grid (no validation; see the ARC parser for checked input). */
export function gridFromRows(rows: readonly (readonly number[])[]): Grid {
  const h = rows.length;
  const w = rows[0]?.length ?? 0;
  const data = new Uint8Array(h * w);
  rows.forEach((row, r) => data.set(row, r * w));
  return { h, w, data };
}
