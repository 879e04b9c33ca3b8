/**
 * Test fixtures for the model-driven drivers (not exported from the package): a tiny random TrmNetwork and a
 * hand-made "counter" model whose trajectories are known in closed form.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { Rng, TrmNetwork, type TaskBatch } from '@trm-ts/core';
import { checkLeaksEachTest } from '@trm-ts/testing';
import { afterAll, beforeAll } from 'vitest';
import type { EvalModel } from './model.js';

/** A tiny TRM-MLP (D 16, 1 layer, n 2, T 2, L 16) with a random q head, so that q_halt differs between rows. */
export function tinyNet(seed = 1, overrides: Partial<TrmNetwork['config']> = {}): TrmNetwork {
  const net = new TrmNetwork(
    { seqLen: 16, vocabSize: 6, hiddenSize: 16, numLayers: 1, latentSteps: 2, recursions: 2, supervisionSteps: 4, puzzleEmbDim: 16, puzzleEmbLen: 1, numPuzzleIdentifiers: 3, ...overrides },
    { seed },
  );
  const rng = new Rng(seed + 100);
  for (const key of ['q_head.weight', 'embed_tokens.embedding_weight']) {
    const v = net.v(key);
    tf.tidy(() => v.assign(tf.tensor(rng.normalArray(v.size, 0.5), v.shape)));
  }
  return net;
}

/** A batch of B random rows (tokens 1..V−1, labels 1..V−1, puzzle ids 0..ids−1). */
export function randomBatch(seed: number, B: number, L = 16, V = 6, ids = 3): TaskBatch {
  const rng = new Rng(seed);
  return {
    batchSize: B,
    seqLen: L,
    inputs: Int32Array.from({ length: B * L }, () => rng.int(1, V - 1)),
    labels: Int32Array.from({ length: B * L }, () => rng.int(1, V - 1)),
    puzzleIds: Int32Array.from({ length: B }, () => rng.int(0, ids - 1)),
  };
}

/**
 * The counter model: P = L positions, D = 2, static init = zeros. One step does
 *   y ← y + 1,  z ← z + X   (X[b, l, :] = inputs[b, l]),  c = y[:, 0, 0]
 *   pred[b, l] = (inputs[b, l] + c) mod V,  q_halt[b] = c − inputs[b, 0] − 0.5.
 * From zeros after s steps: y = s, z = s·X, predictions (x + s) mod V, and row b halts first at s = inputs[b, 0] + 1.
 */
export function counterModel(L: number, V: number): EvalModel<{ inputs: tf.Tensor }> {
  return {
    cells: L,
    positions: L,
    hidden: 2,
    vocab: V,
    staticLatents: (rows) => ({ y: tf.zeros([rows, L, 2]), z: tf.zeros([rows, L, 2]) }),
    prepare: (batch) => ({ inputs: tf.tensor2d(batch.inputs, [batch.batchSize, L], 'int32') }),
    step: ({ inputs }, { y, z }) =>
      tf.tidy(() => {
        const x = tf.cast(inputs, 'float32'); // [rows, L]
        const y1 = tf.add(y, 1);
        const z1 = tf.add(z, tf.tile(tf.expandDims(x, -1), [1, 1, 2])); // [rows, L, 2]
        const c = tf.reshape(tf.slice(y1, [0, 0, 0], [-1, 1, 1]), [-1, 1]); // [rows, 1]
        const pred = tf.cast(tf.mod(tf.add(x, c), V), 'int32'); // [rows, L]
        const first = tf.reshape(tf.slice(x, [0, 0], [-1, 1]), [-1]);
        return { y: y1, z: z1, logits: tf.oneHot(pred, V), qHalt: tf.sub(tf.sub(tf.reshape(c, [-1]), first), 0.5) };
      }),
    release: ({ inputs }) => inputs.dispose(),
  };
}

/**
 * The setup of the model-driven test files: the wasm backend, one tinyNet(seed) for the whole file (read it
 * through the returned getter inside tests), and a leak check around every test.
 */
export function withTinyNet(seed: number): () => TrmNetwork {
  let net: TrmNetwork | undefined;
  beforeAll(async () => {
    await useWasmBackend();
    net = tinyNet(seed);
  });
  afterAll(() => net?.dispose());
  checkLeaksEachTest();
  return () => net!;
}
