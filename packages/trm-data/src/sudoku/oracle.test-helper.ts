/**
 * Independent reference code for the sudoku tests: naive backtracking and an explicit enumeration of the symmetry
 * group, written without the bitmask solver, the propagation or the canonical-form search under test.
 */

export interface Geometry {
  n: number;
  boxRows: number;
  boxCols: number;
}

function ok(g: number[], geo: Geometry, cell: number, d: number): boolean {
  const { n, boxRows, boxCols } = geo;
  const r = Math.floor(cell / n);
  const c = cell % n;
  for (let k = 0; k < n; k++) {
    if (g[r * n + k] === d || g[k * n + c] === d) return false;
  }
  const br = r - (r % boxRows);
  const bc = c - (c % boxCols);
  for (let i = 0; i < boxRows; i++) for (let j = 0; j < boxCols; j++) if (g[(br + i) * n + bc + j] === d) return false;
  return true;
}

/** All completions of `puzzle` (up to `cap`), by plain backtracking in cell order. */
export function bruteSolutions(puzzle: ArrayLike<number>, geo: Geometry, cap = Infinity): number[][] {
  const g = Array.from(puzzle);
  const out: number[][] = [];
  // Givens must not clash with each other.
  for (let i = 0; i < g.length; i++) {
    if (g[i] === 0) continue;
    const d = g[i]!;
    g[i] = 0;
    if (!ok(g, geo, i, d)) return [];
    g[i] = d;
  }
  const rec = (i: number): void => {
    if (out.length >= cap) return;
    if (i === g.length) {
      out.push(g.slice());
      return;
    }
    if (g[i] !== 0) return rec(i + 1);
    for (let d = 1; d <= geo.n; d++) {
      if (!ok(g, geo, i, d)) continue;
      g[i] = d;
      rec(i + 1);
      g[i] = 0;
    }
  };
  rec(0);
  return out;
}

function perms(xs: number[]): number[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/** Every line order allowed by the symmetry group: blocks of `size` permuted, lines permuted within blocks. */
function lineOrders(n: number, size: number): number[][] {
  const blocks = perms(Array.from({ length: n / size }, (_, i) => i));
  const inner = perms(Array.from({ length: size }, (_, i) => i));
  let out: number[][] = [[]];
  return blocks.flatMap((order) => {
    out = [[]];
    for (const b of order) out = out.flatMap((prefix) => inner.map((p) => [...prefix, ...p.map((i) => b * size + i)]));
    return out;
  });
}

/** The whole symmetry orbit as (grid → relabelled) strings; the minimum is the canonical form by definition. */
export function bruteCanonical(grid: ArrayLike<number>, geo: Geometry): string {
  const { n, boxRows, boxCols } = geo;
  const rows = lineOrders(n, boxRows);
  const cols = lineOrders(n, boxCols);
  let best: string | null = null;
  for (const t of boxRows === boxCols ? [false, true] : [false]) {
    for (const R of rows) {
      for (const C of cols) {
        const map = new Map<number, number>();
        let s = '';
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            const d = t ? grid[C[j]! * n + R[i]!]! : grid[R[i]! * n + C[j]!]!;
            if (d !== 0 && !map.has(d)) map.set(d, map.size + 1);
            s += String.fromCharCode(d === 0 ? 0 : map.get(d)!);
          }
        }
        if (best === null || s < best) best = s;
      }
    }
  }
  return best!;
}

/** True iff every row, column and box holds 1..n once (checked directly). */
export function bruteValid(grid: ArrayLike<number>, geo: Geometry): boolean {
  const g = Array.from(grid);
  for (let i = 0; i < g.length; i++) {
    const d = g[i]!;
    if (!(d >= 1 && d <= geo.n)) return false;
    g[i] = 0;
    if (!ok(g, geo, i, d)) return false;
    g[i] = d;
  }
  return true;
}
