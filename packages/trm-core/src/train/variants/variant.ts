/**
 * What a training variant may decide (ALGORITHM.md §4, §10). A policy (policy.ts) is one choice per slot,
 * resolved once from the config; the training step calls the slots and never asks which variant is on.
 * A new variant is a new file implementing one of these.
 */
import type { Rng } from '../../random.js';
import type { Carry } from '../carry.js';
import type { RecursionDepth } from './randomized-depth.js';

/** n, T of one optimizer step and how they split around the gradient tape (untaped + taped = recursions run). */
export interface StepDepth extends RecursionDepth {
  /** Latent recursions run without gradient first (default T − 1). */
  untaped: number;
  /** Latent recursions recorded by the gradient tape (default 1). */
  taped: number;
}

/** Which rows start a new sample now (§4.2 streaming, §4.3 classic loop); null when none. */
export interface RestartRule {
  select(halted: Uint8Array): { rows: Uint8Array; wholeBatch: boolean } | null;
}

/**
 * Draws made for rows that start now, after their samples are in the carry (N_sup caps, a classic batch's
 * depth, exploration, targets). The policy calls them in a fixed order: the order of the Rng draws.
 */
export interface RestartHook {
  onRestart(rng: Rng, carry: Carry, rows: Uint8Array, wholeBatch: boolean): void;
}

/** n, T and the tape split of optimizer step `step` (1-based). */
export interface DepthSchedule {
  at(step: number, rng: Rng, carry: Carry): StepDepth;
}

/** Multiplies (or normalises) the loss weight of each row in place; rows that do not run have weight 0. */
export interface RowWeighting {
  apply(weights: Float32Array, carry: Carry): void;
}

/** What the step trains against. */
export interface Targets {
  /** Labels [B·L] replacing the rows' own (null: the rows' labels). */
  labels(carry: Carry): Int32Array | null;
  /** Weight of the Q (halting) losses in the differentiated total. */
  qLossWeight: number;
}
