import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lines, runCli } from '../testing.js';
import { applySets } from './train.js';

const dir = mkdtempSync(join(tmpdir(), 'trm-cli-train-'));
const out = join(dir, 'run');
/** A tiny 4×4 sudoku run: D 16, N_sup 2, batch 16. */
const TINY = ['--n', '4', '--train-size', '40', '--test-size', '20', '--batch-size', '16', '--set', 'model.hiddenSize=16', '--set', 'model.puzzleEmbDim=16', '--set', 'model.supervisionSteps=2', '--set', 'model.numLayers=1', '--no-progress'];

afterAll(() => {
  // Leave the folder for inspection on failure; it is in the OS temp dir.
});

describe('trm train (end to end, tiny)', () => {
  it('trains, logs JSONL metrics, saves periodic + best checkpoints, the model, run.json and a curve SVG', async () => {
    const r = await runCli('train', ...TINY, '--steps', '4', '--eval-every', '2', '--checkpoint-every', '2', '--out', out);
    expect(r.stderr).not.toMatch(/Hint/);
    expect(r.code).toBe(0);
    expect(r.leaked).toBe(0);
    expect(r.stdout).toMatch(/trained 4 steps in .* s: test exact .*% \(all 20 test puzzles\)/);
    const rows = lines(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).map((l) => JSON.parse(l) as { type: string; step: number; rows?: number; final?: boolean });
    expect(rows.filter((x) => x.type === 'train').map((x) => x.step)).toEqual([1, 2, 3, 4]);
    const evals = rows.filter((x) => x.type === 'eval');
    expect(evals.map((x) => [x.step, x.rows, x.final])).toEqual([[2, 20, false], [4, 20, true]]);
    for (const f of ['model.safetensors', 'best.safetensors', 'run.json', 'curve.svg', 'checkpoints/latest.json', 'checkpoints/step_2.safetensors', 'checkpoints/step_4.trainer.safetensors']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'curve.svg'), 'utf8')).toMatch(/^<svg/);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(run.task).toMatchObject({ task: 'sudoku', n: 4, seed: 0 });
    expect(run.config.model).toMatchObject({ hiddenSize: 16, seqLen: 16, vocabSize: 6 });
    expect(run.result.steps).toBe(4);
  });

  it('--resume continues from the newest checkpoint and appends to the log', async () => {
    const r = await runCli('train', ...TINY, '--steps', '6', '--eval-every', '2', '--checkpoint-every', '2', '--out', out, '--resume');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/resumed from .* at step 4/);
    const steps = lines(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).map((l) => JSON.parse(l) as { type: string; step: number }).filter((x) => x.type === 'train').map((x) => x.step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('takes option values from --config, with flags winning', async () => {
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ steps: 2, evalEvery: 1, seed: 3, train: { lr: 0.002 } }));
    const o2 = join(dir, 'run2');
    const r = await runCli('train', ...TINY, '--config', cfg, '--steps', '1', '--out', o2);
    expect(r.code).toBe(0);
    const run = JSON.parse(readFileSync(join(o2, 'run.json'), 'utf8'));
    expect(run.result.steps).toBe(1); // the flag beat the file's 2
    expect(run.task.seed).toBe(3);
    expect(run.config.seed).toBe(3);
    expect(run.config.lr).toBe(0.002);
  });
});

describe('trm train: bad flags and files give one line and exit 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['--bogus'], /unknown option '--bogus'/],
    ['bad integer', ['--steps', 'ten'], /--steps: expected an integer >= 1, got 'ten'/],
    ['bad choice', ['--task', 'chess'], /--task: expected one of sudoku, maze, arc, custom, got 'chess'/],
    ['bad backend', ['--backend', 'tpu'], /--backend: expected one of auto \| wasm \| wasm-threads\[:N\] \| cpu \| webgpu, got 'tpu'/],
    ['unknown preset', ['--preset', 'NOPE'], /--preset: expected one of SUDOKU_EXTREME_TRAIN, SUDOKU4_CPU, SUDOKU6_CPU, got 'NOPE'/],
    ['bad --set', ['--set', 'lr'], /--set: expected key=value, got 'lr'/],
    ['bad config key', ['--set', 'optimizer=sgd'], /train config 'optimizer': expected one of 'adamAtan2', 'adamW', got "sgd"/],
    ['missing config file', ['--config', '/nonexistent/x.json'], /--config \/nonexistent\/x.json: no such file/],
    ['resume without checkpoint', ['--resume', '--out', '/nonexistent/run'], /--resume: no checkpoint in \/nonexistent\/run\/checkpoints/],
    ['custom without module', ['--task', 'custom'], /--task custom: expected --module <file.mjs>, got none/],
    ['arc without data', ['--task', 'arc'], /--task arc: expected --data-dir/],
  ];
  it.each(cases)('%s', async (_name, args, pattern) => {
    const r = await runCli('train', ...args);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^trm train: /);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).toMatch(/Hint: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a config file that is not JSON, or has an unknown key', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ steps: 3 }');
    const r1 = await runCli('train', '--config', bad);
    expect([r1.code, lines(r1.stderr).length]).toEqual([2, 1]);
    expect(r1.stderr).toMatch(/expected JSON, got \d+ characters that do not parse/);
    writeFileSync(bad, JSON.stringify({ stepz: 3 }));
    const r2 = await runCli('train', '--config', bad);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/unknown key 'stepz'.*Hint: valid keys: .*steps/);
  });

  it.skipIf(process.platform === 'win32')('a config file that is a FIFO or 10^5 levels deep: one line, exit 2, no hang', async () => {
    const fifo = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    const t0 = performance.now();
    const r1 = await runCli('train', '--config', fifo);
    expect([r1.code, lines(r1.stderr).length]).toEqual([2, 1]);
    expect(r1.stderr).toMatch(/fifo\.json/);
    const deep = join(dir, 'deep.json');
    writeFileSync(deep, '['.repeat(100_000) + ']'.repeat(100_000));
    const r2 = await runCli('train', '--config', deep);
    expect([r2.code, lines(r2.stderr).length]).toEqual([2, 1]);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('--verbose adds the stack trace', async () => {
    const r = await runCli('train', '--preset', 'NOPE', '--verbose', '--no-progress');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe('applySets', () => {
  it('parses numbers, booleans, null and nested keys', () => {
    const c: Record<string, unknown> = { model: { hiddenSize: 64 } };
    applySets(c, ['lr=0.01', 'ema=false', 'gradClipNorm=null', 'model.numLayers=3', 'optimizer=adamW']);
    expect(c).toEqual({ model: { hiddenSize: 64, numLayers: 3 }, lr: 0.01, ema: false, gradClipNorm: null, optimizer: 'adamW' });
  });
});
