/**
 * The few primitives the TRM network is built from (ALGORITHM.md §2.1–2.4).
 *
 * Matrix products go through `mm`, which never asks a kernel for a transposed operand: tfjs-wasm's
 * BatchMatMul with a transpose flag is 10–40× slower than transposing first, and tfjs's own matMul gradient
 * uses exactly those flags. `mm` therefore carries a custom gradient that transposes explicitly.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Swaps the last two axes. */
export function swapLast(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}

/**
 * aᵀ·dy for a [.., M, K] and dy [.., M, N], the gradient of a·b with respect to b. tfjs-wasm packs its right
 * operand anew for every product and runs few-row products slowly, so the product is ordered to put the narrower
 * of the two operands on the right: aᵀ·dy when K ≥ N, else (dyᵀ·a)ᵀ. For the token mixer's gate/up weights of a
 * 6×6 model (a [4096, 37], dy [4096, 256]) the second order ran at 14–19 GFLOP/s against 6.3 for the first
 * (docs/benchmarks.md, "Transposes and the order of the weight gradient").
 */
function weightGrad(a: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  const K = a.shape[a.rank - 1]!;
  const N = dy.shape[dy.rank - 1]!;
  return K >= N ? tf.matMul(swapLast(a), dy) : tf.tidy(() => swapLast(tf.matMul(swapLast(dy), a)));
}

const mmGrad = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      // tidy: tfjs keeps every tensor of the backward pass until it ends, so temporaries made here (the
      // transposed operands) would otherwise count towards the step's peak memory.
      return tf.tidy(() => [tf.matMul(dy, swapLast(sb)), weightGrad(sa, dy)]);
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** tfjs-core 4.22's engine state (the peer dependency is pinned to 4.22.0). */
function engineState(): { gradientDepth: number; kernelDepth: number } {
  return (tf.engine() as unknown as { state: { gradientDepth: number; kernelDepth: number } }).state;
}

/** Whether a gradient tape is recording. */
function taping(): boolean {
  const state = engineState();
  return state.gradientDepth > 0 && state.kernelDepth === 0;
}

/**
 * Runs `fn` with the gradient tape paused: PyTorch's `torch.no_grad()`. Nothing `fn` computes is recorded, so
 * no gradient flows through its results and its intermediates can be freed at once. `fn` must not start a
 * gradient computation of its own.
 */
export function withoutTape<T>(fn: () => T): T {
  const state = engineState();
  const depth = state.gradientDepth;
  state.gradientDepth = 0;
  try {
    return fn();
  } finally {
    state.gradientDepth = depth;
  }
}

/**
 * `tf.variableGrads` for a function that returns its loss together with other tensors (`aux`) the caller
 * needs afterwards: those are kept past the tape's clean-up and returned as they are.
 */
export function gradsWithAux<A extends Record<string, tf.Tensor>>(
  fn: () => { loss: tf.Scalar; aux: A },
  vars: tf.Variable[],
): { loss: tf.Scalar; grads: tf.NamedTensorMap; aux: A } {
  let aux: A | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const out = fn();
    for (const t of Object.values(out.aux)) tf.keep(t);
    aux = out.aux;
    return out.loss;
  }, vars);
  return { loss: value, grads, aux: aux! };
}

/**
 * a·b (rank ≥ 2, equal batch dims) with a transpose-first gradient. Outside a gradient tape the plain kernel
 * runs: the custom-gradient wrapper costs an extra copy of every output.
 */
export function mm(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return taping() ? mmGrad(a, b) : tf.matMul(a, b);
}

/**
 * Linear layer without bias on the last axis: `x·W` where W is stored as [in, out] (the transpose of
 * PyTorch's [out, in] `weight`; checkpoints convert).
 */
export function linear(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.rank - 1]!;
  const lead = x.shape.slice(0, -1);
  const y = mm(tf.reshape(x, [-1, inDim]), w); // [N, out]
  return tf.reshape(y, [...lead, w.shape[1]!]);
}

/** RMSNorm over the last axis without gain: h / sqrt(mean(h²) + eps). */
export function rmsNorm(h: tf.Tensor, eps: number): tf.Tensor {
  const ms = tf.mean(tf.square(h), -1, true);
  return tf.mul(h, tf.rsqrt(tf.add(ms, tf.scalar(eps))));
}

/** One `addRmsNorm` op per eps (the eps is a constant of the network, so this holds one or two entries). */
const addRmsNormOps = new Map<number, (x: tf.Tensor, r: tf.Tensor) => tf.Tensor>();

/**
 * rmsNorm(x + r): the post-norm residual every sub-layer ends with (ALGORITHM §2.1), as one op with a
 * hand-written gradient while a tape records. tfjs's own gradient of the five-op chain runs ~25 kernels
 * (the engine copies every input a kernel's gradient saves, Multiply's gradient casts both operands, Add's
 * reshapes); this one saves two tensors and runs six: with o = rmsNorm(h) and s = 1/sqrt(mean(h²) + eps),
 * dL/dh = s·(g − o·mean(g·o)) for the upstream gradient g, and dL/dx = dL/dr = dL/dh. Outside a tape it is
 * the plain composition. x and r must have the same shape.
 */
export function addRmsNorm(x: tf.Tensor, r: tf.Tensor, eps: number): tf.Tensor {
  if (!taping()) return rmsNorm(tf.add(x, r), eps);
  let op = addRmsNormOps.get(eps);
  if (!op) {
    op = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
      const h = tf.add(a, b);
      const s = tf.rsqrt(tf.add(tf.mean(tf.square(h), -1, true), tf.scalar(eps)));
      const o = tf.mul(h, s);
      save([o, s]);
      return {
        value: o,
        gradFunc: (g: tf.Tensor, saved: tf.Tensor[]) => {
          const [so, ss] = saved as [tf.Tensor, tf.Tensor];
          return tf.tidy(() => {
            const dh = tf.mul(ss, tf.sub(g, tf.mul(so, tf.mean(tf.mul(g, so), -1, true))));
            return [dh, tf.clone(dh)]; // two tensors: the tape frees each input's gradient on its own
          });
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, r: tf.Tensor) => tf.Tensor;
    addRmsNormOps.set(eps, op);
  }
  return op(x, r);
}

const gluGrad = tf.customGrad(((gate: tf.Tensor, up: tf.Tensor, save: tf.GradSaveFunc) => {
  const sig = tf.sigmoid(gate);
  save([gate, up, sig]);
  return {
    value: tf.mul(tf.mul(gate, sig), up),
    gradFunc: (g: tf.Tensor, saved: tf.Tensor[]) => {
      const [sg, su, ss] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.tidy(() => {
        // d/dgate silu(gate) = σ(gate)·(1 + gate·(1 − σ(gate)))
        const dsilu = tf.mul(ss, tf.add(tf.mul(sg, tf.sub(tf.scalar(1), ss)), tf.scalar(1)));
        return [tf.mul(tf.mul(g, su), dsilu), tf.mul(g, tf.mul(sg, ss))];
      });
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (gate: tf.Tensor, up: tf.Tensor) => tf.Tensor;

/**
 * silu(gate) ⊙ up, SwiGLU's gated activation, with a hand-written gradient while a tape records (~10
 * kernels instead of tfjs's ~20, for the same reasons as `addRmsNorm`). Same shapes.
 */
export function gatedSilu(gate: tf.Tensor, up: tf.Tensor): tf.Tensor {
  return taping() ? gluGrad(gate, up) : tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
}

/** A SwiGLU's weights with the fused gate_up [in, 2I] already split by columns (first half = gate). */
export type SwigluWeights = {
  gate: tf.Tensor; // [in, I]
  up: tf.Tensor; // [in, I]
  down: tf.Tensor; // [I, out]
};

/** Splits a fused gate_up weight [in, 2I] into gate and up (ALGORITHM §2.1: the first half is the gate). */
export function splitGateUp(gateUp: tf.Tensor, down: tf.Tensor): SwigluWeights {
  const [inDim, twoI] = gateUp.shape as [number, number];
  const inter = twoI / 2;
  return { gate: tf.slice(gateUp, [0, 0], [inDim, inter]), up: tf.slice(gateUp, [0, inter], [inDim, inter]), down };
}

/**
 * SwiGLU: (silu(x·W_gate) ⊙ x·W_up)·W_down. The weights are split once per supervision step (see
 * TrmNetwork.weights) rather than slicing the [N, 2I] activation: tfjs-wasm's Slice along the last axis of a
 * large tensor costs as much as the matmul, and a weight tensor reused across the n + 1 applications of f lets
 * the backend reuse its packed matmul operator.
 */
export function swiglu(x: tf.Tensor, w: SwigluWeights): tf.Tensor {
  const gate = linear(x, w.gate); // [..., I]
  const up = linear(x, w.up); // [..., I]
  return linear(gatedSilu(gate, up), w.down);
}

/**
 * RoPE tables [P, hd] computed in float64 and rounded once (ALGORITHM §2.4): θ_i = base^(−2·(i mod hd/2)/hd),
 * half-split layout (the first and second halves of the head dim share frequencies).
 */
export function ropeTables(positions: number, headDim: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const cos = new Float32Array(positions * headDim);
  const sin = new Float32Array(positions * headDim);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < headDim; i++) {
      const invFreq = 1 / Math.pow(theta, (2 * (i % half)) / headDim);
      cos[p * headDim + i] = Math.cos(p * invFreq);
      sin[p * headDim + i] = Math.sin(p * invFreq);
    }
  }
  return { cos, sin };
}

/** Applies RoPE to x [B, H, P, hd] with tables [P, hd]: x⊙cos + rotHalf(x)⊙sin, rotHalf(v) = [−v2, v1]. */
export function applyRope(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const hd = x.shape[3]!;
  const half = hd / 2;
  const x1 = tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, half]);
  const x2 = tf.slice(x, [0, 0, 0, half], [-1, -1, -1, half]);
  const rot = tf.concat([tf.neg(x2), x1], 3);
  return tf.add(tf.mul(x, cos), tf.mul(rot, sin));
}

/**
 * Runs `fn` as one opaque custom op whose gradient is zero for every input: tfjs has no stop-gradient, and
 * ops executed inside a custom op's forward function are not recorded on the tape. Used for values that
 * are targets, not functions of the parameters (e.g. "is this row's answer right", ALGORITHM §4.6).
 */
export function withoutGradient(fn: (...xs: tf.Tensor[]) => tf.Tensor, ...inputs: tf.Tensor[]): tf.Tensor {
  const op = tf.customGrad(((...args: unknown[]) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    return { value: fn(...xs), gradFunc: () => xs.map((x) => tf.zerosLike(x)) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...xs: tf.Tensor[]) => tf.Tensor;
  return op(...inputs);
}
