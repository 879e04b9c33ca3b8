/**
 * Maze-Hard (ALGORITHM.md §7.4, §7.9): the CSV format (`#` wall, space open, `S` start, `G` goal, `o` path),
 * its token encoding (ids 1..5, PAD 0, vocab 6), a generator of n×n mazes whose label is the unique shortest
 * path, and the optional 8-fold dihedral augmentation.
 */
import { ConfigError, Rng } from '@trm-ts/core';
import { formatPuzzleCsv, parsePuzzleCsv, streamPuzzleCsv, type PuzzleCsvRow, type TextChunk } from '../csv.js';
import { DatasetBuilder, type ArrayDataset, type Example } from '../dataset.js';
import { DataError, type DataLocation } from '../errors.js';
import { dihedral } from '../grid.js';
import type { ExampleSource } from '../stream.js';

/** Character of token id k + 1 (PAD = 0 has no character). */
export const MAZE_CHARSET = '# SGo';
export const MAZE_VOCAB_SIZE = 6;

export interface MazeRecord {
  source: string;
  /** side × side characters, row-major. */
  question: string;
  answer: string;
  rating: number;
}

/** Characters → tokens (`#`→1, ` `→2, `S`→3, `G`→4, `o`→5). */
export function encodeMaze(s: string, where: DataLocation = {}, what = 'maze'): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const k = MAZE_CHARSET.indexOf(s[i]!);
    if (k < 0) throw new DataError(`${what}: character ${JSON.stringify(s[i])} at position ${i}: expected one of ${JSON.stringify(MAZE_CHARSET)}.`, where);
    out[i] = k + 1;
  }
  return out;
}

/** Tokens → characters; PAD or an unknown token throws. */
export function decodeMaze(tokens: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < tokens.length; i++) {
    const c = MAZE_CHARSET[tokens[i]! - 1];
    if (c === undefined || !Number.isInteger(tokens[i])) throw new DataError(`maze tokens: position ${i}: expected a token in [1, 5], got ${tokens[i]}.`);
    s += c;
  }
  return s;
}

/** Checks one question/answer pair: same square size, one S and one G, answer = question plus `o` on open cells. */
export function checkMazePair(question: string, answer: string, where: DataLocation = {}): number {
  const side = Math.round(Math.sqrt(question.length));
  if (side < 2 || side * side !== question.length) throw new DataError(`question: expected a square maze (side² characters, side ≥ 2), got ${question.length} characters.`, where);
  if (answer.length !== question.length) throw new DataError(`answer: expected ${question.length} characters (as the question), got ${answer.length}.`, where);
  let s = 0;
  let g = 0;
  for (let i = 0; i < question.length; i++) {
    const q = question[i]!;
    const a = answer[i]!;
    if ('# SG'.indexOf(q) < 0) throw new DataError(`question: character ${JSON.stringify(q)} at position ${i}: expected one of "# SG".`, where);
    if (a !== q && !(a === 'o' && q === ' ')) throw new DataError(`answer: character ${JSON.stringify(a)} at position ${i}: expected ${JSON.stringify(q)}${q === ' ' ? " or 'o'" : ''} (the question's cell).`, where);
    if (q === 'S') s++;
    if (q === 'G') g++;
  }
  if (s !== 1 || g !== 1) throw new DataError(`question: expected exactly one S and one G, got ${s} and ${g}.`, where);
  checkMazePath(answer, side, where);
  return side;
}

/**
 * The answer's path (S, G and every `o`) must be one connected set of cells joining S to G (4-neighbour steps):
 * a label that marks cells off the path, or stops short of G, trains the model on a wrong target.
 */
function checkMazePath(answer: string, side: number, where: DataLocation): void {
  const onPath = (i: number) => answer[i] === 'o' || answer[i] === 'S' || answer[i] === 'G';
  const start = answer.indexOf('S');
  const seen = new Uint8Array(answer.length);
  const queue = [start];
  seen[start] = 1;
  for (let k = 0; k < queue.length; k++) {
    const i = queue[k]!;
    const r = Math.floor(i / side);
    const c = i % side;
    for (const [dr, dc] of [[-1, 0], [1, 0], [0, -1], [0, 1]] as const) {
      const rr = r + dr;
      const cc = c + dc;
      if (rr < 0 || cc < 0 || rr >= side || cc >= side) continue;
      const j = rr * side + cc;
      if (!seen[j] && onPath(j)) {
        seen[j] = 1;
        queue.push(j);
      }
    }
  }
  let total = 0;
  for (let i = 0; i < answer.length; i++) if (onPath(i)) total++;
  if (!seen[answer.indexOf('G')] || queue.length !== total) {
    throw new DataError(
      `answer: expected the 'o' cells to join S to G in one connected path, got ${seen[answer.indexOf('G')] ? `${total - queue.length} 'o' cells off the path` : 'no path that reaches G'}.`,
      { ...where, code: 'maze-path' },
    );
  }
}

function toRecord(row: PuzzleCsvRow, file?: string): MazeRecord {
  checkMazePair(row.question, row.answer, { file, line: row.line });
  return { source: row.source, question: row.question, answer: row.answer, rating: row.rating };
}

export function parseMazeCsv(text: string, options: { file?: string } = {}): MazeRecord[] {
  return Array.from(parsePuzzleCsv(text, options.file), (r) => toRecord(r, options.file));
}

export async function* streamMazeCsv(chunks: AsyncIterable<TextChunk> | Iterable<TextChunk>, options: { file?: string } = {}): AsyncGenerator<MazeRecord[]> {
  for await (const rows of streamPuzzleCsv(chunks, options.file)) yield rows.map((r) => toRecord(r, options.file));
}

export function formatMazeCsv(records: Iterable<MazeRecord>): string {
  return formatPuzzleCsv(records);
}

export function mazeExample(r: Pick<MazeRecord, 'question' | 'answer'>): Example {
  return { inputs: Int32Array.from(encodeMaze(r.question, {}, 'question')), labels: Int32Array.from(encodeMaze(r.answer, {}, 'answer')), puzzleId: 0 };
}

/**
 * One group per maze (puzzle id 0). With `augment`, the group holds the 8 dihedral versions (the official
 * builder's optional `aug` flag; off by default there too, §7.4).
 */
export function mazeDataset(records: readonly Pick<MazeRecord, 'question' | 'answer'>[], options: { name?: string; augment?: boolean } = {}): ArrayDataset {
  if (records.length === 0) throw new DataError('maze dataset: expected at least one maze, got none.');
  const side = checkMazePair(records[0]!.question, records[0]!.answer);
  const b = new DatasetBuilder({ name: options.name ?? `maze${side}`, seqLen: side * side, vocabSize: MAZE_VOCAB_SIZE, capacity: records.length * (options.augment ? 8 : 1) });
  records.forEach((r, k) => {
    const where = { line: k + 1 };
    if (checkMazePair(r.question, r.answer, where) !== side) throw new DataError(`maze ${k}: expected side ${side} (as the first maze), got ${Math.sqrt(r.question.length)}.`, where);
    const q = { h: side, w: side, data: encodeMaze(r.question) };
    const a = { h: side, w: side, data: encodeMaze(r.answer) };
    for (let t = 0; t < (options.augment ? 8 : 1); t++) {
      b.push(dihedral(q, t).data, dihedral(a, t).data);
      b.endPuzzle(0);
    }
    b.endGroup();
  });
  return b.build({ numPuzzleIdentifiers: 1 });
}

/** A streaming source over a Maze-Hard CSV (`open` returns a fresh chunk stream per pass). */
export function mazeCsvSource(open: () => AsyncIterable<TextChunk>, options: { side: number; file?: string; name?: string }): ExampleSource {
  return {
    name: options.name ?? options.file ?? `maze${options.side}-csv`,
    seqLen: options.side * options.side,
    vocabSize: MAZE_VOCAB_SIZE,
    numPuzzleIdentifiers: 1,
    async *open() {
      for await (const recs of streamMazeCsv(open(), options)) {
        yield recs.map((r) => {
          if (r.question.length !== options.side * options.side) throw new DataError(`question: expected ${options.side * options.side} characters (side ${options.side}), got ${r.question.length}.`, { file: options.file });
          return mazeExample(r);
        });
      }
    },
  };
}

export interface ShortestPaths {
  /** Moves from start to goal, or −1 if unreachable. */
  length: number;
  /** Number of distinct shortest paths, capped at 2. */
  count: number;
  /** Cells of one shortest path from start to goal inclusive (empty if unreachable). */
  path: number[];
}

function neighbours(side: number, u: number): number[] {
  const r = Math.floor(u / side);
  const c = u % side;
  return [r > 0 ? u - side : -1, r < side - 1 ? u + side : -1, c > 0 ? u - 1 : -1, c < side - 1 ? u + 1 : -1];
}

/** BFS from `start` with shortest-path counting (capped at 2) for every cell; dist −1 = unreachable. */
function bfs(side: number, open: (i: number) => boolean, start: number): { dist: Int32Array; count: Uint8Array } {
  const N = side * side;
  const dist = new Int32Array(N).fill(-1);
  const count = new Uint8Array(N);
  const queue = new Int32Array(N);
  let head = 0;
  let tail = 0;
  dist[start] = 0;
  count[start] = 1;
  queue[tail++] = start;
  while (head < tail) {
    const u = queue[head++]!;
    for (const v of neighbours(side, u)) {
      if (v < 0 || !open(v)) continue;
      if (dist[v] === -1) {
        dist[v] = dist[u]! + 1;
        queue[tail++] = v;
      }
      if (dist[v] === dist[u]! + 1) count[v] = Math.min(2, count[v]! + count[u]!);
    }
  }
  return { dist, count };
}

function walkBack(side: number, dist: Int32Array, start: number, goal: number): number[] {
  const path = [goal];
  for (let v = goal; v !== start; ) {
    v = neighbours(side, v).find((u) => u >= 0 && dist[u] === dist[v]! - 1)!;
    path.push(v);
  }
  return path.reverse();
}

/** Shortest paths from start to goal on a grid where `open(i)` says whether cell i can be walked. */
export function shortestPaths(side: number, open: (i: number) => boolean, start: number, goal: number): ShortestPaths {
  const { dist, count } = bfs(side, open, start);
  if (dist[goal] === -1) return { length: -1, count: 0, path: [] };
  return { length: dist[goal]!, count: count[goal]!, path: walkBack(side, dist, start, goal) };
}

export interface MazeGeneratorOptions {
  side: number;
  seed: number;
  /** Minimum moves from S to G (the paper's hard set: > 110 on 30×30). Default 0. */
  minPathLength?: number;
  /** Fraction of inner walls between cells removed after carving, creating loops. Default 0. */
  loopFraction?: number;
}

/**
 * An endless stream of mazes (§7.9): a perfect maze carved by randomised DFS on the odd cells, optional loops,
 * S and G placed so that the shortest path is unique and at least `minPathLength` moves long.
 */
export function* generateMazes(options: MazeGeneratorOptions): Generator<MazeRecord, never> {
  const { side, minPathLength = 0, loopFraction = 0 } = options;
  if (!(Number.isInteger(side) && side >= 3 && side <= 255)) throw new ConfigError(`maze side: expected an integer in [3, 255], got ${side}.`);
  if (!(loopFraction >= 0 && loopFraction <= 1)) throw new ConfigError(`maze loopFraction: expected a number in [0, 1], got ${loopFraction}.`);
  const rng = new Rng(options.seed);
  const N = side * side;
  let failures = 0;
  for (;;) {
    const open = carve(side, rng, loopFraction);
    const cells: number[] = [];
    for (let i = 0; i < N; i++) if (open[i]) cells.push(i);
    const start = cells[Math.floor(rng.next() * cells.length)]!;
    const { dist, count } = bfs(side, (i) => open[i] === 1, start);
    const goals = cells.filter((g) => count[g] === 1 && dist[g]! >= Math.max(1, minPathLength));
    if (!goals.length) {
      if (++failures > 1000) throw new ConfigError(`maze generator: expected a ${side}×${side} maze with a unique shortest path of ≥ ${minPathLength} moves, found none in 1,000 mazes. Lower minPathLength or loopFraction.`);
      continue;
    }
    failures = 0;
    const goal = goals[Math.floor(rng.next() * goals.length)]!;
    const q = Array.from(open, (o): string => (o ? ' ' : '#'));
    q[start] = 'S';
    q[goal] = 'G';
    const a = q.slice();
    for (const i of walkBack(side, dist, start, goal)) if (i !== start && i !== goal) a[i] = 'o';
    yield { source: `generated-maze${side}`, question: q.join(''), answer: a.join(''), rating: dist[goal]! };
  }
}

/** 1 = open. Cells at odd (row, col) below side − 1; iterative randomised DFS knocks out the walls between them. */
function carve(side: number, rng: Rng, loopFraction: number): Uint8Array {
  const open = new Uint8Array(side * side);
  const cellsPerSide = Math.floor((side - 1) / 2);
  const id = (r: number, c: number) => (2 * r + 1) * side + (2 * c + 1);
  const visited = new Uint8Array(cellsPerSide * cellsPerSide);
  const stack: number[] = [0];
  visited[0] = 1;
  open[id(0, 0)] = 1;
  while (stack.length) {
    const cur = stack[stack.length - 1]!;
    const r = Math.floor(cur / cellsPerSide);
    const c = cur % cellsPerSide;
    const next: number[] = [];
    if (r > 0 && !visited[cur - cellsPerSide]) next.push(cur - cellsPerSide);
    if (r < cellsPerSide - 1 && !visited[cur + cellsPerSide]) next.push(cur + cellsPerSide);
    if (c > 0 && !visited[cur - 1]) next.push(cur - 1);
    if (c < cellsPerSide - 1 && !visited[cur + 1]) next.push(cur + 1);
    if (!next.length) {
      stack.pop();
      continue;
    }
    const nb = next[Math.floor(rng.next() * next.length)]!;
    const nr = Math.floor(nb / cellsPerSide);
    const nc = nb % cellsPerSide;
    visited[nb] = 1;
    open[id(nr, nc)] = 1;
    open[(r + nr + 1) * side + (c + nc + 1)] = 1; // the wall between the two cells
    stack.push(nb);
  }
  if (loopFraction > 0) {
    for (let r = 1; r < side - 1; r++) {
      for (let c = 1; c < side - 1; c++) {
        const i = r * side + c;
        if (open[i] || (r % 2) === (c % 2)) continue;
        const between = r % 2 === 1 ? open[i - 1] && open[i + 1] : open[i - side] && open[i + side];
        if (between && rng.next() < loopFraction) open[i] = 1;
      }
    }
  }
  return open;
}
