/**
 * Per-puzzle outcomes of a sweep (issue 14): which test puzzles each read-out solved at each recorded step, for
 * each k, and which each of the R runs (R independent test-time inits) solved alone — the data that paired tests
 * (McNemar on the same puzzles), the hard slice and the test-time-init spread need. Fed by `runSweep`'s
 * `onRecord` hook, so it costs no extra forward pass. Outcomes are '0' / '1' strings (one character per puzzle,
 * valid rows in source order) to keep result.json compact and plain.
 */
import { ConfigError, IGNORE_LABEL, check } from '@trm-ts/core';
import { READOUT_NAMES, readoutGrids, type ReadoutName, type TokenArray } from '../readouts.js';
import { predictionDiversity } from '../stats.js';
import type { RecordedStep } from './sweep-run.js';

export interface PuzzleSweepRecord {
  steps: number[];
  ks: number[];
  /** R: runs per puzzle (independent test-time inits when the init is random). */
  runs: number;
  puzzles: number;
  /** `correct[readout][kIndex][stepIndex]`: '1' where the read-out's answer solves the puzzle. */
  correct: Partial<Record<ReadoutName, string[][]>>;
  /** `runCorrect[r][stepIndex]`: '1' where run r alone solves the puzzle. */
  runCorrect: string[][];
  /** With R > 1: diversity of the R runs' answers per recorded step (`predictionDiversity` over the puzzles). */
  diversity?: { step: number; distinctFraction: number; pairwiseDisagreement: number }[];
}

/** Collects a `PuzzleSweepRecord` from `runSweep({ onRecord: recorder.onRecord })`. */
export class PuzzleRecorder {
  private readonly ks: readonly number[];
  private readonly readouts: readonly ReadoutName[];
  private readonly cells: number;
  private readonly steps = new Map<number, { correct: string[][]; runs: string[][]; div: { n: number; distinct: number; pairwise: number } }>();
  private runs = 0;

  constructor(options: { ks: readonly number[]; cells: number; readouts?: readonly ReadoutName[] }) {
    check(options.ks.length > 0, () => 'PuzzleRecorder: expected at least one k, got none. Pass the sweep\'s ks.', ConfigError);
    this.ks = [...options.ks];
    this.readouts = options.readouts ?? READOUT_NAMES;
    this.cells = options.cells;
  }

  readonly onRecord = (r: RecordedStep): void => {
    const { runs: R, batchSize: B, preds, qHalt, labels, valid } = r;
    const L = this.cells;
    check(labels.length === B * L, () => `PuzzleRecorder: expected labels of B·L = ${B * L}, got ${labels.length}.`, ConfigError);
    this.runs = R;
    let s = this.steps.get(r.step);
    if (!s) {
      s = { correct: this.readouts.map(() => this.ks.map(() => [] as string[])).flat(), runs: Array.from({ length: R }, () => [] as string[]), div: { n: 0, distinct: 0, pairwise: 0 } };
      this.steps.set(r.step, s);
    }
    const solved = (grid: TokenArray, row: number, b: number) => {
      for (let l = 0; l < L; l++) {
        const y = labels[b * L + l]!;
        if (y !== IGNORE_LABEL && grid[row * L + l] !== y) return '0';
      }
      return '1';
    };
    const dims = { runs: R, batch: B, cells: L };
    this.readouts.forEach((name, ri) => {
      const grids = readoutGrids(name, preds, qHalt, dims, this.ks);
      grids.forEach((g, ki) => {
        const out = s.correct[ri * this.ks.length + ki]!;
        for (let b = 0; b < B; b++) if (!valid || valid[b]) out.push(solved(g, b, b));
      });
    });
    for (let run = 0; run < R; run++) for (let b = 0; b < B; b++) if (!valid || valid[b]) s.runs[run]!.push(solved(preds, run * B + b, b));
    if (R > 1) {
      const items: TokenArray[][] = [];
      for (let b = 0; b < B; b++) if (!valid || valid[b]) items.push(Array.from({ length: R }, (_, run) => preds.subarray((run * B + b) * L, (run * B + b + 1) * L)));
      if (items.length > 0) {
        const d = predictionDiversity(items);
        s.div.distinct += d.distinctFraction * d.items;
        s.div.pairwise += d.pairwiseDisagreement * d.items;
        s.div.n += d.items;
      }
    }
  };

  result(): PuzzleSweepRecord {
    const steps = [...this.steps.keys()].sort((a, b) => a - b);
    check(steps.length > 0, () => 'PuzzleRecorder: nothing was recorded. Pass recorder.onRecord to runSweep.', ConfigError);
    const at = (step: number) => this.steps.get(step)!;
    const correct: Partial<Record<ReadoutName, string[][]>> = {};
    this.readouts.forEach((name, ri) => {
      correct[name] = this.ks.map((_, ki) => steps.map((st) => at(st).correct[ri * this.ks.length + ki]!.join('')));
    });
    const runCorrect = Array.from({ length: this.runs }, (_, r) => steps.map((st) => at(st).runs[r]!.join('')));
    const out: PuzzleSweepRecord = { steps, ks: [...this.ks], runs: this.runs, puzzles: runCorrect[0]![0]!.length, correct, runCorrect };
    if (this.runs > 1) out.diversity = steps.map((step) => ({ step, distinctFraction: at(step).div.distinct / Math.max(1, at(step).div.n), pairwiseDisagreement: at(step).div.pairwise / Math.max(1, at(step).div.n) }));
    return out;
  }
}

/** '0'/'1' string → booleans. */
export const bits = (s: string): boolean[] => Array.from(s, (c) => c === '1');
/** Fraction of '1' in a '0'/'1' string. */
export const fractionOf = (s: string): number => (s.length === 0 ? 0 : [...s].filter((c) => c === '1').length / s.length);
