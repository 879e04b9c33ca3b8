/**
 * The `trm` program: one commander Command per subcommand. `main(argv, io)` runs it and turns every failure into
 * one line on stderr and an exit code, so tests call it in-process exactly as the binary does.
 */
import { Command, CommanderError } from 'commander';
import { benchCommand } from './commands/bench.js';
import { convertCommand } from './commands/convert.js';
import { dataCommand } from './commands/data.js';
import { evalCommand } from './commands/eval.js';
import { experimentCommand } from './commands/experiment.js';
import { solveCommand } from './commands/solve.js';
import { trainCommand } from './commands/train.js';
import { EXIT_USAGE, UsageError, errorLine, exitCodeOf } from './errors.js';
import type { CliIO } from './io.js';

export const VERSION = '0.1.0';

export function buildProgram(io: CliIO): Command {
  const program = new Command('trm')
    .description('Tiny Recursive Models on TensorFlow.js: train, solve, eval, data, experiment, bench, convert')
    .version(VERSION)
    .showSuggestionAfterError(true);
  for (const cmd of [trainCommand(io), solveCommand(io), evalCommand(io), dataCommand(io), experimentCommand(io), benchCommand(io), convertCommand(io)]) program.addCommand(cmd);
  const configure = (c: Command) => {
    c.exitOverride();
    c.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => {} });
    c.commands.forEach(configure);
  };
  configure(program);
  return program;
}

/** Runs `trm` with `argv` (without `node trm`); resolves to the exit code. */
export async function main(argv: readonly string[], streams: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const io: CliIO = { ...streams, argv };
  const program = buildProgram(io);
  // The command named in errors: `trm data convert`, `trm train`, or `trm`.
  let name = 'trm';
  let cmd = program;
  for (const a of argv) {
    const sub = cmd.commands.find((c) => c.name() === a);
    if (!sub) break;
    name += ` ${a}`;
    cmd = sub;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help / --version exit 0; help shown because a command is missing (`trm`, `trm data`) exits 2.
      if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code)) return err.code === 'commander.help' ? EXIT_USAGE : 0;
      // A parser's own UsageError arrives wrapped by commander (invalid argument); unwrap its message.
      const cause = (err as CommanderError & { cause?: unknown }).cause;
      const message = err.message.replace(/^error: /, '');
      io.stderr.write(`${errorLine(name, cause instanceof Error ? cause : new UsageError(message), name)}\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`${errorLine(name, err, name)}\n`);
    if (argv.includes('--verbose') && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return exitCodeOf(err);
  }
}
