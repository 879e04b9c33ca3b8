import { describe, expect, it } from 'vitest';
import { lines, runCli } from '../testing.js';

describe('trm bench (end to end, tiny)', () => {
  it('times one config in-process and prints a JSON line, or the Markdown table', async () => {
    const r = await runCli('bench', '--model', 'sudoku4-cpu-d32', '--batch', '4', '--reps', '1', '--no-isolate', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.leaked).toBe(0);
    const row = JSON.parse(lines(r.stdout)[0]!);
    expect(row).toMatchObject({ config: 'sudoku4-cpu-d32', backend: 'wasm', threads: 1, batch_size: 4, micro_batch: 4, reps: 1, rematerialize: true });
    expect(row.train_step_s).toBeGreaterThan(0);
    expect(row.eval_step_s).toBeGreaterThan(0);
    expect(row.matmul_ceiling_gflops).toBeGreaterThan(0.1); // a 1024³ product takes well under 20 s on any backend here
    const t = await runCli('bench', '--model', 'sudoku4-cpu-d32', '--batch', '4', '--reps', '1', '--no-isolate', '--no-remat');
    // config | backend (threads) | batch (micro) | train s | eval s | kernels train / eval | GFLOP/s (ceiling) | PyTorch (ratio) | RSS
    expect(lines(t.stdout)[2]).toMatch(/^\| sudoku4-cpu-d32 \| wasm \(1\) \| 4 \(4\) \| [\d.]+ \| [\d.]+ \| \d+ \/ \d+ \| [\d.]+ \/ [\d.]+ \([\d.]+\) \| 0\.16 \/ 0\.059 \([\d.]+× \/ [\d.]+×\) \| \d+ \|$/);
    expect(row.kernels_train_step).toBeGreaterThan(row.kernels_eval_step);
    expect(row.kernels_eval_step).toBeGreaterThan(0);
  });

  it('--models K adds the stacked row: K models as one, model-steps/s against one model alone', async () => {
    const r = await runCli('bench', '--model', 'sudoku4-cpu-d32', '--batch', '4', '--reps', '1', '--no-isolate', '--json', '--models', '2');
    expect(r.code, r.stderr).toBe(0);
    expect(r.leaked).toBe(0);
    const row = JSON.parse(lines(r.stdout)[0]!);
    expect(row).toMatchObject({ models: 2, stack_matmuls: 'auto' });
    // Both rounded in the JSON (3 and 2 decimals): equal within 2%.
    expect(Math.abs((row.train_model_steps_per_s * row.stacked_train_step_s) / 2 - 1)).toBeLessThan(0.02);
    expect(row.stacked_kernels_train_step).toBeGreaterThan(0);
  });

  it('bad flags: one line, exit 2', async () => {
    for (const [args, pattern] of [
      [['--model', 'gpt5'], /--model: expected one of sudoku4-mlp-h64, .*, got 'gpt5'/],
      [['--reps', '-1'], /--reps: expected an integer >= 1, got '-1'/],
      [['--backend', 'wasm:2'], /--backend: expected one of/],
    ] as [string[], RegExp][]) {
      const r = await runCli('bench', ...args);
      expect(r.code).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });
});
