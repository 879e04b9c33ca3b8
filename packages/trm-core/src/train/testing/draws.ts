/** Helpers of the training variants' draw tests (not exported by the package). */
import { expect } from 'vitest';

/** |count − n·p| within 5 binomial standard deviations (a seeded run; the bound keeps any seed passing). */
export function expectBinomial(count: number, n: number, p: number): void {
  expect(Math.abs(count - n * p)).toBeLessThanOrEqual(5 * Math.sqrt(n * p * (1 - p)) + 1e-9);
}

/** Histogram of `draws` over lo..hi; fails on any value outside. */
export function histogram(draws: number[], lo: number, hi: number): number[] {
  const h = new Array<number>(hi - lo + 1).fill(0);
  const outside = draws.filter((v) => !(Number.isInteger(v) && v >= lo && v <= hi));
  expect(outside).toEqual([]);
  for (const v of draws) h[v - lo]!++;
  return h;
}

export const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;

