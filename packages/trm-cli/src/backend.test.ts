import { describe, expect, it } from 'vitest';
import { concreteBackend, describeBackend, parseBackend, threadsOf } from './backend.js';
import { defaultBackend } from './options.js';
import { UsageError } from './errors.js';
import { runCli } from './testing.js';

describe('--backend auto', () => {
  it('is two wasm threads on a machine with two or more cores and plain wasm on one; explicit choices pass through', () => {
    expect(concreteBackend('auto', 1)).toBe('wasm');
    expect(concreteBackend('auto', 2)).toBe('wasm-threads:2');
    expect(concreteBackend('auto', 16)).toBe('wasm-threads:2');
    for (const spec of ['wasm', 'wasm-threads', 'wasm-threads:3', 'cpu', 'webgpu']) expect(concreteBackend(spec, 2)).toBe(spec);
    expect(parseBackend('auto')).toEqual({ name: 'auto' });
    expect(['wasm', 'wasm-threads', 'wasm-threads:3', 'cpu'].map(threadsOf)).toEqual([1, 2, 3, 1]);
    expect(() => parseBackend('auto:2')).toThrow(UsageError);
  });

  it('is the default unless TRM_BACKEND names another backend, which is checked like the flag', async () => {
    expect(defaultBackend({})).toBe('auto');
    expect(defaultBackend({ TRM_BACKEND: '' })).toBe('auto');
    expect(defaultBackend({ TRM_BACKEND: 'wasm-threads:2' })).toBe('wasm-threads:2');
    const saved = process.env.TRM_BACKEND;
    process.env.TRM_BACKEND = 'tpu';
    try {
      const r = await runCli('bench', '--model', 'sudoku4-cpu-d32', '--no-isolate');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/TRM_BACKEND \(the --backend default\): expected one of auto \| wasm \| wasm-threads\[:N\] \| cpu \| webgpu, got 'tpu'/);
    } finally {
      process.env.TRM_BACKEND = saved;
    }
  });

  it('logs say which adapter ran and with how many threads', () => {
    expect(describeBackend({ adapter: 'wasm-threads', backend: 'wasm', float32: true, details: { simd: true, threads: 2 } })).toBe('wasm-threads (2 threads)');
    expect(describeBackend({ adapter: 'wasm-threads', backend: 'wasm', float32: true, details: { threads: 1 } })).toBe('wasm-threads (1 thread)');
    expect(describeBackend({ adapter: 'wasm', backend: 'wasm', float32: true, details: { simd: true, multithread: false } })).toBe('wasm');
  });
});
