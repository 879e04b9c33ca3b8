import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lines, runCli } from '../testing.js';

const dir = mkdtempSync(join(tmpdir(), 'trm-cli-use-'));
const run = join(dir, 'run');

beforeAll(async () => {
  const r = await runCli('train', '--n', '4', '--train-size', '40', '--test-size', '12', '--batch-size', '16', '--set', 'model.hiddenSize=16', '--set', 'model.puzzleEmbDim=16',
    '--set', 'model.supervisionSteps=4', '--set', 'model.numLayers=1', '--steps', '2', '--eval-every', '2', '--no-progress', '--out', run);
  expect(r.code, r.stderr).toBe(0);
});

describe('trm solve (end to end, tiny)', () => {
  it('solves a puzzle given on the command line, drawing every step with its confidence', async () => {
    const r = await runCli('solve', '1.3.....2.......', '--checkpoint', run, '--halt-threshold', '1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.leaked).toBe(0);
    const steps = r.stdout.match(/^step +\d+ +q_halt confidence +[\d.]+%/gm) ?? [];
    expect(steps).toHaveLength(4); // --halt-threshold 1 runs all N_sup = 4 steps
    expect(r.stdout).toContain(' 1 . | 3 . ');
    expect(r.stdout).toMatch(/answer after 4 step\(s\), confidence [\d.]+%: (a valid solution|NOT a valid solution)/);
  });

  it('reads a puzzle from a file, or takes one from the held-out test split', async () => {
    const f = join(dir, 'p.txt');
    writeFileSync(f, '\n12|34\n34|12\n21|..\n..|..\n');
    const r1 = await runCli('solve', '--file', f, '--checkpoint', join(run, 'model.safetensors'), '--max-steps', '2', '--halt-threshold', '1');
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout.match(/^step /gm)).toHaveLength(2);
    const r2 = await runCli('solve', '--test-puzzle', 'random', '--checkpoint', run, '--k', '2', '--readout', 'cellMode');
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout).toMatch(/puzzle \d+ of the run's test split \(12 puzzles held out from training\)/);
  });

  const bad: [string, string[], RegExp][] = [
    ['no checkpoint flag', ['1...............'], /required option '--checkpoint <path>' not specified/],
    ['missing checkpoint', ['1...............', '--checkpoint', '/nonexistent/model.safetensors'], /--checkpoint \/nonexistent\/model.safetensors: no such file or folder/],
    ['wrong puzzle length', ['1..', '--checkpoint', run], /sudoku: expected 16, 36, 81 cells, got 3/],
    ['wrong size for the model', ['.'.repeat(36), '--checkpoint', run], /puzzle: expected 16 cells \(the model's seqLen\), got 36/],
    ['bad digit', ['9...............', '--checkpoint', run], /sudoku: character "9" at position 0: expected '.' or a digit 1-4/],
    ['no puzzle', ['--checkpoint', run], /expected exactly one puzzle source/],
    ['missing file', ['--file', '/nonexistent/p.txt', '--checkpoint', run], /--file \/nonexistent\/p.txt: no such file/],
    ['bad threshold', ['1...............', '--checkpoint', run, '--halt-threshold', '2'], /--halt-threshold: expected a probability in \(0, 1\], got '2'/],
    ['bad read-out', ['1...............', '--checkpoint', run, '--readout', 'vote'], /--readout: expected one of single, confidence, cellMode, puzzleMode, got 'vote'/],
    ['bad test index', ['--test-puzzle', '99', '--checkpoint', run], /--test-puzzle: expected 'random' or an index in 0..11, got '99'/],
  ];
  it.each(bad)('%s: one line, exit 2', async (_n, args, pattern) => {
    const r = await runCli('solve', ...args);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^trm solve: .* Hint: /);
    expect(r.stderr).toMatch(pattern);
  });

  it('a corrupt model file is one line', async () => {
    const f = join(dir, 'corrupt.safetensors');
    writeFileSync(f, 'not a safetensors file');
    const r = await runCli('solve', '1...............', '--checkpoint', f);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^trm solve: .*safetensors/i);
  });
});

describe('trm eval (end to end, tiny)', () => {
  it('sweeps N_sup and k with the read-outs and AA; prints the depth curve and writes JSON, Markdown, SVG', async () => {
    const out = join(dir, 'eval');
    const r = await runCli('eval', '--checkpoint', run, '--ks', '1,2', '--aa', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.leaked).toBe(0);
    expect(r.stdout).toMatch(/\| read-out \| k \| N_sup=1 \| N_sup=2 \| N_sup=4 \|/);
    expect(r.stdout).toMatch(/\| puzzleMode \| 2 \|/);
    expect(r.stdout).toMatch(/AA_y [-\d.]+, AA_z [-\d.]+, AA_pred [\d.]+ over 12 rows/);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.sweep.steps).toEqual([1, 2, 4]);
    expect(result.sweep.ks).toEqual([1, 2]);
    expect(result.examples).toBe(12);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/## Solved/);
    expect(readFileSync(join(out, 'sweep.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('bad flags and a model outside a run folder: one line, exit 2', async () => {
    const lone = join(dir, 'lone.safetensors');
    copyFileSync(join(run, 'model.safetensors'), lone);
    for (const [args, pattern] of [
      [['--checkpoint', lone], /no run.json next to the model/],
      [['--checkpoint', run, '--ks', '1,x'], /--ks: expected a comma list of integers >= 1, got '1,x'/],
      [['--checkpoint', run, '--readouts', 'single,vote'], /--readouts: expected names among/],
      [['--checkpoint', run, '--record', '1,8'], /--record: expected steps in 1..4 \(N_test\), got 8/],
    ] as [string[], RegExp][]) {
      const r = await runCli('eval', ...args);
      expect(r.code).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
    expect(existsSync(lone)).toBe(true);
  });
});
