/**
 * ARC grids for the evaluator: the eight dihedral transforms and their inverses (ALGORITHM.md §7.6), the
 * crop of a 30×30 token canvas at its PAD/EOS border (§8.7), the inverse of a named augmentation (§7.5,
 * §7.6) and the grid hash `sha256(bytes([h, w]) ++ cells)` (§8.7).
 */
import { ConfigError, ShapeError, check } from '@trm-ts/core';
import { DIHEDRAL_INVERSE, dihedral as dihedralGrid } from '@trm-ts/data';
import { sha256Hex } from './sha256.js';

/** An h×w grid of colours 0..9, row-major. */
export interface ArcGrid {
  h: number;
  w: number;
  cells: Uint8Array;
}

/** Token ids of the 30×30 canvas (§7.5): PAD 0, EOS 1, colour c → c + 2. */
export const ARC_PAD = 0;
export const ARC_EOS = 1;
export const ARC_COLOUR_OFFSET = 2;
export const ARC_SIDE = 30;
/** Separator inside augmented puzzle names `<task>|||t<tid>|||<10 digits>` (official PuzzleIdSeparator). */
export const ARC_NAME_SEPARATOR = '|||';

/** `inverse[tid]` undoes dihedral `tid` (§7.6); the one table of @trm-ts/data. */
export { DIHEDRAL_INVERSE };

/** ARC JSON grid (list of rows) → ArcGrid; checks 0..9 colours, equal row lengths, at most 30×30. */
export function arcGridFromJson(rows: readonly (readonly number[])[]): ArcGrid {
  const h = rows.length;
  const w = rows[0]?.length ?? 0;
  check(h >= 1 && w >= 1 && h <= ARC_SIDE && w <= ARC_SIDE, () => `ARC grid: expected 1..30 × 1..30, got ${h}×${w}.`, ShapeError);
  const cells = new Uint8Array(h * w);
  rows.forEach((row, i) => {
    check(row.length === w, () => `ARC grid: expected every row of length ${w}, got ${row.length} in row ${i}.`, ShapeError);
    row.forEach((v, j) => {
      check(Number.isInteger(v) && v >= 0 && v <= 9, () => `ARC grid: expected colours 0..9, got ${v} at (${i}, ${j}).`, ShapeError);
      cells[i * w + j] = v;
    });
  });
  return { h, w, cells };
}

/** ArcGrid → list of rows (the submission format). */
export function arcGridToJson(g: ArcGrid): number[][] {
  return Array.from({ length: g.h }, (_, i) => Array.from(g.cells.subarray(i * g.w, (i + 1) * g.w)));
}

/** Dihedral transform `tid` ∈ 0..7 of §7.6, by @trm-ts/data's implementation (the builder's own transforms). */
export function dihedral(g: ArcGrid, tid: number): ArcGrid {
  check(Number.isInteger(tid) && tid >= 0 && tid <= 7, () => `dihedral: expected a transform id in 0..7, got ${tid}.`, ConfigError);
  const out = dihedralGrid({ h: g.h, w: g.w, data: g.cells }, tid);
  return { h: out.h, w: out.w, cells: out.data };
}

/**
 * Crop of a predicted or input canvas (§8.7, official `_crop`): for r = 1..side scan row r−1 over columns
 * 1..numC, stopping at the first token < 2 or > 11 and setting numC = c − 1 (numC only shrinks); keep the
 * (r, numC) of largest area (first on ties); return those cells − 2. Empty (0×0) when the top-left is PAD/EOS.
 */
export function cropArc(tokens: ArrayLike<number>, side = ARC_SIDE): ArcGrid {
  check(tokens.length === side * side, () => `cropArc: expected a ${side}×${side} canvas (${side * side} tokens), got ${tokens.length}.`, ShapeError);
  let numC = side;
  let best = 0;
  let bestR = 0;
  let bestC = 0;
  for (let r = 1; r <= side; r++) {
    for (let c = 1; c <= numC; c++) {
      const x = tokens[(r - 1) * side + (c - 1)]!;
      if (x < ARC_COLOUR_OFFSET || x > ARC_COLOUR_OFFSET + 9) {
        numC = c - 1;
        break;
      }
    }
    if (r * numC > best) {
      best = r * numC;
      bestR = r;
      bestC = numC;
    }
  }
  const cells = new Uint8Array(bestR * bestC);
  for (let i = 0; i < bestR; i++) for (let j = 0; j < bestC; j++) cells[i * bestC + j] = tokens[i * side + j]! - ARC_COLOUR_OFFSET;
  return { h: bestR, w: bestC, cells };
}

/** A parsed puzzle name; `tid` 0 and `colourMap` null for an un-augmented name. */
export interface ArcName {
  task: string;
  tid: number;
  /** map[c] = colour that c was turned into (10 entries, a permutation with map[0] = 0 in the builder). */
  colourMap: Uint8Array | null;
}

/** Parses `<task>|||t<tid>|||<10 digits>` (or a plain task name). */
export function parseArcName(name: string): ArcName {
  const parts = name.split(ARC_NAME_SEPARATOR);
  if (parts.length === 1) return { task: name, tid: 0, colourMap: null };
  const [task, t, digits] = parts;
  check(
    parts.length === 3 && /^t[0-7]$/.test(t!) && /^[0-9]{10}$/.test(digits!),
    () => `ARC puzzle name: expected "<task>|||t<0..7>|||<10 digits>", got "${name}".`,
    ConfigError,
  );
  const colourMap = Uint8Array.from(digits!, (ch) => ch.charCodeAt(0) - 48);
  check(new Set(colourMap).size === 10, () => `ARC puzzle name: expected the 10 digits to be a permutation of 0..9, got "${digits}" in "${name}".`, ConfigError);
  return { task: task!, tid: Number(t!.slice(1)), colourMap };
}

/** Undoes a named augmentation (§7.6): `g ↦ inv[dihedral(g, inverse[tid])]` with inv[map[c]] = c. */
export function inverseAugment(g: ArcGrid, name: ArcName): ArcGrid {
  if (name.colourMap === null && name.tid === 0) return g;
  const out = dihedral(g, DIHEDRAL_INVERSE[name.tid]!);
  if (name.colourMap) {
    const inv = new Uint8Array(10);
    name.colourMap.forEach((m, c) => (inv[m] = c));
    for (let i = 0; i < out.cells.length; i++) out.cells[i] = inv[out.cells[i]!]!;
  }
  return out;
}

/** Official grid hash (§8.7): hex sha256 of the bytes [h, w] followed by the uint8 cells row-major. */
export function arcGridHash(g: ArcGrid): string {
  const bytes = new Uint8Array(2 + g.cells.length);
  bytes[0] = g.h;
  bytes[1] = g.w;
  bytes.set(g.cells, 2);
  return sha256Hex(bytes);
}
