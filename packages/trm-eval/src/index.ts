/**
 * @trm-ts/eval: what a trained TRM is measured by — per-step scores, best-of-k read-outs (the registry lives in
 * @trm-ts/core and is re-exported here), N_sup × k sweeps, path-independence (AA) scores, the ARC voting
 * evaluator, Markdown + SVG reports and the experiment drivers.
 */
export { cellModeGrids, checkRuns, confidenceChoices, gatherRuns, puzzleModeChoices, readout, READOUT_NAMES, readoutDef, readoutGrids, READOUTS, sigmoid, type ReadoutDef, type ReadoutName, type RunsDims } from './readouts.js';
export { scorePredictions, scoreRows, type RowMask, type StepScore } from './metrics.js';
export { EarlyExitTracker, meanSweeps, SweepAccumulator, type StepInput, type SweepCurves, type SweepOptions, type SweepResult } from './sweep.js';
export { agreementCounts, AlignmentAccumulator, AllPairsAccumulator, cosinePerExample, meanCosine, predictionAgreement, randomDerangement, rollDerangement, type AlignmentResult, type AllPairsResult } from './alignment.js';
export { ARC_EOS, ARC_PAD, ARC_SIDE, arcGridFromJson, arcGridHash, arcGridToJson, cropArc, dihedral, DIHEDRAL_INVERSE, inverseAugment, parseArcName, type ArcGrid, type ArcName } from './arc/grid.js';
export { ARC_PASS_KS, arcTestPuzzlesFromFiles, ArcVoter, type ArcCandidate, type ArcEvalResult, type ArcTaskResult, type ArcTestPuzzles, type ArcVoterOptions } from './arc/voter.js';
export { alignmentTable, markdownTable, sweepTable, type AlignmentPoint, type SweepMetric } from './report/markdown.js';
export { accuracyPlotSpec, accuracyPlotSvg, alignmentScatterSpec, alignmentScatterSvg, bandPlotSpec, bandPlotSvg, curvesPlotSpec, curvesPlotSvg, renderSvg, type BandPlotOptions, type BandPoint, type CurvePoint, type SweepSeries } from './report/plots.js';
export { addLatentNoise, asEvalModel, evalModelOf, initialLatents, stackRuns, type EvalDepth, type EvalInit, type EvalModel, type EvalStepOutput, type LatentNoise, type LatentValues, type ModelLike } from './run/model.js';
export { trajectory, type TrajectoryOptions, type TrajectoryStep } from './run/trajectory.js';
export { runSweep, type RecordedStep, type SweepRunOptions, type SweepRunResult, type SweepTiming } from './run/sweep-run.js';
export { PuzzleRecorder, bits, fractionOf, type PuzzleSweepRecord } from './run/puzzle-record.js';
export { nextPlateauState, plateauReached, readJobProgress, trainToPlateau, type JobStore, type PlateauResult, type StopReason, type StoppingRule, type ValidationPoint } from './run/plateau.js';
export { allPairsAlignment, derangementAlignment, type AllPairsAgreement, type AllPairsRunOptions, type AllPairsRunResult, type DerangementPerRow, type DerangementRunOptions, type DerangementRunResult } from './run/alignment-run.js';
export { evaluateArc, type ArcRunOptions, type ArcRunResult } from './run/arc-run.js';
export { assembleExperimentA, assembleExperimentB, CPU30_SCALE, CPU6_SCALE, CPU_SCALE, EXP_B_GRID, EXP_B_VARIANTS, experimentAJobs, experimentBJobs, jobFileName, jobLabel, runExpAJob, runExpBJob, runExperimentA, runExperimentB, runExperimentJob, type ExpAResult, type ExpARun, type ExpBResult, type ExpBRun, type ExperimentData, type ExperimentDataset, type ExperimentJob, type ExperimentJobResult, type ExperimentOptions, type ExperimentProtocol, type ExperimentScale, type ExperimentVariant, type InterimInfo, type TestbedInfo } from './run/experiments.js';
export { experimentAReport, experimentBReport, type ExperimentReport } from './run/experiment-report.js';
export { expAStats, expBStats, type StatsSection } from './run/experiment-stats.js';
export { bootstrapCI, clusterBootstrapCI, formatInterval, formatP, mannWhitney, meanCI, pairedBinary, pairedDiff, pearson, predictionDiversity, proportionCI, spearman, type BootstrapOptions, type Interval } from './stats.js';
