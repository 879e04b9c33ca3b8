// Imports only the entry named on the command line (or none), then differentiates x·x on tfjs's wasm backend.
// Prints the gradient, or the error message when no gradient function is registered.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

const entry = process.argv[2];
if (entry !== 'none') await import(entry);
await tf.setBackend('wasm');
try {
  const x = tf.tensor1d([1, 2, 3]);
  const g = tf.grad((v) => tf.mul(v, v))(x);
  console.log(JSON.stringify({ grad: Array.from(await g.data()) }));
} catch (err) {
  console.log(JSON.stringify({ error: err.message }));
}
