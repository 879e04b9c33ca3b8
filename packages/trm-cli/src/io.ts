import type { Writable } from 'node:stream';

/** Where a command writes: the process's streams, or test buffers. */
export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  /** Working directory for relative paths (default process.cwd()). */
  cwd?: string;
  /** The arguments `main` was called with (recorded in reports, passed to worker processes). */
  argv?: readonly string[];
}

export function print(io: CliIO, line = ''): void {
  io.stdout.write(`${line}\n`);
}

export function note(io: CliIO, line: string): void {
  io.stderr.write(`${line}\n`);
}
