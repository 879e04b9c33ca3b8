/**
 * How the CLI fails: every error becomes ONE line on stderr, `trm <command>: <message> Hint: <fix>`, and a
 * non-zero exit (2 = bad usage: flags, config, files; 1 = the run itself failed). Stack traces only with --verbose.
 */
import { CheckpointError, ConfigError, ShapeError, TrmError } from '@trm-ts/core';
import { DataError } from '@trm-ts/data';

/** A bad flag, config key or file: exit code 2, with a hint naming the fix. */
export class UsageError extends TrmError {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export const EXIT_USAGE = 2;
export const EXIT_FAILURE = 1;

/** Exit code of an error: usage errors and the library's input errors (config, data, checkpoint) are 2. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT_USAGE;
  if (err instanceof ConfigError || err instanceof DataError || err instanceof CheckpointError || err instanceof ShapeError) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** The one line printed for an error (no trailing newline); newlines in messages are folded. */
export function errorLine(command: string, err: unknown, helpCommand = command): string {
  const raw = err instanceof Error ? err.message : String(err);
  const msg = raw.replace(/\s*\n\s*/g, ' ').trim();
  const hint = err instanceof UsageError ? err.hint : undefined;
  const fallback = exitCodeOf(err) === EXIT_USAGE ? `run '${helpCommand} --help' for the options` : 'rerun with --verbose for the stack trace';
  return `${command}: ${msg}${/[.!?]$/.test(msg) ? '' : '.'} Hint: ${hint ?? fallback}.`;
}
