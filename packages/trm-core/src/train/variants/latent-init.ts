/**
 * The initial latents y0, z0 of a starting sample (ALGORITHM.md §8.3): `static | random | mixed | zeros`.
 */
import { ConfigError, check } from '../../errors.js';
import type { Rng } from '../../random.js';
import { checkInt } from './checks.js';

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
