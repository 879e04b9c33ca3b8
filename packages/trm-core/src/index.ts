import './gradients.js';

export * from './errors.js';
export * from './random.js';
export * from './backend.js';
export * from './config.js';
export * from './model/ops.js';
export * from './model/network.js';
export * from './model/recursion.js';
export * from './model/loss.js';
export * from './model/supervision.js';
export * from './checkpoint/model-io.js';
export * from './train/optim.js';
export * from './train/ema.js';
export * from './train/randomize.js';
export * from './checkpoint/errors.js';
export * from './checkpoint/dtypes.js';
export * from './checkpoint/safetensors.js';
export * from './checkpoint/state-dict.js';
export * from './train/config.js';
export * from './train/trainer.js';
export * from './train/checkpoint.js';
export * from './train/evaluate.js';
export * from './model/metrics.js';
export {
  READOUTS, READOUT_NAMES, cellModeGrids, checkRuns, confidenceChoices, gatherRuns, puzzleModeChoices, readout, readoutDef, readoutGrids, sigmoid,
} from './infer/readouts.js';
export type { ReadoutDef, ReadoutName, RunsDims, TokenArray } from './infer/readouts.js';
export { predict, solve } from './infer/solve.js';
export type { SolveInputs, SolveOptions, SolveResult, SolveStep } from './infer/solve.js';
