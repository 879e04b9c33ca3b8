// `pnpm bench [--json] [--backend wasm|wasm-threads[:N]|cpu] [--config NAME] [--micro N] [--reps N] [--no-remat] [--copying-kernels]`
// --no-remat: the taped recursion is not rematerialised (TrainConfig.rematerialize = false).
// --copying-kernels: tfjs-backend-wasm's own copying Identity / Cast kernels instead of @trm-ts/backend-wasm's
// zero-copy ones (an A/B switch for docs/benchmarks.md).
// Times one TRM supervision step per named config: train_step_s = forward + backward of one supervision step
// (T−1 recursions untaped, the last taped) + an AdamW update; eval_step_s = one supervision step without
// gradient. Each config runs in its own child process so that its peak RSS is its own.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { restoreCopyingKernels, useWasmBackend, useWasmThreadsBackend } from '@trm-ts/backend-wasm/node';
import { TrmNetwork, batchTensors, evalStep, gradStep, disposeGradStep, Rng, AdamW } from '@trm-ts/core';

const BASE = { numLayers: 2, recursions: 3, latentSteps: 6, expansion: 4, puzzleEmbLen: 16, numPuzzleIdentifiers: 1 };
export const CONFIGS = {
  'sudoku4-mlp-h64': { model: { ...BASE, seqLen: 16, vocabSize: 6, hiddenSize: 64, puzzleEmbDim: 64 }, batch: 256, micro: 64 },
  'sudoku9-mlp-h128': { model: { ...BASE, seqLen: 81, vocabSize: 11, hiddenSize: 128, puzzleEmbDim: 128 }, batch: 64, micro: 32 },
  'sudoku9-mlp-h512': { model: { ...BASE, seqLen: 81, vocabSize: 11, hiddenSize: 512, puzzleEmbDim: 512 }, batch: 16, micro: 8 },
  // The 4×4 experiment models of ALGORITHM §11.4 (D 64) and of trm-eval's CPU30_SCALE (D 32): one puzzle slot, n 4, T 2.
  'sudoku4-cpu-d64': { model: { ...BASE, seqLen: 16, vocabSize: 6, hiddenSize: 64, puzzleEmbDim: 64, puzzleEmbLen: 1, latentSteps: 4, recursions: 2 }, batch: 64, micro: 64 },
  'sudoku4-cpu-d32': { model: { ...BASE, seqLen: 16, vocabSize: 6, hiddenSize: 32, puzzleEmbDim: 32, puzzleEmbLen: 1, latentSteps: 4, recursions: 2 }, batch: 64, micro: 64 },
  'maze15-att-h128': {
    model: { ...BASE, seqLen: 225, vocabSize: 6, hiddenSize: 128, puzzleEmbDim: 128, mixer: 'attention', posEncodings: 'rope', latentSteps: 4 },
    batch: 32, micro: 16,
  },
};
// The official PyTorch code on a 2-core machine, fp32, OpenBLAS (issue #2): train / eval seconds per step.
export const PYTORCH = {
  'sudoku4-mlp-h64': [3.7, 1.99], 'sudoku9-mlp-h128': [5.41, 3.71], 'sudoku9-mlp-h512': ['6.6–7.4', '4.9–7.1'], 'maze15-att-h128': [5.29, 9.86],
};

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const json = args.includes('--json');
const backend = opt('backend', 'wasm');
const reps = Number(opt('reps', 3));
const remat = !args.includes('--no-remat');
const copying = args.includes('--copying-kernels');

async function runOne(name) {
  const cfg = CONFIGS[name];
  if (!cfg) throw new Error(`bench: unknown config '${name}'. Valid: ${Object.keys(CONFIGS).join(', ')}`);
  let threads = 1;
  if (backend === 'wasm') await useWasmBackend();
  else if (backend.startsWith('wasm-threads')) {
    threads = Number(backend.split(':')[1] ?? 2);
    await useWasmThreadsBackend({ numThreads: threads });
  } else await tf.setBackend(backend);
  if (copying) restoreCopyingKernels();
  const micro = Number(opt('micro', cfg.micro));
  const net = new TrmNetwork(cfg.model, { seed: 1 });
  const rng = new Rng(2);
  const B = cfg.batch;
  const L = cfg.model.seqLen;
  const inputs = new Int32Array(B * L).map(() => rng.int(1, cfg.model.vocabSize - 1));
  const labels = new Int32Array(B * L).map(() => rng.int(1, cfg.model.vocabSize - 1));
  const batch = batchTensors(net, { batchSize: B, seqLen: L, inputs, labels, puzzleIds: new Int32Array(B) });
  const params = Object.fromEntries(net.specs.filter((s) => s.kind === 'param').map((s) => [s.key, net.v(s.key)]));
  const opt_ = new AdamW(params, { weightDecay: 0.1 });
  let latents = net.initialLatents(B);

  const trainStep = async () => {
    const g = await gradStep(net, batch, latents, { lossScale: 1 / B, microBatch: micro, rematerialize: remat });
    opt_.apply(Object.fromEntries(g.grads), 1e-4);
    await g.y.data(); // wait for the device
    await net.v('lm_head.weight').data();
    tf.dispose([latents.y, latents.z]);
    latents = { y: tf.clone(g.y), z: tf.clone(g.z) };
    disposeGradStep(g);
  };
  const evalOnce = async () => {
    const o = evalStep(net, batch, latents);
    await o.logits.data();
    tf.dispose([o.y, o.z, o.logits, o.qHalt, o.qContinue]);
  };
  const time = async (fn) => {
    await fn(); // warm-up (kernel compilation, allocations)
    const ts = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await fn();
      ts.push((performance.now() - t0) / 1000);
    }
    ts.sort((a, b) => a - b);
    return ts[Math.floor(ts.length / 2)];
  };
  const train = await time(trainStep);
  const evalS = await time(evalOnce);
  const result = {
    config: name, backend: backend === 'wasm' || backend === 'cpu' ? tf.getBackend() : backend, threads, batch_size: B, micro_batch: micro, train_step_s: +train.toFixed(3), eval_step_s: +evalS.toFixed(3),
    params: net.numParams(), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), reps, rematerialize: remat, zero_copy_kernels: !copying,
  };
  opt_.dispose();
  tf.dispose([latents.y, latents.z, batch.inputs, batch.labels, batch.puzzleIds]);
  net.dispose();
  return result;
}

const only = opt('config');
if (only && args.includes('--child')) {
  console.log(JSON.stringify(await runOne(only)));
} else {
  const names = only ? [only] : Object.keys(CONFIGS);
  const rows = [];
  for (const name of names) {
    const childArgs = [fileURLToPath(import.meta.url), '--child', '--config', name, '--backend', backend, '--reps', String(reps)];
    if (opt('micro')) childArgs.push('--micro', opt('micro'));
    if (!remat) childArgs.push('--no-remat');
    if (copying) childArgs.push('--copying-kernels');
    const r = spawnSync(process.execPath, childArgs, { encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
    if (r.status !== 0 || !line) {
      const err = { config: name, backend, error: (r.stderr || '').trim().split('\n').slice(-3).join(' | ') };
      rows.push(err);
      if (json) console.log(JSON.stringify(err));
      continue;
    }
    const res = JSON.parse(line);
    rows.push(res);
    if (json) console.log(line);
  }
  if (!json) {
    console.log('| config | backend | batch (micro) | train step s | eval step s | PyTorch train / eval s | peak RSS MB |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of rows) {
      if (r.error) console.log(`| ${r.config} | ${r.backend} | failed: ${r.error} |||||`);
      else console.log(`| ${r.config} | ${r.backend} | ${r.batch_size} (${r.micro_batch}) | ${r.train_step_s} | ${r.eval_step_s} | ${PYTORCH[r.config]?.join(' / ') ?? '—'} | ${r.peak_rss_mb} |`);
    }
  }
}
