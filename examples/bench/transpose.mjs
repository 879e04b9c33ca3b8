// Transpose kernel timings on wasm: tfjs-backend-wasm's own kernel against @trm-ts/backend-wasm's tiled one, on
// the shapes the TRM models transpose (the token mixer's [B, P, D] ↔ [B, D, P] and the matmul gradients'
// operands). Prints milliseconds per call (median of 5 rounds of 20 calls) and checks that both agree exactly;
// where the installed kernel defers to the original, the two columns time the same kernel (their ratio is noise).
// Usage: node examples/bench/transpose.mjs
import * as tf from '@tensorflow/tfjs-core';
import { installFastTranspose, restoreOriginalTranspose, transposesInTwoPasses, useWasmBackend } from '@trm-ts/backend-wasm/node';

await useWasmBackend();
const SHAPES = [
  ['6×6 d64 token mix in', [64, 37, 64], [0, 2, 1]],
  ['6×6 d64 token mix out', [64, 64, 37], [0, 2, 1]],
  ['6×6 d64 mm grad, token hidden', [4096, 256], [1, 0]],
  ['6×6 d64 mm grad, token input', [4096, 37], [1, 0]],
  ['6×6 d64 mm grad, channel hidden', [2368, 256], [1, 0]],
  ['6×6 d64 mm grad, channel input', [2368, 64], [1, 0]],
  ['4×4 d32 mm grad, token hidden', [2048, 256], [1, 0]],
  ['4×4 d32 mm grad, channel hidden', [1088, 256], [1, 0]],
  ['weight', [256, 64], [1, 0]],
  ['6×6 d64 eval-batch token mixer [128·64, 37]', [8192, 37], [1, 0]],
  ['[256, 4096] (R = 256)', [256, 4096], [1, 0]],
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (f) => {
  const rounds = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) f().dispose();
    rounds.push((performance.now() - t0) / 20);
  }
  return median(rounds);
};
console.log('| shape | perm | path taken | tfjs-wasm ms | installed kernel ms | ratio |\n|---|---|---|---|---|---|');
for (const [name, shape, perm] of SHAPES) {
  const x = tf.randomNormal(shape);
  restoreOriginalTranspose();
  const ref = tf.transpose(x, perm);
  const tOrig = time(() => tf.transpose(x, perm));
  installFastTranspose();
  const got = tf.transpose(x, perm);
  const same = tf.util.arraysEqual(ref.dataSync(), got.dataSync());
  if (!same) throw new Error(`${name}: the kernels disagree`);
  const tFast = time(() => tf.transpose(x, perm));
  const path = transposesInTwoPasses(shape, perm) ? 'two-pass' : 'original (same kernel both times)';
  console.log(`| ${name} [${shape}] | [${perm}] | ${path} | ${tOrig.toFixed(3)} | ${tFast.toFixed(3)} | ${(tOrig / tFast).toFixed(2)}× |`);
  tf.dispose([x, ref, got]);
}
