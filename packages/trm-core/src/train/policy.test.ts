import { describe, expect, it } from 'vitest';
import { createCarry } from './carry.js';
import { resolveTrainConfig, type TrainConfig } from './config.js';
import { resolvePolicy, rowWeights } from './policy.js';

const MODEL = { seqLen: 4, vocabSize: 5, hiddenSize: 8, numLayers: 1, latentSteps: 2, recursions: 2, supervisionSteps: 4, puzzleEmbDim: 0, puzzleEmbLen: 0 };
const policy = (c: Partial<TrainConfig>) => resolvePolicy(resolveTrainConfig({ model: MODEL, globalBatchSize: 4, ...c }));

describe('resolvePolicy', () => {
  it('official defaults: streaming restarts, 1/B loss scale, labels with Q losses, halting by q_halt', () => {
    const p = policy({});
    expect(p.restarts.select(Uint8Array.from([1, 0, 0, 0]))?.rows).toEqual(Uint8Array.from([1, 0, 0, 0]));
    expect(p.lossScale).toBe(1 / 4);
    expect(p.targets.qLossWeight).toBe(1);
    expect(p.halt).toEqual({ byQ: true, qContinue: false });
    expect(p.weighting).toEqual([]);
  });

  it('each config key selects its slot: classic loop, alive, CGAR weights, DIS switches halting and Q losses off', () => {
    expect(policy({ loop: 'batch' }).restarts.select(Uint8Array.from([1, 0, 0, 0]))).toBeNull();
    expect(policy({ lossNorm: 'alive' }).lossScale).toBe(1);
    expect(policy({ stepWeighting: 'cgar', lossNorm: 'alive' }).weighting).toHaveLength(2);
    const dis = policy({ disTargets: true });
    expect(dis.halt.byQ).toBe(false);
    expect(dis.targets.qLossWeight).toBe(0);
    expect(dis.onRestart).toHaveLength(4);
  });

  it('row weights: 1 for running rows below their gradient cap, 0 for halted rows and rows past it', () => {
    const p = policy({});
    const carry = createCarry(4, 4, { latentSteps: 2, recursions: 2 });
    carry.halted.set([0, 1, 0, 0]);
    carry.steps.set([0, 0, 3, 1]);
    carry.gradCaps.set([4, 4, 3, 4]);
    expect(Array.from(rowWeights(p, carry))).toEqual([1, 0, 0, 1]);
  });
});
