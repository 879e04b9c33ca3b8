import { ConfigError, ShapeError } from '../errors.js';
import { Rng } from '../random.js';
import { describe, expect, it } from 'vitest';
import { cellModeGrids, confidenceChoices, gatherRuns, puzzleModeChoices, readout, sigmoid, type RunsDims } from './readouts.js';

/** runs[r][b] = the L tokens of run r, example b → flat [R·B·L]. */
function stack(runs: number[][][]): { preds: Int32Array; dims: RunsDims } {
  const R = runs.length;
  const B = runs[0]!.length;
  const L = runs[0]![0]!.length;
  return { preds: Int32Array.from(runs.flat(2)), dims: { runs: R, batch: B, cells: L } };
}
/** q[r][b] → flat [R·B]. */
const qs = (q: number[][]) => Float32Array.from(q.flat());

describe('confidence read-out (§8.4)', () => {
  it('picks the run with the largest raw q per example and k; ties go to the lowest run', () => {
    const dims = { runs: 3, batch: 2, cells: 1 };
    // example 0: q = 0.1, 0.5, 0.5 (tie between runs 1 and 2); example 1: q = −1, −2, −0.5
    const q = qs([
      [0.1, -1],
      [0.5, -2],
      [0.5, -0.5],
    ]);
    const [k3, k1, k2] = confidenceChoices(q, dims, [3, 1, 2]); // any order of ks
    expect(Array.from(k1!)).toEqual([0, 0]);
    expect(Array.from(k2!)).toEqual([1, 0]);
    expect(Array.from(k3!)).toEqual([1, 2]);
  });

  it('with identical q everywhere returns run 0', () => {
    const q = new Float32Array(5 * 3).fill(0.25);
    expect(Array.from(confidenceChoices(q, { runs: 5, batch: 3, cells: 4 }, [5])[0]!)).toEqual([0, 0, 0]);
  });
});

describe('cellMode read-out (§8.4)', () => {
  it('takes the per-cell majority and breaks ties toward the lowest token id', () => {
    // one example, four runs, three cells
    const { preds, dims } = stack([[[1, 2, 3]], [[2, 2, 3]], [[1, 3, 4]], [[2, 3, 4]]]);
    const [k1, k2, k3, k4] = cellModeGrids(preds, dims, [1, 2, 3, 4]);
    expect(Array.from(k1!)).toEqual([1, 2, 3]); // k = 1 is run 0
    expect(Array.from(k2!)).toEqual([1, 2, 3]); // every cell: a 1–1 tie or agreement → lowest
    expect(Array.from(k3!)).toEqual([1, 2, 3]); // 1,2,1 → 1; 2,2,3 → 2; 3,3,4 → 3
    expect(Array.from(k4!)).toEqual([1, 2, 3]); // 1,2,1,2 → tie → 1; 2,2,3,3 → 2; 3,3,4,4 → 3
  });

  it('lets a later, lower token win a tie and a later majority win outright', () => {
    // cell 0 sees 5, 3, 3; cell 1 sees 3, 5, 5; cell 2 sees all-different 4, 2, 7
    const { preds, dims } = stack([[[5, 3, 4]], [[3, 5, 2]], [[3, 5, 7]]]);
    const [k1, k2, k3] = cellModeGrids(preds, dims, [1, 2, 3]);
    expect(Array.from(k1!)).toEqual([5, 3, 4]);
    expect(Array.from(k2!)).toEqual([3, 3, 2]); // 5 vs 3 → 3; 3 vs 5 → 3; 4 vs 2 → 2
    expect(Array.from(k3!)).toEqual([3, 5, 2]); // 3 wins 2–1; 5 wins 2–1; all different → lowest (2)
  });

  it('assembles a grid that no run produced (why the blog calls it the wrong choice)', () => {
    const { preds: p3, dims: d3 } = stack([[[1, 5]], [[9, 2]], [[7, 7]], [[1, 7]], [[8, 2]]]);
    // cell 0: 1,9,7,1,8 → 1; cell 1: 5,2,7,7,2 → tie 2 vs 7 → 2; [1, 2] is produced by no run
    const grid = Array.from(cellModeGrids(p3, d3, [5])[0]!);
    expect(grid).toEqual([1, 2]);
    for (let r = 0; r < 5; r++) expect(Array.from(p3.subarray(r * 2, r * 2 + 2))).not.toEqual(grid);
  });

  it('rejects negative token ids with a ShapeError', () => {
    const { preds, dims } = stack([[[0, -1]]]);
    expect(() => cellModeGrids(preds, dims, [1])).toThrow(ShapeError);
  });
});

describe('puzzleMode read-out (§8.4)', () => {
  it('picks the largest group of identical predictions', () => {
    const { preds, dims } = stack([[[1, 1]], [[2, 2]], [[2, 2]], [[3, 3]]]);
    const q = qs([[5], [0], [0], [9]]);
    const [k1, k2, k4] = puzzleModeChoices(preds, q, dims, [1, 2, 4]);
    expect(Array.from(k1!)).toEqual([0]);
    expect(Array.from(k2!)).toEqual([0]); // {run 0} vs {run 1}: 1–1, sigmoid(5) > sigmoid(0)
    expect(Array.from(k4!)).toEqual([1]); // {1, 2} has two votes
  });

  it('breaks count ties by mean sigmoid(q), not by mean raw q', () => {
    // group A = runs 0, 3 with q 4, 0: mean sigmoid 0.741, mean q 2
    // group B = runs 1, 2 with q 1.5, 1.5: mean sigmoid 0.818, mean q 1.5
    const { preds, dims } = stack([[[1, 1]], [[2, 2]], [[2, 2]], [[1, 1]], [[3, 3]]]);
    const q = qs([[4], [1.5], [1.5], [0], [10]]);
    expect((sigmoid(4) + sigmoid(0)) / 2).toBeLessThan(sigmoid(1.5));
    expect(Array.from(puzzleModeChoices(preds, q, dims, [5])[0]!)).toEqual([1]);
  });

  it('on a full tie keeps the group whose first run is lowest', () => {
    const { preds, dims } = stack([[[1, 1]], [[2, 2]], [[2, 2]], [[1, 1]]]);
    const q = qs([[0.5], [0.5], [0.5], [0.5]]);
    expect(Array.from(puzzleModeChoices(preds, q, dims, [4])[0]!)).toEqual([0]);
  });

  it('with all-different votes picks the most confident run', () => {
    const { preds, dims } = stack([[[1, 1]], [[2, 2]], [[3, 3]]]);
    expect(Array.from(puzzleModeChoices(preds, qs([[0], [2], [1]]), dims, [3])[0]!)).toEqual([1]);
    expect(Array.from(puzzleModeChoices(preds, qs([[1], [1], [1]]), dims, [3])[0]!)).toEqual([0]);
  });

  it('with identical runs returns run 0 and its grid', () => {
    const { preds, dims } = stack([[[4, 5, 6]], [[4, 5, 6]], [[4, 5, 6]]]);
    const q = qs([[-1], [3], [2]]);
    expect(Array.from(puzzleModeChoices(preds, q, dims, [3])[0]!)).toEqual([0]);
    expect(Array.from(readout('puzzleMode', preds, q, dims, 3))).toEqual([4, 5, 6]);
  });
});

/** Brute-force read-outs written straight from the §8.4 definitions, for random cross-checks. */
function reference(name: string, runs: number[][][], q: number[][], k: number): number[][] {
  const B = runs[0]!.length;
  const L = runs[0]![0]!.length;
  const out: number[][] = [];
  for (let b = 0; b < B; b++) {
    const rs = Array.from({ length: k }, (_, r) => r);
    if (name === 'single') out.push(runs[0]![b]!);
    else if (name === 'confidence') {
      const best = rs.reduce((a, r) => (q[r]![b]! > q[a]![b]! ? r : a), 0);
      out.push(runs[best]![b]!);
    } else if (name === 'cellMode') {
      out.push(
        Array.from({ length: L }, (_, l) => {
          const tokens = rs.map((r) => runs[r]![b]![l]!);
          const count = (t: number) => tokens.filter((x) => x === t).length;
          return [...tokens].sort((x, y) => count(y) - count(x) || x - y)[0]!;
        }),
      );
    } else {
      const key = (r: number) => runs[r]![b]!.join(',');
      const groups = [...new Set(rs.map(key))].map((kk) => rs.filter((r) => key(r) === kk));
      const meanSig = (g: number[]) => g.reduce((a, r) => a + sigmoid(q[r]![b]!), 0) / g.length;
      groups.sort((g, h) => h.length - g.length || meanSig(h) - meanSig(g) || g[0]! - h[0]!);
      out.push(runs[groups[0]![0]!]![b]!);
    }
  }
  return out;
}

describe('read-outs against a brute-force reference', () => {
  it('agree on random small cases with many ties', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 60; trial++) {
      const R = rng.int(1, 6);
      const B = rng.int(1, 4);
      const L = rng.int(1, 4);
      const V = rng.int(1, 3); // tiny vocabulary: many identical grids and tied cells
      const runs = Array.from({ length: R }, () => Array.from({ length: B }, () => Array.from({ length: L }, () => rng.int(0, V - 1))));
      const q = Array.from({ length: R }, () => Array.from({ length: B }, () => rng.int(-2, 2) / 2)); // ties in q too
      const { preds, dims } = stack(runs);
      for (const name of ['single', 'confidence', 'cellMode', 'puzzleMode'] as const) {
        for (let k = 1; k <= R; k++) {
          expect(Array.from(readout(name, preds, qs(q), dims, k)), `${name} k=${k} trial ${trial}`).toEqual(reference(name, runs, q, k).flat());
        }
      }
    }
  });
});

describe('read-out input checks', () => {
  const { preds, dims } = stack([[[1, 2]], [[1, 2]]]);
  it('rejects k outside 1..R, wrong lengths and unknown names', () => {
    expect(() => confidenceChoices(qs([[0], [0]]), dims, [3])).toThrow(ShapeError);
    expect(() => confidenceChoices(qs([[0], [0]]), dims, [0])).toThrow(ShapeError);
    expect(() => cellModeGrids(preds, dims, [1, 1])).toThrow(/distinct/);
    expect(() => puzzleModeChoices(preds.subarray(1), qs([[0], [0]]), dims, [1])).toThrow(ShapeError);
    expect(() => puzzleModeChoices(preds, qs([[0]]), dims, [1])).toThrow(/R·B = 2/);
    expect(() => readout('vote' as never, preds, qs([[0], [0]]), dims, 1)).toThrow(ConfigError);
    expect(() => gatherRuns(preds, Int32Array.of(2), dims)).toThrow(ShapeError);
  });
});
