// `pnpm bench [--json] [--backend wasm|wasm-threads[:N]|cpu] [--config NAME] [--micro N] [--reps N] [--no-remat] [--copying-kernels] [--original-slice] [--models K] [--stack-matmuls auto|batched|split]`
// --models K: also time K models of the config trained as one stack (@trm-ts/core StackedNetwork + stackedGradStep
// + one AdamW over the stacked weights, no micro-batching), reported as model-steps per second next to the single
// model's (train_model_steps_per_s, stacked_speedup = stacked rate / single rate), and K models evaluated as one.
// Kernels per step are counted with tf.profile (its `kernels` list: every kernel the engine ran, in an untimed
// extra step); matmul_gflops = 2·M·K·N summed over the step's BatchMatMul kernels / step seconds (elementwise
// ops not counted).
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
import { restoreCopyingKernels, restoreOriginalSlice, useWasmBackend, useWasmThreadsBackend } from '@trm-ts/backend-wasm';
import { TrmNetwork, StackedNetwork, setStackMatmuls, batchTensors, evalStep, gradStep, disposeGradStep, stackedGradStep, stackedEvalStep, Rng, AdamW } from '@trm-ts/core';

const BASE = { numLayers: 2, recursions: 3, latentSteps: 6, expansion: 4, puzzleEmbLen: 16, numPuzzleIdentifiers: 1 };
export const CONFIGS = {
  'sudoku4-mlp-h64': { model: { ...BASE, seqLen: 16, vocabSize: 6, hiddenSize: 64, puzzleEmbDim: 64 }, batch: 256, micro: 64 },
  'sudoku9-mlp-h128': { model: { ...BASE, seqLen: 81, vocabSize: 11, hiddenSize: 128, puzzleEmbDim: 128 }, batch: 64, micro: 32 },
  'sudoku9-mlp-h512': { model: { ...BASE, seqLen: 81, vocabSize: 11, hiddenSize: 512, puzzleEmbDim: 512 }, batch: 16, micro: 8 },
  // The 4×4 experiment models of ALGORITHM §11.4 (D 64) and of trm-eval's CPU30_SCALE (D 32): one puzzle slot, n 4, T 2.
  'sudoku4-cpu-d64': { model: { ...BASE, seqLen: 16, vocabSize: 6, hiddenSize: 64, puzzleEmbDim: 64, puzzleEmbLen: 1, latentSteps: 4, recursions: 2 }, batch: 64, micro: 64 },
  'sudoku4-cpu-d32': { model: { ...BASE, seqLen: 16, vocabSize: 6, hiddenSize: 32, puzzleEmbDim: 32, puzzleEmbLen: 1, latentSteps: 4, recursions: 2 }, batch: 64, micro: 64 },
  // The 6×6 experiment models (ALGORITHM §11.4 at 6×6; ../shared/reference/bench.py has the same shapes): one puzzle slot, n 4, T 2.
  'sudoku6-cpu-d128': { model: { ...BASE, seqLen: 36, vocabSize: 8, hiddenSize: 128, puzzleEmbDim: 128, puzzleEmbLen: 1, latentSteps: 4, recursions: 2 }, batch: 64, micro: 64 },
  'sudoku6-cpu-d64': { model: { ...BASE, seqLen: 36, vocabSize: 8, hiddenSize: 64, puzzleEmbDim: 64, puzzleEmbLen: 1, latentSteps: 4, recursions: 2 }, batch: 64, micro: 64 },
  'maze15-att-h128': {
    model: { ...BASE, seqLen: 225, vocabSize: 6, hiddenSize: 128, puzzleEmbDim: 128, mixer: 'attention', posEncodings: 'rope', latentSteps: 4 },
    batch: 32, micro: 16,
  },
};
// The official PyTorch code on an idle 2-core machine (torch 2 threads, best of two OpenBLAS settings), train / eval
// seconds per step, as quoted in issue 15 (measured there with ../shared/reference/side_by_side.sh; not re-measured here).
export const PYTORCH = {
  'sudoku4-cpu-d32': [0.16, 0.059], 'sudoku4-cpu-d64': [0.347, 0.108], 'sudoku4-mlp-h64': [2.419, 1.189],
  'sudoku9-mlp-h128': [5.02, 2.767], 'sudoku9-mlp-h512': [7.383, 4.078], 'maze15-att-h128': [4.69, 2.501],
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
// --original-slice: tfjs-backend-wasm's own Slice / SplitV (copy the whole input per call) instead of @trm-ts/backend-wasm's.
const originalSlice = args.includes('--original-slice');
const models = Number(opt('models', 0));
// --stack-matmuls auto|batched|split: how the stack multiplies (default auto: per model on wasm, batched elsewhere).
const stackMatmuls = opt('stack-matmuls', 'auto');

/** Kernels of one call of `fn` (tf.profile) and its matmul FLOPs from the BatchMatMul input shapes. */
async function countKernels(fn) {
  const info = await tf.profile(fn);
  let flops = 0;
  for (const k of info.kernels) {
    if (k.name !== 'BatchMatMul' && k.name !== '_FusedMatMul') continue;
    const [a, b] = k.inputShapes;
    const batch = a.slice(0, -2).reduce((x, y) => x * y, 1);
    flops += 2 * batch * a[a.length - 2] * a[a.length - 1] * b[b.length - 1];
  }
  return { kernels: info.kernels.length, flops };
}

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

/** K models of `cfg` as one stack: seconds per stacked train step (gradient step + AdamW) and eval step. */
async function runStacked(cfg, K) {
  setStackMatmuls(stackMatmuls);
  const nets = Array.from({ length: K }, (_, k) => new TrmNetwork(cfg.model, { seed: 1 + k }));
  const net = new StackedNetwork(nets);
  for (const n of nets) n.dispose();
  const rng = new Rng(3);
  const B = cfg.batch;
  const L = cfg.model.seqLen;
  const c = net.config;
  const all = [...Array(K).keys()];
  const batch = {
    inputs: tf.tensor3d(new Int32Array(K * B * L).map(() => rng.int(1, c.vocabSize - 1)), [K, B, L], 'int32'),
    labels: tf.tensor3d(new Int32Array(K * B * L).map(() => rng.int(1, c.vocabSize - 1)), [K, B, L], 'int32'),
    flatPuzzleIds: tf.tensor1d(net.flatPuzzleIds(all, all.map(() => new Int32Array(B))), 'int32'),
  };
  const params = Object.fromEntries(net.paramSpecs().map((s) => [s.key, net.v(s.key)]));
  const adam = new AdamW(params, { weightDecay: 0.1 });
  let latents = tf.tidy(() => {
    const per = all.map((k) => net.initialLatents(k, B));
    return { y: tf.stack(per.map((l) => l.y)), z: tf.stack(per.map((l) => l.z)) };
  });
  const gradOpts = { n: c.latentSteps, untaped: c.recursions - 1, taped: 1, lossScale: new Float32Array(K).fill(1 / B), rowWeights: new Float32Array(K * B).fill(1), qLossWeight: 1, rematerialize: remat };
  const trainStep = async () => {
    const g = await stackedGradStep(net, all, batch, latents, gradOpts);
    adam.apply(g.grads, 1e-4);
    await g.y.data();
    await net.v('lm_head.weight').data();
    tf.dispose([latents.y, latents.z]);
    latents = { y: tf.clone(g.y), z: tf.clone(g.z) };
    tf.dispose([g.y, g.z, g.logits, g.qHalt, g.qContinue, ...Object.values(g.grads), ...(g.puzzleRowGrad ? [g.puzzleRowGrad] : [])]);
  };
  const evalOnce = async () => {
    const o = stackedEvalStep(net, batch, latents, { n: c.latentSteps, T: c.recursions });
    await o.logits.data();
    tf.dispose([o.y, o.z, o.logits, o.qHalt, o.qContinue]);
  };
  const train = await time(trainStep);
  const evalS = await time(evalOnce);
  const kt = await countKernels(trainStep);
  const ke = await countKernels(evalOnce);
  adam.dispose();
  tf.dispose([latents.y, latents.z, batch.inputs, batch.labels, batch.flatPuzzleIds]);
  net.dispose();
  return { train, evalS, kt, ke };
}

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
  if (originalSlice) restoreOriginalSlice();
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
  const train = await time(trainStep);
  const evalS = await time(evalOnce);
  const kt = await countKernels(trainStep);
  const ke = await countKernels(evalOnce);
  const result = {
    config: name, backend: backend === 'wasm' || backend === 'cpu' ? tf.getBackend() : backend, threads, batch_size: B, micro_batch: micro, train_step_s: +train.toFixed(3), eval_step_s: +evalS.toFixed(3),
    params: net.numParams(), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), reps, rematerialize: remat, zero_copy_kernels: !copying, fast_slice: !originalSlice,
    kernels_train_step: kt.kernels, kernels_eval_step: ke.kernels,
    matmul_gflops_train: +(kt.flops / train / 1e9).toFixed(2), matmul_gflops_eval: +(ke.flops / evalS / 1e9).toFixed(2),
  };
  opt_.dispose();
  tf.dispose([latents.y, latents.z, batch.inputs, batch.labels, batch.puzzleIds]);
  net.dispose();
  if (models > 0) {
    const st = await runStacked(cfg, models);
    Object.assign(result, {
      models, stack_matmuls: stackMatmuls,
      stacked_train_step_s: +st.train.toFixed(3), stacked_eval_step_s: +st.evalS.toFixed(3),
      train_model_steps_per_s: +(models / st.train).toFixed(2), single_train_model_steps_per_s: +(1 / train).toFixed(2),
      stacked_speedup: +(train * models / st.train).toFixed(2), eval_stacked_speedup: +(evalS * models / st.evalS).toFixed(2),
      stacked_kernels_train_step: st.kt.kernels, stacked_kernels_eval_step: st.ke.kernels,
      stacked_matmul_gflops_train: +(st.kt.flops / st.train / 1e9).toFixed(2),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    });
  }
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
    if (originalSlice) childArgs.push('--original-slice');
    if (models > 0) childArgs.push('--models', String(models), '--stack-matmuls', stackMatmuls);
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
    console.log('| config | backend (threads) | batch (micro) | train step s | eval step s | kernels train / eval | matmul GFLOP/s train / eval | PyTorch train / eval s, issue 15 (ratio ours / PyTorch) | peak RSS MB |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      if (r.error) console.log(`| ${r.config} | ${r.backend} | failed: ${r.error} |||||||`);
      else console.log(`| ${r.config} | ${r.backend} (${r.threads}) | ${r.batch_size} (${r.micro_batch}) | ${r.train_step_s} | ${r.eval_step_s} | ${r.kernels_train_step} / ${r.kernels_eval_step} | ${r.matmul_gflops_train} / ${r.matmul_gflops_eval} | ${PYTORCH[r.config] ? `${PYTORCH[r.config].join(' / ')} (${(r.train_step_s / PYTORCH[r.config][0]).toFixed(2)}× / ${(r.eval_step_s / PYTORCH[r.config][1]).toFixed(2)}×)` : '—'} | ${r.peak_rss_mb} |`);
    }
    if (models > 0) {
      console.log('');
      console.log('| config | models K | stacked train step s | model-steps/s stacked / alone (speedup) | stacked eval step s (speedup) | kernels per stacked train / eval step | matmul GFLOP/s stacked train |');
      console.log('|---|---|---|---|---|---|---|');
      for (const r of rows) {
        if (!r.error) console.log(`| ${r.config} | ${r.models} | ${r.stacked_train_step_s} | ${r.train_model_steps_per_s} / ${r.single_train_model_steps_per_s} (${r.stacked_speedup}×) | ${r.stacked_eval_step_s} (${r.eval_stacked_speedup}×) | ${r.stacked_kernels_train_step} / ${r.stacked_kernels_eval_step} | ${r.stacked_matmul_gflops_train} |`);
      }
    }
  }
}
