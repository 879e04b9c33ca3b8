// Trains a TRM on generated side×side mazes (shortest path from S to G) for a fixed time budget and reports
// held-out exact accuracy (every cell of the maze right, i.e. the whole path).
//   node maze.mjs [--side 9] [--minutes 5] [--preset SUDOKU4_CPU] [--seed 0] [--eval-every 60] [--threads N]
//                 [--train 5000] [--test 1000] [--min-path 0] [--loops 0] [--eval-puzzles N]
//                 [--set key=value ...]   (overrides of the training preset, e.g. --set lr=0.001)
//                 [--save DIR]
// The mazes come from mazeTask.build of @trm-ts/data ({ seed: 1000 + seed, side, train, test, minPathLength,
// loopFraction }): distinct generated mazes, the first `train` for training and the next `test` held out.
// --save DIR: at the end, writes DIR/model.safetensors (the evaluated weights — EMA when on — in the official
// layout, TrmConfig in its metadata) and DIR/model.json (model config, training preset, data, command, result).
// Prints progress lines and, as its last line, one JSON object with exact_accuracy (held-out test split),
// train_seconds (time in training steps only, evaluations excluded), steps, backend and the curve.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend, useWasmThreadsBackend } from '@trm-ts/backend-wasm/node';
import { Trainer, evaluate, modelToSafetensors, TRAIN_PRESETS } from '@trm-ts/core';
import { mazeTask } from '@trm-ts/data';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const side = Number(opt('side', 9));
const minutes = Number(opt('minutes', 5));
const presetName = opt('preset', 'SUDOKU4_CPU');
const seed = Number(opt('seed', 0));
const evalEvery = Number(opt('eval-every', 60));
const threads = opt('threads');
const saveDir = opt('save');
const data = { seed: 1000 + seed, side, train: Number(opt('train', 5000)), test: Number(opt('test', 1000)), minPathLength: Number(opt('min-path', 0)), loopFraction: Number(opt('loops', 0)) };
const evalPuzzles = opt('eval-puzzles') === undefined ? Infinity : Number(opt('eval-puzzles'));
if (!(evalPuzzles > 0 && (evalPuzzles === Infinity || evalPuzzles % 250 === 0))) throw new Error(`--eval-puzzles: expected a positive multiple of 250, got '${opt('eval-puzzles')}'`);
const preset = TRAIN_PRESETS[presetName];
if (!preset) throw new Error(`--preset: expected one of ${Object.keys(TRAIN_PRESETS).join(', ')}, got '${presetName}'`);

const info = threads ? await useWasmThreadsBackend({ numThreads: Number(threads) }) : await useWasmBackend();
const t0 = performance.now();
const splits = await mazeTask.build(data);
const dataSeconds = (performance.now() - t0) / 1000;
const config = structuredClone(preset);
config.seed = seed;
for (let i = 0; i < args.length; i++) {
  if (args[i] !== '--set') continue;
  const [k, v] = args[i + 1].split('=');
  const path = k.split('.');
  let o = config;
  for (const p of path.slice(0, -1)) o = o[p] ??= {};
  o[path.at(-1)] = v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v);
}
config.model = { ...config.model, seqLen: splits.train.seqLen, vocabSize: splits.train.vocabSize, numPuzzleIdentifiers: splits.train.numPuzzleIdentifiers };
const source = splits.train.batches({ batchSize: config.globalBatchSize, seed, epochs: Infinity });
const trainer = new Trainer(config, source);
console.log(`backend ${info.backend} (${JSON.stringify(info.details)}); data ${dataSeconds.toFixed(1)} s: ${JSON.stringify(data)}: train ${splits.train.numExamples} examples, test ${splits.test.numExamples}`);
console.log(`preset ${presetName}: ${JSON.stringify(config)}`);

function* firstBatches(it, count) {
  let i = 0;
  for (const b of it) {
    if (i++ >= count) return;
    yield b;
  }
}
const testEval = (final) => trainer.withEvalWeights((net) =>
  evaluate(net, firstBatches(splits.test.batches({ batchSize: 250 }), final ? Infinity : evalPuzzles / 250),
    { latentInit: trainer.config.latentInit, initScale: trainer.config.initScale ?? undefined, seed }));
const budget = minutes * 60;
const curve = [];
let nextEval = evalEvery;
let last = null;
let m;
for (;;) { // ends at the time budget or at totalSteps
  m = await trainer.trainStep();
  const done = m.seconds >= budget || trainer.step >= trainer.config.totalSteps;
  if (m.seconds >= nextEval || done) {
    const e = await testEval(done);
    curve.push({ train_seconds: +m.seconds.toFixed(1), step: m.step, exact_accuracy: e.exactAccuracy, accuracy: +e.accuracy.toFixed(4), test_puzzles: e.count });
    console.log(`[${m.seconds.toFixed(0)} s] step ${m.step}: train loss ${m.loss.toFixed(3)} (halted-row exact ${m.exactAccuracy.toFixed(2)}, steps ${m.meanSteps.toFixed(1)}) | test (${e.count}) exact ${(100 * e.exactAccuracy).toFixed(1)}%, cells ${(100 * e.accuracy).toFixed(2)}%`);
    last = e;
    nextEval += evalEvery;
  }
  if (done) break;
}
const result = {
  task: `maze${side}`, preset: presetName, seed, data, exact_accuracy: last.exactAccuracy, accuracy: last.accuracy, test_puzzles: last.count,
  train_seconds: +m.seconds.toFixed(1), steps: trainer.step, backend: tf.getBackend(), threads: threads ? Number(threads) : 1, curve,
};
if (saveDir) {
  mkdirSync(saveDir, { recursive: true });
  const bytes = await modelToSafetensors(trainer.network, trainer.ema ? trainer.ema.averages : trainer.network.vars);
  writeFileSync(join(saveDir, 'model.safetensors'), bytes);
  const { curve: _curve, ...summary } = result;
  const meta = { model: trainer.network.config, train: config, data, command: `node examples/learn/maze.mjs ${args.join(' ')}`, result: summary };
  writeFileSync(join(saveDir, 'model.json'), `${JSON.stringify(meta, null, 2)}\n`);
  console.log(`saved ${join(saveDir, 'model.safetensors')} (${bytes.length} bytes) and model.json`);
}
trainer.dispose();
console.log(JSON.stringify(result));
