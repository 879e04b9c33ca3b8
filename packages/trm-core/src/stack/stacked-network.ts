/**
 * K independent TRM networks of the same shapes as one computation (issue 15): every parameter carries a
 * leading model axis [K, ...] and every matrix product is a batched one, so that one kernel does the work of K.
 * Model k of the stack computes exactly what a TrmNetwork with model k's weights computes (the same ops on
 * the same values, model by model; tested against TrmNetwork in stacked-network.test.ts).
 *
 * Layouts: parameters [K, ...internal layout]; the puzzle-embedding table is kept flat as [K·N, Dp] (model k's
 * rows at k·N…k·N+N−1), so that SignSGD updates every model's rows in one call with ids offset by k·N;
 * activations [K, B, P, D]; logits [K, B, L, V]; halting logits [K, B].
 */
import * as tf from '@tensorflow/tfjs-core';
import { internalLength, prefixLength, type TrmConfig } from '../config.js';
import { ConfigError, ShapeError, check } from '../errors.js';
import type { ParamSpec } from '../model/block.js';
import { TrmNetwork } from '../model/network.js';
import { applyRope, mm, addRmsNorm, gatedSilu, ropeTables, swapLast } from '../model/ops.js';
import { rematerialized, type RecursionNet } from '../model/recursion.js';

/** Weights of (a group of) the stack by official key, each [Kg, ...] (the puzzle table is not among them). */
export type StackWeights = Record<string, tf.Tensor>;

const layerPrefix = (i: number) => `L_level.layers.${i}.`;

/**
 * A weight of every model: one tensor [K, in, out] (one batched matmul per product) or K tensors [in, out]
 * (K two-dimensional matmuls). Which is faster depends on the backend: tfjs-backend-wasm 4.22 runs a
 * BatchMatMul with more than one batch on a slow path (measured ~7× slower than K separate 2-D products,
 * docs/benchmarks.md), so on wasm the stack multiplies per model; elsewhere one batched kernel.
 */
export type WeightK = tf.Tensor | tf.Tensor[];

let matmulMode: 'auto' | 'batched' | 'split' = 'auto';

/** Overrides how stacks multiply ('auto': per model on wasm, batched elsewhere); for tests and benchmarks. */
export function setStackMatmuls(mode: 'auto' | 'batched' | 'split'): void {
  matmulMode = mode;
}

/** Whether products on the active backend go per model (see WeightK). */
export function splitMatmuls(): boolean {
  return matmulMode === 'auto' ? tf.getBackend() === 'wasm' : matmulMode === 'split';
}

/** A [K, in, out] weight in the form the active backend multiplies fastest. */
export function prepareWeight(w: tf.Tensor): WeightK {
  if (!splitMatmuls()) return w;
  // Per model by slice: tfjs-core 4.22's gradients of multi-output ops (Unpack, SplitV) fail inside a tape.
  const [K, inDim, out] = w.shape as [number, number, number];
  return Array.from({ length: K }, (_, k) => tf.reshape(tf.slice(w, [k, 0, 0], [1, inDim, out]), [inDim, out]));
}

/** x [K, ..., in] · w per model: one batched matmul, or K 2-D matmuls (each exactly a single model's `linear`). */
export function linearK(x: tf.Tensor, w: WeightK): tf.Tensor {
  const K = x.shape[0]!;
  const inDim = x.shape[x.rank - 1]!;
  const lead = x.shape.slice(1, -1);
  if (Array.isArray(w)) {
    const out = w[0]!.shape[1]!;
    const x2 = tf.reshape(x, [-1, inDim]); // [K·N, in]
    const N = x2.shape[0]! / K;
    // Row blocks by slice (tfjs-core 4.22's SplitV gradient fails inside a tape: "Pass at least one tensor to concat").
    const ys = w.map((wk, k) => mm(tf.slice(x2, [k * N, 0], [N, inDim]), wk)); // K × [N, out]
    return tf.reshape(tf.concat(ys, 0), [K, ...lead, out]);
  }
  const y = mm(tf.reshape(x, [K, -1, inDim]), w); // [K, N, out]
  return tf.reshape(y, [K, ...lead, w.shape[2]!]);
}

/** A SwiGLU's weights per model: gate, up [K, in, I], down [K, I, out]. */
type SwigluK = { gate: WeightK; up: WeightK; down: WeightK };

function splitGateUpK(gateUp: tf.Tensor, down: tf.Tensor): SwigluK {
  const [K, inDim, twoI] = gateUp.shape as [number, number, number];
  const I = twoI / 2;
  return { gate: prepareWeight(tf.slice(gateUp, [0, 0, 0], [K, inDim, I])), up: prepareWeight(tf.slice(gateUp, [0, 0, I], [K, inDim, I])), down: prepareWeight(down) };
}

function swigluK(x: tf.Tensor, w: SwigluK): tf.Tensor {
  const gate = linearK(x, w.gate);
  const up = linearK(x, w.up);
  return linearK(gatedSilu(gate, up), w.down);
}

/** One layer's per-step weights as a flat list in a fixed order (the rematerialised f passes them so). */
type LayerK = { mixer: WeightK[]; mlp: SwigluK };

export class StackedNetwork {
  readonly config: TrmConfig;
  /** K, the number of models. */
  readonly size: number;
  readonly specs: ParamSpec[];
  /** Every tensor of the state dict, by official key, with the model axis first (puzzle table: [K·N, Dp]). */
  readonly vars: Map<string, tf.Variable>;
  readonly prefixLen: number;
  readonly seqLenInternal: number;
  private rope: { cos: tf.Tensor; sin: tf.Tensor } | null = null;
  private disposed = false;

  /** Stacks the weights of `nets` (same config; the networks stay the caller's and are not changed). */
  constructor(nets: readonly TrmNetwork[]) {
    check(nets.length >= 1, () => `StackedNetwork: expected at least one network, got ${nets.length}.`, ConfigError);
    const c = nets[0]!.config;
    const want = JSON.stringify(c);
    nets.forEach((n, k) => {
      check(JSON.stringify(n.config) === want, () => `StackedNetwork: network ${k} expected the model config of network 0 (${want}), got ${JSON.stringify(n.config)}. Stack only models of the same config.`, ConfigError);
    });
    this.config = c;
    this.size = nets.length;
    this.specs = nets[0]!.specs; // (paramSpecs(c) without a mixer would allocate RoPE tables it never frees)
    this.prefixLen = prefixLength(c);
    this.seqLenInternal = internalLength(c);
    this.vars = new Map();
    let id = nextId++;
    for (const s of this.specs) {
      const value = tf.tidy(() => (s.kind === 'puzzle' ? tf.concat(nets.map((n) => n.v(s.key)), 0) : tf.stack(nets.map((n) => n.v(s.key)))));
      this.vars.set(s.key, tf.variable(value, s.kind === 'param', `trm-stack/${s.key}/${id++}`));
      value.dispose();
    }
    nextId = id;
    if (c.mixer === 'attention' && c.posEncodings === 'rope') {
      const hd = c.hiddenSize / c.numHeads;
      const t = ropeTables(this.seqLenInternal, hd, c.ropeTheta);
      this.rope = { cos: tf.tensor2d(t.cos, [this.seqLenInternal, hd]), sin: tf.tensor2d(t.sin, [this.seqLenInternal, hd]) };
    }
  }

  /** The variable of an official key. */
  v(key: string): tf.Variable {
    const x = this.vars.get(key);
    if (!x) throw new ShapeError(`StackedNetwork: parameter '${key}' expected among ${[...this.vars.keys()].join(', ')}, got none. Check the key.`);
    return x;
  }

  /** The trainable (kind 'param') specs in spec order. */
  paramSpecs(): ParamSpec[] {
    return this.specs.filter((s) => s.kind === 'param');
  }

  /**
   * The trainable weights of the models `models` (default: all, the variables themselves); a subset is
   * gathered into new tensors owned by the caller's scope.
   */
  weights(models?: readonly number[]): StackWeights {
    const all = !models || (models.length === this.size && models.every((m, i) => m === i));
    const out: StackWeights = {};
    if (all) {
      for (const s of this.paramSpecs()) out[s.key] = this.v(s.key);
      return out;
    }
    const idx = tf.tensor1d(Int32Array.from(models), 'int32');
    for (const s of this.paramSpecs()) out[s.key] = tf.gather(this.v(s.key), idx);
    idx.dispose();
    return out;
  }

  /** Rows of the flat puzzle table for each model's ids ([Kg·B] ids already offset by k·N): [Kg·B, Dp], or null. */
  puzzleRows(flatIds: tf.Tensor): tf.Tensor | null {
    if (this.config.puzzleEmbDim === 0) return null;
    return tf.gather(this.v('puzzle_emb.weights'), flatIds);
  }

  /** Offsets model k's puzzle ids by k·N (for the flat table); `models[j]` is the model of group row j. */
  flatPuzzleIds(models: readonly number[], ids: readonly ArrayLike<number>[]): Int32Array {
    const N = this.config.numPuzzleIdentifiers;
    const B = ids[0]?.length ?? 0;
    const out = new Int32Array(models.length * B);
    models.forEach((m, j) => {
      for (let b = 0; b < B; b++) out[j * B + b] = m * N + ids[j]![b]!;
    });
    return out;
  }

  /** Input embedding [Kg, B, P, D] of `inputs` int32 [Kg, B, L]; `puzzleRows` [Kg·B, Dp]. */
  embed(w: StackWeights, inputs: tf.Tensor, puzzleRows: tf.Tensor | null): tf.Tensor {
    const c = this.config;
    const D = c.hiddenSize;
    const [K, B] = inputs.shape as [number, number, number];
    const oneHot = tf.reshape(tf.cast(tf.oneHot(tf.reshape(inputs, [-1]), c.vocabSize), 'float32'), [K, B * c.seqLen, c.vocabSize]);
    let e = linearK(tf.reshape(oneHot, [K, B, c.seqLen, c.vocabSize]), prepareWeight(w['embed_tokens.embedding_weight']!)); // [K, B, L, D]
    if (this.prefixLen > 0) {
      if (!puzzleRows) throw new ShapeError('StackedNetwork.embed: puzzle rows expected (this model has a puzzle embedding), got none. Pass puzzleRows(ids).');
      const padded = tf.pad(puzzleRows, [[0, 0], [0, this.prefixLen * D - c.puzzleEmbDim]]); // [K·B, Lp·D]
      e = tf.concat([tf.reshape(padded, [K, B, this.prefixLen, D]), e], 2);
    }
    if (c.posEncodings === 'learned') {
      e = tf.mul(tf.scalar(0.707106781), tf.add(e, tf.reshape(w['embed_pos.embedding_weight']!, [K, 1, this.seqLenInternal, D])));
    }
    return tf.mul(e, tf.scalar(Math.sqrt(D)));
  }

  /** f bound to `w` (split weights made in the current scope; inside a gradient tape they carry gradients). */
  stepNet(w: StackWeights, opts: { rematerialize?: boolean } = {}): RecursionNet {
    const layers: LayerK[] = [];
    for (let i = 0; i < this.config.numLayers; i++) {
      const pre = layerPrefix(i);
      layers.push({ mixer: this.mixerWeights(pre, w), mlp: splitGateUpK(w[`${pre}mlp.gate_up_proj.weight`]!, w[`${pre}mlp.down_proj.weight`]!) });
    }
    if (!opts.rematerialize) return { f: (h, inj) => this.f(h, inj, layers) };
    // Flattened to a tensor list (a split weight contributes its K parts) and rebuilt in the same order.
    const slots = layers.flatMap((l) => [...l.mixer, l.mlp.gate, l.mlp.up, l.mlp.down]);
    const flat = slots.flatMap((w) => (Array.isArray(w) ? w : [w]));
    const per = layers[0] ? layers[0].mixer.length + 3 : 0;
    const rebuild = (ws: tf.Tensor[]): LayerK[] => {
      let i = 0;
      const take = (w: WeightK): WeightK => (Array.isArray(w) ? w.map(() => ws[i++]!) : ws[i++]!);
      const rebuilt = slots.map(take);
      return layers.map((_, l) => {
        const part = rebuilt.slice(l * per, (l + 1) * per);
        const m = part.length - 3;
        return { mixer: part.slice(0, m), mlp: { gate: part[m]!, up: part[m + 1]!, down: part[m + 2]! } };
      });
    };
    return rematerialized((h, inj, ws) => this.f(h, inj, rebuild(ws)), flat);
  }

  /** Runs `fn` with f bound to every model's weights, outside any gradient tape; `fn`'s result is kept. */
  withStepWeights<T extends tf.TensorContainer>(fn: (f: RecursionNet, w: StackWeights) => T, models?: readonly number[]): T {
    return tf.tidy(() => {
      const w = this.weights(models);
      return fn(this.stepNet(w), w);
    });
  }

  private mixerWeights(pre: string, w: StackWeights): WeightK[] {
    if (this.config.mixer === 'mlp') {
      const s = splitGateUpK(w[`${pre}mlp_t.gate_up_proj.weight`]!, w[`${pre}mlp_t.down_proj.weight`]!);
      return [s.gate, s.up, s.down];
    }
    const qkv = w[`${pre}self_attn.qkv_proj.weight`]!; // [K, D, 3D]
    const [K, D] = qkv.shape as [number, number, number];
    const part = (j: number) => prepareWeight(tf.slice(qkv, [0, 0, j * D], [K, D, D]));
    return [part(0), part(1), part(2), prepareWeight(w[`${pre}self_attn.o_proj.weight`]!)];
  }

  /** f(h, inj) = blocks(h + inj) over the stack. */
  private f(h: tf.Tensor, inj: tf.Tensor, layers: LayerK[]): tf.Tensor {
    let x = tf.add(h, inj);
    for (const l of layers) {
      x = this.mix(x, l.mixer);
      x = addRmsNorm(x, swigluK(x, l.mlp), this.config.rmsNormEps);
    }
    return x;
  }

  /** rmsNorm(h + mix(h)) for h [K, B, P, D]. */
  private mix(h: tf.Tensor, w: WeightK[]): tf.Tensor {
    const c = this.config;
    if (c.mixer === 'mlp') {
      const t = tf.transpose(h, [0, 1, 3, 2]); // [K, B, D, P]
      return tf.transpose(addRmsNorm(t, swigluK(t, { gate: w[0]!, up: w[1]!, down: w[2]! }), c.rmsNormEps), [0, 1, 3, 2]);
    }
    const [K, B, P, D] = h.shape as [number, number, number, number];
    const H = c.numHeads;
    const hd = D / H;
    // [K, B, P, D] → [K·B, H, P, hd]: the single model's layout with K·B rows.
    const heads = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [K * B, P, H, hd]), [0, 2, 1, 3]);
    let q = heads(linearK(h, w[0]!));
    let k = heads(linearK(h, w[1]!));
    const v = heads(linearK(h, w[2]!));
    if (this.rope) {
      q = applyRope(q, this.rope.cos, this.rope.sin);
      k = applyRope(k, this.rope.cos, this.rope.sin);
    }
    const scores = tf.mul(mm(q, swapLast(k)), tf.scalar(1 / Math.sqrt(hd)));
    const attn = mm(tf.softmax(scores), v); // [K·B, H, P, hd]
    const merged = tf.reshape(tf.transpose(attn, [0, 2, 1, 3]), [K, B, P, D]);
    return addRmsNorm(h, linearK(merged, w[3]!), c.rmsNormEps);
  }

  /** lm_head on the cells and q_head on slot 0: logits [Kg, B, L, V], qHalt / qContinue [Kg, B]. */
  heads(w: StackWeights, y: tf.Tensor): { logits: tf.Tensor; qHalt: tf.Tensor; qContinue: tf.Tensor } {
    const c = this.config;
    const [K, B] = y.shape as [number, number, number, number];
    const cells = tf.slice(y, [0, 0, this.prefixLen, 0], [-1, -1, c.seqLen, -1]);
    const logits = linearK(cells, prepareWeight(w['lm_head.weight']!));
    const first = tf.reshape(tf.slice(y, [0, 0, 0, 0], [-1, -1, 1, -1]), [K, B, c.hiddenSize]);
    const q = tf.add(linearK(first, prepareWeight(w['q_head.weight']!)), tf.reshape(w['q_head.bias']!, [K, 1, 2])); // [K, B, 2]
    const qHalt = tf.reshape(tf.slice(q, [0, 0, 0], [-1, -1, 1]), [K, B]);
    const qContinue = tf.reshape(tf.slice(q, [0, 0, 1], [-1, -1, 1]), [K, B]);
    return { logits, qHalt, qContinue };
  }

  /** Model k's static initial latents H_init / L_init broadcast to [B, P, D]. */
  initialLatents(k: number, batchSize: number): { y: tf.Tensor; z: tf.Tensor } {
    const D = this.config.hiddenSize;
    const shape = [batchSize, this.seqLenInternal, D];
    return tf.tidy(() => ({
      y: tf.broadcastTo(tf.reshape(tf.slice(this.v('H_init'), [k, 0], [1, D]), [1, 1, D]), shape),
      z: tf.broadcastTo(tf.reshape(tf.slice(this.v('L_init'), [k, 0], [1, D]), [1, 1, D]), shape),
    }));
  }

  /** Host copies of model k's tensors, by official key, in the single model's internal layout. */
  async modelWeights(k: number): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    check(Number.isInteger(k) && k >= 0 && k < this.size, () => `StackedNetwork.modelWeights: expected a model index in [0, ${this.size}), got ${k}.`, ShapeError);
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [key, v] of this.vars) {
      const shape = this.isPuzzle(key) ? [v.shape[0]! / this.size, v.shape[1]!] : v.shape.slice(1);
      const n = shape.reduce((a, b) => a * b, 1);
      const data = (await v.data()) as Float32Array;
      out.set(key, { shape, data: data.slice(k * n, (k + 1) * n) });
    }
    return out;
  }

  /** Sets model k's tensors from host data keyed like `modelWeights` (e.g. a TrainerSnapshot's weights). */
  setModelWeights(k: number, weights: Map<string, { shape: number[]; data: Float32Array }>): void {
    tf.tidy(() => {
      for (const [key, v] of this.vars) {
        const w = weights.get(key);
        const per = v.size / this.size;
        check(w !== undefined && w.data.length === per, () => `StackedNetwork.setModelWeights: '${key}' expected ${per} values, got ${w?.data.length ?? 'none'}. Pass weights of a model of this config.`, ShapeError);
        const all = Float32Array.from(v.dataSync() as Float32Array);
        all.set(w.data, k * per);
        v.assign(tf.tensor(all, v.shape, 'float32'));
      }
    });
  }

  /** A separate TrmNetwork holding model k's current weights (e.g. for evaluate() or a model checkpoint). */
  async toNetwork(k: number): Promise<TrmNetwork> {
    const w = await this.modelWeights(k);
    const net = new TrmNetwork(this.config);
    tf.tidy(() => {
      for (const [key, v] of net.vars) v.assign(tf.tensor(w.get(key)!.data, v.shape, 'float32'));
    });
    return net;
  }

  private isPuzzle(key: string): boolean {
    return this.specs.find((s) => s.key === key)?.kind === 'puzzle';
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const x of this.vars.values()) x.dispose();
    this.vars.clear();
    if (this.rope) tf.dispose([this.rope.cos, this.rope.sin]);
    this.rope = null;
  }
}

let nextId = 0;
