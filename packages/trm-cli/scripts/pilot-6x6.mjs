// Pilot of the 6×6 experiment scale (issue 14): trains ONE model (static init, seed 1) of the candidate scale and
// logs its validation curve and the seconds per training step, to size the stopping rule and project the full
// experiments' wall time. It keeps training past the plateau (to a step or time cap) so that stopping rules can
// be compared afterwards on the logged curve.
//   node packages/trm-cli/scripts/pilot-6x6.mjs [--hidden 64] [--lr 0.003] [--warmup 50] [--ema 0.99]
//        [--eval-interval 50] [--val-steps 16] [--cap 3000] [--minutes 80] [--out /work/runs/pilot6.json]
// Prints one JSON line per validation; writes the whole record to --out at every validation.
import { writeFileSync } from 'node:fs';
import { useWasmBackend } from '@trm-ts/backend-wasm/node';
import { Trainer } from '@trm-ts/core';
import { sudokuSplits } from '@trm-ts/data';
import { runSweep } from '@trm-ts/eval';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const outPath = args.includes('--out') ? args[args.indexOf('--out') + 1] : '/work/runs/pilot6.json';
const D = opt('hidden', 64);
const cfg = {
  hidden: D, lr: opt('lr', 3e-3), warmup: opt('warmup', 50), ema: opt('ema', 0.99), evalInterval: opt('eval-interval', 50),
  valSteps: opt('val-steps', 16), cap: opt('cap', 3000), minutes: opt('minutes', 80), seed: opt('seed', 1),
};
const info = await useWasmBackend();
const t0 = performance.now();
const splits = sudokuSplits({ n: 6, seed: 42, train: 2000, val: 256, test: 1000, augmentations: 8 });
const dataSeconds = (performance.now() - t0) / 1000;
const config = {
  model: {
    mixer: 'mlp', posEncodings: 'none', numLayers: 2, puzzleEmbLen: 1, lossType: 'softmax', hiddenSize: D, puzzleEmbDim: D,
    latentSteps: 4, recursions: 2, supervisionSteps: 8,
    seqLen: splits.train.seqLen, vocabSize: splits.train.vocabSize, numPuzzleIdentifiers: splits.train.numPuzzleIdentifiers,
  },
  loop: 'batch', lossNorm: 'alive', explorationDraw: 'perSample', optimizer: 'adamAtan2', weightDecay: 0.1, gradClipNorm: 1, ema: true,
  globalBatchSize: 64, totalSteps: cfg.cap, lr: cfg.lr, lrWarmupSteps: cfg.warmup, emaRate: cfg.ema, rematerialize: false,
  latentInit: 'static', seed: cfg.seed,
};
const trainer = new Trainer(config, splits.train.batches({ batchSize: 64, seed: cfg.seed, epochs: Infinity }));
const record = { command: `node packages/trm-cli/scripts/pilot-6x6.mjs ${args.join(' ')}`, backend: info, cfg, dataSeconds, classes: splits.info.classes, curve: [] };
console.log(JSON.stringify({ ...record, curve: undefined }));
let trainSeconds = 0;
let valSeconds = 0;
let tStep = performance.now();
const start = performance.now();
for (;;) {
  const m = await trainer.trainStep();
  if (m.step % cfg.evalInterval === 0 || m.step >= cfg.cap) {
    trainSeconds += (performance.now() - tStep) / 1000;
    const tv = performance.now();
    const r = await trainer.withEvalWeights((net) => runSweep(net, splits.val.batches({ batchSize: 128 }), { steps: cfg.valSteps, record: [8, cfg.valSteps], init: 'static', seed: 1000 + cfg.seed, readouts: ['single'] }));
    const v = (performance.now() - tv) / 1000;
    valSeconds += v;
    const c = r.sweep.curves.single.solved[0];
    const point = { step: m.step, val8: c[0], val: c[1], loss: +m.loss.toFixed(4), trainSeconds: +trainSeconds.toFixed(1), secondsPerStep: +(trainSeconds / m.step).toFixed(3), valSeconds: +v.toFixed(1), wallMinutes: +((performance.now() - start) / 60000).toFixed(2) };
    record.curve.push(point);
    console.log(JSON.stringify(point));
    writeFileSync(outPath, JSON.stringify(record, null, 1));
    tStep = performance.now();
    if (m.step >= cfg.cap || (performance.now() - start) / 60000 >= cfg.minutes) break;
  }
}
trainer.dispose();
console.log('done');
