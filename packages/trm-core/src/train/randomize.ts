/**
 * The random draws and schedules of training (ALGORITHM.md §4.4, §8.3, §10): pure functions over an `Rng`
 * (no tensors), so that a training loop stays deterministic for a seed and resumable from the Rng state.
 *
 * - randomised n / T / N_sup, compute-matched, with an opt-in [jax] compatibility mode (§10.1, §12.23);
 * - exploration min-step draws of the halting rule (§4.4, §12.9);
 * - Bansal progressive-loss splits (§10.3), the CGAR depth curriculum and step weights (§10.4);
 * - DIS milestone targets (§10.5);
 * - latent initialisations `static | random | mixed | zeros` (§8.3).
 */
import { ConfigError, ShapeError, check } from '../errors.js';
import type { Rng } from '../random.js';

function checkInt(what: string, x: number, min: number, fix = ''): void {
  check(Number.isInteger(x) && x >= min, () => `${what}: expected an integer >= ${min}, got ${x}.${fix ? ` ${fix}` : ''}`, ConfigError);
}

function checkProb(what: string, p: number): void {
  check(Number.isFinite(p) && p >= 0 && p <= 1, () => `${what}: expected a probability in [0, 1], got ${p}.`, ConfigError);
}

// ---------------------------------------------------------------------------------------------------------
// §10.1 randomised n, T, N_sup

export interface CentredDrawOptions {
  /**
   * Reproduce [jax] instead of the compute-matched draw: the lower bound is max(1, c − w) (so c − w < 1 is
   * accepted and the mean exceeds c), and `drawSupervisionSteps` clips at the centre (§10.1, §12.23).
   */
  jaxCompat?: boolean;
}

/**
 * Validates a centred uniform U{c − w .. c + w}: integers, c ≥ 1, w ≥ 0 and c − w ≥ 1. A symmetric uniform
 * keeps E[cost] = cost at c (cost is linear in n, in T and in N_sup) only if nothing is clipped, so configs
 * with c − w < 1 are rejected rather than clipped (§10.1).
 */
export function checkCentredRange(what: string, centre: number, halfWidth: number): void {
  checkInt(`${what} centre`, centre, 1);
  checkInt(`${what} half-width`, halfWidth, 0);
  check(centre - halfWidth >= 1, () => `${what}: expected centre − half-width >= 1 (compute-matched draws are never clipped), got ${centre} − ${halfWidth} = ${centre - halfWidth}. Use a half-width <= ${centre - 1}, or jaxCompat to reproduce [jax]'s clipping.`, ConfigError);
}

/** One draw v ~ U{c − w .. c + w} (with `jaxCompat`: U{max(1, c − w) .. c + w}). */
export function drawCentred(rng: Rng, centre: number, halfWidth: number, opts: CentredDrawOptions = {}): number {
  if (opts.jaxCompat) {
    checkInt('drawCentred centre', centre, 1);
    checkInt('drawCentred half-width', halfWidth, 0);
    return rng.int(Math.max(1, centre - halfWidth), centre + halfWidth);
  }
  checkCentredRange('drawCentred', centre, halfWidth);
  return rng.int(centre - halfWidth, centre + halfWidth);
}

/**
 * Randomised N_sup (§10.1). Compute-matched (default): a draw from U{c − w .. c + w}; the classic loop runs
 * exactly that many supervision (= optimizer) steps on the batch, the streaming loop uses it as the row's
 * own cap (one draw per row when it is (re)started). `jaxCompat`: returns min(draw, c) — [jax] always runs
 * c steps and zeroes the gradients of the steps after this one (Adam momentum and decay still move the
 * weights there), so E[result] < c, e.g. 236/17 for c = 16, w = 8.
 */
export function drawSupervisionSteps(rng: Rng, centre: number, halfWidth: number, opts: CentredDrawOptions = {}): number {
  const v = drawCentred(rng, centre, halfWidth, opts);
  return opts.jaxCompat ? Math.min(v, centre) : v;
}

/** Depth of one batch (classic loop) or optimizer step (streaming loop). */
export interface RecursionDepth {
  /** n, `L_cycles`. */
  latentSteps: number;
  /** T, `H_cycles`. */
  recursions: number;
}

/**
 * Draws n then T, each from its centred uniform when a half-width is given (else the centre), shared by all
 * rows (§10.1). Half-widths are the `randomize` config keys.
 */
export function drawRecursionDepth(
  rng: Rng,
  centre: RecursionDepth,
  halfWidth: { latentSteps?: number; recursions?: number },
  opts: CentredDrawOptions = {},
): RecursionDepth {
  const wn = halfWidth.latentSteps ?? 0;
  const wt = halfWidth.recursions ?? 0;
  return {
    latentSteps: wn > 0 ? drawCentred(rng, centre.latentSteps, wn, opts) : centre.latentSteps,
    recursions: wt > 0 ? drawCentred(rng, centre.recursions, wt, opts) : centre.recursions,
  };
}

// ---------------------------------------------------------------------------------------------------------
// §4.4 exploration

/** 'perStep': a fresh veto for every row at every step (official); 'perSample': once per sample ([jax]). */
export type ExplorationDraw = 'perStep' | 'perSample';

function drawOneMinSteps(rng: Rng, supervisionSteps: number, prob: number): number {
  if (supervisionSteps < 2) return 0; // official: exploration only when N_sup > 1 (U{2..1} is empty)
  return rng.next() < prob ? rng.int(2, supervisionSteps) : 0;
}

function capOf(what: string, supervisionSteps: number | ArrayLike<number>, i: number): number {
  const n = typeof supervisionSteps === 'number' ? supervisionSteps : supervisionSteps[i]!;
  checkInt(`${what} supervisionSteps`, n, 1);
  return n;
}

/**
 * Minimum step counts for `count` rows: with probability `prob` (`halt_exploration_prob`, 0.1) a draw from
 * U{2..N_sup}, else 0 (§4.4). A row may halt at step s only if s ≥ minSteps. `supervisionSteps` is N_sup,
 * or one cap per row (randomised N_sup in the streaming loop).
 */
export function drawMinSteps(rng: Rng, count: number, supervisionSteps: number | ArrayLike<number>, prob: number): Int32Array {
  checkInt('drawMinSteps count', count, 0);
  checkProb('drawMinSteps prob', prob);
  if (typeof supervisionSteps !== 'number') {
    check(supervisionSteps.length === count, () => `drawMinSteps supervisionSteps: expected one cap per row (${count}), got ${supervisionSteps.length}.`, ShapeError);
  }
  const out = new Int32Array(count);
  for (let b = 0; b < count; b++) out[b] = drawOneMinSteps(rng, capOf('drawMinSteps', supervisionSteps, b), prob);
  return out;
}

/**
 * Refreshes `minSteps` in place before the halting decision of a step: 'perStep' redraws every row;
 * 'perSample' redraws only rows whose sample just (re)started (`restarted[b]` truthy; all rows if omitted,
 * i.e. the start of a classic-loop batch).
 */
export function refreshMinSteps(
  rng: Rng,
  minSteps: Int32Array,
  mode: ExplorationDraw,
  supervisionSteps: number | ArrayLike<number>,
  prob: number,
  restarted?: ArrayLike<boolean | number>,
): void {
  check(mode === 'perStep' || mode === 'perSample', () => `refreshMinSteps mode: expected 'perStep' or 'perSample', got '${String(mode)}'.`, ConfigError);
  checkProb('refreshMinSteps prob', prob);
  const count = minSteps.length;
  if (typeof supervisionSteps !== 'number') {
    check(supervisionSteps.length === count, () => `refreshMinSteps supervisionSteps: expected one cap per row (${count}), got ${supervisionSteps.length}.`, ShapeError);
  }
  if (restarted !== undefined) {
    check(restarted.length === count, () => `refreshMinSteps restarted: expected one flag per row (${count}), got ${restarted.length}.`, ShapeError);
  }
  for (let b = 0; b < count; b++) {
    if (mode === 'perSample' && restarted !== undefined && !restarted[b]) continue;
    minSteps[b] = drawOneMinSteps(rng, capOf('refreshMinSteps', supervisionSteps, b), prob);
  }
}

// ---------------------------------------------------------------------------------------------------------
// §10.3 Bansal progressive loss

/**
 * Split of one supervision step's T latent recursions (§10.3, TRM mapping (D)): `noGrad` a ~ U{0..T−1}
 * recursions without gradient, then `withGrad` k ~ U{1..T−a} with gradient (a + k ≤ T).
 */
export function drawProgressiveSplit(rng: Rng, recursions: number): { noGrad: number; withGrad: number } {
  checkInt('drawProgressiveSplit recursions (T)', recursions, 1);
  const noGrad = rng.int(0, recursions - 1);
  const withGrad = rng.int(1, recursions - noGrad);
  return { noGrad, withGrad };
}

// ---------------------------------------------------------------------------------------------------------
// §10.4 CGAR curriculum

/** A progressive depth curriculum: stage i applies while progress < thresholds[i] (last stage after). */
export interface DepthCurriculum {
  thresholds: readonly number[];
  stages: readonly Readonly<RecursionDepth>[];
}

/** [CGAR]: (n, T) = (2, 1) for ρ < 0.3, (4, 2) for ρ < 0.6, then (6, 3). */
export const CGAR_CURRICULUM: DepthCurriculum = Object.freeze({
  thresholds: Object.freeze([0.3, 0.6]),
  stages: Object.freeze([
    Object.freeze({ latentSteps: 2, recursions: 1 }),
    Object.freeze({ latentSteps: 4, recursions: 2 }),
    Object.freeze({ latentSteps: 6, recursions: 3 }),
  ]),
});

/** Validates a curriculum: one more stage than thresholds, thresholds strictly increasing in (0, 1], depths ≥ 1. */
export function checkDepthCurriculum(c: DepthCurriculum): void {
  check(Array.isArray(c.stages) && c.stages.length >= 1 && Array.isArray(c.thresholds) && c.thresholds.length === c.stages.length - 1, () => `depth curriculum: expected stages.length = thresholds.length + 1, got ${c.stages?.length} stages and ${c.thresholds?.length} thresholds.`, ConfigError);
  c.thresholds.forEach((t, i) => {
    const prev = i === 0 ? 0 : c.thresholds[i - 1]!;
    check(Number.isFinite(t) && t > prev && t <= 1, () => `depth curriculum thresholds[${i}]: expected a number in (${prev}, 1] (strictly increasing), got ${t}.`, ConfigError);
  });
  c.stages.forEach((s, i) => {
    checkInt(`depth curriculum stages[${i}].latentSteps`, s.latentSteps, 1);
    checkInt(`depth curriculum stages[${i}].recursions`, s.recursions, 1);
  });
}

/** (n, T) at training progress ρ = optimizer step / total steps (§10.4); ρ ≥ 1 gives the last stage. */
export function curriculumDepth(progress: number, curriculum: DepthCurriculum = CGAR_CURRICULUM): RecursionDepth {
  check(Number.isFinite(progress) && progress >= 0, () => `curriculumDepth progress: expected a number >= 0 (optimizer step / total steps), got ${progress}.`, ConfigError);
  checkDepthCurriculum(curriculum);
  let i = 0;
  while (i < curriculum.thresholds.length && progress >= curriculum.thresholds[i]!) i++;
  const s = curriculum.stages[i]!;
  return { latentSteps: s.latentSteps, recursions: s.recursions };
}

/**
 * CGAR hierarchical supervision weights (§10.4): w_t = decay^(t−1) / Σ_{s=1}^{N_sup} decay^(s−1) for
 * t = 1..N_sup (index t − 1); they sum to 1 (Z = 3.322 for N_sup = 16, decay 0.7). In the streaming loop t is
 * the row's own step count (D).
 */
export function hierarchicalStepWeights(supervisionSteps: number, decay = 0.7): Float64Array {
  checkInt('hierarchicalStepWeights supervisionSteps', supervisionSteps, 1);
  check(Number.isFinite(decay) && decay > 0, () => `hierarchicalStepWeights decay: expected a number > 0, got ${decay}.`, ConfigError);
  const w = new Float64Array(supervisionSteps);
  let z = 0;
  for (let t = 0; t < supervisionSteps; t++) z += (w[t] = decay ** t);
  for (let t = 0; t < supervisionSteps; t++) w[t]! /= z;
  return w;
}

// ---------------------------------------------------------------------------------------------------------
// §10.5 DIS milestone targets

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

// ---------------------------------------------------------------------------------------------------------
// §8.3 latent initialisation

export type LatentInitMode = 'static' | 'random' | 'mixed' | 'zeros';

/**
 * What y0 and z0 are for the rows that start now:
 * - `static`: the model's own `H_init` / `L_init`;
 * - `vector`: one [D] vector each for y and z, broadcast over batch and positions;
 * - `full`: one value per entry of [B, P, D] for y and for z.
 */
export type LatentInit =
  | { kind: 'static' }
  | { kind: 'vector'; y: Float32Array; z: Float32Array }
  | { kind: 'full'; shape: [number, number, number]; y: Float32Array; z: Float32Array };

export interface LatentInitRequest {
  /** B rows. */
  batch: number;
  /** P = L + Lp positions. */
  positions: number;
  /** D. */
  hidden: number;
  /** `mixed` draws noise only in training; at test it is all zeros (§8.3). */
  training: boolean;
  /** Std of the `random` vectors; default sqrt(1/D), the blog's; 1 = the static init's scale (§8.3). */
  initScale?: number;
}

/**
 * Draws the latent init of one forward pass (§8.3): `random` = g ~ N(0, I_D)·initScale for y and an
 * independent one for z (train and test; k runs need k calls); `mixed` = zeros with N(0, 1) on an
 * independent Bernoulli(0.5) half of the entries of [B, P, D], separately for y and z (training only);
 * `zeros`; `static` = no draw.
 */
export function drawLatentInit(rng: Rng, mode: LatentInitMode, req: LatentInitRequest): LatentInit {
  const modes: LatentInitMode[] = ['static', 'random', 'mixed', 'zeros'];
  check(modes.includes(mode), () => `drawLatentInit mode: expected one of ${modes.map((m) => `'${m}'`).join(', ')}, got '${String(mode)}'.`, ConfigError);
  checkInt('drawLatentInit batch', req.batch, 1);
  checkInt('drawLatentInit positions', req.positions, 1);
  checkInt('drawLatentInit hidden', req.hidden, 1);
  const d = req.hidden;
  const scale = req.initScale ?? Math.sqrt(1 / d);
  check(Number.isFinite(scale) && scale >= 0, () => `drawLatentInit initScale: expected a finite number >= 0, got ${scale}.`, ConfigError);
  switch (mode) {
    case 'static':
      return { kind: 'static' };
    case 'random':
      return { kind: 'vector', y: rng.normalArray(d, scale), z: rng.normalArray(d, scale) };
    case 'zeros':
      return { kind: 'vector', y: new Float32Array(d), z: new Float32Array(d) };
    case 'mixed': {
      if (!req.training) return { kind: 'vector', y: new Float32Array(d), z: new Float32Array(d) };
      const size = req.batch * req.positions * d;
      const half = (): Float32Array => {
        const out = new Float32Array(size);
        for (let i = 0; i < size; i++) if (rng.next() < 0.5) out[i] = rng.normal();
        return out;
      };
      const y = half();
      return { kind: 'full', shape: [req.batch, req.positions, d], y, z: half() };
    }
  }
}
