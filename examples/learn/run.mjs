// The parts examples/learn/sudoku.mjs and maze.mjs share: flags, the preset with --set overrides, the
// time-budgeted training loop with periodic held-out evaluations, and --save.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, modelToSafetensors, TRAIN_PRESETS } from '@trm-ts/core';
import { useWasmBackend, useWasmThreadsBackend } from '@trm-ts/backend-wasm/node';

export const args = process.argv.slice(2);

/** The value after `--name`, or `dflt`. */
export function opt(name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
}

/** --eval-puzzles: a positive multiple of 250 (the evaluation batch), default all. */
export function evalPuzzlesOption() {
  const evalPuzzles = opt('eval-puzzles') === undefined ? Infinity : Number(opt('eval-puzzles'));
  if (!(evalPuzzles > 0 && (evalPuzzles === Infinity || evalPuzzles % 250 === 0))) throw new Error(`--eval-puzzles: expected a positive multiple of 250, got '${opt('eval-puzzles')}'`);
  return evalPuzzles;
}

/** A copy of the named training preset with `seed` and every `--set key=value` applied (dotted keys reach into objects). */
export function presetConfig(presetName, seed) {
  const preset = TRAIN_PRESETS[presetName];
  if (!preset) throw new Error(`--preset: expected one of ${Object.keys(TRAIN_PRESETS).join(', ')}, got '${presetName}'`);
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
  return config;
}

/** wasm, threaded when `threads` is given. */
export function startBackend(threads) {
  return threads ? useWasmThreadsBackend({ numThreads: Number(threads) }) : useWasmBackend();
}

function* firstBatches(it, count) {
  let i = 0;
  for (const b of it) {
    if (i++ >= count) return;
    yield b;
  }
}

/**
 * Trains until `minutes` of training time (evaluations excluded) or totalSteps, evaluating on the test split every
 * `evalEvery` training seconds (on its first `evalPuzzles` puzzles) and at the end (on all of it); test-time init as
 * in training (§8.3). `line(m, e)` formats each progress line. Returns the curve, the last evaluation and the last
 * step's metrics.
 */
export async function trainForTime(trainer, test, { minutes, evalEvery, evalPuzzles, seed, line }) {
  const testEval = (final) => trainer.withEvalWeights((net) =>
    evaluate(net, firstBatches(test.batches({ batchSize: 250 }), final ? Infinity : evalPuzzles / 250),
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
      console.log(line(m, e));
      last = e;
      nextEval += evalEvery;
    }
    if (done) break;
  }
  return { curve, last, m };
}

/**
 * --save DIR: DIR/model.safetensors (the evaluated weights — EMA when on — in the official layout, TrmConfig in
 * its metadata) and DIR/model.json (`meta` with the model config first and the result without its curve).
 */
export async function saveModel(saveDir, trainer, meta, result) {
  mkdirSync(saveDir, { recursive: true });
  const bytes = await modelToSafetensors(trainer.network, trainer.ema ? trainer.ema.averages : trainer.network.vars);
  writeFileSync(join(saveDir, 'model.safetensors'), bytes);
  const { curve: _curve, ...summary } = result;
  writeFileSync(join(saveDir, 'model.json'), `${JSON.stringify({ model: trainer.network.config, ...meta, result: summary }, null, 2)}\n`);
  console.log(`saved ${join(saveDir, 'model.safetensors')} (${bytes.length} bytes) and model.json`);
}
