/**
 * `@trm-ts/core`: the TRM network, its recursion, deep supervision, training, evaluation and checkpoints.
 * Node file I/O lives in `@trm-ts/core/node`, the parity harness in `@trm-ts/core/parity`, and the building
 * blocks that tests and backends check kernel by kernel in `@trm-ts/core/internal`.
 */
import './gradients.js';

// Errors
export { TrmError, ConfigError, CheckpointError, ShapeError, BackendError, TrainingError, check, type TrmErrorOptions } from './errors.js';
export { describeValue, parseJsonText, jsonNestingDepth, MAX_JSON_DEPTH, type DescribeOptions } from './describe.js';
export {
  SafetensorsError, StateDictError, CheckpointFileError,
  type SafetensorsErrorCode, type StateDictErrorCode, type CheckpointFileErrorCode, type ShapeMismatch,
} from './checkpoint/errors.js';

// Randomness, backends, data
export { Rng, type RngState } from './random.js';
export { useBackend, activateBackend, requireBackend, type BackendInfo, type BackendAdapter } from './backend.js';
export { IGNORE_LABEL, toBatchSource, type TokenArray, type TaskBatch, type BatchSource, type BatchIterable } from './data.js';

// The model
export {
  TRM_DEFAULTS, TRM_CONFIG_MAX, PRESETS, SUDOKU_EXTREME_MLP, SUDOKU_EXTREME_ATT, MAZE_HARD_ATT, ARC_AGI_ATT,
  resolveTrmConfig, fromOfficialConfig, toOfficialConfig, prefixLength, internalLength, swigluWidth,
  type TrmConfig, type Mixer, type PosEncodings, type LossType,
} from './config.js';
export { TrmNetwork, paramSpecs, type TrmNetworkOptions, type LayerWeights, type ParamSpec } from './model/network.js';
export type { TokenMixer, NamedWeights } from './model/block.js';
export { latentRecursion, deepRecursion, type RecursionNet, type Latents, type DeepRecursionOptions } from './model/recursion.js';
export { lossHead, type LossParts, type LossHeadInput } from './model/loss.js';
export {
  batchTensors, evalStep, gradStep, disposeGradStep,
  type BatchTensors, type RecursionCounts, type StepOutput, type GradStepOptions, type GradStepOutput,
} from './model/supervision.js';

// Training
export {
  TRAIN_DEFAULTS, TRAIN_PRESETS, SUDOKU_EXTREME_TRAIN, SUDOKU4_CPU, SUDOKU6_CPU, resolveTrainConfig,
  type TrainConfig, type ResolvedTrainConfig, type TrainPresetName,
} from './train/config.js';
export { Trainer, type StepMetrics, type TrainingDataset, type TrainerState, type TrainerSnapshot } from './train/trainer.js';
export { resolvePolicy, type TrainingPolicy } from './train/policy.js';
export type { StepDepth, RestartRule, RestartHook, DepthSchedule, RowWeighting, Targets } from './train/variants/variant.js';
export type { Carry, HaltRule } from './train/carry.js';
export {
  AdamAtan2, AdamW, SignSgd, clipByGlobalNorm, learningRate,
  type NamedVariables, type NamedTensors, type AdamParamState, type AdamState, type AdamOptions, type AdamAtan2Options, type AdamWOptions, type LrSchedule,
} from './train/optim.js';
export { Ema, type EmaState } from './train/ema.js';
export { RESUME_OVERRIDE_KEYS, applyResumeOverrides, assertSnapshotFinite, validateSnapshot, type ResumeOverrides } from './train/guard.js';
export {
  checkCentredRange, drawCentred, drawSupervisionSteps, drawRecursionDepth,
  type CentredDrawOptions, type RecursionDepth,
} from './train/variants/randomized-depth.js';
export { drawMinSteps, refreshMinSteps, type ExplorationDraw } from './train/variants/exploration.js';
export { drawProgressiveSplit } from './train/variants/bansal.js';
export { CGAR_CURRICULUM, checkDepthCurriculum, curriculumDepth, hierarchicalStepWeights, type DepthCurriculum } from './train/variants/cgar.js';
export { disMilestones } from './train/variants/dis.js';
export { drawLatentInit, type LatentInitMode, type LatentInit, type LatentInitRequest } from './train/variants/latent-init.js';

// Stacks: K models of the same shapes trained and evaluated as one computation (docs/training.md)
export { StackedNetwork, setStackMatmuls, type StackWeights, type WeightK } from './stack/stacked-network.js';
export { StackedTrainer, STACK_SHARED_KEYS } from './stack/stacked-trainer.js';
export { evaluateStack } from './stack/stacked-evaluate.js';
export { stackedEvalStep, stackedGradStep, type StackBatch, type StackStepOutput, type StackGradOptions, type StackGradOutput } from './stack/stacked-supervision.js';

// Evaluation
export { evaluate, latentsFromInit, type EvalMetrics, type EvaluateOptions } from './train/evaluate.js';

// Checkpoints
export {
  CONFIG_METADATA_KEY, exportStateDict, expectedShapes, assignStateDict, modelToSafetensors, loadSafetensorsInto, networkFromSafetensors,
  type StateTensor, type ModelSaveOptions, type ModelFileDtype, type NetworkFromSafetensorsOptions,
} from './checkpoint/model-io.js';
export {
  MAX_HEADER_BYTES, parseSafetensors, serializeSafetensors,
  type SafetensorsTensor, type ParsedSafetensors, type ParseSafetensorsOptions, type SafetensorsTensorInput,
} from './checkpoint/safetensors.js';
export { SAFETENSORS_DTYPES, toFloat32, type SafetensorsDtype, type SafetensorsData } from './checkpoint/dtypes.js';
export { CHECKPOINT_KEY_PREFIXES, DEFAULT_CHECKPOINT_PREFIX, PUZZLE_TABLE_KEY } from './checkpoint/state-dict.js';
export { snapshotToSafetensors, snapshotFromSafetensors, trainerCheckpointBytes } from './train/checkpoint.js';

// Inference
export { predict, solve, type SolveInputs, type SolveOptions, type SolveResult, type SolveStep } from './infer/solve.js';
export {
  READOUTS, READOUT_NAMES, cellModeGrids, checkRuns, confidenceChoices, gatherRuns, puzzleModeChoices, readout, readoutDef, readoutGrids, sigmoid,
  type ReadoutDef, type ReadoutName, type RunsDims,
} from './infer/readouts.js';
