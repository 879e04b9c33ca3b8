/**
 * The two loops of deep supervision (ALGORITHM.md §4.2, §4.3) differ in when rows restart: the official
 * streaming carry restarts each halted row at once; the classic loop keeps a batch until every row has halted.
 * And [jax]'s loss normalisation over the rows still running (`lossNorm: 'alive'`).
 */
import type { RestartRule, RowWeighting } from './variant.js';

/** Streaming (official): every halted row takes a fresh sample now. */
export const streamRestarts: RestartRule = {
  select(halted) {
    if (!halted.some((h) => h === 1)) return null;
    return { rows: halted.slice(), wholeBatch: halted.every((h) => h === 1) };
  },
};

/** Classic: the whole batch restarts once every row has halted. */
export const batchRestarts: RestartRule = {
  select(halted) {
    return halted.every((h) => h === 1) ? { rows: new Uint8Array(halted.length).fill(1), wholeBatch: true } : null;
  },
};

/** 'alive' ([jax]): the loss is the mean over the rows still running rather than a sum / global batch size. */
export const aliveNormalisation: RowWeighting = {
  apply(weights, carry) {
    const alive = carry.halted.reduce((n, h) => n + (h ? 0 : 1), 0);
    for (let b = 0; b < weights.length; b++) weights[b]! /= Math.max(1, alive);
  },
};
