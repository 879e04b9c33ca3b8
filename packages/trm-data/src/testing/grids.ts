/** Helpers of the grid tests (not exported by the package). */
import type { Rng } from '@trm-ts/core';
import type { Grid } from '../grid.js';

/** A grid of random side lengths in [1, maxSide] and colours 0–9. */
export function randomGrid(rng: Rng, maxSide: number): Grid {
  const h = rng.int(1, maxSide);
  const w = rng.int(1, maxSide);
  return { h, w, data: Uint8Array.from({ length: h * w }, () => rng.int(0, 9)) };
}
