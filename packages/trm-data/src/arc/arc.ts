/**
 * ARC-AGI (ALGORITHM.md §7.5, §7.6): the two JSON layouts (one file per task; combined `*_challenges.json` +
 * `*_solutions.json`), the 30×30 encoding (PAD 0, EOS 1, colour c → c + 2), augmentations (dihedral transform +
 * colour permutation keeping 0) with their names, and the inverse transform of a predicted grid.
 */
import { describeValue, parseJsonText } from '@trm-ts/core';
import type { Rng } from '@trm-ts/core';
import { DataError, type DataLocation } from '../errors.js';
import { DIHEDRAL_INVERSE, dihedral, gridToRows, type Grid } from '../grid.js';

export const ARC_SIDE = 30;
export const ARC_SEQ_LEN = ARC_SIDE * ARC_SIDE;
export const ARC_VOCAB_SIZE = 12;
export const ARC_PAD = 0;
export const ARC_EOS = 1;

export interface ArcPair {
  input: Grid;
  /** null where a test output is unknown (challenges without solutions). */
  output: Grid | null;
}

export interface ArcTask {
  id: string;
  train: ArcPair[];
  test: ArcPair[];
}

/** Checks and converts one JSON grid: 1..30 rows of equal length 1..30, integers 0..9. */
export function parseArcGrid(value: unknown, where: DataLocation, what: string): Grid {
  if (!Array.isArray(value) || value.length < 1 || value.length > ARC_SIDE) {
    throw new DataError(`${what}: expected a list of 1-${ARC_SIDE} rows, got ${Array.isArray(value) ? `${value.length} rows` : typeof value}.`, where);
  }
  const h = value.length;
  const first = value[0];
  const w = Array.isArray(first) ? first.length : -1;
  if (w < 1 || w > ARC_SIDE) throw new DataError(`${what}: row 0: expected a list of 1-${ARC_SIDE} colours, got ${Array.isArray(first) ? `${w} entries` : typeof first}.`, where);
  const data = new Uint8Array(h * w);
  for (let r = 0; r < h; r++) {
    const row: unknown = value[r];
    if (!Array.isArray(row) || row.length !== w) {
      throw new DataError(`${what}: row ${r}: expected ${w} colours (as row 0; grids are rectangular), got ${Array.isArray(row) ? row.length : typeof row}.`, where);
    }
    for (let c = 0; c < w; c++) {
      const v: unknown = row[c];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 9) {
        throw new DataError(`${what}: cell (${r}, ${c}): expected a colour 0-9, got ${describeValue(v)}.`, where);
      }
      data[r * w + c] = v;
    }
  }
  return { h, w, data };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parsePairs(value: unknown, where: DataLocation, what: string, needOutput: boolean): ArcPair[] {
  if (!Array.isArray(value) || value.length === 0) throw new DataError(`${what}: expected a non-empty list of pairs, got ${Array.isArray(value) ? 'an empty list' : typeof value}.`, where);
  return value.map((p: unknown, k) => {
    if (!isObject(p)) throw new DataError(`${what}[${k}]: expected an object with "input"${needOutput ? ' and "output"' : ''}, got ${describeValue(p)?.slice(0, 50)}.`, where);
    const input = parseArcGrid(p.input, where, `${what}[${k}].input`);
    if (p.output === undefined && needOutput) throw new DataError(`${what}[${k}].output: expected a grid, got none.`, where);
    const output = p.output === undefined ? null : parseArcGrid(p.output, where, `${what}[${k}].output`);
    return { input, output };
  });
}

function parseJson(text: string | unknown, file: string | undefined): unknown {
  if (typeof text !== 'string') return text;
  return parseJsonText(text, '', (message, code) => new DataError(message, { file, code }));
}

/** One task in the one-file-per-task layout: `{"train": [{input, output}], "test": [{input, output?}]}`. */
export function parseArcTask(json: string | unknown, id: string, file?: string): ArcTask {
  const v = parseJson(json, file);
  const where = { file, taskId: id };
  if (!isObject(v)) throw new DataError(`expected an object with "train" and "test", got ${Array.isArray(v) ? 'a list' : typeof v}.`, where);
  return { id, train: parsePairs(v.train, where, 'train', true), test: parsePairs(v.test, where, 'test', false) };
}

/**
 * The combined layout: `{taskId: {train, test}}` plus optional `{taskId: [grid per test input]}` solutions.
 * Tasks keep the file's order.
 */
export function parseArcChallenges(challenges: string | unknown, solutions?: string | unknown, files: { challenges?: string; solutions?: string } = {}): ArcTask[] {
  const c = parseJson(challenges, files.challenges);
  if (!isObject(c)) throw new DataError(`expected an object {taskId: task}, got ${Array.isArray(c) ? 'a list' : typeof c}.`, { file: files.challenges });
  const s = solutions === undefined ? undefined : parseJson(solutions, files.solutions);
  if (s !== undefined && !isObject(s)) throw new DataError(`expected an object {taskId: [grid, …]}, got ${Array.isArray(s) ? 'a list' : typeof s}.`, { file: files.solutions });
  const tasks = Object.entries(c).map(([id, t]) => parseArcTask(t, id, files.challenges));
  if (s) {
    const ids = new Set(Object.keys(c));
    for (const id of Object.keys(s)) {
      if (!ids.has(id)) throw new DataError(`expected only solutions of tasks in the challenges, got task ${describeValue(id)}.`, { file: files.solutions, taskId: id });
    }
    for (const task of tasks) {
      // Own keys only: task ids such as "constructor" or "__proto__" must not find Object.prototype's members.
      const sol = Object.hasOwn(s, task.id) ? s[task.id] : undefined;
      if (sol === undefined) continue;
      const where = { file: files.solutions, taskId: task.id };
      if (!Array.isArray(sol) || sol.length !== task.test.length) {
        throw new DataError(`expected ${task.test.length} solution grids (one per test input), got ${Array.isArray(sol) ? sol.length : typeof sol}.`, where);
      }
      sol.forEach((g: unknown, k) => {
        task.test[k]!.output = parseArcGrid(g, where, `solution ${k}`);
      });
    }
  }
  return tasks;
}

/** Tasks → the combined layout's two JSON values (outputs of test pairs go to the solutions). */
export function formatArcChallenges(tasks: readonly ArcTask[]): { challenges: Record<string, unknown>; solutions: Record<string, number[][][]> } {
  const challenges: Record<string, unknown> = {};
  const solutions: Record<string, number[][][]> = {};
  for (const t of tasks) {
    challenges[t.id] = {
      train: t.train.map((p) => ({ input: gridToRows(p.input), output: gridToRows(p.output!) })),
      test: t.test.map((p) => ({ input: gridToRows(p.input) })),
    };
    if (t.test.every((p) => p.output)) solutions[t.id] = t.test.map((p) => gridToRows(p.output!));
  }
  return { challenges, solutions };
}

/** A task → the one-file-per-task JSON value. */
export function formatArcTask(task: ArcTask): unknown {
  const pair = (p: ArcPair) => (p.output ? { input: gridToRows(p.input), output: gridToRows(p.output) } : { input: gridToRows(p.input) });
  return { train: task.train.map(pair), test: task.test.map(pair) };
}

/**
 * Writes a grid on the 30×30 canvas at (r0, c0): colour c → c + 2, EOS on the row below and the column to the
 * right (where inside the canvas; the corner cell stays PAD), PAD elsewhere.
 */
export function encodeArcGrid(g: Grid, r0 = 0, c0 = 0, out: Uint8Array = new Uint8Array(ARC_SEQ_LEN)): Uint8Array {
  if (r0 < 0 || c0 < 0 || r0 + g.h > ARC_SIDE || c0 + g.w > ARC_SIDE) {
    throw new DataError(`ARC grid ${g.h}×${g.w} at (${r0}, ${c0}): expected it to fit the ${ARC_SIDE}×${ARC_SIDE} canvas.`);
  }
  out.fill(ARC_PAD);
  for (let r = 0; r < g.h; r++) for (let c = 0; c < g.w; c++) out[(r0 + r) * ARC_SIDE + c0 + c] = g.data[r * g.w + c]! + 2;
  if (r0 + g.h < ARC_SIDE) for (let c = 0; c < g.w; c++) out[(r0 + g.h) * ARC_SIDE + c0 + c] = ARC_EOS;
  if (c0 + g.w < ARC_SIDE) for (let r = 0; r < g.h; r++) out[(r0 + r) * ARC_SIDE + c0 + g.w] = ARC_EOS;
  return out;
}

/**
 * Reads a predicted grid back from canvas tokens, as the official evaluator crops: from the top-left, the
 * largest rectangle of colour tokens (2..11), scanning rows and shrinking the width at the first non-colour.
 * Returns null when the top-left cell is not a colour.
 */
export function decodeArcGrid(tokens: ArrayLike<number>): Grid | null {
  if (tokens.length !== ARC_SEQ_LEN) throw new DataError(`ARC tokens: expected ${ARC_SEQ_LEN}, got ${tokens.length}.`);
  const isColour = (t: number) => t >= 2 && t <= 11;
  let width = ARC_SIDE;
  let best = 0;
  let bh = 0;
  let bw = 0;
  for (let h = 1; h <= ARC_SIDE; h++) {
    for (let c = 0; c < width; c++) {
      if (!isColour(tokens[(h - 1) * ARC_SIDE + c]!)) {
        width = c;
        break;
      }
    }
    if (h * width > best) {
      best = h * width;
      bh = h;
      bw = width;
    }
  }
  if (best === 0) return null;
  const data = new Uint8Array(bh * bw);
  for (let r = 0; r < bh; r++) for (let c = 0; c < bw; c++) data[r * bw + c] = tokens[r * ARC_SIDE + c]! - 2;
  return { h: bh, w: bw, data };
}

/** One augmented version of a task: dihedral transform id and colour map ([0] fixed, a permutation of 1..9). */
export interface ArcAugmentation {
  tid: number;
  colorMap: Uint8Array;
}

export const ARC_IDENTITY: Readonly<ArcAugmentation> = Object.freeze({ tid: 0, colorMap: Uint8Array.from({ length: 10 }, (_, i) => i) });

export function randomArcAugmentation(rng: Rng): ArcAugmentation {
  const tid = Math.floor(rng.next() * 8);
  const perm = rng.permutation(9);
  const colorMap = new Uint8Array(10);
  for (let c = 1; c <= 9; c++) colorMap[c] = perm[c - 1]! + 1;
  return { tid, colorMap };
}

/** `dihedral(map[g], tid)` (§7.5). */
export function applyArcAugmentation(g: Grid, aug: ArcAugmentation): Grid {
  const mapped = { h: g.h, w: g.w, data: g.data.map((c) => aug.colorMap[c]!) };
  return dihedral(mapped, aug.tid);
}

/** `inv[dihedral(g, inverse[tid])]` with `inv[map[c]] = c` (§7.6): undoes {@link applyArcAugmentation}. */
export function invertArcAugmentation(g: Grid, aug: ArcAugmentation): Grid {
  const inv = new Uint8Array(10);
  for (let c = 0; c < 10; c++) inv[aug.colorMap[c]!] = c;
  const back = dihedral(g, DIHEDRAL_INVERSE[aug.tid]!);
  return { h: back.h, w: back.w, data: back.data.map((c) => inv[c]!) };
}

/** `"<task>|||t<tid>|||<10 digits of map>"`; the identity version is named by the task id alone. */
export function arcPuzzleName(taskId: string, aug: ArcAugmentation): string {
  const identity = aug.tid === 0 && aug.colorMap.every((c, i) => c === i);
  return identity ? taskId : `${taskId}|||t${aug.tid}|||${aug.colorMap.join('')}`;
}

/** Parses a puzzle name back into its task id and augmentation (for the voting evaluator's inverse transform). */
export function parseArcPuzzleName(name: string): { taskId: string; aug: ArcAugmentation } {
  const parts = name.split('|||');
  if (parts.length === 1) return { taskId: name, aug: { tid: 0, colorMap: ARC_IDENTITY.colorMap.slice() } };
  const m = parts.length === 3 ? /^t([0-7])$/.exec(parts[1]!) : null;
  const digits = parts[2] ?? '';
  const colorMap = Uint8Array.from(digits, (d) => d.charCodeAt(0) - 48);
  const valid = m && /^[0-9]{10}$/.test(digits) && colorMap[0] === 0 && new Set(colorMap).size === 10;
  if (!valid) throw new DataError(`ARC puzzle name: expected "<task>|||t<0-7>|||<permutation of 0-9 starting with 0>", got ${describeValue(name)}.`);
  return { taskId: parts[0]!, aug: { tid: Number(m[1]), colorMap } };
}
