// Registers tfjs's gradients when only this entry is imported (see ../gradients.ts).
import '../gradients.js';
export * from './parity.js';
export * from './fixtures.js';
