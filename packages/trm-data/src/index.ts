/**
 * @trm-ts/data: puzzle tasks for Tiny Recursive Models — the dataset and batch contract, Sudoku, Maze and ARC-AGI
 * (generators, loaders, writers, augmentations), the official `.npy` layout, and a streaming source.
 * File-system helpers live in `@trm-ts/data/node`.
 */
export * from './errors.js';
export * from './dataset.js';
export * from './batching.js';
export * from './stream.js';
export * from './csv.js';
export * from './grid.js';
export * from './io.js';
export * from './tasks.js';
export * from './sudoku/index.js';
export * from './maze/index.js';
export * from './arc/index.js';
export * from './official/index.js';
export { sudokuTask } from './sudoku/task.js';
export { mazeTask } from './maze/task.js';
export { arcTask } from './arc/task.js';
export { officialTask } from './official/task.js';
export { sudokuToTokens, sudokuFromTokens, drawSudoku, mazeToTokens, mazeFromTokens, arcGridToTokens, arcGridFromTokens } from './tokens.js';
