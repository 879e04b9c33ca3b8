import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lines, runCli } from '../testing.js';

const dir = mkdtempSync(join(tmpdir(), 'trm-cli-data-'));

describe('trm data (end to end)', () => {
  it('generates sudoku CSV, converts it to the npy layout and back unchanged, and inspects all three', async () => {
    const csv = join(dir, 'csv');
    const g = await runCli('data', 'generate', '--n', '4', '--train', '30', '--test', '10', '--out', csv);
    expect(g.code, g.stderr).toBe(0);
    const train = lines(readFileSync(join(csv, 'train.csv'), 'utf8'));
    expect(train[0]).toBe('source,question,answer,rating');
    expect(train).toHaveLength(31);
    expect(train[1]).toMatch(/^trm-train,[.1-4]{16},[1-4]{16},0$/);

    const npy = join(dir, 'npy');
    const c1 = await runCli('data', 'convert', csv, npy);
    expect(c1.code, c1.stderr).toBe(0);
    expect(existsSync(join(npy, 'train', 'all__inputs.npy'))).toBe(true);
    const back = join(dir, 'back');
    const c2 = await runCli('data', 'convert', npy, back);
    expect(c2.code, c2.stderr).toBe(0);
    for (const f of ['train.csv', 'test.csv']) expect(readFileSync(join(back, f), 'utf8')).toBe(readFileSync(join(csv, f), 'utf8'));

    const i1 = await runCli('data', 'inspect', npy);
    expect(i1.stdout).toMatch(/train\/ \(official layout\): 30 examples, 30 puzzles, 30 groups, seqLen 16, vocab 6/);
    const i2 = await runCli('data', 'inspect', join(csv, 'test.csv'));
    expect(i2.stdout).toMatch(/10 examples, .* seqLen 16, vocab 6/);
    const i3 = await runCli('data', 'inspect', csv);
    expect(lines(i3.stdout)).toHaveLength(2);
  });

  it('generates mazes in the npy layout', async () => {
    const out = join(dir, 'maze');
    const r = await runCli('data', 'generate', '--task', 'maze', '--side', '7', '--train', '5', '--test', '3', '--format', 'npy', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const i = await runCli('data', 'inspect', '--task', 'maze', out);
    expect(i.stdout).toMatch(/test\/ \(official layout\): 3 examples, .*seqLen 49, vocab 6/);
  });

  it('bad flags and files: one line, exit 2', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'source,question,answer,rating\nx,1234,4321,0\n');
    for (const [args, pattern] of [
      [['generate', '--n', '5', '--out', dir], /trm data generate: --n: expected one of 4, 6, 9, got '5'/],
      [['generate', '--n', '4'], /trm data generate: required option '--out <dir>' not specified/],
      [['convert', '/nonexistent/in', join(dir, 'x')], /trm data convert: <in> \/nonexistent\/in: no such folder/],
      [['convert', dir, join(dir, 'x')], /expected train.csv \+ test.csv .* or train\/dataset.json .*, found neither/],
      [['inspect', bad], /trm data inspect: .*bad.csv:2.*expected/],
      [['inspect'], /trm data inspect: missing required argument 'path'/],
      [['frobnicate'], /trm data: unknown command 'frobnicate'/],
    ] as [string[], RegExp][]) {
      const r = await runCli('data', ...args);
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).toMatch(/Hint: /);
    }
  });
});
