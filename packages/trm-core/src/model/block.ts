/**
 * The contract between the network and its token mixer (ALGORITHM.md §2.2–2.3): the half of a post-norm
 * block that moves information between positions. The MLP-mixer (mixer-mlp.ts) and self-attention
 * (mixer-attention.ts) implement it; TrmNetwork picks one by `config.mixer` and never branches on which.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** How a tensor is stored and initialised. */
export interface ParamSpec {
  /** Official state_dict key without prefix, e.g. `L_level.layers.0.mlp.down_proj.weight`. */
  key: string;
  /** Shape in the official (PyTorch) layout. */
  officialShape: number[];
  /** Held here as the transpose of the official 2-D layout ([in, out]). */
  transposed: boolean;
  /** `param`: trained by the main optimizer and EMA-averaged; `buffer`: fixed (H_init, L_init); `puzzle`: SignSGD table. */
  kind: 'param' | 'buffer' | 'puzzle';
  /** Target std of the truncated-normal init (ALGORITHM §2.9); `qbias` for the q-head bias (−5). */
  init: number | 'qbias';
}

/** A layer's per-step weights by name, in a fixed key order (the rematerialised f passes them as a flat list). */
export type NamedWeights = Record<string, tf.Tensor>;

export interface TokenMixer<W extends NamedWeights = NamedWeights> {
  /** The parameters of layer `layer`'s mixer, official keys with `prefix` (`L_level.layers.i.`). */
  specs(prefix: string): ParamSpec[];
  /** The per-step weights from the variables (slices made here are owned by the caller's scope). */
  weights(prefix: string, v: (key: string) => tf.Variable): W;
  /** rmsNorm(h + mix(h)) for h [B, P, D]: the block's first residual sub-layer. */
  apply(h: tf.Tensor, w: W): tf.Tensor;
  /** Frees tensors the mixer holds itself (e.g. RoPE tables). */
  dispose(): void;
}
