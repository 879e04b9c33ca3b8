import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { checkLeaksEachTest } from '@trm-ts/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import '../gradients.js';
import { ConfigError } from '../errors.js';
import { Trainer, type StepMetrics } from '../train/trainer.js';
import type { TrainConfig } from '../train/config.js';
import { CopySource, TINY_MODEL } from '../train/testing/copy-source.js';
import { StackedTrainer } from './stacked-trainer.js';
import { setStackMatmuls } from './stacked-network.js';

/**
 * Tolerance of "model k of a stack equals the same model trained alone" on the cpu backend: the stack runs the
 * same ops on the same values, but a batched matmul / reduction may group float32 sums differently from the
 * single-model kernel. Measured max |Δ| (printed by the tests): 0 on the cpu backend in all three configs; 1e-5 bounds it.
 */
const TOL = 1e-5;

const base: Partial<TrainConfig> = { model: TINY_MODEL, globalBatchSize: 4, totalSteps: 1000, lr: 1e-2, lrWarmupSteps: 2, puzzleEmbLr: 1e-2 };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

/** Trains each config alone for `steps` steps and as one stack, and compares every model's full state. */
async function compareWithAlone(configs: Partial<TrainConfig>[], steps: number): Promise<{ maxDiff: number; groupsSeen: number }> {
  const stack = new StackedTrainer(configs, configs.map((_, k) => new CopySource(4, 10 + k)));
  const stackMetrics: StepMetrics[][] = [];
  for (let s = 0; s < steps; s++) stackMetrics.push(await stack.trainStep());
  let maxDiff = 0;
  let groupsSeen = 0;
  const depthsPerStep = stackMetrics.map((ms) => new Set(ms.map((m) => `${m.latentSteps}/${m.recursions}`)).size);
  groupsSeen = Math.max(...depthsPerStep);
  for (let k = 0; k < configs.length; k++) {
    const alone = new Trainer(configs[k]!, new CopySource(4, 10 + k));
    for (let s = 0; s < steps; s++) {
      const m = await alone.trainStep();
      const sm = stackMetrics[s]![k]!;
      expect(sm.latentSteps).toBe(m.latentSteps);
      expect(sm.recursions).toBe(m.recursions);
      expect(sm.count).toBe(m.count);
      expect(Math.abs(sm.loss - m.loss)).toBeLessThanOrEqual(TOL);
    }
    const a = await alone.snapshot();
    const b = await stack.modelSnapshot(k);
    for (const [key, w] of a.weights) maxDiff = Math.max(maxDiff, maxAbsDiff(b.weights.get(key)!.data, w.data));
    for (const [key, p] of Object.entries(a.optimizer.params)) {
      expect(b.optimizer.params[key]!.shape).toEqual(p.shape);
      maxDiff = Math.max(maxDiff, maxAbsDiff(b.optimizer.params[key]!.m, p.m), maxAbsDiff(b.optimizer.params[key]!.v, p.v));
    }
    if (a.ema) for (const [key, s] of Object.entries(a.ema.shadow)) maxDiff = Math.max(maxDiff, maxAbsDiff(b.ema!.shadow[key]!.values, s.values));
    maxDiff = Math.max(maxDiff, maxAbsDiff(b.carryTensors!.y, a.carryTensors!.y), maxAbsDiff(b.carryTensors!.z, a.carryTensors!.z));
    expect(b.carryArrays.steps).toEqual(a.carryArrays.steps);
    expect(b.carryArrays.halted).toEqual(a.carryArrays.halted);
    expect(b.carryArrays.inputs).toEqual(a.carryArrays.inputs);
    expect(b.state.rng).toEqual(a.state.rng);
    expect(b.state.dataCursor).toEqual(a.state.dataCursor);
    alone.dispose();
  }
  stack.dispose();
  return { maxDiff, groupsSeen };
}

describe('StackedTrainer: each model equals the same model trained alone', () => {
  checkLeaksEachTest();
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('plain config, 3 seeds, 4 steps (MLP mixer, puzzle embedding, EMA, streaming loop)', async () => {
    const configs = [1, 2, 3].map((seed) => ({ ...base, seed }));
    const { maxDiff } = await compareWithAlone(configs, 4);
    console.log(`stack plain: max |Δ| = ${maxDiff}`);
    expect(maxDiff).toBeLessThanOrEqual(TOL);
  });

  it('randomised n, T, N_sup per model (grouped by depth), per-model clipping, mixed variants', async () => {
    const rnd: Partial<TrainConfig> = { ...base, latentInit: 'random', randomize: { latentSteps: 1, recursions: 1, supervisionSteps: 1 }, gradClipNorm: 0.05 };
    const configs: Partial<TrainConfig>[] = [
      { ...rnd, seed: 3 },
      { ...rnd, seed: 4, loop: 'batch' },
      { ...rnd, seed: 5, progressiveLoss: true },
      { ...rnd, seed: 6, lossNorm: 'alive' },
    ];
    const { maxDiff, groupsSeen } = await compareWithAlone(configs, 5);
    console.log(`stack randomised: max |Δ| = ${maxDiff}, at most ${groupsSeen} depth groups in one step`);
    expect(groupsSeen).toBeGreaterThan(1); // the grouping path ran
    expect(maxDiff).toBeLessThanOrEqual(TOL);
  });

  it('attention config (RoPE), rematerialised f, AdamW', async () => {
    const att: Partial<TrainConfig> = { ...base, model: { ...TINY_MODEL, mixer: 'attention', posEncodings: 'rope' }, optimizer: 'adamW', rematerialize: true };
    const { maxDiff } = await compareWithAlone([{ ...att, seed: 7 }, { ...att, seed: 8 }], 3);
    console.log(`stack attention: max |Δ| = ${maxDiff}`);
    expect(maxDiff).toBeLessThanOrEqual(TOL);
  });

  it('per-model 2-D matmuls (the wasm path, forced on cpu): plain, randomised depth and attention configs', async () => {
    setStackMatmuls('split');
    try {
      const rnd: Partial<TrainConfig> = { ...base, latentInit: 'random', randomize: { latentSteps: 1, recursions: 1, supervisionSteps: 1 } };
      const att: Partial<TrainConfig> = { ...base, model: { ...TINY_MODEL, mixer: 'attention', posEncodings: 'rope' }, rematerialize: true };
      const r1 = await compareWithAlone([{ ...base, seed: 1 }, { ...base, seed: 2 }], 2);
      const r2 = await compareWithAlone([{ ...rnd, seed: 3 }, { ...rnd, seed: 4 }, { ...rnd, seed: 5 }], 3);
      const r3 = await compareWithAlone([{ ...att, seed: 7 }, { ...att, seed: 8 }], 2);
      console.log(`stack split matmuls: max |Δ| = ${r1.maxDiff} / ${r2.maxDiff} / ${r3.maxDiff}`);
      for (const r of [r1, r2, r3]) expect(r.maxDiff).toBeLessThanOrEqual(TOL);
    } finally {
      setStackMatmuls('auto');
    }
  });

  it('a model snapshot of the stack continues alone exactly (Trainer.restore)', async () => {
    const configs = [{ ...base, seed: 1 }, { ...base, seed: 2 }];
    const sources = configs.map((_, k) => new CopySource(4, 10 + k));
    const stack = new StackedTrainer(configs, sources);
    await stack.trainStep();
    await stack.trainStep();
    const snap = await stack.modelSnapshot(1);
    const restored = Trainer.restore(snap, new CopySource(4, 11));
    await stack.trainStep();
    await restored.trainStep();
    const a = await stack.modelSnapshot(1);
    const b = await restored.snapshot();
    let d = 0;
    for (const [key, w] of b.weights) d = Math.max(d, maxAbsDiff(a.weights.get(key)!.data, w.data));
    expect(d).toBeLessThanOrEqual(TOL);
    restored.dispose();
    stack.dispose();
  });

  it('rejects stacks whose models differ in shape or shared optimiser settings (ConfigError)', () => {
    const s = () => [new CopySource(4, 1), new CopySource(4, 2)];
    expect(() => new StackedTrainer([{ ...base }, { ...base, model: { ...TINY_MODEL, hiddenSize: 16 } }], s())).toThrow(ConfigError);
    expect(() => new StackedTrainer([{ ...base }, { ...base, lr: 1 }], s())).toThrow(/lr = 0.01/);
    const one = new CopySource(4, 1);
    expect(() => new StackedTrainer([{ ...base }, { ...base }], [one, one])).toThrow(ConfigError);
  });
});
