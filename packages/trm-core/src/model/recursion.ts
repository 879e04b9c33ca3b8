/**
 * The recursion of TRM (ALGORITHM.md §3.1), separate from the network it recurses with: anything with
 * `f(h, injection)` plugs in (the MLP-mixer and attention TRMs share this file).
 *
 *   latentRecursion(x, y, z, n):  repeat n times: z = f(z, y + x);  then y = f(y, z)
 *   deepRecursion(x, y, z, n, T): T−1 latent recursions without gradient, then one with gradient
 */
import * as tf from '@tensorflow/tfjs-core';

export interface RecursionNet {
  f(h: tf.Tensor, injection: tf.Tensor): tf.Tensor;
}

export interface Latents {
  /** The answer latent y (official z_H), [B, P, D]. */
  y: tf.Tensor;
  /** The reasoning latent z (official z_L), [B, P, D]. */
  z: tf.Tensor;
}

/** n + 1 applications of f: n updates of z (which sees x), then one of y (which does not). */
export function latentRecursion(net: RecursionNet, x: tf.Tensor, y: tf.Tensor, z: tf.Tensor, n: number /* n, L_cycles */): Latents {
  for (let i = 0; i < n; i++) {
    z = net.f(z, tf.add(y, x)); // z ← f(z + (y + x)), the official addition order
  }
  y = net.f(y, z); // y ← f(y + z): no x
  return { y, z };
}

/**
 * `count` latent recursions outside any gradient tape, freeing every intermediate as it goes (memory stays
 * at one application of f). The input latents are not disposed; the result is new tensors.
 */
export function recurseWithoutGradient(net: RecursionNet, x: tf.Tensor, start: Latents, n: number /* n */, count: number): Latents {
  let cur = start;
  for (let t = 0; t < count; t++) {
    const prev = cur;
    cur = tf.tidy(() => {
      let { y, z } = prev;
      for (let i = 0; i < n; i++) {
        const zi = z;
        z = tf.tidy(() => net.f(zi, tf.add(y, x)));
        if (zi !== prev.z) zi.dispose();
      }
      const yi = tf.tidy(() => net.f(y, z));
      return { y: yi, z };
    });
    if (prev !== start) tf.dispose([prev.y, prev.z]);
  }
  return cur === start ? { y: tf.clone(start.y), z: tf.clone(start.z) } : cur;
}
