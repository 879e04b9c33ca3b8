/**
 * The best-of-k read-outs (ALGORITHM.md §8.4) live in @trm-ts/core (one registry shared with `solve`);
 * re-exported here so that evaluation code keeps importing them from @trm-ts/eval.
 */
export {
  READOUTS,
  READOUT_NAMES,
  cellModeGrids,
  checkRuns,
  confidenceChoices,
  gatherRuns,
  puzzleModeChoices,
  readout,
  readoutDef,
  readoutGrids,
  sigmoid,
} from '@trm-ts/core';
export type { ReadoutDef, ReadoutName, RunsDims, TokenArray } from '@trm-ts/core';
