import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { thrownBy } from '@trm-ts/testing';
import '../gradients.js';
import { ARC_AGI_ATT, MAZE_HARD_ATT, SUDOKU_EXTREME_ATT, SUDOKU_EXTREME_MLP, fromOfficialConfig, resolveTrmConfig, swigluWidth, toOfficialConfig } from '../config.js';
import { ConfigError, CheckpointError, ShapeError } from '../errors.js';
import { StateDictError } from '../checkpoint/errors.js';
import { TrmNetwork, paramSpecs } from './network.js';
import { evalStep, gradStep, disposeGradStep, batchTensors } from './supervision.js';
import { exportStateDict, assignStateDict, modelToSafetensors, loadSafetensorsInto, networkFromSafetensors } from '../checkpoint/model-io.js';
import { parseSafetensors, serializeSafetensors } from '../checkpoint/safetensors.js';
import { logStablemax, lossHead } from './loss.js';

const count = (c: Parameters<typeof paramSpecs>[0]) => paramSpecs(c).filter((s) => s.kind === 'param').reduce((n, s) => n + s.officialShape.reduce((a, b) => a * b, 1), 0);

describe('config and parameter layout', () => {
  it('SwiGLU widths follow ceil(round(8h/3)/256)·256 (ALGORITHM §2.1 table)', () => {
    const table: [number, number][] = [[512, 1536], [256, 768], [128, 512], [64, 256], [97, 512], [82, 256], [52, 256], [32, 256], [916, 2560]];
    for (const [h, i] of table) expect(swigluWidth(h, 4)).toBe(i);
  });

  it('parameter counts equal the published ones (ALGORITHM §2.10)', () => {
    expect(count(resolveTrmConfig(SUDOKU_EXTREME_MLP))).toBe(5_028_866);
    expect(count(resolveTrmConfig(MAZE_HARD_ATT))).toBe(6_822_914);
    expect(count(resolveTrmConfig(SUDOKU_EXTREME_ATT))).toBe(6_828_034);
    expect(count(resolveTrmConfig(ARC_AGI_ATT))).toBe(6_829_058);
    expect(count(resolveTrmConfig({ ...MAZE_HARD_ATT, mixer: 'mlp', posEncodings: 'none' }))).toBe(18_795_522);
  });

  it('rejects bad configs with the key named', () => {
    expect(() => resolveTrmConfig({ hiddenSize: 0 })).toThrow(/hiddenSize/);
    expect(() => resolveTrmConfig({ mixer: 'conv' as never })).toThrow(/'mlp', 'attention'/);
    expect(() => resolveTrmConfig({ puzzleEmbDim: 0, puzzleEmbLen: 16 })).toThrow(ConfigError);
    expect(() => resolveTrmConfig({ hidenSize: 3 } as never)).toThrow(/unknown key/);
    expect(() => resolveTrmConfig({ mixer: 'attention', hiddenSize: 30, numHeads: 8 })).toThrow(/divisible/);
  });

  it('round-trips the official config dict', () => {
    const c = resolveTrmConfig({ ...MAZE_HARD_ATT, numPuzzleIdentifiers: 7 });
    expect(fromOfficialConfig(toOfficialConfig(c))).toEqual(c);
    expect(() => fromOfficialConfig({ hidden_sise: 3 })).toThrow(/unknown key/);
  });
});

describe('network, recursion, supervision step (no leaks)', () => {
  const cfg = { seqLen: 6, vocabSize: 5, hiddenSize: 16, numHeads: 2, expansion: 2, numLayers: 2, latentSteps: 2, recursions: 2, puzzleEmbDim: 16, puzzleEmbLen: 2, numPuzzleIdentifiers: 2 };
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const variant of [{ mixer: 'mlp' as const }, { mixer: 'attention' as const, posEncodings: 'rope' as const }, { mixer: 'attention' as const, posEncodings: 'learned' as const }]) {
    it(`${JSON.stringify(variant)}: eval and grad steps have the right shapes, finite values and leak nothing`, async () => {
      const before = tf.memory().numTensors;
      const net = new TrmNetwork({ ...cfg, ...variant }, { seed: 4 });
      // q_head starts at weight 0 / bias −5 (ALGORITHM §2.6): q_halt = −5 for every row.
      const b = batchTensors(net, { batchSize: 3, seqLen: 6, inputs: new Int32Array(18).fill(2), labels: new Int32Array(18).fill(3), puzzleIds: new Int32Array([0, 1, 1]) });
      const lat = net.initialLatents(3);
      const o = evalStep(net, b, lat);
      expect(o.logits.shape).toEqual([3, 6, 5]);
      expect(o.y.shape).toEqual([3, net.seqLenInternal, 16]);
      expect(Array.from(await o.qHalt.data())).toEqual([-5, -5, -5]);
      const g = await gradStep(net, b, lat, { lossScale: 1 / 3, microBatch: 2 });
      expect(Number.isFinite(g.loss)).toBe(true);
      expect([...g.grads.keys()].sort()).toEqual(net.specs.filter((s) => s.kind === 'param').map((s) => s.key).sort());
      expect(g.puzzleRowGrad!.shape).toEqual([3, 16]);
      // Micro-batches give the full batch's gradient.
      const full = await gradStep(net, b, lat, { lossScale: 1 / 3 });
      for (const [k, t] of full.grads) {
        const a = await t.data();
        const m = await g.grads.get(k)!.data();
        for (let i = 0; i < a.length; i++) expect(m[i]).toBeCloseTo(a[i]!, 5);
      }
      expect(g.loss).toBeCloseTo(full.loss, 5);
      disposeGradStep(g);
      disposeGradStep(full);
      tf.dispose([o.y, o.z, o.logits, o.qHalt, o.qContinue, lat.y, lat.z, b.inputs, b.labels, b.puzzleIds]);
      net.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('batchTensors rejects out-of-vocabulary tokens and bad shapes', () => {
    const net = new TrmNetwork(cfg);
    const ok = { batchSize: 1, seqLen: 6, inputs: new Int32Array(6), labels: new Int32Array(6), puzzleIds: new Int32Array(1) };
    expect(() => batchTensors(net, { ...ok, inputs: new Int32Array(6).fill(5) })).toThrow(/inputs\[0\].*\[0, 5\)/);
    expect(() => batchTensors(net, { ...ok, labels: new Int32Array(6).fill(-1) })).toThrow(ShapeError);
    expect(() => batchTensors(net, { ...ok, seqLen: 7 })).toThrow(/seqLen 6/);
    expect(() => batchTensors(net, { ...ok, puzzleIds: new Int32Array([2]) })).toThrow(/puzzleIds/);
    net.dispose();
  });

  it('stablemax log-probabilities: hand-computed values, finite gradient at v = 1 and below 0', async () => {
    const v = tf.tensor2d([[1, -1, 0]]);
    // s = [2, 1/2, 1], Σ = 3.5
    expect(Array.from(await logStablemax(v).data()).map((x) => +x.toFixed(6))).toEqual([Math.log(2 / 3.5), Math.log(0.5 / 3.5), Math.log(1 / 3.5)].map((x) => +x.toFixed(6)));
    const g = tf.grad((x: tf.Tensor) => tf.sum(logStablemax(x)))(v);
    expect(Array.from(await g.data()).every(Number.isFinite)).toBe(true);
    tf.dispose([v, g]);
  });

  it('loss head: per-row mean over labelled cells, BCE target = all right (empty rows count as right)', async () => {
    const logits = tf.tensor3d([[[2, 0], [0, 2]], [[2, 0], [2, 0]]]); // row 0 predicts [0, 1], row 1 [0, 0]
    const labels = tf.tensor2d([[0, 1], [-100, -100]], undefined, 'int32');
    const q = tf.tensor1d([0, 0]);
    const parts = lossHead({ logits, labels, qHalt: q, lossType: 'softmax' });
    const ce = -Math.log(Math.exp(2) / (Math.exp(2) + 1));
    expect((await parts.lmLoss.data())[0]).toBeCloseTo(ce, 5); // row 1 has no labels: lm 0
    expect(Array.from(await parts.correct.data())).toEqual([1, 1]);
    expect((await parts.qHaltLoss.data())[0]).toBeCloseTo(2 * Math.log(2), 5);
    expect((await parts.total.data())[0]).toBeCloseTo(ce + 0.5 * 2 * Math.log(2), 5);
    // qLossWeight 0 (DIS): the Q parts are still reported but leave the total and the per-row loss.
    const dis = lossHead({ logits, labels, qHalt: q, lossType: 'softmax', qLossWeight: 0 });
    expect((await dis.total.data())[0]).toBeCloseTo(ce, 5);
    expect(Array.from(await dis.perRow.data())[0]).toBeCloseTo(ce, 5);
    expect((await dis.qHaltLoss.data())[0]).toBeCloseTo(2 * Math.log(2), 5);
    tf.dispose([logits, labels, q, ...Object.values(parts), ...Object.values(dis)]);
  });
});

describe('model files', () => {
  const cfg = { seqLen: 4, vocabSize: 5, hiddenSize: 8, numHeads: 2, expansion: 2, numLayers: 1, puzzleEmbDim: 8, puzzleEmbLen: 1 };
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('write → read round trip (BF16 init vectors, official prefix), and a self-describing file rebuilds the network', async () => {
    const before = tf.memory().numTensors;
    const a = new TrmNetwork(cfg, { seed: 1 });
    const bytes = await modelToSafetensors(a);
    const parsed = parseSafetensors(bytes);
    expect(parsed.tensors.get('_orig_mod.model.inner.H_init')!.dtype).toBe('BF16');
    expect(parsed.tensors.get('_orig_mod.model.inner.lm_head.weight')!.shape).toEqual([5, 8]);
    const b = networkFromSafetensors(bytes);
    const sa = await exportStateDict(a);
    const sb = await exportStateDict(b);
    for (const [k, t] of sa) {
      if (k === 'H_init' || k === 'L_init') continue; // rounded to bf16 on write
      expect(Array.from(sb.get(k)!.data)).toEqual(Array.from(t.data));
    }
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('networkFromSafetensors refuses NaN / Inf weights by default, with the count and first names, and builds nothing (issue 12)', async () => {
    const a = new TrmNetwork(cfg, { seed: 1 });
    const state = await exportStateDict(a);
    a.dispose();
    state.get('lm_head.weight')!.data.fill(Number.NaN, 0, 3);
    state.get('q_head.bias')!.data[1] = Infinity;
    const bytes = serializeSafetensors(new Map([...state].map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: t.data }])), { trm_config: JSON.stringify(cfg) });
    const before = tf.memory().numTensors;
    const err = thrownBy(() => networkFromSafetensors(bytes));
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as CheckpointError).code).toBe('non-finite');
    expect((err as Error).message).toContain('expected finite weights, got 4 NaN / Inf values in lm_head.weight, q_head.bias.');
    expect(tf.memory().numTensors).toBe(before);
    const loaded = networkFromSafetensors(bytes, undefined, { rejectNonFinite: false });
    expect(Array.from(await loaded.v('lm_head.weight').data()).filter(Number.isNaN)).toHaveLength(3); // loaded as asked
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('networkFromSafetensors checks a claimed config against the tensors before building (a 300-byte file claiming hidden 4096)', () => {
    const tiny = serializeSafetensors({ w: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }, { trm_config: JSON.stringify({ ...cfg, hiddenSize: 4096 }) });
    expect(tiny.length).toBeLessThan(400);
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    expect(() => networkFromSafetensors(tiny)).toThrow(StateDictError);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a file that does not fit leaves the model untouched and names every problem', async () => {
    const net = new TrmNetwork(cfg, { seed: 2 });
    const other = new TrmNetwork({ ...cfg, hiddenSize: 16 }, { seed: 3 });
    const before = await exportStateDict(net);
    const bad = await modelToSafetensors(other);
    expect(() => loadSafetensorsInto(net, bad)).toThrow(CheckpointError);
    expect(() => loadSafetensorsInto(net, bad)).toThrow(/lm_head\.weight.*\[5, 8\].*\[5, 16\]|shape/);
    // Drop a key: reported as missing.
    const state = await exportStateDict(net);
    const partial = new Map([...state].filter(([k]) => k !== 'q_head.bias').map(([k, t]) => [k, { dtype: 'F32' as const, shape: t.shape, data: t.data }]));
    expect(() => loadSafetensorsInto(net, serializeSafetensors(partial))).toThrow(/q_head\.bias/);
    expect(() => assignStateDict(net, new Map([['nope', new Float32Array(1)]]))).toThrow(/unexpected keys: nope/);
    const after = await exportStateDict(net);
    for (const [k, t] of before) expect(Array.from(after.get(k)!.data)).toEqual(Array.from(t.data));
    net.dispose();
    other.dispose();
  });
});
