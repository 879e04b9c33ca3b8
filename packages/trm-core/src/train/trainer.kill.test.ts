import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChildScript } from '@trm-ts/testing';
import '../gradients.js';
import { Rng } from '../random.js';
import { loadTrainerCheckpoint, readManifest } from '../node/checkpoint.js';
import { Trainer } from './trainer.js';
import { CopySource, RESUME_CONFIG } from './testing/copy-source.js';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '../..');
// Bundled into the package folder (not /tmp) so that its external imports resolve from the package's node_modules.
const outDir = join(pkg, '.test-build');
const dirs: string[] = [];

async function weights(t: Trainer): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of t.network.vars) out[k] = Array.from(await v.data());
  return out;
}

/** Runs the child until it has reported `killAt` saved steps, then SIGKILLs it at once (it may be mid-save). */
function runAndKill(dir: string, steps: number, killAt: number): Promise<{ lastReported: number; signal: NodeJS.Signals | null }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [join(outDir, 'kill-child.js'), dir, String(steps)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastReported = 0;
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const m of chunk.matchAll(/saved (\d+)/g)) lastReported = Number(m[1]);
      if (lastReported >= killAt) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.on('error', rej);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? res({ lastReported, signal }) : rej(new Error(`child exited with ${code} before the kill: ${err}`))));
  });
}

describe('Trainer resume after SIGKILL', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    // As the package build: tfjs-core's gradient files are bundled, the bare tfjs imports stay external.
    await buildChildScript({ name: 'kill-child', entry: join(here, 'testing/kill-child.ts'), outDir });
  }, 60_000);
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a process killed with SIGKILL at a random step leaves a loadable checkpoint; resuming to m equals m uninterrupted steps', async () => {
    const m = 10;
    const killAt = 1 + new Rng(Date.now() % 100_000).int(0, m - 3); // 1 … m − 2
    const dir = mkdtempSync(join(tmpdir(), 'trm-kill-'));
    dirs.push(dir);
    const { lastReported } = await runAndKill(dir, m, killAt);
    expect(lastReported).toBeGreaterThanOrEqual(killAt);

    const manifest = await readManifest(dir); // the kill may have interrupted the next save: latest.json still names a whole pair
    expect(manifest.step).toBeGreaterThanOrEqual(lastReported);
    expect(manifest.step).toBeLessThan(m);
    const resumed = await loadTrainerCheckpoint(dir, new CopySource(4, 999)); // the data cursor comes from the checkpoint
    expect(resumed.step).toBe(manifest.step);
    while (resumed.step < m) await resumed.trainStep();

    const uninterrupted = new Trainer(RESUME_CONFIG, new CopySource(4));
    for (let i = 0; i < m; i++) await uninterrupted.trainStep();
    expect(await weights(resumed)).toEqual(await weights(uninterrupted));
    const ema = async (t: Trainer) => Object.fromEntries(await Promise.all([...Object.entries(t.ema!.averages)].map(async ([k, v]) => [k, Array.from(await v.data())])));
    expect(await ema(resumed)).toEqual(await ema(uninterrupted));
    resumed.dispose();
    uninterrupted.dispose();
  }, 120_000);
});
