import { ConfigError } from '@trm-ts/core';
import { describe, expect, it } from 'vitest';
import { gridHtml } from './grid.js';
import { formatMaze, MAZE_PATH, mazeKind, mazeSolution, mazeText, parseMaze, sudokuKind } from './puzzle.js';

/** A 5×5 maze with one shortest path (S right, down, left to G) and its answer, written by hand. */
const ONE_WAY = ['#####', '#S  #', '### #', '#G  #', '#####'];
const ONE_WAY_ANSWER = '#####' + '#Soo#' + '###o#' + '#Goo#' + '#####';
/** Two shortest paths of 4 moves (over the top and along the left). */
const TWO_WAYS = ['#####', '#S  #', '# # #', '#  G#', '#####'];
/** G cannot be reached. */
const CUT_OFF = ['#####', '#S###', '#####', '#G  #', '#####'];

/** Cells of a grid as the rendered HTML has them: classes, background, text. */
function cellsOf(html: string): { cls: string[]; p: number; bg: string | undefined; text: string }[] {
  return [...html.matchAll(/<div class="([^"]*)" data-p="([^"]*)"(?: style="background: ([^"]*)")? title="[^"]*">([^<]*)<\/div>/g)].map((m) => ({
    cls: m[1]!.split(' '),
    p: Number(m[2]),
    bg: m[3],
    text: m[4]!,
  }));
}

describe('maze puzzles', () => {
  it('parses the # SG form (rows kept with their spaces, empty lines around ignored, o reads as open) and formats it back', () => {
    const m = parseMaze(`\n${ONE_WAY.join('\r\n')}\n\n`, 5);
    expect(Array.from(m.subarray(5, 10))).toEqual([0, 2, 1, 1, 0]); // '#', 'S', ' ', ' ', '#'
    expect(formatMaze(m, 5)).toBe(ONE_WAY.join('\n'));
    expect(Array.from(parseMaze(ONE_WAY_ANSWER.match(/.{5}/g)!.join('\n'), 5))).toEqual(Array.from(m));
  });

  it('rejects bad mazes with readable messages', () => {
    const bad = (rows: string[], re: RegExp) => {
      expect(() => parseMaze(rows.join('\n'), 5)).toThrow(ConfigError);
      expect(() => parseMaze(rows.join('\n'), 5)).toThrow(re);
    };
    bad(ONE_WAY.slice(0, 4), /^maze: expected 5 rows for this 5×5 maze model, got 4\. Paste 5 rows/);
    bad([...ONE_WAY.slice(0, 2), '### ', ...ONE_WAY.slice(3)], /^maze: row 3: expected 5 characters, got 4 \("### "\)/);
    bad([...ONE_WAY.slice(0, 2), '##x #', ...ONE_WAY.slice(3)], /^maze: row 3, column 3 is "x": expected '#' \(wall\), ' ' \(open\), 'S' \(start\) or 'G' \(goal\)\./);
    bad(['#####', '#S  #', '###S#', '#G  #', '#####'], /^maze: expected one 'S' and one 'G', got 2 'S' and 1 'G'\./);
    bad(['#####', '#S  #', '### #', '#   #', '#####'], /got 1 'S' and 0 'G'/);
  });

  it('the solution is the unique shortest path, null when there are two or none', () => {
    expect(mazeText(mazeSolution(parseMaze(ONE_WAY.join('\n'), 5), 5)!)).toBe(ONE_WAY_ANSWER);
    expect(mazeSolution(parseMaze(TWO_WAYS.join('\n'), 5), 5)).toBeNull();
    expect(mazeSolution(parseMaze(CUT_OFF.join('\n'), 5), 5)).toBeNull();
  });

  it('generated 9×9 mazes: a reproducible puzzle whose answer is one chain of path cells from S to G, as the solver finds it', () => {
    const kind = mazeKind(9, { minPathLength: 8 });
    expect(kind.generate(5).puzzle).toEqual(kind.generate(5).puzzle);
    for (let seed = 0; seed < 20; seed++) {
      const { puzzle, solution } = kind.generate(seed);
      expect(kind.parse(kind.format(puzzle))).toEqual(puzzle);
      // Independently of the generator: S and G have one chain neighbour each, every path cell two, and the chain
      // from S reaches G through every path cell.
      const onChain = (i: number) => solution[i] === MAZE_PATH || solution[i] === 2 || solution[i] === 3;
      const nb = (i: number) => [i - 9, i + 9, i % 9 ? i - 1 : -1, i % 9 < 8 ? i + 1 : -1].filter((j) => j >= 0 && j < 81 && onChain(j));
      const chain = Array.from({ length: 81 }, (_, i) => i).filter(onChain);
      for (const i of chain) expect(nb(i).length).toBe(solution[i] === MAZE_PATH ? 2 : 1);
      let prev = -1;
      let cur = solution.indexOf(2);
      let visited = 1;
      while (solution[cur] !== 3) {
        const next = nb(cur).find((j) => j !== prev)!;
        [prev, cur] = [cur, next];
        visited++;
      }
      expect(visited).toBe(chain.length);
      expect(chain.length - 1).toBeGreaterThanOrEqual(8); // minPathLength moves
      expect(puzzle.every((v, i) => (v === 1 ? solution[i] === 1 || solution[i] === MAZE_PATH : solution[i] === v))).toBe(true);
      expect(kind.solution(puzzle)).toEqual(solution);
    }
  });
});

describe('gridHtml', () => {
  it('maze: walls dark, S and G marked, path cells coloured by probability, changed and wrong cells marked', () => {
    const kind = mazeKind(5);
    const puzzle = parseMaze(ONE_WAY.join('\n'), 5);
    const solution = mazeSolution(puzzle, 5)!;
    // The model's answer: the path but for cell (1, 3), left open; cell (2, 3) changed since the previous step.
    const values = solution.slice();
    values[8] = 1;
    const prev = values.slice();
    prev[13] = 1;
    const conf = Float32Array.from({ length: 25 }, (_, i) => i / 25);
    const cells = cellsOf(gridHtml(kind, values, conf, puzzle, prev, solution));
    expect(cells).toHaveLength(25);
    const having = (c: string) => cells.flatMap((x, i) => (x.cls.includes(c) ? [i] : []));
    expect(having('wall')).toEqual([...ONE_WAY.join('')].flatMap((ch, i) => (ch === '#' ? [i] : [])));
    expect(having('start')).toEqual([6]);
    expect(having('goal')).toEqual([16]);
    expect(cells.map((c) => c.text).join('')).toBe('SG');
    expect(having('changed')).toEqual([13]);
    expect(having('wrong')).toEqual([8]);
    // Colour only on the predicted path cells, its opacity 0.08 + 0.8 p.
    const coloured = cells.flatMap((c, i) => (c.bg ? [i] : []));
    expect(coloured).toEqual([7, 13, 17, 18]);
    for (const i of coloured) expect(cells[i]!.bg).toBe(`rgba(234, 88, 12, ${(0.08 + (0.8 * i) / 25).toFixed(3)})`);
    for (const [i, c] of cells.entries()) expect(c.p).toBeCloseTo(i / 25, 3);
  });

  it('sudoku: digits, givens bold, every cell coloured, box lines (the same function)', () => {
    const kind = sudokuKind(4);
    const puzzle = kind.parse('1...\n....\n....\n...4');
    const values = Uint8Array.from([1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1]);
    const cells = cellsOf(gridHtml(kind, values, null, puzzle, null, values));
    expect(cells.map((c) => c.text).join('')).toBe('1234341221434321');
    expect(cells.flatMap((c, i) => (c.cls.includes('given') ? [i] : []))).toEqual([0, 15]);
    expect(cells.every((c) => c.bg === 'rgba(37, 99, 235, 0.880)')).toBe(true);
    expect(cells.flatMap((c, i) => (c.cls.includes('bl') ? [i] : []))).toEqual([2, 6, 10, 14]);
    expect(cells.some((c) => c.cls.includes('wrong') || c.cls.includes('changed'))).toBe(false);
  });
});
