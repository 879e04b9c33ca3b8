/**
 * Randomised n, T and N_sup (ALGORITHM.md §10.1): centred uniform draws, compute-matched by default, with an
 * opt-in [jax] compatibility mode (§12.23). The depth schedule draws (n, T) per optimizer step (streaming
 * loop) or per batch (classic loop); the N_sup draw gives each starting row its own cap.
 */
import { ConfigError, check } from '../../errors.js';
import type { Rng } from '../../random.js';
import type { Carry } from '../carry.js';
import { checkInt } from './checks.js';
import type { DepthSchedule, RestartHook, StepDepth } from './variant.js';

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

/**
 * The depth schedule of the randomised (or, with half-widths 0, fixed) n and T: a draw per optimizer step in
 * the streaming loop; in the classic loop a draw per batch, made when the batch starts and kept in the carry
 * (so that checkpoints hold it). T − 1 recursions run untaped, the last one taped (§3.1).
 */
export class RandomizedDepth implements DepthSchedule, RestartHook {
  constructor(
    private readonly centre: RecursionDepth,
    private readonly halfWidth: { latentSteps: number; recursions: number },
    private readonly perBatch: boolean,
    private readonly opts: CentredDrawOptions = {},
  ) {}

  onRestart(rng: Rng, carry: Carry, _rows: Uint8Array, wholeBatch: boolean): void {
    if (this.perBatch && wholeBatch) carry.depth = drawRecursionDepth(rng, this.centre, this.halfWidth, this.opts);
  }

  at(_step: number, rng: Rng, carry: Carry): StepDepth {
    const d = this.perBatch ? carry.depth : drawRecursionDepth(rng, this.centre, this.halfWidth, this.opts);
    return { ...d, untaped: d.recursions - 1, taped: 1 };
  }
}

/**
 * N_sup caps of starting rows (§10.1): the model's N_sup, or a draw — one per batch (classic loop), one per
 * row (streaming loop). With `jaxCompat` every row runs N_sup steps and the draw only caps the steps that
 * carry gradient.
 */
export class SupervisionCaps implements RestartHook {
  constructor(
    private readonly centre: number,
    private readonly halfWidth: number,
    private readonly perRow: boolean,
    private readonly opts: CentredDrawOptions = {},
  ) {}

  onRestart(rng: Rng, carry: Carry, rows: Uint8Array): void {
    const { centre: nSup, halfWidth: w, opts } = this;
    // One draw for the batch even in the streaming loop (where the rows then draw their own): kept so that
    // seeded runs stay what they were.
    const batchCap = w > 0 ? drawSupervisionSteps(rng, nSup, w, opts) : nSup;
    for (let b = 0; b < rows.length; b++) {
      if (!rows[b]) continue;
      const cap = this.perRow && w > 0 ? drawSupervisionSteps(rng, nSup, w, opts) : batchCap;
      carry.caps[b] = opts.jaxCompat ? nSup : cap;
      carry.gradCaps[b] = cap;
    }
  }
}
