/**
 * The ARC evaluator (ALGORITHM.md §8.7, official evaluators/arc.py): every test row (one augmented version of
 * a test input) votes for its inverse-transformed, cropped prediction; per (task, test input) the candidates
 * are ranked by (votes, mean sigmoid q_halt), stable on full ties; pass@K and the top-2 submission follow.
 * Votes are cleared by every `evaluate()` unless `accumulate: true` (the official run-long accumulation).
 */
import { ConfigError, ShapeError, check } from '@trm-ts/core';
import { sigmoid } from '../readouts.js';
import { ARC_SIDE, arcGridFromJson, arcGridHash, arcGridToJson, cropArc, inverseAugment, parseArcName, type ArcGrid } from './grid.js';

/** The official pass@K list. */
export const ARC_PASS_KS: readonly number[] = Object.freeze([1, 2, 5, 10, 100, 1000]);

/** `test_puzzles.json` shape (§7.1): per task its test pairs with solutions (other fields ignored). */
export type ArcTestPuzzles = Record<string, { test: readonly { input: number[][]; output: number[][] }[] }>;

export interface ArcVoterOptions {
  /** Keep votes across `evaluate()` calls (official quirk, §8.7). Default false. */
  accumulate?: boolean;
  /** K values of pass@K. Default ARC_PASS_KS. */
  passKs?: readonly number[];
  /** Attempts per test pair in the submission. Default 2. */
  submissionK?: number;
  /** Canvas side. Default 30. */
  side?: number;
}

/** One ranked candidate answer of one test pair. */
export interface ArcCandidate {
  hash: string;
  votes: number;
  meanQ: number;
}

export interface ArcTaskResult {
  pairs: number;
  /** Pairs whose answer is in the top K, per entry of `passKs`. */
  correct: number[];
  /** Pairs that received at least one vote. */
  voted: number;
}

/** Plain JSON-serialisable evaluation result. */
export interface ArcEvalResult {
  passKs: number[];
  /** Mean over tasks of the task score (correct pairs / pairs), per K; a task without votes scores 0. */
  passAtK: number[];
  tasks: Record<string, ArcTaskResult>;
  /** Per task, per test pair: `attempt_1..attempt_K` (the first repeated when fewer candidates). Pairs without
   * votes get `[[0]]` attempts so the list stays aligned with the test pairs (the official code skips them). */
  submission: Record<string, Record<string, number[][]>[]>;
  /** Ranked candidates per task and test pair (top `max(passKs)`). */
  rankings: Record<string, ArcCandidate[][]>;
  /** Rows that voted in this evaluation (all since the first evaluation when accumulating). */
  votes: number;
}

interface Tally {
  count: number;
  sumQ: number;
}

export class ArcVoter {
  readonly accumulate: boolean;
  readonly passKs: readonly number[];
  readonly submissionK: number;
  readonly side: number;
  // task → input hash → prediction hash → tally; Map order = first appearance, which decides full ties.
  private tallies = new Map<string, Map<string, Map<string, Tally>>>();
  private grids = new Map<string, ArcGrid>();
  private nVotes = 0;

  constructor(options: ArcVoterOptions = {}) {
    const { accumulate = false, passKs = ARC_PASS_KS, submissionK = 2, side = ARC_SIDE } = options;
    check(passKs.length > 0 && passKs.every((k) => Number.isInteger(k) && k >= 1), () => `ArcVoter: expected passKs to be integers >= 1, got [${passKs.join(', ')}].`, ConfigError);
    check(Number.isInteger(submissionK) && submissionK >= 1, () => `ArcVoter: expected submissionK >= 1, got ${submissionK}.`, ConfigError);
    check(Number.isInteger(side) && side >= 1 && side <= 255, () => `ArcVoter: expected side in 1..255, got ${side}.`, ConfigError);
    this.accumulate = accumulate;
    this.passKs = Object.freeze([...passKs]);
    this.submissionK = submissionK;
    this.side = side;
  }

  /** Number of votes held. */
  get size(): number {
    return this.nVotes;
  }

  /**
   * One test row: its puzzle `name` (`<task>|||t<tid>|||<map>` or a plain task), input and predicted canvases
   * (`side²` tokens) and the final step's raw q_halt logit.
   */
  add(name: string, input: ArrayLike<number>, pred: ArrayLike<number>, qHalt: number): void {
    const parsed = parseArcName(name);
    const inputHash = arcGridHash(inverseAugment(cropArc(input, this.side), parsed));
    const grid = inverseAugment(cropArc(pred, this.side), parsed);
    const predHash = arcGridHash(grid);
    // Crop keeps tokens 2..11 only, so cells are colours 0..9 (the official assert holds by construction).
    const q = sigmoid(qHalt);
    let byInput = this.tallies.get(parsed.task);
    if (!byInput) this.tallies.set(parsed.task, (byInput = new Map()));
    let byPred = byInput.get(inputHash);
    if (!byPred) byInput.set(inputHash, (byPred = new Map()));
    const t = byPred.get(predHash);
    if (t) {
      t.count++;
      t.sumQ += q;
    } else {
      byPred.set(predHash, { count: 1, sumQ: q });
    }
    if (!this.grids.has(predHash)) this.grids.set(predHash, grid);
    this.nVotes++;
  }

  /**
   * A batch of test rows: `puzzleIds [B]` index `identifiers` (identifiers.json); rows with `blankId` (padding,
   * §7.7) are skipped. `inputs`, `preds`: `[B·side²]`; `qHalt`: `[B]` raw logits of the final step.
   */
  addBatch(batch: {
    puzzleIds: ArrayLike<number>;
    identifiers: readonly string[];
    inputs: ArrayLike<number>;
    preds: ArrayLike<number>;
    qHalt: ArrayLike<number>;
    blankId?: number;
  }): void {
    const { puzzleIds, identifiers, inputs, preds, qHalt, blankId = 0 } = batch;
    const B = puzzleIds.length;
    const n = this.side * this.side;
    check(inputs.length === B * n && preds.length === B * n && qHalt.length === B, () => `ArcVoter.addBatch: expected inputs and preds [${B}·${n}] and qHalt [${B}], got ${inputs.length}, ${preds.length}, ${qHalt.length}.`, ShapeError);
    for (let b = 0; b < B; b++) {
      const id = puzzleIds[b]!;
      check(Number.isInteger(id) && id >= 0 && id < identifiers.length, () => `ArcVoter.addBatch: expected puzzle ids in 0..${identifiers.length - 1}, got ${id} in row ${b}.`, ShapeError);
    }
    const row = (a: ArrayLike<number>, b: number) => Int32Array.from({ length: n }, (_, i) => a[b * n + i]!);
    for (let b = 0; b < B; b++) {
      if (puzzleIds[b] === blankId) continue;
      this.add(identifiers[puzzleIds[b]!]!, row(inputs, b), row(preds, b), qHalt[b]!);
    }
  }

  /** Forgets all votes. */
  clear(): void {
    this.tallies = new Map();
    this.grids = new Map();
    this.nVotes = 0;
  }

  /** Scores the votes against `testPuzzles`; clears them afterwards unless `accumulate`. */
  evaluate(testPuzzles: ArcTestPuzzles): ArcEvalResult {
    const names = Object.keys(testPuzzles);
    check(names.length > 0, () => 'ArcVoter.evaluate: expected at least one test task, got none.', ConfigError);
    const topN = Math.max(...this.passKs, this.submissionK);
    const sums = this.passKs.map(() => 0);
    const tasks: Record<string, ArcTaskResult> = {};
    const submission: Record<string, Record<string, number[][]>[]> = {};
    const rankings: Record<string, ArcCandidate[][]> = {};
    for (const name of names) {
      const pairs = testPuzzles[name]!.test;
      check(pairs.length > 0, () => `ArcVoter.evaluate: task ${name} has no test pair.`, ConfigError);
      const correct = this.passKs.map(() => 0);
      let voted = 0;
      submission[name] = [];
      rankings[name] = [];
      for (const [i, pair] of pairs.entries()) {
        check(pair.input && pair.output, () => `ArcVoter.evaluate: task ${name}, test pair ${i}: expected input and output grids. Build the set with arcTestPuzzlesFromFiles(challenges, solutions).`, ShapeError);
        const inputHash = arcGridHash(arcGridFromJson(pair.input));
        const labelHash = arcGridHash(arcGridFromJson(pair.output));
        const ranked = rank(this.tallies.get(name)?.get(inputHash));
        rankings[name].push(ranked.slice(0, topN));
        const attempts: Record<string, number[][]> = {};
        if (ranked.length === 0) {
          for (let i = 1; i <= this.submissionK; i++) attempts[`attempt_${i}`] = [[0]];
        } else {
          voted++;
          this.passKs.forEach((k, i) => {
            if (ranked.slice(0, k).some((c) => c.hash === labelHash)) correct[i]!++;
          });
          for (let i = 0; i < this.submissionK; i++) {
            attempts[`attempt_${i + 1}`] = arcGridToJson(this.grids.get((ranked[i] ?? ranked[0]!).hash)!);
          }
        }
        submission[name].push(attempts);
      }
      tasks[name] = { pairs: pairs.length, correct, voted };
      correct.forEach((c, i) => (sums[i]! += c / pairs.length));
    }
    const votes = this.nVotes;
    if (!this.accumulate) this.clear();
    return { passKs: [...this.passKs], passAtK: sums.map((s) => s / names.length), tasks, submission, rankings, votes };
  }
}

/** Candidates by (votes, mean q) descending; Array.prototype.sort is stable, so full ties keep first-seen order. */
function rank(byPred: Map<string, Tally> | undefined): ArcCandidate[] {
  if (!byPred) return [];
  const list = [...byPred].map(([hash, t]) => ({ hash, votes: t.count, meanQ: t.sumQ / t.count }));
  return list.sort((a, b) => b.votes - a.votes || b.meanQ - a.meanQ);
}

/** Builds `ArcTestPuzzles` from the Kaggle-style `<prefix>_challenges.json` and `_solutions.json` (§7.5). */
export function arcTestPuzzlesFromFiles(
  challenges: Record<string, { test: readonly { input: number[][] }[] }>,
  solutions: Record<string, readonly number[][][]>,
): ArcTestPuzzles {
  const out: ArcTestPuzzles = {};
  for (const [task, c] of Object.entries(challenges)) {
    const sol = solutions[task];
    check(sol && sol.length === c.test.length, () => `arcTestPuzzlesFromFiles: expected ${c.test.length} solutions for task ${task}, got ${sol?.length ?? 0}.`, ShapeError);
    out[task] = { test: c.test.map((p, i) => ({ input: p.input, output: sol[i]! })) };
  }
  return out;
}
