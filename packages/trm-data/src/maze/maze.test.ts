import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { checkMazePair, decodeMaze, encodeMaze, formatMazeCsv, generateMazes, mazeDataset, parseMazeCsv, shortestPaths, streamMazeCsv } from './maze.js';

// 4×4: S at (0,0), G at (3,3); the only route goes right along row 0, then down column 3.
const QUESTION = 'S   ' + '### ' + '### ' + '###G';
const ANSWER = 'Sooo' + '###o' + '###o' + '###G';

describe('Maze-Hard format (§7.4)', () => {
  it('encodes # space S G o as 1..5 and back', () => {
    expect(Array.from(encodeMaze('# SGo'))).toEqual([1, 2, 3, 4, 5]);
    expect(decodeMaze([1, 2, 3, 4, 5])).toBe('# SGo');
    expect(() => encodeMaze('#x')).toThrow(/character "x" at position 1/);
    expect(() => decodeMaze([0])).toThrow(DataError);
  });

  it('round-trips CSV write → read exactly and checks pairs', () => {
    const recs = [{ source: 'hand', question: QUESTION, answer: ANSWER, rating: 6 }];
    const text = formatMazeCsv(recs);
    expect(parseMazeCsv(text)).toEqual(recs);
    const bad = (q: string, a: string) => () => parseMazeCsv(`source,question,answer,rating\ns,${q},${a},0\n`, { file: 'm.csv' });
    expect(bad(QUESTION, ANSWER.slice(1))).toThrow(/m\.csv:2: answer: expected 16 characters/);
    expect(bad(QUESTION.slice(1), ANSWER.slice(1))).toThrow(/square maze/);
    expect(bad(QUESTION, ANSWER.replace('###o', '#o#o'))).toThrow(/answer: character "o" at position 5: expected "#"/);
    expect(bad(QUESTION.replace('G', ' '), ANSWER.replace('G', ' '))).toThrow(/exactly one S and one G/);
    expect(bad(QUESTION.replace('#', '*'), ANSWER)).toThrow(/question: character "\*"/);
  });

  it('streams the same records as the in-memory parser', async () => {
    const text = formatMazeCsv([{ source: 'a', question: QUESTION, answer: ANSWER, rating: 1 }, { source: 'b', question: QUESTION, answer: ANSWER, rating: 2 }]);
    const got = [];
    for await (const rs of streamMazeCsv([text.slice(0, 30), text.slice(30)])) got.push(...rs);
    expect(got).toEqual(parseMazeCsv(text));
  });
});

/** All shortest S→G paths by exhaustive DFS over simple paths (independent of the BFS under test). */
function allShortest(q: string, side: number): { len: number; paths: number[][] } {
  const s = q.indexOf('S');
  const g = q.indexOf('G');
  let best = Infinity;
  let paths: number[][] = [];
  const seen = new Set<number>([s]);
  const rec = (u: number, path: number[]) => {
    if (path.length - 1 > best) return;
    if (u === g) {
      if (path.length - 1 < best) {
        best = path.length - 1;
        paths = [];
      }
      paths.push(path.slice());
      return;
    }
    const r = Math.floor(u / side);
    const c = u % side;
    for (const v of [r > 0 ? u - side : -1, r < side - 1 ? u + side : -1, c > 0 ? u - 1 : -1, c < side - 1 ? u + 1 : -1]) {
      if (v < 0 || q[v] === '#' || seen.has(v)) continue;
      seen.add(v);
      path.push(v);
      rec(v, path);
      path.pop();
      seen.delete(v);
    }
  };
  rec(s, [s]);
  return { len: best, paths };
}

describe('maze generator (§7.9)', () => {
  it('labels the unique shortest path (checked by exhaustive search) with the minimum length', () => {
    const gen = generateMazes({ side: 7, seed: 1, minPathLength: 4, loopFraction: 0.3 });
    for (let k = 0; k < 25; k++) {
      const m = gen.next().value;
      checkMazePair(m.question, m.answer);
      const { len, paths } = allShortest(m.question, 7);
      expect(paths.length).toBe(1);
      expect(len).toBe(m.rating);
      expect(len).toBeGreaterThanOrEqual(4);
      const marked = [...m.answer].flatMap((c, i) => (c === 'o' ? [i] : []));
      expect(marked.sort((x, y) => x - y)).toEqual(paths[0]!.slice(1, -1).sort((x, y) => x - y));
    }
  });

  it('reaches long paths on 30×30 and is deterministic', () => {
    const a = generateMazes({ side: 30, seed: 2, minPathLength: 111 }).next().value;
    const b = generateMazes({ side: 30, seed: 2, minPathLength: 111 }).next().value;
    expect(a).toEqual(b);
    expect(a.rating).toBeGreaterThan(110);
    expect(shortestPaths(30, (i) => a.question[i] !== '#', a.question.indexOf('S'), a.question.indexOf('G')).length).toBe(a.rating);
    expect(() => generateMazes({ side: 2, seed: 1 }).next()).toThrow(/side/);
  });

  it('augments with the 8 dihedral versions in one group, each still a valid pair', () => {
    const ds = mazeDataset([{ question: QUESTION, answer: ANSWER }], { augment: true });
    expect([ds.numExamples, ds.numGroups, ds.vocabSize, ds.seqLen]).toEqual([8, 1, 6, 16]);
    const versions = new Set<string>();
    for (let e = 0; e < 8; e++) {
      const ex = ds.example(e);
      const q = decodeMaze(ex.inputs);
      checkMazePair(q, decodeMaze(ex.labels));
      expect(allShortest(q, 4).len).toBe(6);
      versions.add(q);
    }
    expect(versions.size).toBe(8);
    expect(mazeDataset([{ question: QUESTION, answer: ANSWER }]).numExamples).toBe(1);
  });
});
