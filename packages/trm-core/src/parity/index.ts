export * from './parity.js';
export * from './fixtures.js';
