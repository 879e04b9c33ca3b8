import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLeaksEachTest } from '@trm-ts/testing';
import { CheckpointError } from '../errors.js';
import { TrmNetwork } from '../model/network.js';
import { exportStateDict, modelToSafetensors, networkFromSafetensors } from './model-io.js';
import { parseSafetensors } from './safetensors.js';

const cfg = { seqLen: 4, vocabSize: 5, hiddenSize: 8, numHeads: 2, expansion: 2, numLayers: 1, puzzleEmbDim: 8, puzzleEmbLen: 1 };

/** The float32 bit patterns of a Float32Array, so equality is exact (no -0 / NaN ambiguity). */
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe("modelToSafetensors dtype: 'float32'", () => {
  checkLeaksEachTest();
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('stores every tensor as F32, so a save reloads bit for bit (the default BF16 init vectors do not)', async () => {
    const a = new TrmNetwork(cfg, { seed: 7 });
    const exact = await modelToSafetensors(a, { dtype: 'float32' });
    const header = parseSafetensors(exact).tensors;
    for (const [k, t] of header) expect([k, t.dtype]).toEqual([k, 'F32']);
    const official = parseSafetensors(await modelToSafetensors(a)).tensors;
    expect(official.get('_orig_mod.model.inner.H_init')!.dtype).toBe('BF16');
    expect(official.get('_orig_mod.model.inner.L_init')!.dtype).toBe('BF16');

    const b = networkFromSafetensors(exact);
    const c = networkFromSafetensors(await modelToSafetensors(a));
    const sa = await exportStateDict(a);
    const sb = await exportStateDict(b);
    const sc = await exportStateDict(c);
    for (const [k, t] of sa) expect([k, bits(sb.get(k)!.data)]).toEqual([k, bits(t.data)]);
    // The control: random float32 init vectors are (almost surely) not bf16 values, so BF16 changes them.
    expect(bits(sc.get('H_init')!.data)).not.toEqual(bits(sa.get('H_init')!.data));
    // A bf16 value has its low 16 bits zero: the control's reload holds bf16 values, the exact one does not.
    expect(bits(sc.get('H_init')!.data).every((x) => (x & 0xffff) === 0)).toBe(true);
    expect(bits(sb.get('H_init')!.data).some((x) => (x & 0xffff) !== 0)).toBe(true);
    a.dispose();
    b.dispose();
    c.dispose();
  });

  it('takes the options object, the positional form and a source of other weights alike', async () => {
    const a = new TrmNetwork(cfg, { seed: 8 });
    const other = new TrmNetwork(cfg, { seed: 9 });
    const viaObject = await modelToSafetensors(a, { source: other.vars, prefix: 'p.', dtype: 'float32' });
    const viaPositional = await modelToSafetensors(a, other.vars, 'p.', { dtype: 'float32' });
    expect(Array.from(viaObject)).toEqual(Array.from(viaPositional));
    const parsed = parseSafetensors(viaObject).tensors;
    expect(parsed.get('p.H_init')!.dtype).toBe('F32');
    // Parameters come from `source` (seed 9); buffers such as H_init always from the model (seed 8), exactly.
    const fromOther = await exportStateDict(other);
    const fromModel = await exportStateDict(a);
    expect(bits(parsed.get('p.lm_head.weight')!.data as Float32Array)).toEqual(bits(fromOther.get('lm_head.weight')!.data));
    expect(bits(parsed.get('p.H_init')!.data as Float32Array)).toEqual(bits(fromModel.get('H_init')!.data));
    // A plain record of tensors is still a source, not options.
    const viaRecord = await modelToSafetensors(a, Object.fromEntries(other.vars), 'p.', { dtype: 'float32' });
    expect(Array.from(viaRecord)).toEqual(Array.from(viaObject));
    a.dispose();
    other.dispose();
  });

  it("rejects an unknown dtype with a CheckpointError naming both choices", async () => {
    const a = new TrmNetwork(cfg, { seed: 1 });
    const err = await modelToSafetensors(a, { dtype: 'float16' as never }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toBe(`modelToSafetensors dtype: expected 'bfloat16' or 'float32', got "float16". Leave it unset for the official layout.`);
    a.dispose();
  });
});
