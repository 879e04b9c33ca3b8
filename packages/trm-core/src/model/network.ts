/**
 * The TRM network (ALGORITHM.md §2): input embedding with puzzle-embedding prefix slots, the one shared
 * network f (post-norm blocks: a token mixer — MLP over tokens or self-attention, block.ts — then a SwiGLU),
 * the heads, and the fixed initial latents. Parameters are tf.Variables named by their official state_dict
 * keys (without prefix); Linear weights are held as [in, out], the transpose of PyTorch's [out, in]
 * (checkpoint I/O converts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { internalLength, prefixLength, resolveTrmConfig, swigluWidth, type TrmConfig } from '../config.js';
import { ShapeError } from '../errors.js';
import { Rng } from '../random.js';
import type { NamedWeights, ParamSpec, TokenMixer } from './block.js';
import { attentionMixer } from './mixer-attention.js';
import { mlpMixer } from './mixer-mlp.js';
import { linear, mm, addRmsNorm, splitGateUp, swiglu, type SwigluWeights } from './ops.js';
import { rematerialized, type RecursionNet } from './recursion.js';

export type { ParamSpec } from './block.js';

/** Truncated normal std correction for bounds ±2: σ_c = σ / sqrt(var_t) (ALGORITHM §2.9). */
const TRUNC_STD_FACTOR = 1.1368472;

/** The token mixers by `config.mixer`. */
const MIXERS: Record<TrmConfig['mixer'], (c: TrmConfig, positions: number) => TokenMixer> = { mlp: mlpMixer, attention: attentionMixer };

function createMixer(c: TrmConfig): TokenMixer {
  return MIXERS[c.mixer](c, internalLength(c));
}

/** Every tensor of the state dict in creation order (the order of the initialisation draws). */
export function paramSpecs(c: TrmConfig, mixer: TokenMixer = createMixer(c)): ParamSpec[] {
  const D = c.hiddenSize;
  const P = internalLength(c);
  const I = swigluWidth(D, c.expansion);
  const specs: ParamSpec[] = [
    { key: 'H_init', officialShape: [D], transposed: false, kind: 'buffer', init: 1 },
    { key: 'L_init', officialShape: [D], transposed: false, kind: 'buffer', init: 1 },
    { key: 'embed_tokens.embedding_weight', officialShape: [c.vocabSize, D], transposed: false, kind: 'param', init: 1 / Math.sqrt(D) },
    { key: 'lm_head.weight', officialShape: [c.vocabSize, D], transposed: true, kind: 'param', init: 1 / Math.sqrt(D) },
    { key: 'q_head.weight', officialShape: [2, D], transposed: true, kind: 'param', init: 0 },
    { key: 'q_head.bias', officialShape: [2], transposed: false, kind: 'param', init: 'qbias' },
  ];
  if (c.puzzleEmbDim > 0) {
    specs.push({ key: 'puzzle_emb.weights', officialShape: [c.numPuzzleIdentifiers, c.puzzleEmbDim], transposed: false, kind: 'puzzle', init: 0 });
  }
  if (c.posEncodings === 'learned') {
    specs.push({ key: 'embed_pos.embedding_weight', officialShape: [P, D], transposed: false, kind: 'param', init: 1 / Math.sqrt(D) });
  }
  for (let i = 0; i < c.numLayers; i++) {
    const pre = layerPrefix(i);
    specs.push(
      ...mixer.specs(pre),
      { key: `${pre}mlp.gate_up_proj.weight`, officialShape: [2 * I, D], transposed: true, kind: 'param', init: 1 / Math.sqrt(D) },
      { key: `${pre}mlp.down_proj.weight`, officialShape: [D, I], transposed: true, kind: 'param', init: 1 / Math.sqrt(I) },
    );
  }
  return specs;
}

const layerPrefix = (i: number) => `L_level.layers.${i}.`;

function internalShape(s: ParamSpec): number[] {
  return s.transposed ? [s.officialShape[1]!, s.officialShape[0]!] : s.officialShape;
}

/** Per-layer weights as f consumes them (see TrmNetwork.stepNet). */
export type LayerWeights = { mixer: NamedWeights; mlp: SwigluWeights };

export interface TrmNetworkOptions {
  /** Seed of the initialisation (default 0). */
  seed?: number;
}

export class TrmNetwork {
  readonly config: TrmConfig;
  readonly specs: ParamSpec[];
  /** Every tensor of the state dict, by official key. */
  readonly vars: Map<string, tf.Variable>;
  /** Prefix slots Lp and internal length P. */
  readonly prefixLen: number;
  readonly seqLenInternal: number;
  private readonly mixer: TokenMixer;
  private disposed = false;

  constructor(config: Partial<TrmConfig>, options: TrmNetworkOptions = {}) {
    this.config = resolveTrmConfig(config);
    this.mixer = createMixer(this.config);
    this.specs = paramSpecs(this.config, this.mixer);
    this.prefixLen = prefixLength(this.config);
    this.seqLenInternal = internalLength(this.config);
    const rng = new Rng(options.seed ?? 0);
    this.vars = new Map();
    for (const s of this.specs) {
      const shape = internalShape(s);
      const value = tf.tidy(() => {
        if (s.init === 'qbias') return tf.fill(shape, -5);
        if (s.init === 0) return tf.zeros(shape);
        return tf.truncatedNormal(shape, 0, TRUNC_STD_FACTOR * s.init, 'float32', rng.seed());
      });
      this.vars.set(s.key, tf.variable(value, s.kind === 'param', `trm/${s.key}/${nextId++}`));
      value.dispose();
    }
  }

  /** The variable of an official key (throws a ShapeError listing the keys if absent). */
  v(key: string): tf.Variable {
    const x = this.vars.get(key);
    if (!x) throw new ShapeError(`TRM parameter '${key}' does not exist in this configuration. Keys: ${[...this.vars.keys()].join(', ')}`);
    return x;
  }

  /** The variables trained by the main optimizer (kind 'param'), in spec order. */
  trainableVariables(): tf.Variable[] {
    return this.specs.filter((s) => s.kind === 'param').map((s) => this.v(s.key));
  }

  /** Number of trainable parameters (ALGORITHM §2.10). */
  numParams(): number {
    return this.specs.filter((s) => s.kind === 'param').reduce((n, s) => n + s.officialShape.reduce((a, b) => a * b, 1), 0);
  }

  /** Rows of the puzzle-embedding table for the batch's ids: [B, puzzleEmbDim], or null without puzzle embedding. */
  puzzleRows(puzzleIds: tf.Tensor): tf.Tensor | null {
    if (this.config.puzzleEmbDim === 0) return null;
    return tf.gather(this.v('puzzle_emb.weights'), puzzleIds);
  }

  /**
   * Input embedding x [B, P, D] (ALGORITHM §2.5). `inputs` int32 [B, L]; `puzzleRows` [B, Dp] (a per-step
   * variable in training so that SignSGD gets its gradient).
   */
  embed(inputs: tf.Tensor, puzzleRows: tf.Tensor | null): tf.Tensor {
    const c = this.config;
    const D = c.hiddenSize;
    const B = inputs.shape[0]!;
    // One-hot product instead of gather: its gradient needs no UnsortedSegmentSum (absent from tfjs-wasm), and V is tiny.
    const oneHot = tf.oneHot(tf.reshape(inputs, [-1]), c.vocabSize); // [B·L, V]
    let e = tf.reshape(mm(tf.cast(oneHot, 'float32'), this.v('embed_tokens.embedding_weight')), [B, c.seqLen, D]); // [B, L, D]
    if (this.prefixLen > 0) {
      if (!puzzleRows) throw new ShapeError('embed: this model has a puzzle embedding; pass the puzzle rows (model.puzzleRows(ids)).');
      const padded = tf.pad(puzzleRows, [[0, 0], [0, this.prefixLen * D - c.puzzleEmbDim]]); // [B, Lp·D]
      e = tf.concat([tf.reshape(padded, [B, this.prefixLen, D]), e], 1); // [B, P, D]
    }
    if (c.posEncodings === 'learned') {
      e = tf.mul(tf.scalar(0.707106781), tf.add(e, this.v('embed_pos.embedding_weight')));
    }
    return tf.mul(e, tf.scalar(Math.sqrt(D)));
  }

  /**
   * Runs `fn` with the network f bound to this step's weights (the fused SwiGLU and qkv weights split once,
   * not per application of f), outside any gradient tape; the step's tensors are freed when `fn` returns,
   * what `fn` returns is kept.
   */
  withStepWeights<T extends tf.TensorContainer>(fn: (f: RecursionNet) => T): T {
    return tf.tidy(() => fn(this.stepNet()));
  }

  /**
   * The network f bound to weights created in the current scope: inside a gradient tape (so that the split
   * weights carry their gradients to the variables), whose clean-up frees them. `rematerialize`: every
   * application of f is one op whose forward keeps only its inputs on the tape and whose gradient recomputes
   * f under a local tape — backward memory of one application of f instead of n + 1, for one extra forward.
   */
  stepNet(opts: { rematerialize?: boolean } = {}): RecursionNet {
    const layers: LayerWeights[] = [];
    for (let i = 0; i < this.config.numLayers; i++) {
      const pre = layerPrefix(i);
      const v = (key: string) => this.v(key);
      layers.push({ mixer: this.mixer.weights(pre, v), mlp: splitGateUp(v(`${pre}mlp.gate_up_proj.weight`), v(`${pre}mlp.down_proj.weight`)) });
    }
    return opts.rematerialize ? this.rematerialized(layers) : { f: (h, inj) => this.f(h, inj, layers) };
  }

  /** The shared network f(h, inj) = blocks(h + inj) (ALGORITHM §2.6). */
  private f(h: tf.Tensor, inj: tf.Tensor, layers: LayerWeights[]): tf.Tensor {
    let x = tf.add(h, inj);
    for (const w of layers) {
      x = this.mixer.apply(x, w.mixer); // rmsNorm(x + mix(x))
      x = addRmsNorm(x, swiglu(x, w.mlp), this.config.rmsNormEps);
    }
    return x;
  }

  private rematerialized(layers: LayerWeights[]): RecursionNet {
    const flat = layers.flatMap((l) => [...Object.values(l.mixer), ...Object.values(l.mlp)]);
    // The inverse of `flat`, with `layers` giving the names and their order.
    const rebuild = (ts: tf.Tensor[]): LayerWeights[] => {
      let i = 0;
      const named = <W extends NamedWeights>(w: W): W => Object.fromEntries(Object.keys(w).map((k) => [k, ts[i++]!])) as W;
      return layers.map((l) => ({ mixer: named(l.mixer), mlp: named(l.mlp) }));
    };
    return rematerialized((h, inj, ws) => this.f(h, inj, rebuild(ws)), flat);
  }

  /** lm_head on the cell positions and q_head on slot 0 (ALGORITHM §2.6). */
  heads(y: tf.Tensor): { logits: tf.Tensor; qHalt: tf.Tensor; qContinue: tf.Tensor } {
    const c = this.config;
    const B = y.shape[0]!;
    const cells = tf.slice(y, [0, this.prefixLen, 0], [-1, c.seqLen, -1]); // [B, L, D]
    const logits = linear(cells, this.v('lm_head.weight')); // [B, L, V]
    const first = tf.reshape(tf.slice(y, [0, 0, 0], [-1, 1, -1]), [B, c.hiddenSize]); // [B, D]
    const q = tf.add(linear(first, this.v('q_head.weight')), this.v('q_head.bias')); // [B, 2]
    const qHalt = tf.reshape(tf.slice(q, [0, 0], [-1, 1]), [B]);
    const qContinue = tf.reshape(tf.slice(q, [0, 1], [-1, 1]), [B]);
    return { logits, qHalt, qContinue };
  }

  /** Latents of a freshly started sample: H_init / L_init broadcast to [B, P, D] (the static init, ALGORITHM §2.8). */
  initialLatents(batchSize: number): { y: tf.Tensor; z: tf.Tensor } {
    const shape = [batchSize, this.seqLenInternal, this.config.hiddenSize];
    return tf.tidy(() => ({
      y: tf.broadcastTo(tf.reshape(this.v('H_init'), [1, 1, -1]), shape),
      z: tf.broadcastTo(tf.reshape(this.v('L_init'), [1, 1, -1]), shape),
    }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const x of this.vars.values()) x.dispose();
    this.vars.clear();
    this.mixer.dispose();
  }
}

let nextId = 0;
