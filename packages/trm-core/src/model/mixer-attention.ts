/**
 * The self-attention token mixer (ALGORITHM.md §2.3, official `self_attn`): non-causal multi-head attention
 * with RoPE, learned or no positions; every tensor has rank ≤ 4.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TrmConfig } from '../config.js';
import type { ParamSpec, TokenMixer } from './block.js';
import { applyRope, linear, mm, addRmsNorm, ropeTables, swapLast } from './ops.js';

/** q, k, v split by columns of the internal [D, 3D] qkv weight (rows of the official [3D, D]); o [D, D]. */
export type AttentionWeights = { q: tf.Tensor; k: tf.Tensor; v: tf.Tensor; o: tf.Tensor };

export function attentionMixer(c: TrmConfig, positions: number /* P */): TokenMixer<AttentionWeights> {
  const D = c.hiddenSize;
  const H = c.numHeads;
  const hd = D / H;
  let rope: { cos: tf.Tensor; sin: tf.Tensor } | null = null;
  if (c.posEncodings === 'rope') {
    const t = ropeTables(positions, hd, c.ropeTheta);
    rope = { cos: tf.tensor2d(t.cos, [positions, hd]), sin: tf.tensor2d(t.sin, [positions, hd]) };
  }
  return {
    specs: (pre): ParamSpec[] => [
      { key: `${pre}self_attn.qkv_proj.weight`, officialShape: [3 * D, D], transposed: true, kind: 'param', init: 1 / Math.sqrt(D) },
      { key: `${pre}self_attn.o_proj.weight`, officialShape: [D, D], transposed: true, kind: 'param', init: 1 / Math.sqrt(D) },
    ],
    weights(pre, v) {
      const qkv = v(`${pre}self_attn.qkv_proj.weight`); // [D, 3D] (internal [in, out])
      const part = (j: number) => tf.slice(qkv, [0, j * D], [D, D]);
      return { q: part(0), k: part(1), v: part(2), o: v(`${pre}self_attn.o_proj.weight`) };
    },
    apply(h, w) {
      const [B, P] = h.shape as [number, number, number];
      // [B, P, D] → [B, H, P, hd]: channel index = head·hd + d (head-major, as the official view)
      const heads = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [B, P, H, hd]), [0, 2, 1, 3]);
      let q = heads(linear(h, w.q));
      let k = heads(linear(h, w.k));
      const v = heads(linear(h, w.v));
      if (rope) {
        q = applyRope(q, rope.cos, rope.sin);
        k = applyRope(k, rope.cos, rope.sin);
      }
      const scores = tf.mul(mm(q, swapLast(k)), tf.scalar(1 / Math.sqrt(hd))); // [B, H, P, P]
      const attn = mm(tf.softmax(scores), v); // [B, H, P, hd]
      const merged = tf.reshape(tf.transpose(attn, [0, 2, 1, 3]), [B, P, D]); // [B, P, D]
      return addRmsNorm(h, linear(merged, w.o), c.rmsNormEps);
    },
    dispose() {
      if (rope) tf.dispose([rope.cos, rope.sin]);
      rope = null;
    },
  };
}
