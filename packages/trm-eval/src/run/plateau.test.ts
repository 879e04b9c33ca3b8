import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, Rng, Trainer, serializeSafetensors, type BatchSource, type TaskBatch, type TrainConfig } from '@trm-ts/core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { nextPlateauState, readJobProgress, readWeights, trainToPlateau, type JobStore, type StoppingRule } from './plateau.js';

beforeAll(async () => {
  await useWasmBackend();
});

describe('stopping rule (nextPlateauState)', () => {
  it('counts validations without a rise of ≥ minDelta over the last improvement; the best weights follow the maximum', () => {
    const rule = { patience: 3, minDelta: 0.05 };
    // Worked by hand: 0.10 (first: improvement) → 0.14 (new best, +0.04 < 0.05: 1) → 0.16 (new best, +0.06 ≥ 0.05
    // over 0.10: improvement, reference 0.16) → 0.12 (1) → 0.20 (new best, +0.04: 2) → 0.19 (3: plateau).
    const scores = [0.1, 0.14, 0.16, 0.12, 0.2, 0.19];
    const expected = [
      { since: 0, newBest: true, plateau: false },
      { since: 1, newBest: true, plateau: false },
      { since: 0, newBest: true, plateau: false },
      { since: 1, newBest: false, plateau: false },
      { since: 2, newBest: true, plateau: false },
      { since: 3, newBest: false, plateau: true },
    ];
    let st = { reference: 0, sinceImprovement: 0, best: null as number | null };
    scores.forEach((s, i) => {
      const n = nextPlateauState(st, s, rule);
      expect({ since: n.sinceImprovement, newBest: n.newBest, plateau: n.plateau }).toEqual(expected[i]);
      st = { reference: n.reference, sinceImprovement: n.sinceImprovement, best: n.newBest ? s : st.best };
    });
  });

  it('does not count patience while the model has not left ~0% (best < minDelta)', () => {
    const rule = { patience: 2, minDelta: 0.01 };
    // 0, 0, 0, 0.005 (new best, still < minDelta: not started), 0.02 (improvement), 0.025, 0.026 → plateau at the 7th.
    let st = { reference: 0, sinceImprovement: 0, best: null as number | null };
    const since: number[] = [];
    const plateau: boolean[] = [];
    for (const s of [0, 0, 0, 0.005, 0.02, 0.025, 0.026]) {
      const n = nextPlateauState(st, s, rule);
      since.push(n.sinceImprovement);
      plateau.push(n.plateau);
      st = { reference: n.reference, sinceImprovement: n.sinceImprovement, best: n.newBest ? s : st.best };
    }
    expect(since).toEqual([0, 0, 0, 0, 0, 1, 2]);
    expect(plateau).toEqual([false, false, false, false, false, false, true]);
  });

  it('minSteps: no plateau stop before that step; the counter keeps running, so the first validation at or after it can stop', () => {
    const rule = { patience: 2, minDelta: 0.05, minSteps: 6 };
    // 0.5 (improvement), 0.6 (improvement), then flat: since 1, 2, 3, 4 at steps 3–6 → stops at step 6, not 4.
    let st = { reference: 0, sinceImprovement: 0, best: null as number | null };
    const plateau: boolean[] = [];
    [0.5, 0.6, 0.6, 0.6, 0.6, 0.6].forEach((s, i) => {
      const n = nextPlateauState(st, s, rule, i + 1);
      plateau.push(n.plateau);
      st = { reference: n.reference, sinceImprovement: n.sinceImprovement, best: n.newBest ? s : st.best };
    });
    expect(plateau).toEqual([false, false, false, false, false, true]);
    expect(st.sinceImprovement).toBe(4);
    expect(nextPlateauState({ reference: 0.6, sinceImprovement: 1, best: 0.6 }, 0.6, { patience: 2, minDelta: 0.05 }, 4).plateau).toBe(true); // no minSteps: as before
  });

  it('rejects a bad rule with a typed error before training', async () => {
    const before = tf.memory().numTensors;
    const never = () => {
      throw new Error('must not build a trainer');
    };
    for (const [rule, msg] of [
      [{ patience: 0, minDelta: 0.01 }, /patience to be an integer >= 1, got 0/],
      [{ patience: 2, minDelta: -1 }, /minDelta >= 0, got -1/],
      [{ patience: 2, minDelta: 0.01, minSteps: 1.5 }, /minSteps to be an integer >= 0, got 1.5/],
    ] as [StoppingRule, RegExp][]) {
      const run = trainToPlateau({ makeTrainer: never, restoreTrainer: never, rule, evalInterval: 1, validate: async () => 0, label: 'x' });
      await expect(run).rejects.toBeInstanceOf(ConfigError);
      await expect(trainToPlateau({ makeTrainer: never, restoreTrainer: never, rule, evalInterval: 1, validate: async () => 0, label: 'x' })).rejects.toThrow(msg);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('readJobProgress: a saved job file is checked before it is used', () => {
  const blob = (progress: string) => {
    const st = serializeSafetensors(new Map(), { progress });
    const out = new Uint8Array(8 + st.length); // an empty trainer part (length 0), then the progress file
    out.set(st, 8);
    return out;
  };

  it('reads the validations, best and patience of a well-formed record', () => {
    const p = readJobProgress(blob(JSON.stringify({ validation: [{ step: 50, solved: 0.25, trainSeconds: 60 }], best: { step: 50, solved: 0.25 }, reference: 0.25, sinceImprovement: 0 })), 'job');
    expect(p).toEqual({ validation: [{ step: 50, solved: 0.25, trainSeconds: 60 }], best: { step: 50, solved: 0.25 }, sinceImprovement: 0 });
  });

  it('refuses damaged records with a ConfigError naming the job and what was expected', () => {
    for (const [text, re] of [
      ['{not json', /job: saved progress: expected JSON/],
      ['{"validation": "x"}', /expected an object with a validation list/],
      ['{"validation": [{"step": 1}], "best": null, "reference": 0, "sinceImprovement": 0}', /expected validation points/],
      ['{"validation": [], "best": {"step": "a"}, "reference": 0, "sinceImprovement": 0}', /expected best = null or/],
      ['{"validation": [], "best": null, "reference": 0, "sinceImprovement": -1}', /expected reference and sinceImprovement/],
      ['{"validation": [{"step": 1, "solved": 0, "trainSeconds": 1, "cpuSeconds": -2}], "best": null, "reference": 0, "sinceImprovement": 0}', /expected cpuSeconds to be absent or a number >= 0/],
    ] as [string, RegExp][]) {
      expect(() => readJobProgress(blob(text), 'job'), text).toThrow(ConfigError);
      expect(() => readJobProgress(blob(text), 'job'), text).toThrow(re);
    }
  });
});

describe('trainToPlateau: a stopped job resumed under a rule with minSteps', () => {
  const L = 4;
  /** A seeded endless stream of toy rows (label = input), with a cursor that a trainer snapshot saves and restores. */
  class ToySource implements BatchSource {
    private rng = new Rng(9);
    next(): IteratorResult<TaskBatch> {
      const inputs = Int32Array.from({ length: 4 * L }, () => this.rng.int(1, 4));
      return { done: false, value: { batchSize: 4, seqLen: L, inputs, labels: inputs.slice(), puzzleIds: new Int32Array(4) } };
    }
    getState() {
      return this.rng.getState();
    }
    setState(s: unknown) {
      this.rng.setState(s as [number, number, number, number]);
    }
  }
  const config: Partial<TrainConfig> = {
    model: { seqLen: L, vocabSize: 5, hiddenSize: 8, numLayers: 1, latentSteps: 1, recursions: 1, supervisionSteps: 2, puzzleEmbLen: 0, puzzleEmbDim: 0, numPuzzleIdentifiers: 1 },
    globalBatchSize: 4, totalSteps: 20, lr: 1e-2, lrWarmupSteps: 1, seed: 4, ema: true, emaRate: 0.5,
  };
  // Scripted validation scores by validation index (one validation per step): flat from the 3rd on until the 7th.
  const scores = [0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7];
  const run = (rule: StoppingRule, store: JobStore, from: number) => {
    let i = from;
    return trainToPlateau({
      makeTrainer: () => new Trainer(config, new ToySource()),
      restoreTrainer: (snap) => Trainer.restore(snap, new ToySource()),
      rule,
      evalInterval: 1,
      validate: async () => scores[i++]!,
      store,
      label: 'job',
    });
  };
  const memory = (): JobStore => {
    const m = new Map<string, Uint8Array>();
    return { load: async (k) => m.get(k) ?? null, save: async (k, b) => void m.set(k, b.slice()) };
  };

  it('continues from its snapshot to the result of a run started under the new rule (the rule does not change training)', async () => {
    const before = tf.memory().numTensors;
    const plain = { patience: 2, minDelta: 0.05 };
    const withMin = { ...plain, minSteps: 6 };
    const store = memory();
    const first = await run(plain, store, 0);
    expect([first.result.stoppedBy, first.result.steps]).toEqual(['plateau', 4]);
    first.trainer.dispose();
    const resumed = await run(withMin, store, 4);
    const fresh = await run(withMin, memory(), 0);
    // Steps 5–6: flat (since 3, 4; step 6 ≥ minSteps stops) — so the new rule stops at 6 in both runs.
    for (const r of [resumed, fresh]) expect([r.result.stoppedBy, r.result.steps, r.result.bestStep]).toEqual(['plateau', 6, 2]);
    expect(resumed.result.resumed).toBe(true);
    expect(resumed.result.validation.map((v) => [v.step, v.solved])).toEqual(fresh.result.validation.map((v) => [v.step, v.solved]));
    expect(readWeights(resumed.trainer.network)).toEqual(readWeights(fresh.trainer.network));
    expect(resumed.best).toEqual(fresh.best);
    resumed.trainer.dispose();
    fresh.trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
  it('records process CPU seconds per validation, carries them across a resume, and leaves them out where not measured', async () => {
    const before = tf.memory().numTensors;
    const plain = { patience: 2, minDelta: 0.05 };
    const cpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    const store = memory();
    const c0 = cpu();
    const first = await run(plain, store, 0);
    const c1 = cpu();
    const firstCpu = first.result.validation.map((v) => v.cpuSeconds!);
    expect(firstCpu).toHaveLength(4);
    for (let i = 1; i < firstCpu.length; i++) expect(firstCpu[i]!).toBeGreaterThanOrEqual(firstCpu[i - 1]!);
    expect(firstCpu[0]!).toBeGreaterThan(0);
    expect(first.result.cpuSeconds).toBe(firstCpu.at(-1));
    expect(first.result.cpuSeconds!).toBeLessThanOrEqual(c1 - c0); // a part of the process's CPU time over the call
    first.trainer.dispose();
    const resumed = await run({ ...plain, minSteps: 6 }, store, 4);
    const more = resumed.result.validation.slice(4).map((v) => v.cpuSeconds!);
    expect(more).toHaveLength(2);
    expect(more[0]!).toBeGreaterThan(firstCpu.at(-1)!); // cumulative over both sessions
    expect(resumed.result.cpuSeconds).toBe(more[1]);
    resumed.trainer.dispose();

    // Where the platform has no process CPU clock (a browser) nothing is recorded; a job resumed from such a save
    // does not invent the missing part (its total stays unknown).
    const original = process.cpuUsage;
    const store2 = memory();
    (process as { cpuUsage?: unknown }).cpuUsage = undefined;
    let noClock;
    try {
      noClock = await run(plain, store2, 0);
    } finally {
      process.cpuUsage = original;
    }
    expect(noClock.result.validation.every((v) => v.cpuSeconds === undefined)).toBe(true);
    expect(noClock.result.cpuSeconds).toBeUndefined();
    noClock.trainer.dispose();
    const after = await run({ ...plain, minSteps: 6 }, store2, 4);
    expect(after.result.steps).toBe(6);
    expect(after.result.cpuSeconds).toBeUndefined();
    after.trainer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
