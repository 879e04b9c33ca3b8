import './gradients.js';

export * from './errors.js';
export * from './random.js';
export * from './backend.js';
