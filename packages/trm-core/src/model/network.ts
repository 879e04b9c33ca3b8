/**
 * The TRM network (ALGORITHM.md §2): input embedding with puzzle-embedding prefix slots, the one shared
 * network f (post-norm blocks with a token-mixing SwiGLU or self-attention), the heads, and the fixed
 * initial latents. Parameters are tf.Variables named by their official state_dict keys (without prefix);
 * Linear weights are held as [in, out], the transpose of PyTorch's [out, in] (checkpoint I/O converts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { internalLength, prefixLength, resolveTrmConfig, swigluWidth, type TrmConfig } from '../config.js';
import { ShapeError } from '../errors.js';
import { Rng } from '../random.js';
import { applyRope, linear, mm, rmsNorm, ropeTables, splitGateUp, swapLast, swiglu, type SwigluWeights } from './ops.js';

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
  /** Target std of the truncated-normal init (ALGORITHM §2.9); `bias` for the q-head bias (−5). */
  init: number | 'qbias';
}

/** Truncated normal std correction for bounds ±2: σ_c = σ / sqrt(var_t) (ALGORITHM §2.9). */
const TRUNC_STD_FACTOR = 1.1368472;

export function paramSpecs(c: TrmConfig): ParamSpec[] {
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
    const pre = `L_level.layers.${i}.`;
    if (c.mixer === 'mlp') {
      const IP = swigluWidth(P, c.expansion);
      specs.push(
        { key: `${pre}mlp_t.gate_up_proj.weight`, officialShape: [2 * IP, P], transposed: true, kind: 'param', init: 1 / Math.sqrt(P) },
        { key: `${pre}mlp_t.down_proj.weight`, officialShape: [P, IP], transposed: true, kind: 'param', init: 1 / Math.sqrt(IP) },
      );
    } else {
      specs.push(
        { key: `${pre}self_attn.qkv_proj.weight`, officialShape: [3 * D, D], transposed: true, kind: 'param', init: 1 / Math.sqrt(D) },
        { key: `${pre}self_attn.o_proj.weight`, officialShape: [D, D], transposed: true, kind: 'param', init: 1 / Math.sqrt(D) },
      );
    }
    specs.push(
      { key: `${pre}mlp.gate_up_proj.weight`, officialShape: [2 * I, D], transposed: true, kind: 'param', init: 1 / Math.sqrt(D) },
      { key: `${pre}mlp.down_proj.weight`, officialShape: [D, I], transposed: true, kind: 'param', init: 1 / Math.sqrt(I) },
    );
  }
  return specs;
}

function internalShape(s: ParamSpec): number[] {
  return s.transposed ? [s.officialShape[1]!, s.officialShape[0]!] : s.officialShape;
}

/** Per-layer weights as f consumes them (see TrmNetwork.weights). */
export interface LayerWeights {
  tokenMlp: SwigluWeights | null;
  /** Attention projections, qkv split by rows of the official [3D, D] weight (q, k, v; ALGORITHM §2.3). */
  attn: { q: tf.Tensor; k: tf.Tensor; v: tf.Tensor; o: tf.Tensor } | null;
  mlp: SwigluWeights;
}

export interface NetworkWeights {
  layers: LayerWeights[];
}

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
  private readonly rope: { cos: tf.Tensor; sin: tf.Tensor } | null;
  private disposed = false;

  constructor(config: Partial<TrmConfig>, options: TrmNetworkOptions = {}) {
    this.config = resolveTrmConfig(config);
    this.specs = paramSpecs(this.config);
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
    if (this.config.posEncodings === 'rope') {
      const hd = this.config.hiddenSize / this.config.numHeads;
      const t = ropeTables(this.seqLenInternal, hd, this.config.ropeTheta);
      this.rope = { cos: tf.tensor2d(t.cos, [this.seqLenInternal, hd]), sin: tf.tensor2d(t.sin, [this.seqLenInternal, hd]) };
    } else {
      this.rope = null;
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
   * The block weights in the form f consumes (fused SwiGLU weights split). Create it once per supervision
   * step, in the scope that owns the step's tensors (inside the gradient tape for the taped recursion), and
   * pass it to every application of f.
   */
  weights(): NetworkWeights {
    const layers: LayerWeights[] = [];
    for (let i = 0; i < this.config.numLayers; i++) {
      const pre = `L_level.layers.${i}.`;
      let attn: LayerWeights['attn'] = null;
      if (this.config.mixer === 'attention') {
        const qkv = this.v(`${pre}self_attn.qkv_proj.weight`); // [D, 3D] (internal [in, out])
        const D = this.config.hiddenSize;
        const part = (j: number) => tf.slice(qkv, [0, j * D], [D, D]);
        attn = { q: part(0), k: part(1), v: part(2), o: this.v(`${pre}self_attn.o_proj.weight`) };
      }
      layers.push({
        tokenMlp: this.config.mixer === 'mlp' ? splitGateUp(this.v(`${pre}mlp_t.gate_up_proj.weight`), this.v(`${pre}mlp_t.down_proj.weight`)) : null,
        attn,
        mlp: splitGateUp(this.v(`${pre}mlp.gate_up_proj.weight`), this.v(`${pre}mlp.down_proj.weight`)),
      });
    }
    return { layers };
  }

  /** The shared network f(h, inj) = blocks(h + inj) (ALGORITHM §2.6); `w` from weights(). */
  f(h: tf.Tensor, inj: tf.Tensor, w: NetworkWeights): tf.Tensor {
    let x = tf.add(h, inj);
    for (let i = 0; i < this.config.numLayers; i++) x = this.block(i, x, w.layers[i]!);
    return x;
  }

  /** A RecursionNet (the shape recursion.ts needs) bound to one set of step weights. */
  bind(w: NetworkWeights): { f(h: tf.Tensor, inj: tf.Tensor): tf.Tensor } {
    return { f: (h, inj) => this.f(h, inj, w) };
  }

  /**
   * Like bind(), but every application of f is one rematerialised op: its forward keeps only its inputs
   * (h, injection, weights) on the tape, and its gradient recomputes f under a local tape. Memory of the
   * backward pass is then one application of f (+ the inputs of each) instead of n + 1 applications'
   * activations, for one extra forward of the taped recursion. Gradients are the same computation.
   */
  bindRematerialized(w: NetworkWeights): { f(h: tf.Tensor, inj: tf.Tensor): tf.Tensor } {
    const flat = flattenWeights(w);
    const rebuild = (ts: tf.Tensor[]) => unflattenWeights(w, ts);
    const op = tf.customGrad(((...args: unknown[]) => {
      const save = args[args.length - 1] as tf.GradSaveFunc;
      const inputs = args.slice(0, -1) as tf.Tensor[];
      save(inputs);
      const [h, inj, ...ws] = inputs as [tf.Tensor, tf.Tensor, ...tf.Tensor[]];
      return {
        value: this.f(h, inj, rebuild(ws)),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          // A gradient computed inside the outer backward pass: tfjs-core 4.22 replaces and then clears the
          // engine's active tape when a top-level tf.grads ends, which the outer backward still needs for its
          // own clean-up. Restore it (the peer dependency is pinned to 4.22.0).
          const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
          const outer = state.activeTape;
          try {
            return tf.grads((...xs: tf.Tensor[]) => this.f(xs[0]!, xs[1]!, rebuild(xs.slice(2))))(saved, dy);
          } finally {
            state.activeTape = outer;
          }
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...xs: tf.Tensor[]) => tf.Tensor;
    return { f: (h, inj) => op(h, inj, ...flat) };
  }

  private block(i: number, h: tf.Tensor, w: LayerWeights): tf.Tensor {
    const c = this.config;
    if (w.tokenMlp) {
      // Token mixing over the sequence axis; residual and norm run on the transposed tensor (ALGORITHM §12.2).
      const t = tf.transpose(h, [0, 2, 1]); // [B, D, P]
      h = tf.transpose(rmsNorm(tf.add(t, swiglu(t, w.tokenMlp)), c.rmsNormEps), [0, 2, 1]); // [B, P, D]
    } else {
      h = rmsNorm(tf.add(h, this.attention(h, w.attn!)), c.rmsNormEps);
    }
    return rmsNorm(tf.add(h, swiglu(h, w.mlp)), c.rmsNormEps);
  }

  /** Non-causal multi-head self-attention with optional RoPE (ALGORITHM §2.3); every tensor has rank ≤ 4. */
  private attention(h: tf.Tensor, w: NonNullable<LayerWeights['attn']>): tf.Tensor {
    const [B, P, D] = h.shape as [number, number, number];
    const H = this.config.numHeads;
    const hd = D / H;
    // [B, P, D] → [B, H, P, hd]: channel index = head·hd + d (head-major, as the official view)
    const heads = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [B, P, H, hd]), [0, 2, 1, 3]);
    let q = heads(linear(h, w.q));
    let k = heads(linear(h, w.k));
    const v = heads(linear(h, w.v));
    if (this.rope) {
      q = applyRope(q, this.rope.cos, this.rope.sin);
      k = applyRope(k, this.rope.cos, this.rope.sin);
    }
    const scores = tf.mul(mm(q, swapLast(k)), tf.scalar(1 / Math.sqrt(hd))); // [B, H, P, P]
    const attn = mm(tf.softmax(scores), v); // [B, H, P, hd]
    const merged = tf.reshape(tf.transpose(attn, [0, 2, 1, 3]), [B, P, D]);
    return linear(merged, w.o);
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
    if (this.rope) tf.dispose([this.rope.cos, this.rope.sin]);
  }
}

let nextId = 0;

function flattenWeights(w: NetworkWeights): tf.Tensor[] {
  return w.layers.flatMap((l) => [
    ...(l.tokenMlp ? [l.tokenMlp.gate, l.tokenMlp.up, l.tokenMlp.down] : []),
    ...(l.attn ? [l.attn.q, l.attn.k, l.attn.v, l.attn.o] : []),
    l.mlp.gate, l.mlp.up, l.mlp.down,
  ]);
}

/** The inverse of flattenWeights, with `shape` giving the layout. */
function unflattenWeights(shape: NetworkWeights, ts: tf.Tensor[]): NetworkWeights {
  let i = 0;
  const next = () => ts[i++]!;
  return {
    layers: shape.layers.map((l) => ({
      tokenMlp: l.tokenMlp ? { gate: next(), up: next(), down: next() } : null,
      attn: l.attn ? { q: next(), k: next(), v: next(), o: next() } : null,
      mlp: { gate: next(), up: next(), down: next() },
    })),
  };
}
