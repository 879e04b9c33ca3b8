/**
 * Moves a TrmNetwork's tensors to and from state-dict form: official keys, official (PyTorch) shapes,
 * Float32Array data (ALGORITHM.md §6). Loading is all-or-nothing: every tensor is checked and converted
 * before the first variable is assigned, so a bad state dict leaves the model untouched.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '../errors.js';
import type { TrmNetwork } from '../model/network.js';

export interface StateTensor {
  shape: number[];
  data: Float32Array;
}

/** Every tensor of the model by bare official key, in the official layout (Linear weights as [out, in]). */
export async function exportStateDict(net: TrmNetwork, source: Map<string, tf.Tensor> = net.vars): Promise<Map<string, StateTensor>> {
  const out = new Map<string, StateTensor>();
  for (const s of net.specs) {
    const v = source.get(s.key);
    if (!v) throw new CheckpointError(`exportStateDict: tensor '${s.key}' is missing from the source map.`);
    const t = s.transposed ? tf.transpose(v) : v;
    const data = (await t.data()) as Float32Array;
    if (t !== v) t.dispose();
    out.set(s.key, { shape: [...s.officialShape], data: new Float32Array(data) });
  }
  return out;
}

/** The expected official shape of every key (for validating a file before loading it). */
export function expectedShapes(net: TrmNetwork): Map<string, number[]> {
  return new Map(net.specs.map((s) => [s.key, [...s.officialShape]]));
}

/**
 * Assigns a complete state dict (bare keys, official layout). Throws a CheckpointError listing every
 * missing key, unexpected key and size mismatch; on any error no variable has been changed.
 */
export function assignStateDict(net: TrmNetwork, tensors: Map<string, Float32Array>): void {
  const missing = net.specs.filter((s) => !tensors.has(s.key)).map((s) => s.key);
  const known = new Set(net.specs.map((s) => s.key));
  const unexpected = [...tensors.keys()].filter((k) => !known.has(k));
  const wrongSize = net.specs
    .filter((s) => tensors.has(s.key) && tensors.get(s.key)!.length !== s.officialShape.reduce((a, b) => a * b, 1))
    .map((s) => `${s.key} (expected ${s.officialShape.join('×')} = ${s.officialShape.reduce((a, b) => a * b, 1)} values, got ${tensors.get(s.key)!.length})`);
  if (missing.length || unexpected.length || wrongSize.length) {
    const parts = [
      missing.length ? `missing keys: ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : '',
      wrongSize.length ? `size mismatch: ${wrongSize.join('; ')}` : '',
    ].filter(Boolean);
    throw new CheckpointError(`state dict does not fit this model: ${parts.join('. ')}. Check that the checkpoint was written for this config.`);
  }
  const values = tf.tidy(() =>
    net.specs.map((s) => {
      const t = tf.tensor(tensors.get(s.key)!, s.officialShape, 'float32');
      return s.transposed ? tf.transpose(t) : t;
    }),
  );
  net.specs.forEach((s, i) => net.v(s.key).assign(values[i]!));
  tf.dispose(values);
}
