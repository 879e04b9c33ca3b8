import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../gradients.js';
import { Rng } from '../random.js';
import { TrmNetwork } from '../model/network.js';
import { batchTensors, disposeGradStep, gradStep } from '../model/supervision.js';
import type { TaskBatch } from '../data.js';
import { AdamAtan2, learningRate } from './optim.js';
import { Ema } from './ema.js';
import { Trainer } from './trainer.js';
import { snapshotFromSafetensors, snapshotToSafetensors } from './checkpoint.js';
import { loadTrainerCheckpoint, readManifest, saveTrainerCheckpoint } from '../node/checkpoint.js';
import { TrainingError } from '../errors.js';
import type { TrainConfig } from './config.js';
import { CopySource, RESUME_CONFIG, TINY_MODEL } from './testing/copy-source.js';

const MODEL = TINY_MODEL;

const base: Partial<TrainConfig> = { model: MODEL, globalBatchSize: 4, totalSteps: 1000, lr: 1e-2, lrWarmupSteps: 2, seed: 3, puzzleEmbLr: 1e-2 };

async function weightsOf(vars: Map<string, tf.Tensor> | Record<string, tf.Tensor>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of vars instanceof Map ? vars : Object.entries(vars)) out[k] = Array.from(await v.data());
  return out;
}

describe('Trainer', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('streaming loop: two steps equal the same updates composed by hand (gradStep + AdamATan2 + SignSGD + EMA)', async () => {
    const before = tf.memory().numTensors;
    const cfg: Partial<TrainConfig> = { ...base, halting: false, model: { ...MODEL, puzzleEmbDim: 0, puzzleEmbLen: 0 } };
    const trainer = new Trainer(cfg, new CopySource(4));
    const m1 = await trainer.trainStep();
    const m2 = await trainer.trainStep();
    expect(m1.step).toBe(1);
    expect(m2.step).toBe(2);
    expect(m1.lr).toBeCloseTo(1e-2 / 2, 12); // warm-up: s/W with the incremented counter
    expect(m2.lr).toBeCloseTo(1e-2, 12);

    // By hand: same init seed, same two batches (halting off ⇒ the carry keeps batch 1 for both steps).
    const rng = new Rng(3);
    const net = new TrmNetwork(cfg.model!, { seed: rng.seed() });
    const params = Object.fromEntries(net.specs.filter((s) => s.kind === 'param').map((s) => [s.key, net.v(s.key)]));
    const adam = new AdamAtan2(params, { weightDecay: 1.0 });
    const ema = new Ema(params, 0.999);
    const b = new CopySource(4).next().value as TaskBatch;
    const bt = batchTensors(net, b);
    let lat = net.initialLatents(4);
    for (const step of [1, 2]) {
      const g = await gradStep(net, bt, lat, { lossScale: 1 / 4 });
      adam.apply(Object.fromEntries(g.grads), learningRate(step, { baseLr: 1e-2, warmupSteps: 2, totalSteps: 1000, minRatio: 1 }));
      ema.update();
      tf.dispose([lat.y, lat.z]);
      lat = { y: tf.clone(g.y), z: tf.clone(g.z) };
      if (step === 2) expect(m2.loss).toBeCloseTo(g.loss, 6);
      disposeGradStep(g);
    }
    expect(await weightsOf(trainer.network.vars)).toEqual(await weightsOf(net.vars));
    expect(await weightsOf(trainer.ema!.averages)).toEqual(await weightsOf(ema.averages));
    tf.dispose([lat.y, lat.z, bt.inputs, bt.labels, bt.puzzleIds]);
    adam.dispose();
    ema.dispose();
    net.dispose();
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('classic loop: runs exactly the drawn N_sup optimizer steps per batch (compute-matched, no clipping)', async () => {
    const source = new CopySource(4);
    const trainer = new Trainer({ ...base, loop: 'batch', halting: false, randomize: { latentSteps: 0, recursions: 0, supervisionSteps: 2 }, model: { ...MODEL, supervisionSteps: 3 } }, source);
    const stepsPerBatch: number[] = [];
    let lastCalls = 0;
    let run = 0;
    for (let i = 0; i < 60; i++) {
      await trainer.trainStep();
      run++;
      if (source.calls !== lastCalls && i > 0) {
        stepsPerBatch.push(run - 1);
        run = 1;
      }
      lastCalls = source.calls;
    }
    // Draws U{1..5}: every length occurs, none outside, the mean is near the centre 3.
    expect(new Set(stepsPerBatch)).toEqual(new Set([1, 2, 3, 4, 5]));
    const mean = stepsPerBatch.reduce((a, b) => a + b, 0) / stepsPerBatch.length;
    expect(mean).toBeGreaterThan(2.2);
    expect(mean).toBeLessThan(3.8);
    trainer.dispose();
  });

  it('classic loop masks halted rows: a row that halted gets weight 0 until the whole batch restarts', async () => {
    // With exploration off and q_halt bias +5, every row halts after its first step (q_halt > 0):
    // the batch then restarts at every step, so each step draws a new batch.
    const source = new CopySource(4);
    const trainer = new Trainer({ ...base, loop: 'batch', model: { ...MODEL, haltExplorationProb: 0 } }, source);
    trainer.network.v('q_head.bias').assign(tf.tensor1d([5, 5]));
    const m = await trainer.trainStep();
    expect(m.count).toBe(4);
    expect(m.meanSteps).toBe(1);
    await trainer.trainStep();
    expect(source.calls).toBe(2);
    trainer.dispose();
  });

  it('resumes exactly: k steps + checkpoint bytes + restore + (m − k) steps = m steps uninterrupted', async () => {
    const cfg = RESUME_CONFIG;
    const m = 8;
    const k = 1 + new Rng(Date.now() % 1000).int(0, m - 2); // a random "kill" step
    const a = new Trainer(cfg, new CopySource(4));
    for (let i = 0; i < m; i++) await a.trainStep();

    const srcB = new CopySource(4);
    const b = new Trainer(cfg, srcB);
    for (let i = 0; i < k; i++) await b.trainStep();
    const bytes = snapshotToSafetensors(await b.snapshot());
    b.dispose(); // the "killed" process
    const c = Trainer.restore(snapshotFromSafetensors(bytes), new CopySource(4, 999));
    for (let i = k; i < m; i++) await c.trainStep();
    expect(c.step).toBe(m);
    expect(await weightsOf(c.network.vars)).toEqual(await weightsOf(a.network.vars));
    expect(await weightsOf(c.ema!.averages)).toEqual(await weightsOf(a.ema!.averages));
    a.dispose();
    c.dispose();
  });

  it('rematerialize: false trains to the same weights as the rematerialised default, and validates its value', async () => {
    const cfg: Partial<TrainConfig> = { ...base, loop: 'batch' };
    const a = new Trainer(cfg, new CopySource(4));
    const b = new Trainer({ ...cfg, rematerialize: false }, new CopySource(4));
    const w0 = await weightsOf(a.network.vars);
    for (let i = 0; i < 4; i++) {
      await a.trainStep();
      await b.trainStep();
    }
    const wa = await weightsOf(a.network.vars);
    const wb = await weightsOf(b.network.vars);
    for (const k of Object.keys(wa)) wa[k]!.forEach((v, i) => expect(wb[k]![i]).toBeCloseTo(v, 6));
    expect(wa).not.toEqual(w0); // the steps moved the weights
    a.dispose();
    b.dispose();
    expect(() => new Trainer({ ...cfg, rematerialize: 'no' as unknown as boolean }, new CopySource(4))).toThrow(/rematerialize.*true or false/);
  });

  it('DIS (qLossWeight 0) sends no gradient into the Q head; the default does', async () => {
    const before = tf.memory().numTensors;
    const net = new TrmNetwork(MODEL, { seed: 4 });
    const rows = new CopySource(4).next().value as TaskBatch;
    const batch = batchTensors(net, rows);
    const qGrad = async (qLossWeight?: number) => {
      const latents = net.initialLatents(4);
      const g = await gradStep(net, batch, latents, { qLossWeight });
      const q = Array.from(await g.grads.get('q_head.weight')!.data());
      disposeGradStep(g);
      tf.dispose([latents.y, latents.z]);
      return q;
    };
    expect((await qGrad()).some((v) => v !== 0)).toBe(true);
    expect((await qGrad(0)).every((v) => v === 0)).toBe(true);
    tf.dispose([batch.inputs, batch.labels, batch.puzzleIds]);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops on a NaN loss with a TrainingError and applies no update', async () => {
    const trainer = new Trainer(base, new CopySource(4));
    await trainer.trainStep();
    trainer.network.v('lm_head.weight').assign(tf.fill(trainer.network.v('lm_head.weight').shape, NaN));
    const before = await weightsOf({ q: trainer.network.v('q_head.weight') });
    await expect(trainer.trainStep()).rejects.toThrow(TrainingError);
    await expect(trainer.trainStep()).rejects.toThrow(/diverged at step 2/);
    expect(await weightsOf({ q: trainer.network.v('q_head.weight') })).toEqual(before);
    expect(trainer.step).toBe(1);
    trainer.dispose();
  });

  it('writes checkpoints atomically: a failed save keeps the previous checkpoint loadable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trm-ckpt-'));
    try {
      const trainer = new Trainer(base, new CopySource(4));
      await trainer.trainStep();
      await saveTrainerCheckpoint(trainer, dir);
      await trainer.trainStep();
      // Make the next trainer file's path a directory: the rename fails mid-save.
      mkdirSync(join(dir, 'step_2.trainer.safetensors'));
      await expect(saveTrainerCheckpoint(trainer, dir)).rejects.toThrow();
      expect((await readManifest(dir)).step).toBe(1);
      expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
      const restored = await loadTrainerCheckpoint(dir, new CopySource(4));
      expect(restored.step).toBe(1);
      restored.dispose();
      trainer.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trains from an async source, a sync iterable and Trainer.forDataset exactly as from the stateful source', async () => {
    const cfg: Partial<TrainConfig> = { ...base, totalSteps: 6 };
    const weightsAfter = async (t: Trainer) => {
      const metrics = [];
      for await (const m of t.run()) metrics.push({ loss: m.loss, all: m.allRows });
      const w = await weightsOf(t.network.vars);
      t.dispose();
      return { w, metrics };
    };
    const reference = await weightsAfter(new Trainer(cfg, new CopySource(4)));
    const asyncSource = new CopySource(4);
    const fromAsync = await weightsAfter(new Trainer(cfg, { next: async () => asyncSource.next() }));
    function* gen() {
      const s = new CopySource(4);
      for (;;) yield s.next().value as TaskBatch;
    }
    const fromIterable = await weightsAfter(new Trainer(cfg, gen()));
    const dataset = { seqLen: MODEL.seqLen, vocabSize: MODEL.vocabSize, numPuzzleIdentifiers: MODEL.numPuzzleIdentifiers, batches: () => new CopySource(4) };
    const { seqLen: _s, vocabSize: _v, numPuzzleIdentifiers: _n, ...dimless } = MODEL;
    const fromDataset = await weightsAfter(Trainer.forDataset({ ...cfg, model: dimless }, dataset));
    expect(fromAsync).toEqual(reference);
    expect(fromIterable).toEqual(reference);
    expect(fromDataset).toEqual(reference);
    // allRows counts every row that ran: defined from the first step, unlike the official halted-rows metrics.
    expect(reference.metrics[0]!.all.count).toBe(4);
  });

  it('leaks nothing: tf.memory().numTensors is identical after step 10 and after step 1000', async () => {
    const trainer = new Trainer({ ...base, model: { ...MODEL, latentSteps: 1, recursions: 1 }, latentInit: 'mixed', progressiveLoss: false }, new CopySource(4));
    for await (const m of trainer.run(10)) void m;
    const at10 = tf.memory().numTensors;
    for await (const m of trainer.run(1000)) void m;
    expect(trainer.step).toBe(1000);
    expect(tf.memory().numTensors).toBe(at10);
    trainer.dispose();
  });
});

afterAll(() => undefined);
