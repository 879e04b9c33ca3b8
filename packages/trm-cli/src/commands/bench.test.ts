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
    const t = await runCli('bench', '--model', 'sudoku4-cpu-d32', '--batch', '4', '--reps', '1', '--no-isolate', '--no-remat');
    expect(lines(t.stdout)[2]).toMatch(/^\| sudoku4-cpu-d32 \| wasm \| 4 \(4\) \| [\d.]+ \| [\d.]+ \| — \| \d+ \|$/);
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
