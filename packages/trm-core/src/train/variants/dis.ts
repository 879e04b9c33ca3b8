/**
 * DIS (ALGORITHM.md §10.5): supervision step t trains against the t-th milestone on a random path from the
 * puzzle to its solution, without the Q losses and without halting.
 */
import { ShapeError, check } from '../../errors.js';
import type { Rng } from '../../random.js';
import type { Carry } from '../carry.js';
import { checkInt } from './checks.js';
import type { RestartHook, Targets } from './variant.js';

/**
 * DIS targets (§10.5) for a batch of rows: `inputs` x0 and `labels` x1, both [B·L] row-major. Returns
 * `path[s]` for s = 0..N_sup, each [B·L]: per row, the positions where x0 ≠ x1 get a random rank and
 * path[s] holds x1 where rank < ⌊s·nd/N_sup⌋, else x0. Label positions equal to `ignoreLabel` (−100) stay
 * ignored at every s. path[0] = x0, path[N_sup] = x1 (up to ignored positions); supervision step t trains
 * against path[t].
 */
export function disMilestones(
  rng: Rng,
  inputs: Int32Array,
  labels: Int32Array,
  seqLen: number,
  supervisionSteps: number,
  ignoreLabel = -100,
): Int32Array[] {
  checkInt('disMilestones seqLen', seqLen, 1);
  checkInt('disMilestones supervisionSteps', supervisionSteps, 1);
  check(inputs.length === labels.length && inputs.length % seqLen === 0, () => `disMilestones: expected inputs and labels of the same length B·${seqLen}, got ${inputs.length} and ${labels.length}.`, ShapeError);
  const n = supervisionSteps;
  const path: Int32Array[] = [];
  for (let s = 0; s <= n; s++) {
    const p = Int32Array.from(inputs);
    for (let i = 0; i < p.length; i++) if (labels[i] === ignoreLabel) p[i] = ignoreLabel;
    path.push(p);
  }
  const rows = inputs.length / seqLen;
  for (let r = 0; r < rows; r++) {
    const off = r * seqLen;
    const diff: number[] = [];
    for (let j = 0; j < seqLen; j++) {
      const x1 = labels[off + j]!;
      if (x1 !== ignoreLabel && inputs[off + j] !== x1) diff.push(off + j);
    }
    rng.shuffle(diff); // diff[k] has rank k
    const nd = diff.length;
    for (let s = 1; s <= n; s++) {
      const filled = Math.floor((s * nd) / n);
      const p = path[s]!;
      for (let k = 0; k < filled; k++) p[diff[k]!] = labels[diff[k]!]!;
    }
  }
  return path;
}

/**
 * DIS as a policy slot: milestones drawn when rows start; the label of row b at its step t = steps[b] + 1 is
 * milestone path[t]; no Q loss (and the policy switches halting off).
 */
export class DisTargets implements Targets, RestartHook {
  readonly qLossWeight = 0;

  constructor(
    private readonly seqLen: number,
    private readonly supervisionSteps: number,
  ) {}

  onRestart(rng: Rng, carry: Carry, rows: Uint8Array): void {
    const L = this.seqLen;
    const nSup = this.supervisionSteps;
    const ms = disMilestones(rng, carry.inputs, carry.labels, L, nSup);
    carry.milestones ??= new Int32Array(rows.length * (nSup + 1) * L);
    for (let b = 0; b < rows.length; b++) {
      if (!rows[b]) continue;
      for (let s = 0; s <= nSup; s++) carry.milestones.set(ms[s]!.subarray(b * L, (b + 1) * L), (b * (nSup + 1) + s) * L);
    }
  }

  labels(carry: Carry): Int32Array {
    const L = this.seqLen;
    const nSup = this.supervisionSteps;
    const B = carry.puzzleIds.length;
    const out = new Int32Array(B * L);
    for (let b = 0; b < B; b++) {
      const t = Math.min(carry.steps[b]! + 1, nSup);
      out.set(carry.milestones!.subarray((b * (nSup + 1) + t) * L, (b * (nSup + 1) + t + 1) * L), b * L);
    }
    return out;
  }
}
