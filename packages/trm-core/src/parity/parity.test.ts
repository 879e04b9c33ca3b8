import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import '../gradients.js';
import { listFixtureDirs, readFixture } from './fixtures.js';
import { runParity } from './parity.js';

const dirs = listFixtureDirs();

describe('parity with the official PyTorch model (every fixture in TRM_PARITY_DIR)', () => {
  beforeAll(async () => {
    await tf.setBackend(process.env.TRM_TEST_BACKEND ?? 'wasm');
  });

  it('finds at least one fixture', () => {
    expect(dirs.length).toBeGreaterThan(0);
  });

  it.each(dirs)('%s', async (dir) => {
    const before = tf.memory().numTensors;
    const report = await runParity(readFixture(dir));
    const failed = report.checks.filter((c) => !c.pass);
    const worst = [...report.checks].filter((c) => !c.name.startsWith('preds')).sort((a, b) => b.worst - a.worst).slice(0, 3);
    console.log(`${report.fixture}: ${report.checks.length} checks, worst ${worst.map((c) => `${c.name}=${c.worst.toFixed(3)}`).join(', ')}`);
    expect(failed.map((c) => `${c.name}: worst ${c.worst}, max abs ${c.maxAbs}`)).toEqual([]);
    expect(report.checks.length).toBeGreaterThan(20);
    expect(tf.memory().numTensors).toBe(before);
  });
});
