import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { checkLeaksEachTest } from '@trm-ts/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import '../gradients.js';
import type { TaskBatch } from '../data.js';
import { evaluate } from '../train/evaluate.js';
import type { TrainConfig } from '../train/config.js';
import { CopySource, TINY_MODEL } from '../train/testing/copy-source.js';
import { StackedTrainer } from './stacked-trainer.js';
import { evaluateStack } from './stacked-evaluate.js';

const base: Partial<TrainConfig> = { model: TINY_MODEL, globalBatchSize: 4, totalSteps: 1000, lr: 1e-2, lrWarmupSteps: 2, puzzleEmbLr: 1e-2 };

function testBatches(): TaskBatch[] {
  const src = new CopySource(6, 99);
  const bs = [src.next().value as TaskBatch, src.next().value as TaskBatch];
  bs[1] = { ...bs[1]!, valid: Uint8Array.from([1, 1, 1, 0, 0, 1]) }; // padding rows are not counted
  return bs;
}

describe('evaluateStack / StackedTrainer.evaluate / StackedTrainer.restore', () => {
  checkLeaksEachTest();
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const latentInit of ['static', 'random'] as const) {
    it(`every model's metrics equal evaluate() of that model alone (latentInit ${latentInit})`, async () => {
      const configs = [1, 2, 3].map((seed) => ({ ...base, seed }));
      const stack = new StackedTrainer(configs, configs.map((_, k) => new CopySource(4, 10 + k)));
      for (let s = 0; s < 3; s++) await stack.trainStep();
      const batches = testBatches();
      const got = await evaluateStack(stack.network, batches, { latentInit, seed: 4, supervisionSteps: 2 });
      for (let k = 0; k < 3; k++) {
        const net = await stack.network.toNetwork(k);
        const want = await evaluate(net, batches, { latentInit, seed: 4, supervisionSteps: 2 });
        expect(got[k]).toEqual(want);
        net.dispose();
      }
      expect(got[0]!.count).toBe(10);
      // With EMA on, StackedTrainer.evaluate uses the averages (and puts the live weights back).
      const before = await stack.modelSnapshot(0);
      const ema = await stack.evaluate(batches, { supervisionSteps: 2 });
      expect(ema).toHaveLength(3);
      expect((await stack.modelSnapshot(0)).weights).toEqual(before.weights);
      stack.dispose();
    });
  }

  it('StackedTrainer.restore from modelSnapshot(k) resumes the stack exactly', async () => {
    const configs: Partial<TrainConfig>[] = [
      { ...base, seed: 1, latentInit: 'random', randomize: { latentSteps: 1, recursions: 1, supervisionSteps: 1 } },
      { ...base, seed: 2, latentInit: 'random', randomize: { latentSteps: 1, recursions: 1, supervisionSteps: 1 } },
    ];
    const a = new StackedTrainer(configs, [new CopySource(4, 10), new CopySource(4, 11)]);
    await a.trainStep();
    await a.trainStep();
    const snaps = [await a.modelSnapshot(0), await a.modelSnapshot(1)];
    const b = StackedTrainer.restore(snaps, [new CopySource(4, 10), new CopySource(4, 11)]);
    expect(b.step).toBe(2);
    for (let s = 0; s < 2; s++) {
      const ma = await a.trainStep();
      const mb = await b.trainStep();
      expect(mb.map((m) => m.loss)).toEqual(ma.map((m) => m.loss));
    }
    for (const k of [0, 1]) expect((await b.modelSnapshot(k)).weights).toEqual((await a.modelSnapshot(k)).weights);
    a.dispose();
    b.dispose();
  });
});
