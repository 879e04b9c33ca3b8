export * from './arc.js';
export * from './dataset.js';
