// Registers tfjs's gradients when only this entry is imported (see ../gradients.ts).
import '../gradients.js';
export { compareTol, runParity, type Tolerance, type ParityTolerances, type ParityCheck, type ParityReport, type FixtureFiles } from './parity.js';
export { defaultParityDir, listFixtureDirs, readFixture } from './fixtures.js';
