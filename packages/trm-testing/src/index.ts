/**
 * Test helpers shared by the packages' tests: one leak check (tfjs's own tests check leaks with one helper,
 * not a pasted block).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, expect } from 'vitest';

/** Registers, for every test of the calling file, a check that it leaves `tf.memory().numTensors` as it found it. */
export function checkLeaksEachTest(): void {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors, 'tensors leaked by this test').toBe(before);
  });
}

/** Runs `fn` and fails the test if it leaves tensors behind; returns what `fn` returns. */
export async function expectNoLeaks<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  return out;
}

/** The active backend multiplies [[1, 2]]·[[3], [4]] = [[11]] and leaks nothing (a backend adapter's smoke test). */
export async function expectBackendComputes(): Promise<void> {
  await expectNoLeaks(async () => {
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])));
    expect(Array.from(await y.data())).toEqual([11]);
    y.dispose();
  });
}

/** What `fn` throws; fails the test if it returns normally. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  expect.fail('expected the call to throw, but it returned');
}

/**
 * Bundles a child-process script for a test that runs it with `node` (e.g. to kill it, or to see it exit):
 * ESM for Node, tfjs-core's gradient files bundled as in the package builds, the bare tfjs imports external.
 */
export async function buildChildScript(opts: { name: string; entry: string; outDir: string; noExternal?: RegExp[]; alias?: Record<string, string> }): Promise<void> {
  const { build } = await import('tsup');
  await build({
    entry: { [opts.name]: opts.entry },
    outDir: opts.outDir,
    format: ['esm'],
    platform: 'node',
    silent: true,
    config: false,
    noExternal: [...(opts.noExternal ?? []), /^@tensorflow\/tfjs-core\/dist\//],
    esbuildOptions(o) {
      if (opts.alias) o.alias = opts.alias;
    },
  });
}
