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
import * as tf from '@tensorflow/tfjs-core';
import { Trainer } from '@trm-ts/core';
import { mazeTask } from '@trm-ts/data';
import { args, evalPuzzlesOption, opt, presetConfig, saveModel, startBackend, trainForTime } from './run.mjs';

const side = Number(opt('side', 9));
const minutes = Number(opt('minutes', 5));
const presetName = opt('preset', 'SUDOKU4_CPU');
const seed = Number(opt('seed', 0));
const evalEvery = Number(opt('eval-every', 60));
const threads = opt('threads');
const saveDir = opt('save');
const data = { seed: 1000 + seed, side, train: Number(opt('train', 5000)), test: Number(opt('test', 1000)), minPathLength: Number(opt('min-path', 0)), loopFraction: Number(opt('loops', 0)) };
const evalPuzzles = evalPuzzlesOption();
const config = presetConfig(presetName, seed);

const info = await startBackend(threads);
const t0 = performance.now();
const splits = await mazeTask.build(data);
const dataSeconds = (performance.now() - t0) / 1000;
config.model = { ...config.model, seqLen: splits.train.seqLen, vocabSize: splits.train.vocabSize, numPuzzleIdentifiers: splits.train.numPuzzleIdentifiers };
const source = splits.train.batches({ batchSize: config.globalBatchSize, seed, epochs: Infinity });
const trainer = new Trainer(config, source);
console.log(`backend ${info.backend} (${JSON.stringify(info.details)}); data ${dataSeconds.toFixed(1)} s: ${JSON.stringify(data)}: train ${splits.train.numExamples} examples, test ${splits.test.numExamples}`);
console.log(`preset ${presetName}: ${JSON.stringify(config)}`);

const { curve, last, m } = await trainForTime(trainer, splits.test, {
  minutes, evalEvery, evalPuzzles, seed,
  line: (m, e) => `[${m.seconds.toFixed(0)} s] step ${m.step}: train loss ${m.loss.toFixed(3)} (halted-row exact ${m.exactAccuracy.toFixed(2)}, steps ${m.meanSteps.toFixed(1)}) | test (${e.count}) exact ${(100 * e.exactAccuracy).toFixed(1)}%, cells ${(100 * e.accuracy).toFixed(2)}%`,
});
const result = {
  task: `maze${side}`, preset: presetName, seed, data, exact_accuracy: last.exactAccuracy, accuracy: last.accuracy, test_puzzles: last.count,
  train_seconds: +m.seconds.toFixed(1), steps: trainer.step, backend: tf.getBackend(), threads: threads ? Number(threads) : 1, curve,
};
if (saveDir) await saveModel(saveDir, trainer, { train: config, data, command: `node examples/learn/maze.mjs ${args.join(' ')}` }, result);
trainer.dispose();
console.log(JSON.stringify(result));
