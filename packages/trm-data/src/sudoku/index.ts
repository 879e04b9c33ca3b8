export * from './spec.js';
export * from './solver.js';
export * from './symmetry.js';
export * from './generate.js';
export * from './csv.js';
export * from './dataset.js';
export * from './propagate.js';
