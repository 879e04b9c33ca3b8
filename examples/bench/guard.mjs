// `node examples/bench/guard.mjs [--reps N]` (after building @trm-ts/core): the cost of the divergence guard
// (issue 12) that Trainer.trainStep runs after every update, on the cpu backend, for the SUDOKU_EXTREME_MLP
// network without a puzzle table: every parameter, Adam m and v, and EMA shadow. Prints JSON and a table.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { AdamAtan2, Ema, TrmNetwork } from '@trm-ts/core';
import { assertUpdateFinite } from '@trm-ts/core/internal';

const at = process.argv.indexOf('--reps');
const reps = at > 0 ? Number(process.argv[at + 1]) : 10;
await tf.setBackend('cpu');
const net = new TrmNetwork({ puzzleEmbDim: 0, puzzleEmbLen: 0 }, { seed: 1 });
const params = Object.fromEntries(net.specs.filter((s) => s.kind === 'param').map((s) => [s.key, net.v(s.key)]));
const opt = new AdamAtan2(params, {});
const ema = new Ema(params, 0.999);
// The same tensors as the trainer's updatedTensors(): network variables, optimizer moments, EMA shadows.
const tensors = () => [...net.vars, ...opt.stateTensors(), ...Object.entries(ema.averages).map(([k, t]) => [`ema/${k}`, t])];
const values = tensors().reduce((a, [, t]) => a + t.size, 0);
await assertUpdateFinite(1, tensors()); // warm-up
const ms = [];
for (let i = 0; i < reps; i++) {
  const t0 = performance.now();
  await assertUpdateFinite(1, tensors());
  ms.push(performance.now() - t0);
}
ms.sort((a, b) => a - b);
const result = { backend: tf.getBackend(), values, reps, min_ms: +ms[0].toFixed(1), median_ms: +ms[Math.floor(reps / 2)].toFixed(1) };
console.log(JSON.stringify(result));
console.log(`| backend | values | reps | min ms | median ms |\n| --- | --- | --- | --- | --- |\n| ${result.backend} | ${values} | ${reps} | ${result.min_ms} | ${result.median_ms} |`);
