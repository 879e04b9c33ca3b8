export * from './npy.js';
export * from './format.js';
