// Trains a TRM on generated n×n sudoku for a fixed time budget and reports held-out exact accuracy.
//   node sudoku.mjs [--n 4|6] [--minutes 5] [--preset NAME] [--seed 0] [--eval-every 30] [--threads N]
//                   [--eval-puzzles N] [--set key=value ...]   (overrides of the training preset, e.g. --set lr=0.001)
//                   [--save DIR]
// --save DIR: at the end, writes DIR/model.safetensors (the evaluated weights — EMA when on — in the official
// layout, TrmConfig in its metadata) and DIR/model.json (model config, training preset, command, final result).
// --eval-puzzles N: the evaluations during training use the first N test puzzles (a multiple of 250; default all);
// the final evaluation always uses the whole test split.
// Prints progress lines and, as its last line, one JSON object with exact_accuracy (held-out test split),
// train_seconds (time in training steps only, evaluations excluded), steps, backend and the curve.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend, useWasmThreadsBackend } from '@trm-ts/backend-wasm/node';
import { Trainer, evaluate, modelToSafetensors, TRAIN_PRESETS } from '@trm-ts/core';
import { sudokuSplits } from '@trm-ts/data';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const n = Number(opt('n', 4));
const minutes = Number(opt('minutes', n === 4 ? 5 : 30));
const presetName = opt('preset', n === 4 ? 'SUDOKU4_CPU' : 'SUDOKU6_CPU');
const seed = Number(opt('seed', 0));
const evalEvery = Number(opt('eval-every', n === 4 ? 20 : 120));
const threads = opt('threads');
const saveDir = opt('save');
const evalPuzzles = opt('eval-puzzles') === undefined ? Infinity : Number(opt('eval-puzzles'));
if (!(evalPuzzles > 0 && (evalPuzzles === Infinity || evalPuzzles % 250 === 0))) throw new Error(`--eval-puzzles: expected a positive multiple of 250, got '${opt('eval-puzzles')}'`);
const preset = TRAIN_PRESETS[presetName];
if (!preset) throw new Error(`--preset: expected one of ${Object.keys(TRAIN_PRESETS).join(', ')}, got '${presetName}'`);

const info = threads ? await useWasmThreadsBackend({ numThreads: Number(threads) }) : await useWasmBackend();
const t0 = performance.now();
const splits = sudokuSplits({ n, seed: 1000 + seed, train: 2000, val: 256, test: 1000 });
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
console.log(`backend ${info.backend} (${JSON.stringify(info.details)}); data ${dataSeconds.toFixed(1)} s: train ${splits.train.numExamples} examples, test ${splits.test.numExamples}, classes ${JSON.stringify(splits.info.classes)}, mean clues test ${splits.info.meanClues.test.toFixed(1)}`);
console.log(`preset ${presetName}: ${JSON.stringify(config)}`);

function* firstBatches(it, count) {
  let i = 0;
  for (const b of it) {
    if (i++ >= count) return;
    yield b;
  }
}
// Test-time init as in training (§8.3): random draws for 'random', zeros for 'mixed' / 'zeros'.
const testEval = (final) => trainer.withEvalWeights((net) =>
  evaluate(net, firstBatches(splits.test.batches({ batchSize: 250 }), final ? Infinity : evalPuzzles / 250),
    { latentInit: trainer.config.latentInit, initScale: trainer.config.initScale ?? undefined, seed }));
const budget = minutes * 60;
const curve = [];
let nextEval = evalEvery;
let last = null;
let m;
for (;;) { // ends at the time budget or at totalSteps (`done`)
  m = await trainer.trainStep();
  const done = m.seconds >= budget || trainer.step >= trainer.config.totalSteps;
  if (m.seconds >= nextEval || done) {
    const e = await testEval(done);
    curve.push({ train_seconds: +m.seconds.toFixed(1), step: m.step, exact_accuracy: e.exactAccuracy, accuracy: +e.accuracy.toFixed(4), test_puzzles: e.count });
    console.log(`[${m.seconds.toFixed(0)} s] step ${m.step}: train loss ${m.loss.toFixed(3)} (halted-row exact ${m.exactAccuracy.toFixed(2)}, steps ${m.meanSteps.toFixed(1)}, n ${m.latentSteps} T ${m.recursions}) | test (${e.count}) exact ${(100 * e.exactAccuracy).toFixed(1)}%, cells ${(100 * e.accuracy).toFixed(1)}%`);
    last = e;
    nextEval += evalEvery;
  }
  if (done) break;
}
const result = {
  task: `sudoku${n}`, preset: presetName, seed, exact_accuracy: last.exactAccuracy, accuracy: last.accuracy, test_puzzles: last.count,
  train_seconds: +m.seconds.toFixed(1), steps: trainer.step, backend: tf.getBackend(), threads: threads ? Number(threads) : 1,
  first_99: curve.find((c) => c.exact_accuracy >= 0.99) ?? null, curve,
};
if (saveDir) {
  mkdirSync(saveDir, { recursive: true });
  const bytes = await modelToSafetensors(trainer.network, trainer.ema ? trainer.ema.averages : trainer.network.vars);
  writeFileSync(join(saveDir, 'model.safetensors'), bytes);
  const { curve: _curve, ...summary } = result;
  const meta = { model: trainer.network.config, train: config, command: `node examples/learn/sudoku.mjs ${args.join(' ')}`, result: summary };
  writeFileSync(join(saveDir, 'model.json'), `${JSON.stringify(meta, null, 2)}\n`);
  console.log(`saved ${join(saveDir, 'model.safetensors')} (${bytes.length} bytes) and model.json`);
}
trainer.dispose();
console.log(JSON.stringify(result));
