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
import * as tf from '@tensorflow/tfjs-core';
import { Trainer } from '@trm-ts/core';
import { sudokuSplits } from '@trm-ts/data';
import { args, evalPuzzlesOption, opt, presetConfig, saveModel, startBackend, trainForTime } from './run.mjs';

const n = Number(opt('n', 4));
const minutes = Number(opt('minutes', n === 4 ? 5 : 30));
const presetName = opt('preset', n === 4 ? 'SUDOKU4_CPU' : 'SUDOKU6_CPU');
const seed = Number(opt('seed', 0));
const evalEvery = Number(opt('eval-every', n === 4 ? 20 : 120));
const threads = opt('threads');
const saveDir = opt('save');
const evalPuzzles = evalPuzzlesOption();
const config = presetConfig(presetName, seed);

const info = await startBackend(threads);
const t0 = performance.now();
const splits = sudokuSplits({ n, seed: 1000 + seed, train: 2000, val: 256, test: 1000 });
const dataSeconds = (performance.now() - t0) / 1000;
config.model = { ...config.model, seqLen: splits.train.seqLen, vocabSize: splits.train.vocabSize, numPuzzleIdentifiers: splits.train.numPuzzleIdentifiers };
const source = splits.train.batches({ batchSize: config.globalBatchSize, seed, epochs: Infinity });
const trainer = new Trainer(config, source);
console.log(`backend ${info.backend} (${JSON.stringify(info.details)}); data ${dataSeconds.toFixed(1)} s: train ${splits.train.numExamples} examples, test ${splits.test.numExamples}, classes ${JSON.stringify(splits.info.classes)}, mean clues test ${splits.info.meanClues.test.toFixed(1)}`);
console.log(`preset ${presetName}: ${JSON.stringify(config)}`);

const { curve, last, m } = await trainForTime(trainer, splits.test, {
  minutes, evalEvery, evalPuzzles, seed,
  line: (m, e) => `[${m.seconds.toFixed(0)} s] step ${m.step}: train loss ${m.loss.toFixed(3)} (halted-row exact ${m.exactAccuracy.toFixed(2)}, steps ${m.meanSteps.toFixed(1)}, n ${m.latentSteps} T ${m.recursions}) | test (${e.count}) exact ${(100 * e.exactAccuracy).toFixed(1)}%, cells ${(100 * e.accuracy).toFixed(1)}%`,
});
const result = {
  task: `sudoku${n}`, preset: presetName, seed, exact_accuracy: last.exactAccuracy, accuracy: last.accuracy, test_puzzles: last.count,
  train_seconds: +m.seconds.toFixed(1), steps: trainer.step, backend: tf.getBackend(), threads: threads ? Number(threads) : 1,
  first_99: curve.find((c) => c.exact_accuracy >= 0.99) ?? null, curve,
};
if (saveDir) await saveModel(saveDir, trainer, { train: config, command: `node examples/learn/sudoku.mjs ${args.join(' ')}` }, result);
trainer.dispose();
console.log(JSON.stringify(result));
