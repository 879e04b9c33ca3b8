/**
 * The MLP-mixer token mixer (ALGORITHM.md §2.2, official `mlp_t`): a SwiGLU over the sequence axis. Residual
 * and norm run on the transposed tensor, as the official code does (§12.2).
 */
import * as tf from '@tensorflow/tfjs-core';
import { swigluWidth, type TrmConfig } from '../config.js';
import type { ParamSpec, TokenMixer } from './block.js';
import { addRmsNorm, splitGateUp, swiglu, type SwigluWeights } from './ops.js';

export function mlpMixer(c: TrmConfig, positions: number /* P */): TokenMixer<SwigluWeights> {
  const IP = swigluWidth(positions, c.expansion);
  return {
    specs: (pre): ParamSpec[] => [
      { key: `${pre}mlp_t.gate_up_proj.weight`, officialShape: [2 * IP, positions], transposed: true, kind: 'param', init: 1 / Math.sqrt(positions) },
      { key: `${pre}mlp_t.down_proj.weight`, officialShape: [positions, IP], transposed: true, kind: 'param', init: 1 / Math.sqrt(IP) },
    ],
    weights: (pre, v) => splitGateUp(v(`${pre}mlp_t.gate_up_proj.weight`), v(`${pre}mlp_t.down_proj.weight`)),
    apply(h, w) {
      const t = tf.transpose(h, [0, 2, 1]); // [B, D, P]
      return tf.transpose(addRmsNorm(t, swiglu(t, w), c.rmsNormEps), [0, 2, 1]); // [B, P, D]
    },
    dispose() {},
  };
}
