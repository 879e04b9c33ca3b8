import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lines, runCli } from '../testing.js';

const dir = mkdtempSync(join(tmpdir(), 'trm-cli-exp-'));

describe('trm experiment (end to end, smoke scale)', () => {
  it.each(['a', 'b'])('runs Exp %s and writes result.json, report.md and plots; --rebuild re-renders them', async (which) => {
    const out = join(dir, which);
    const r = await runCli('experiment', which, '--scale', 'smoke', '--workers', '1', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.leaked).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.experiment).toBe(which.toUpperCase());
    expect(result.command).toBe(`trm experiment ${which} --scale smoke --workers 1 --out ${out}`);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/^# /);
    const again = await runCli('experiment', which, '--out', out, '--rebuild');
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
  });

  it('--stack trains the models as one stack and scores as the sequential run does', async () => {
    const seq = join(dir, 'a'); // written by the test above (same scale, same seeds)
    const out = join(dir, 'a-stack');
    const r = await runCli('experiment', 'a', '--scale', 'smoke', '--stack', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.leaked).toBe(0);
    type Runs = { runs: { bestStep: number; bestValSolved: number }[] };
    const stacked = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Runs;
    const sequential = JSON.parse(readFileSync(join(seq, 'result.json'), 'utf8')) as Runs;
    expect(stacked.runs.length).toBe(sequential.runs.length);
    stacked.runs.forEach((run, i) => {
      expect(run.bestStep).toBe(sequential.runs[i]!.bestStep);
      expect(Math.abs(run.bestValSolved - sequential.runs[i]!.bestValSolved)).toBeLessThanOrEqual(1e-3); // float order of the stacked products
    });
  });

  it('bad flags: one line, exit 2', async () => {
    for (const [args, pattern] of [
      [['c'], /trm experiment: <which>: expected one of a, b, A, B, got 'c'/],
      [['a', '--scale', 'huge'], /--scale: expected one of cpu30, cpu, smoke, got 'huge'/],
      [['a', '--seeds', '1,x', '--scale', 'smoke'], /--seeds: expected a comma list of integers, got '1,x'/],
      [['b', '--workers', '0'], /--workers: expected an integer >= 1, got '0'/],
      [['a', '--stack', '--workers', '2', '--scale', 'smoke'], /--stack and --workers: expected one of them/],
    ] as [string[], RegExp][]) {
      const r = await runCli('experiment', ...args);
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });
});
