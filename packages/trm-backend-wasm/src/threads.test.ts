import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@trm-ts/core';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildChildScript } from '@trm-ts/testing';
import { MAX_WASM_THREADS, useWasmThreadsBackend } from './threads.js';

/** Plain triple loop: the independent reference for the threaded matMul. */
function matMulReference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      out[i * n + j] = s;
    }
  return out;
}

describe('wasm-threads backend adapter (Node)', () => {
  it('rejects thread counts outside 1..8 with a BackendError before touching the backend', async () => {
    for (const numThreads of [0, MAX_WASM_THREADS + 1, 1.5]) {
      const err = await useWasmThreadsBackend({ numThreads }).catch((e) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect(err.message).toContain(`numThreads expected an integer in 1..${MAX_WASM_THREADS}, got ${numThreads}`);
    }
  });

  it('starts the threaded SIMD build with 2 threads and computes a matMul large enough to be split', async () => {
    const info = await useWasmThreadsBackend({ numThreads: 2 });
    expect(info).toMatchObject({ adapter: 'wasm-threads', backend: 'wasm', details: { simd: true, threads: 2 } });
    const [m, k, n] = [96, 128, 80];
    const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(3 * i));
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])));
    const got = await y.data();
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const want = matMulReference(a, b, m, k, n);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('lets a Node process that used it exit on its own (the pool threads are unreferenced)', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const outDir = join(here, '..', '.test-build'); // inside the package: the child's external imports resolve from its node_modules
    try {
      await buildChildScript({
        name: 'threads-exit-child',
        entry: join(here, 'testing/threads-exit-child.ts'),
        outDir,
        noExternal: [/^@trm-ts\//],
        alias: { '@trm-ts/core': resolve(here, '../../trm-core/src/index.ts') }, // source, not a build
      });
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [join(outDir, 'threads-exit-child.js')], { encoding: 'utf8', timeout: 60_000 });
      expect(r.signal, `the child did not exit by itself within 60 s: ${r.stderr}`).toBeNull();
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('done 2 128');
      expect(performance.now() - t0).toBeLessThan(60_000);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
