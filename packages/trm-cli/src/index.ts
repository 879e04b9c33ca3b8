/** @trm-ts/cli: the `trm` command. `main(argv, io)` runs it in-process (what the binary and the tests call). */
export { main, buildProgram, VERSION } from './program.js';
export { UsageError, errorLine, exitCodeOf, EXIT_FAILURE, EXIT_USAGE } from './errors.js';
export { parseBackend, startBackend, BACKEND_CHOICES } from './backend.js';
export type { BackendChoice } from './backend.js';
export type { CliIO } from './io.js';
export type { TaskKind, TaskSpec } from './tasks.js';
export type { RunInfo } from './commands/train.js';
