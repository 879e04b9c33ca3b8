/**
 * @trm-ts/data: puzzle tasks for Tiny Recursive Models — the dataset and batch contract, Sudoku, Maze and ARC-AGI
 * (generators, loaders, writers, augmentations), the official `.npy` layout, and a streaming source.
 * File-system helpers live in `@trm-ts/data/node`.
 */
export { DataError, type DataLocation } from './errors.js';
export { ArrayDataset, BLANK_PUZZLE_ID, DatasetBuilder, datasetFromExamples, IGNORE_LABEL, PAD_ID, puzzleOfExample, type ArrayDatasetSpec, type DatasetInfo, type Example, type ExampleSpec, type ExampleStore, type TaskBatch, type TaskDataset, type TokenArray } from './dataset.js';
export { BatchIterator, type BatchCursor, type BatchOptions, type LastBatch } from './batching.js';
export { StreamBatches, streamBatches, type ExampleSource, type StreamCursor, type StreamOptions } from './stream.js';
export { formatPuzzleCsv, parsePuzzleCsv, PUZZLE_CSV_HEADER, PuzzleCsvParser, streamPuzzleCsv, type PuzzleCsvRow, type TextChunk } from './csv.js';
export { dihedral, DIHEDRAL_INVERSE, gridFromRows, gridsEqual, gridToRows, type Grid } from './grid.js';
export { getTask, TASKS, type DataIO, type TaskDefinition, type TaskName, type TaskSplits } from './tasks.js';
export { countClues, decodeSudoku, encodeSudoku, formatSudokuString, isValidSolution, parseSudokuString, solves, SUDOKU_BLANK_TOKEN, SUDOKU_SPECS, sudokuSpec, sudokuUnits, sudokuVocabSize, type SudokuSize, type SudokuSpec } from './sudoku/spec.js';
export { solverFor, SudokuSolver, type SolveOptions, type SolveResult } from './sudoku/solver.js';
export { applySudokuTransform, augmentSudoku, bandedPermutations, canonicalSudoku, canonicalSudokuKey, randomSudokuTransform, transformSourceIndex, type SudokuTransform } from './sudoku/symmetry.js';
export { generateSudokus, generateSudokuSet, hasUniqueSolution, inBand, minimizePuzzle, randomFullGrid, rateSudoku, SUDOKU_BANDS, type GeneratedSudoku, type SudokuBand, type SudokuGeneratorOptions, type SudokuRating, type SudokuSetOptions } from './sudoku/generate.js';
export { formatSudokuCsv, parseSudokuCsv, streamSudokuCsv, sudokuCsvSource, sudokuExample, type SudokuCsvOptions, type SudokuRecord } from './sudoku/csv.js';
export { sudokuDataset, sudokuExtremeTrain, sudokuSplits, type SudokuPair, type SudokuSplitOptions, type SudokuSplits } from './sudoku/dataset.js';
export { propagate, testbedProperties, type PropagationResult, type TestbedProperties } from './sudoku/propagate.js';
export { checkMazePair, decodeMaze, encodeMaze, formatMazeCsv, generateMazes, MAZE_CHARSET, MAZE_VOCAB_SIZE, mazeCsvSource, mazeDataset, mazeExample, parseMazeCsv, shortestPaths, streamMazeCsv, type MazeGeneratorOptions, type MazeRecord, type ShortestPaths } from './maze/maze.js';
export { applyArcAugmentation, ARC_EOS, ARC_IDENTITY, ARC_PAD, ARC_SEQ_LEN, ARC_SIDE, ARC_VOCAB_SIZE, arcPuzzleName, decodeArcGrid, encodeArcGrid, formatArcChallenges, formatArcTask, invertArcAugmentation, parseArcChallenges, parseArcGrid, parseArcPuzzleName, parseArcTask, randomArcAugmentation, type ArcAugmentation, type ArcPair, type ArcTask } from './arc/arc.js';
export { buildArcDataset, type ArcBuild, type ArcBuildOptions, type ArcSubset } from './arc/dataset.js';
export { npyToInt32, readNpy, writeNpy, type NpyArray, type NpyData, type NpyDtype } from './official/npy.js';
export { officialDatasetFiles, officialSplitFiles, readOfficialDataset, readOfficialSplit, type OfficialDataset, type OfficialMetadata, type OfficialWriteOptions, type ReadFile } from './official/format.js';
export { sudokuTask } from './sudoku/task.js';
export { mazeTask } from './maze/task.js';
export { arcTask } from './arc/task.js';
export { officialTask } from './official/task.js';
export { sudokuToTokens, sudokuFromTokens, drawSudoku, mazeToTokens, mazeFromTokens, arcGridToTokens, arcGridFromTokens } from './tokens.js';
