/** Child process of the "exits on its own" test (threads.test.ts): uses 2 wasm threads, then simply ends. */
import * as tf from '@tensorflow/tfjs-core';
import { useWasmThreadsBackend } from '../threads.js';

const info = await useWasmThreadsBackend({ numThreads: 2 });
const y = tf.matMul(tf.ones([128, 128]), tf.ones([128, 128]));
const v = await y.data();
console.log(`done ${info.details.threads} ${v[0]}`);
