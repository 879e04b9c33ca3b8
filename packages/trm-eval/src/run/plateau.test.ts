import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, serializeSafetensors } from '@trm-ts/core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { nextPlateauState, readJobProgress, trainToPlateau } from './plateau.js';

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

  it('rejects a bad rule with a typed error before training', async () => {
    const before = tf.memory().numTensors;
    const never = () => {
      throw new Error('must not build a trainer');
    };
    for (const [rule, msg] of [
      [{ patience: 0, minDelta: 0.01 }, /patience to be an integer >= 1, got 0/],
      [{ patience: 2, minDelta: -1 }, /minDelta >= 0, got -1/],
    ] as const) {
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
    ] as [string, RegExp][]) {
      expect(() => readJobProgress(blob(text), 'job'), text).toThrow(ConfigError);
      expect(() => readJobProgress(blob(text), 'job'), text).toThrow(re);
    }
  });
});
