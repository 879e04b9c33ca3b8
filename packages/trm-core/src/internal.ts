/**
 * `@trm-ts/core/internal`: building blocks that the conformance suite, benchmarks and backends test kernel by
 * kernel. Not part of the stable API: names and signatures may change in any release.
 */
// Registers tfjs's gradients when only this entry is imported (see gradients.ts).
import './gradients.js';

export { swapLast, mm, linear, rmsNorm, splitGateUp, swiglu, ropeTables, applyRope, withoutGradient, withoutTape, gradsWithAux, type SwigluWeights } from './model/ops.js';
export { logStablemax, bceWithLogits, sequenceCorrect } from './model/loss.js';
export { RowMetrics } from './model/metrics.js';
export {
  DTYPE_ARRAY, FLOAT_DTYPES, HOST_IS_LITTLE_ENDIAN, isSafetensorsDtype, dtypeSize,
  bf16BitsToFloat32, float32ToBf16Bits, f16BitsToFloat32, float32ToF16Bits, type SafetensorsDataByDtype,
} from './checkpoint/dtypes.js';
export { matchStateDict, prefixStateDict, type MatchStateDictOptions } from './checkpoint/state-dict.js';
export { RandomizedDepth, SupervisionCaps } from './train/variants/randomized-depth.js';
export { Exploration } from './train/variants/exploration.js';
export { progressiveLoss } from './train/variants/bansal.js';
export { cgarCurriculum, cgarStepWeights } from './train/variants/cgar.js';
export { DisTargets } from './train/variants/dis.js';
export { streamRestarts, batchRestarts, aliveNormalisation } from './train/variants/loop.js';
export { createCarry, fillRows, runningRows, shouldHalt } from './train/carry.js';
export { rowWeights } from './train/policy.js';
export { assertUpdateFinite, updatedTensors } from './train/guard.js';
export { checkpointJsonError } from './describe.js';
export { lastOfSteps, restartLatents, type LatentShape } from './train/evaluate.js';
export { rematerialized } from './model/recursion.js';
