/**
 * Best-of-k read-outs (ALGORITHM.md §8.4, §8.5), in one registry ({@link READOUTS}) that `solve` and
 * trm-eval's sweeps both dispatch through. k test runs of the same B examples are stacked as R·B rows
 * (row r·B + b = run r of example b); a read-out turns the first k runs into one answer per example.
 * Everything here is a plain function over typed arrays, O(k·B·L) per call, so one forward pass of R runs
 * serves every read-out and every k ≤ R ("recycling the same forward passes", §8.4).
 */
import { ConfigError, ShapeError, check } from '../errors.js';
import type { TokenArray } from '../data.js';

/** The four read-outs of §8.4. */
export type ReadoutName = 'single' | 'confidence' | 'cellMode' | 'puzzleMode';
export const READOUT_NAMES: readonly ReadoutName[] = Object.freeze(['single', 'confidence', 'cellMode', 'puzzleMode']);

/** Sizes of one supervision step of a k-run sweep: R runs × B examples × L cells. */
export interface RunsDims {
  runs: number; // R
  batch: number; // B
  cells: number; // L
}

/** Checks sizes and that every k is in 1..R; shared by every read-out so a bad call never half-runs. */
export function checkRuns(preds: TokenArray | null, qHalt: Float32Array | null, dims: RunsDims, ks: readonly number[]): void {
  const { runs, batch, cells } = dims;
  for (const [name, v] of [['runs', runs], ['batch', batch], ['cells', cells]] as const) {
    check(Number.isInteger(v) && v >= 1, () => `read-out: expected ${name} to be an integer >= 1, got ${v}.`, ShapeError);
  }
  if (preds) {
    check(
      preds.length === runs * batch * cells,
      () => `read-out: expected predictions of length R·B·L = ${runs}·${batch}·${cells} = ${runs * batch * cells}, got ${preds.length}. Stack runs as rows r·B + b (§8.5).`,
      ShapeError,
    );
  }
  if (qHalt) {
    check(
      qHalt.length === runs * batch,
      () => `read-out: expected q_halt of length R·B = ${runs * batch}, got ${qHalt.length}.`,
      ShapeError,
    );
  }
  check(ks.length > 0, () => 'read-out: expected at least one k, got an empty list.', ShapeError);
  check(new Set(ks).size === ks.length, () => `read-out: expected distinct ks, got [${ks.join(', ')}].`, ShapeError);
  for (const k of ks) {
    check(
      Number.isInteger(k) && k >= 1 && k <= runs,
      () => `read-out: expected every k to be an integer in 1..R = 1..${runs}, got ${k}. Run at least max(k) runs.`,
      ShapeError,
    );
  }
}

/** `slot[r]` = index in `ks` of k = r + 1, or −1: which outputs to write after counting run r. */
function kSlots(ks: readonly number[], kMax: number): Int32Array {
  const slot = new Int32Array(kMax).fill(-1);
  ks.forEach((k, i) => (slot[k - 1] = i));
  return slot;
}

/** Float64 logistic; used for the puzzle-mode and ARC tie-breaks (official uses float64 sigmoid, §8.7). */
export function sigmoid(q: number): number {
  return 1 / (1 + Math.exp(-q));
}

/**
 * `confidence` (§8.4): per example the run with the largest raw q_halt logit among runs 0..k−1; ties → the
 * lowest run (strict `>` while scanning upward). Returns one `Int32Array [B]` of run indices per k in `ks`,
 * all from one upward scan over the runs.
 */
export function confidenceChoices(qHalt: Float32Array, dims: RunsDims, ks: readonly number[]): Int32Array[] {
  checkRuns(null, qHalt, dims, ks);
  const { batch: B } = dims;
  const out = ks.map(() => new Int32Array(B));
  const kMax = Math.max(...ks);
  const slot = kSlots(ks, kMax);
  for (let b = 0; b < B; b++) {
    let best = 0;
    let bestQ = qHalt[b]!;
    for (let r = 0; r < kMax; r++) {
      const q = qHalt[r * B + b]!;
      if (q > bestQ) {
        bestQ = q;
        best = r;
      }
      if (slot[r]! >= 0) out[slot[r]!]![b] = best;
    }
  }
  return out;
}

/** 32-bit FNV-1a of one row; only a bucket key — equal hashes are confirmed by comparing the rows. */
function rowHash(preds: TokenArray, start: number, cells: number): number {
  let h = 0x811c9dc5;
  for (let i = start, end = start + cells; i < end; i++) {
    h = Math.imul(h ^ preds[i]!, 0x01000193);
  }
  return h >>> 0;
}

function rowsEqual(preds: TokenArray, a: number, b: number, cells: number): boolean {
  for (let i = 0; i < cells; i++) if (preds[a + i] !== preds[b + i]) return false;
  return true;
}

/**
 * `puzzleMode` (§8.4): group runs 0..k−1 of each example by identical full prediction; pick the largest
 * group; ties → the larger mean sigmoid(q_halt) over the group; then the group whose first run is lowest.
 * Returns, per k in `ks`, `Int32Array [B]` holding the first run index of the winning group.
 * Groups grow run by run, so all k share one pass (cost O(kmax·B·L): one hash per row, one compare per match).
 */
export function puzzleModeChoices(preds: TokenArray, qHalt: Float32Array, dims: RunsDims, ks: readonly number[]): Int32Array[] {
  checkRuns(preds, qHalt, dims, ks);
  const { batch: B, cells: L } = dims;
  const kMax = Math.max(...ks);
  const slot = kSlots(ks, kMax);
  const out = ks.map(() => new Int32Array(B));
  const firstRun = new Int32Array(kMax); // per group: its lowest run (groups are created in run order)
  const count = new Int32Array(kMax);
  const sumSig = new Float64Array(kMax);
  const hash = new Uint32Array(kMax);
  for (let b = 0; b < B; b++) {
    let groups = 0;
    for (let r = 0; r < kMax; r++) {
      const start = (r * B + b) * L;
      const h = rowHash(preds, start, L);
      let g = 0;
      while (g < groups && !(hash[g] === h && rowsEqual(preds, (firstRun[g]! * B + b) * L, start, L))) g++;
      if (g === groups) {
        groups++;
        firstRun[g] = r;
        count[g] = 0;
        sumSig[g] = 0;
        hash[g] = h;
      }
      count[g]!++;
      sumSig[g]! += sigmoid(qHalt[r * B + b]!);
      const i = slot[r]!;
      if (i >= 0) {
        // Scan groups in order of first run; replace only on a strict improvement, so full ties keep the lowest.
        let best = 0;
        for (let j = 1; j < groups; j++) {
          const c = count[j]!;
          const cb = count[best]!;
          if (c > cb || (c === cb && sumSig[j]! / c > sumSig[best]! / cb)) best = j;
        }
        out[i]![b] = firstRun[best]!;
      }
    }
  }
  return out;
}

/**
 * `cellMode` (§8.4): per cell the most frequent token over runs 0..k−1; ties → the lowest token id.
 * Returns one `Int32Array [B·L]` grid per k in `ks`. Counts only grow as runs are added, so the running
 * winner (count desc, token asc) can only change to the token just counted: O(kmax) per cell for all k.
 */
export function cellModeGrids(preds: TokenArray, dims: RunsDims, ks: readonly number[]): Int32Array[] {
  checkRuns(preds, null, dims, ks);
  const { batch: B, cells: L } = dims;
  const kMax = Math.max(...ks);
  const BL = B * L;
  let maxToken = 0;
  for (let i = 0, n = kMax * BL; i < n; i++) {
    const t = preds[i]!;
    if (t > maxToken) maxToken = t;
    else if (t < 0) throw new ShapeError(`cellMode: expected token ids >= 0, got ${t} at index ${i}. Pass argmax ids.`);
  }
  const counts = new Int32Array(maxToken + 1);
  const slot = kSlots(ks, kMax);
  const out = ks.map(() => new Int32Array(BL));
  for (let c = 0; c < BL; c++) {
    let best = -1;
    let bestCount = 0;
    for (let r = 0; r < kMax; r++) {
      const t = preds[r * BL + c]!;
      const n = ++counts[t]!;
      if (n > bestCount || (n === bestCount && t < best)) {
        best = t;
        bestCount = n;
      }
      if (slot[r]! >= 0) out[slot[r]!]![c] = best;
    }
    for (let r = 0; r < kMax; r++) counts[preds[r * BL + c]!] = 0;
  }
  return out;
}

/** Copies the chosen run's row of every example: `out[b·L + l] = preds[(choice[b]·B + b)·L + l]`, `[B·L]`. */
export function gatherRuns(preds: TokenArray, choice: Int32Array, dims: RunsDims): Int32Array {
  checkRuns(preds, null, dims, [1]);
  const { runs: R, batch: B, cells: L } = dims;
  check(choice.length === B, () => `gatherRuns: expected a choice per example (${B}), got ${choice.length}.`, ShapeError);
  const out = new Int32Array(B * L);
  for (let b = 0; b < B; b++) {
    const r = choice[b]!;
    check(Number.isInteger(r) && r >= 0 && r < R, () => `gatherRuns: expected run indices in 0..${R - 1}, got ${r} for example ${b}.`, ShapeError);
    out.set(preds.subarray((r * B + b) * L, (r * B + b + 1) * L), b * L);
  }
  return out;
}

/**
 * A read-out (§8.4) over runs 0..k−1 of each example, for every k in `ks` at once. `run` read-outs pick one
 * whole run per example (`choose` → `Int32Array [B]` of run indices per k), so a caller can score them from
 * per-run results; `cell` read-outs build a new grid (`grids` → `Int32Array [B·L]` per k).
 */
export type ReadoutDef =
  | { kind: 'run'; choose(preds: TokenArray, qHalt: Float32Array, dims: RunsDims, ks: readonly number[]): Int32Array[] }
  | { kind: 'cell'; grids(preds: TokenArray, qHalt: Float32Array, dims: RunsDims, ks: readonly number[]): Int32Array[] };

/** The read-out registry: adding a read-out = one entry here (and its name in {@link ReadoutName}). */
export const READOUTS: Readonly<Record<ReadoutName, ReadoutDef>> = Object.freeze({
  single: { kind: 'run', choose: (preds, qHalt, dims, ks) => (checkRuns(preds, qHalt, dims, ks), ks.map(() => new Int32Array(dims.batch))) },
  confidence: { kind: 'run', choose: (_preds, qHalt, dims, ks) => confidenceChoices(qHalt, dims, ks) },
  cellMode: { kind: 'cell', grids: (preds, _qHalt, dims, ks) => cellModeGrids(preds, dims, ks) },
  puzzleMode: { kind: 'run', choose: puzzleModeChoices },
});

/** The registry entry of `name`; a ConfigError listing the valid names otherwise. */
export function readoutDef(name: string): ReadoutDef {
  const def = (READOUTS as Record<string, ReadoutDef | undefined>)[name];
  check(def, () => `readout: expected one of ${READOUT_NAMES.join(', ')}, got ${JSON.stringify(name)}.`, ConfigError);
  return def;
}

/** The answer grids `[B·L]` of read-out `name`, one per k in `ks`. */
export function readoutGrids(name: ReadoutName, preds: TokenArray, qHalt: Float32Array, dims: RunsDims, ks: readonly number[]): Int32Array[] {
  const def = readoutDef(name);
  checkRuns(preds, qHalt, dims, ks);
  return def.kind === 'cell' ? def.grids(preds, qHalt, dims, ks) : def.choose(preds, qHalt, dims, ks).map((c) => gatherRuns(preds, c, dims));
}

/** One read-out for one k, as a `[B·L]` grid: the convenience form of {@link readoutGrids}. */
export function readout(name: ReadoutName, preds: TokenArray, qHalt: Float32Array, dims: RunsDims, k: number): Int32Array {
  return readoutGrids(name, preds, qHalt, dims, [k])[0]!;
}
