import { describe, expect, it } from 'vitest';
import { VERSION } from './program.js';
import { lines, runCli } from './testing.js';

const COMMANDS = [['train'], ['solve'], ['eval'], ['data', 'generate'], ['data', 'convert'], ['data', 'inspect'], ['experiment'], ['bench'], ['convert']];

describe('trm', () => {
  it.each(COMMANDS)('%s %s --help prints the usage with the common options and exits 0', async (...cmd) => {
    const r = await runCli(...cmd.filter(Boolean), '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: trm ${cmd.filter(Boolean).join(' ')} `));
    for (const flag of ['--config <file>', '--backend <name>', '--verbose']) expect(r.stdout).toContain(flag);
  });

  it('lists every command in its help, and prints its version', async () => {
    const r = await runCli('--help');
    expect(r.code).toBe(0);
    for (const c of ['train', 'solve', 'eval', 'data', 'experiment', 'bench', 'convert']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect((await runCli('--version')).stdout.trim()).toBe(VERSION);
  });

  it('an unknown command is one line with a suggestion, exit 2', async () => {
    const r = await runCli('trian');
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^trm: unknown command 'trian' \(Did you mean train\?\)\. Hint: run 'trm --help' for the options\.$/m);
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const r = await runCli();
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/Usage: trm /);
  });
});
