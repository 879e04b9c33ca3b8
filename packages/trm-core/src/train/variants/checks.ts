/** Argument checks shared by the variants' draws. */
import { ConfigError, check } from '../../errors.js';

export function checkInt(what: string, x: number, min: number, fix = ''): void {
  check(Number.isInteger(x) && x >= min, () => `${what}: expected an integer >= ${min}, got ${x}.${fix ? ` ${fix}` : ''}`, ConfigError);
}

export function checkProb(what: string, p: number): void {
  check(Number.isFinite(p) && p >= 0 && p <= 1, () => `${what}: expected a probability in [0, 1], got ${p}.`, ConfigError);
}
