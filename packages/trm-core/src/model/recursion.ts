/**
 * The recursion of TRM (ALGORITHM.md §3.1), separate from the network it recurses with: anything with
 * `f(h, injection)` plugs in (the MLP-mixer and attention TRMs share this file).
 *
 *   def latent_recursion(x, y, z, n):          def deep_recursion(x, y, z, n, T):
 *       for i in range(n):                         with torch.no_grad():
 *           z = net(x, y, z)                           for j in range(T - 1):
 *       y = net(y, z)                                      y, z = latent_recursion(x, y, z, n)
 *       return y, z                                y, z = latent_recursion(x, y, z, n)
 *                                                  return y.detach(), z.detach()
 */
import * as tf from '@tensorflow/tfjs-core';
import { withoutTape } from './ops.js';

/** The one network f that the recursion applies: f(h, injection) = blocks(h + injection). */
export interface RecursionNet {
  f(h: tf.Tensor, injection: tf.Tensor): tf.Tensor;
}

export type Latents = {
  /** The answer latent y (official z_H), [B, P, D]. */
  y: tf.Tensor;
  /** The reasoning latent z (official z_L), [B, P, D]. */
  z: tf.Tensor;
};

/** n + 1 applications of f: n updates of z (which sees x), then one of y (which does not). */
export function latentRecursion(net: RecursionNet, x: tf.Tensor, y: tf.Tensor, z: tf.Tensor, n: number /* n, L_cycles */): Latents {
  for (let i = 0; i < n; i++) {
    z = net.f(z, tf.add(y, x)); // z ← f(z + (y + x)), the official addition order
  }
  y = net.f(y, z); // y ← f(y + z): no x
  return { y, z };
}

export interface DeepRecursionOptions {
  /** n (L_cycles): latent updates per latent recursion. */
  n: number;
  /** T (H_cycles): latent recursions in all. */
  T: number;
  /**
   * How many of the last recursions the caller's gradient tape records (default 0: none, as in evaluation;
   * training: 1, the paper's; Bansal's progressive loss: k). The first T − taped run without gradient.
   */
  taped?: number;
}

/**
 * deep_recursion (§3.1): T − taped latent recursions without gradient, then `taped` recorded by the enclosing
 * gradient tape (if any). The untaped recursions free their intermediates as they go (memory: one application
 * of f and n latents); the input latents are never disposed, and the result is always new tensors.
 */
export function deepRecursion(net: RecursionNet, x: tf.Tensor, latents: Latents, opts: DeepRecursionOptions): Latents {
  const { n, T, taped = 0 } = opts;
  // Each untaped application of f in its own scope: only its output outlives it.
  const scoped: RecursionNet = { f: (h, injection) => tf.tidy(() => net.f(h, injection)) };
  let cur = latents;
  withoutTape(() => {
    for (let t = 0; t < T - taped; t++) { // torch.no_grad()
      const prev = cur;
      cur = tf.tidy(() => latentRecursion(scoped, x, prev.y, prev.z, n));
      if (prev !== latents) tf.dispose([prev.y, prev.z]);
    }
  });
  for (let t = 0; t < taped; t++) cur = latentRecursion(net, x, cur.y, cur.z, n);
  return cur === latents ? { y: tf.clone(latents.y), z: tf.clone(latents.z) } : cur;
}

/**
 * The network `f(h, inj, weights)` as a RecursionNet in which every application is one rematerialised op: its
 * forward keeps only its inputs (h, injection, the flat weights) on the tape, and its gradient recomputes f under
 * a local tape — backward memory of one application of f instead of n + 1, for one extra forward. Used by
 * TrmNetwork.stepNet and StackedNetwork alike.
 */
export function rematerialized(f: (h: tf.Tensor, inj: tf.Tensor, ws: tf.Tensor[]) => tf.Tensor, flat: tf.Tensor[]): RecursionNet {
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs = args.slice(0, -1) as tf.Tensor[];
    save(inputs);
    const [h, inj, ...ws] = inputs as [tf.Tensor, tf.Tensor, ...tf.Tensor[]];
    return {
      value: f(h, inj, ws),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        // A gradient computed inside the outer backward pass: tfjs-core 4.22 replaces and then clears the
        // engine's active tape when a top-level tf.grads ends, which the outer backward still needs for its
        // own clean-up. Restore it (the peer dependency is pinned to 4.22.0).
        const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
        const outer = state.activeTape;
        try {
          return tf.grads((...xs: tf.Tensor[]) => f(xs[0]!, xs[1]!, xs.slice(2)))(saved, dy);
        } finally {
          state.activeTape = outer;
        }
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...xs: tf.Tensor[]) => tf.Tensor;
  return { f: (h, inj) => op(h, inj, ...flat) };
}
