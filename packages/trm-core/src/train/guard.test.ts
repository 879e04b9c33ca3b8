import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '../gradients.js';
import { CheckpointError, ConfigError, TrainingError, TrmError } from '../errors.js';
import { Trainer, type TrainerSnapshot } from './trainer.js';
import { assertUpdateFinite } from './guard.js';
import { loadTrainerCheckpoint, readManifest, saveTrainerCheckpoint } from '../node/checkpoint.js';
import type { TrainConfig } from './config.js';
import { CopySource, TINY_MODEL } from './testing/copy-source.js';

const base: Partial<TrainConfig> = { model: TINY_MODEL, globalBatchSize: 4, totalSteps: 100, lr: 1e-2, lrWarmupSteps: 0, seed: 3, puzzleEmbLr: 1e-2 };

async function finite(t: Trainer): Promise<boolean> {
  for (const v of t.network.vars.values()) if (!(await v.data()).every(Number.isFinite)) return false;
  return true;
}

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<TrmError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(TrmError);
  return err as TrmError;
}

describe('divergence guard (issue 12)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('a step whose update is not finite throws before reporting, is never saved, and a resume with a lower lr trains on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trm-guard-'));
    const before = tf.memory().numTensors;
    try {
      const t = new Trainer(base, new CopySource(4));
      await t.trainStep();
      await t.trainStep();
      await saveTrainerCheckpoint(t, dir);
      t.dispose();

      // lr 1e39 (finite for the config, Inf in float32): the loss of step 3 is finite, its update is not.
      const hot = await loadTrainerCheckpoint(dir, new CopySource(4, 999), { lr: 1e39, puzzleEmbLr: 1e39 });
      expect(hot.config.lr).toBe(1e39);
      const err = await rejection(hot.trainStep());
      expect(err).toBeInstanceOf(TrainingError);
      expect(err.code).toBe('diverged');
      expect(err.message).toMatch(/training diverged at step 3: expected finite parameters after the update, got \d+ non-finite values in /);
      expect(await finite(hot)).toBe(false); // the poisoned weights are only in memory…
      const saveErr = await rejection(saveTrainerCheckpoint(hot, dir));
      expect(saveErr.code).toBe('non-finite'); // …and are never written
      expect((await readManifest(dir)).step).toBe(2); // latest still names the finite checkpoint
      hot.dispose();

      const cool = await loadTrainerCheckpoint(dir, new CopySource(4, 999), { lr: 1e-3 });
      expect(cool.config.lr).toBe(1e-3);
      const m = await cool.trainStep();
      expect(m.step).toBe(3);
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(await finite(cool)).toBe(true);
      await saveTrainerCheckpoint(cool, dir);
      expect((await readManifest(dir)).step).toBe(3);
      cool.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('assertUpdateFinite counts NaN and Inf exactly, and lets finite values whose sum overflows pass', async () => {
    const before = tf.memory().numTensors;
    const big = tf.tensor1d([3e38, 3e38]); // finite, but the fast path's total overflows to Inf
    const bad = tf.tensor1d([1, Number.NaN, -Infinity, 2]);
    await assertUpdateFinite(7, [['big', big]]);
    const err = await rejection(assertUpdateFinite(7, [['big', big], ['bad', bad]]));
    expect(err.code).toBe('diverged');
    expect(err.message).toMatch(/^training diverged at step 7: expected finite parameters after the update, got 2 non-finite values in bad\. /);
    tf.dispose([big, bad]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a resume override outside the optimizer settings is refused', async () => {
    const t = new Trainer(base, new CopySource(4));
    await t.trainStep();
    const snap = await t.snapshot();
    t.dispose();
    const before = tf.memory().numTensors;
    const err = await rejection(() => Trainer.restore(snap, new CopySource(4), { globalBatchSize: 8 } as never));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('resume overrides: expected only lr, puzzleEmbLr');
    const bad = await rejection(() => Trainer.restore(snap, new CopySource(4), { lr: -1 }));
    expect(bad).toBeInstanceOf(ConfigError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('restored trainer state is validated against its config (issue 12)', () => {
  let snap: TrainerSnapshot;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const t = new Trainer(base, new CopySource(4));
    await t.trainStep();
    snap = await t.snapshot();
    t.dispose();
  });

  /** A deep-enough copy of the snapshot with one field edited. */
  function tampered(edit: (s: TrainerSnapshot) => void): TrainerSnapshot {
    const s: TrainerSnapshot = {
      ...snap,
      state: structuredClone(snap.state),
      weights: new Map([...snap.weights].map(([k, w]) => [k, { shape: [...w.shape], data: w.data.slice() }])),
      carryTensors: snap.carryTensors && { ...snap.carryTensors, shape: [...snap.carryTensors.shape] },
      carryArrays: Object.fromEntries(Object.entries(snap.carryArrays).map(([k, v]) => [k, v?.slice() ?? null])) as TrainerSnapshot['carryArrays'],
    };
    edit(s);
    return s;
  }

  const cases: [string, (s: TrainerSnapshot) => void, string, RegExp][] = [
    ['global batch size edited', (s) => { s.state.config.globalBatchSize = 8; }, 'trainer-state', /carry\/inputs: expected 32 values \(globalBatchSize 8 × seqLen 4\), got 16/],
    ['carry latents of the wrong shape', (s) => { s.carryTensors!.shape = [4, s.carryTensors!.shape[1]! * 2, 4]; }, 'trainer-state', /carry\/y, carry\/z: expected shape \[4,\d+,8\]/],
    ['halted = 7', (s) => { s.carryArrays.halted[0] = 7; }, 'trainer-state', /carry\/halted\[0\]: expected an integer in \[0, 1\], got 7/],
    ['steps = -3', (s) => { s.state.step = -3; }, 'trainer-state', /step: expected an integer ≥ 0, got -3/],
    ['carry steps = -3', (s) => { s.carryArrays.steps[1] = -3; }, 'trainer-state', /carry\/steps\[1\]: expected an integer in \[0, 3\], got -3/],
    ['puzzle id beyond the table', (s) => { s.carryArrays.puzzleIds[0] = 3; }, 'trainer-state', /carry\/puzzleIds\[0\]: expected an integer in \[0, 2\], got 3/],
    ['token beyond the vocabulary', (s) => { s.carryArrays.inputs[0] = 5; }, 'trainer-state', /carry\/inputs\[0\]: expected an integer in \[0, 4\], got 5/],
    ['RNG state all zero', (s) => { s.state.rng = [0, 0, 0, 0]; }, 'trainer-state', /rng: expected four uint32 words, not all zero, got \[0,0,0,0\]/],
    ['RNG state not words', (s) => { (s.state as { rng: unknown }).rng = [1.5, 'x']; }, 'trainer-state', /rng: expected four uint32 words/],
    ['a weight of the wrong size', (s) => { const w = s.weights.get('q_head.bias')!; w.data = new Float32Array(3); }, 'trainer-state', /weights\/q_head\.bias: expected 2 values, got 3/],
    ['NaN in a weight', (s) => { s.weights.get('lm_head.weight')!.data[0] = Number.NaN; }, 'non-finite', /got 1 non-finite values in weights\/lm_head\.weight/],
    ['Inf in an Adam moment', (s) => { s.optimizer = { ...s.optimizer, params: { ...s.optimizer.params, 'q_head.bias': { ...s.optimizer.params['q_head.bias']!, v: Float32Array.of(Infinity, 0) } } }; }, 'non-finite', /optimizer\/v\/q_head\.bias/],
  ];
  for (const [name, edit, code, message] of cases) {
    it(`refuses ${name} before building anything`, async () => {
      const before = tf.memory().numTensors;
      const err = await rejection(() => Trainer.restore(tampered(edit), new CopySource(4)));
      expect(err).toBeInstanceOf(CheckpointError);
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('accepts the untouched snapshot', () => {
    const before = tf.memory().numTensors;
    const t = Trainer.restore(tampered(() => undefined), new CopySource(4));
    expect(t.step).toBe(1);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
