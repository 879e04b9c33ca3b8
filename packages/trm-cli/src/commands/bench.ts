/**
 * `trm bench` (examples/bench/bench.mjs forwards here): times one TRM supervision step per named config.
 * train_step_s = forward + backward of one supervision step (T−1 recursions untaped, the last taped) + an AdamW
 * update; eval_step_s = one supervision step without gradient; the median of --reps after one warm-up. Each config
 * runs in a child process of its own (this binary, `bench --child`) so that its peak RSS is its own.
 * Kernels per step are counted with tf.profile (every kernel the engine ran, in an untimed extra step);
 * matmul GFLOP/s = 2·M·K·N summed over the step's BatchMatMul kernels / step seconds (elementwise ops not counted).
 * --models K also times K models of the config as one stack (StackedNetwork + stackedGradStep + one AdamW over the
 * stacked weights), reported as model-steps per second next to the single model's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { restoreCopyingKernels, restoreOriginalSlice, restoreOriginalTranspose } from '@trm-ts/backend-wasm';
import { AdamW, Rng, StackedNetwork, TrmNetwork, batchTensors, disposeGradStep, evalStep, gradStep, setStackMatmuls, stackedEvalStep, stackedGradStep, type TrmConfig } from '@trm-ts/core';
import { Command, Option } from 'commander';
import { startBackend, threadsOf } from '../backend.js';
import { UsageError } from '../errors.js';
import { print, type CliIO } from '../io.js';
import { applyConfigFile, choice, int, withCommon, type CommonOptions } from '../options.js';

const BASE = { numLayers: 2, recursions: 3, latentSteps: 6, expansion: 4, puzzleEmbLen: 16, numPuzzleIdentifiers: 1 };

export const BENCH_CONFIGS: Readonly<Record<string, { model: Partial<TrmConfig> & { seqLen: number; vocabSize: number }; batch: number; micro: number }>> = Object.freeze({
  'sudoku4-mlp-h64': { model: { ...BASE, seqLen: 16, vocabSize: 6, hiddenSize: 64, puzzleEmbDim: 64 }, batch: 256, micro: 64 },
  'sudoku9-mlp-h128': { model: { ...BASE, seqLen: 81, vocabSize: 11, hiddenSize: 128, puzzleEmbDim: 128 }, batch: 64, micro: 32 },
  'sudoku9-mlp-h512': { model: { ...BASE, seqLen: 81, vocabSize: 11, hiddenSize: 512, puzzleEmbDim: 512 }, batch: 16, micro: 8 },
  // The 4×4 experiment models of ALGORITHM §11.4 (D 64) and of trm-eval's CPU30_SCALE (D 32): one puzzle slot, n 4, T 2.
  'sudoku4-cpu-d64': { model: { ...BASE, seqLen: 16, vocabSize: 6, hiddenSize: 64, puzzleEmbDim: 64, puzzleEmbLen: 1, latentSteps: 4, recursions: 2 }, batch: 64, micro: 64 },
  'sudoku4-cpu-d32': { model: { ...BASE, seqLen: 16, vocabSize: 6, hiddenSize: 32, puzzleEmbDim: 32, puzzleEmbLen: 1, latentSteps: 4, recursions: 2 }, batch: 64, micro: 64 },
  // The 6×6 experiment models (the same shapes as ../shared/reference/bench.py's): one puzzle slot, n 4, T 2.
  'sudoku6-cpu-d128': { model: { ...BASE, seqLen: 36, vocabSize: 8, hiddenSize: 128, puzzleEmbDim: 128, puzzleEmbLen: 1, latentSteps: 4, recursions: 2 }, batch: 64, micro: 64 },
  'sudoku6-cpu-d64': { model: { ...BASE, seqLen: 36, vocabSize: 8, hiddenSize: 64, puzzleEmbDim: 64, puzzleEmbLen: 1, latentSteps: 4, recursions: 2 }, batch: 64, micro: 64 },
  'maze15-att-h128': {
    model: { ...BASE, seqLen: 225, vocabSize: 6, hiddenSize: 128, puzzleEmbDim: 128, mixer: 'attention', posEncodings: 'rope', latentSteps: 4 },
    batch: 32,
    micro: 16,
  },
});

/**
 * The official PyTorch code on an idle 2-core machine (torch 2 threads, best of two OpenBLAS settings), train /
 * eval seconds per step, as quoted in issue 15 (measured there with ../shared/reference/side_by_side.sh; not
 * re-measured here).
 */
export const PYTORCH_STEP_SECONDS: Readonly<Record<string, readonly [number, number]>> = Object.freeze({
  'sudoku4-cpu-d32': [0.16, 0.059], 'sudoku4-cpu-d64': [0.347, 0.108], 'sudoku4-mlp-h64': [2.419, 1.189],
  'sudoku9-mlp-h128': [5.02, 2.767], 'sudoku9-mlp-h512': [7.383, 4.078], 'maze15-att-h128': [4.69, 2.501],
});

const STACK_MATMULS = ['auto', 'batched', 'split'] as const;

interface BenchOptions extends CommonOptions {
  model?: string;
  reps: number;
  micro?: number;
  batch?: number;
  remat: boolean;
  copyingKernels?: boolean;
  originalSlice?: boolean;
  originalTranspose?: boolean;
  models?: number;
  stackMatmuls: (typeof STACK_MATMULS)[number];
  json?: boolean;
  child?: boolean;
  isolate: boolean;
}

export interface BenchResult {
  config: string;
  backend: string;
  threads: number;
  batch_size: number;
  micro_batch: number;
  train_step_s: number;
  eval_step_s: number;
  params: number;
  peak_rss_mb: number;
  reps: number;
  rematerialize: boolean;
  zero_copy_kernels: boolean;
  fast_slice: boolean;
  fast_transpose: boolean;
  kernels_train_step: number;
  kernels_eval_step: number;
  matmul_gflops_train: number;
  matmul_gflops_eval: number;
  /** This backend's matmul rate on a large square product (1024³), the ceiling the two figures above compare to. */
  matmul_ceiling_gflops: number;
  /** With --models K: the stacked row. */
  models?: number;
  stack_matmuls?: string;
  stacked_train_step_s?: number;
  stacked_eval_step_s?: number;
  train_model_steps_per_s?: number;
  single_train_model_steps_per_s?: number;
  stacked_speedup?: number;
  eval_stacked_speedup?: number;
  stacked_kernels_train_step?: number;
  stacked_kernels_eval_step?: number;
  stacked_matmul_gflops_train?: number;
}

export function benchCommand(io: CliIO): Command {
  const cmd = new Command('bench').description('time one supervision step (train and eval) per named config; JSON lines or a Markdown table');
  withCommon(cmd)
    .option('--model <name>', `one named config: ${Object.keys(BENCH_CONFIGS).join(', ')} (default all)`, choice('--model', Object.keys(BENCH_CONFIGS)))
    .option('--reps <n>', 'timed repetitions (the median is reported)', int('--reps'), 3)
    .option('--micro <n>', "rows per forward/backward pass (default: the config's)", int('--micro'))
    .option('--batch <n>', "batch size (default: the config's)", int('--batch'))
    .option('--no-remat', 'do not rematerialise the taped recursion (TrainConfig.rematerialize = false)')
    .option('--copying-kernels', "tfjs-backend-wasm's own copying Identity / Cast kernels (A/B switch)")
    .option('--original-slice', "tfjs-backend-wasm's own Slice / SplitV, which copy the whole input per call (A/B switch)")
    .option('--original-transpose', "tfjs-backend-wasm's own Transpose, slow where a row count is a multiple of 128 (A/B switch)")
    .option('--models <k>', 'also time K models of the config trained and evaluated as one stack', int('--models'))
    .option('--stack-matmuls <mode>', 'how the stack multiplies: auto (per model on wasm, batched elsewhere), batched, split', choice('--stack-matmuls', STACK_MATMULS), 'auto')
    .option('--json', 'one JSON line per config instead of the table')
    .option('--no-isolate', 'run every config in this process (peak RSS is then shared)')
    .addOption(new Option('--child', 'internal: run one config and print its JSON').hideHelp())
    .action(async (opts: BenchOptions, c: Command) => {
      await applyConfigFile(c, opts as unknown as Record<string, unknown>, process.cwd());
      await runBench(opts, io);
    });
  return cmd;
}

async function runOne(name: string, opts: BenchOptions): Promise<BenchResult> {
  const cfg = BENCH_CONFIGS[name]!;
  const info = await startBackend(opts.backend);
  if (opts.copyingKernels) restoreCopyingKernels();
  if (opts.originalSlice) restoreOriginalSlice();
  if (opts.originalTranspose) restoreOriginalTranspose();
  const B = opts.batch ?? cfg.batch;
  const micro = Math.min(opts.micro ?? cfg.micro, B);
  const net = new TrmNetwork(cfg.model, { seed: 1 });
  const rng = new Rng(2);
  const L = cfg.model.seqLen;
  const V = cfg.model.vocabSize;
  const inputs = new Int32Array(B * L).map(() => rng.int(1, V - 1));
  const labels = new Int32Array(B * L).map(() => rng.int(1, V - 1));
  const batch = batchTensors(net, { batchSize: B, seqLen: L, inputs, labels, puzzleIds: new Int32Array(B) });
  const params = Object.fromEntries(net.specs.filter((s) => s.kind === 'param').map((s) => [s.key, net.v(s.key)]));
  const optimizer = new AdamW(params, { weightDecay: 0.1 });
  let latents = net.initialLatents(B);
  try {
    const trainStep = async () => {
      const g = await gradStep(net, batch, latents, { lossScale: 1 / B, microBatch: micro, rematerialize: opts.remat });
      optimizer.apply(Object.fromEntries(g.grads), 1e-4);
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
    const train = await medianSeconds(trainStep, opts.reps);
    const evalS = await medianSeconds(evalOnce, opts.reps);
    const kt = await countKernels(trainStep);
    const ke = await countKernels(evalOnce);
    const result: BenchResult = {
      config: name, backend: info.adapter, threads: threadsOf(opts.backend), batch_size: B, micro_batch: micro,
      train_step_s: +train.toFixed(3), eval_step_s: +evalS.toFixed(3), params: net.numParams(),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), reps: opts.reps, rematerialize: opts.remat, zero_copy_kernels: !opts.copyingKernels,
      fast_slice: !opts.originalSlice, fast_transpose: !opts.originalTranspose, kernels_train_step: kt.kernels, kernels_eval_step: ke.kernels,
      matmul_gflops_train: +(kt.flops / train / 1e9).toFixed(2), matmul_gflops_eval: +(ke.flops / evalS / 1e9).toFixed(2),
      matmul_ceiling_gflops: +(await matmulCeiling()).toFixed(1),
    };
    if (opts.models) {
      const K = opts.models;
      const st = await runStacked(cfg, K, B, opts);
      Object.assign(result, {
        models: K, stack_matmuls: opts.stackMatmuls,
        stacked_train_step_s: +st.train.toFixed(3), stacked_eval_step_s: +st.evalS.toFixed(3),
        train_model_steps_per_s: +(K / st.train).toFixed(2), single_train_model_steps_per_s: +(1 / train).toFixed(2),
        stacked_speedup: +((train * K) / st.train).toFixed(2), eval_stacked_speedup: +((evalS * K) / st.evalS).toFixed(2),
        stacked_kernels_train_step: st.kt.kernels, stacked_kernels_eval_step: st.ke.kernels,
        stacked_matmul_gflops_train: +(st.kt.flops / st.train / 1e9).toFixed(2),
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      });
    }
    return result;
  } finally {
    optimizer.dispose();
    tf.dispose([latents.y, latents.z, batch.inputs, batch.labels, batch.puzzleIds]);
    net.dispose();
  }
}

/** The median of `reps` timed calls of `fn`, after one warm-up call (kernel compilation, allocations). */
async function medianSeconds(fn: () => Promise<void>, reps: number): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push((performance.now() - t0) / 1000);
  }
  return ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)]!;
}

/**
 * GFLOP/s of the active backend on a 1024 × 1024 × 1024 product (median of 3 after a warm-up): what its matmul
 * kernel does when shapes are large and square, against which a step's matmul GFLOP/s can be read.
 */
async function matmulCeiling(n = 1024): Promise<number> {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  try {
    const s = await medianSeconds(async () => {
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
    }, 3);
    return (2 * n * n * n) / s / 1e9;
  } finally {
    tf.dispose([a, b]);
  }
}

/** Kernels of one call of `fn` (tf.profile) and its matmul FLOPs from the BatchMatMul input shapes. */
async function countKernels(fn: () => Promise<void>): Promise<{ kernels: number; flops: number }> {
  const info = await tf.profile(fn);
  let flops = 0;
  for (const k of info.kernels) {
    if (k.name !== 'BatchMatMul' && k.name !== '_FusedMatMul') continue;
    const [a, b] = k.inputShapes as [number[], number[]];
    const batch = a.slice(0, -2).reduce((x, y) => x * y, 1);
    flops += 2 * batch * a[a.length - 2]! * a[a.length - 1]! * b[b.length - 1]!;
  }
  return { kernels: info.kernels.length, flops };
}

/** K models of `cfg` as one stack: seconds per stacked train step (gradient step + AdamW) and eval step. */
async function runStacked(cfg: (typeof BENCH_CONFIGS)[string], K: number, B: number, opts: BenchOptions) {
  setStackMatmuls(opts.stackMatmuls);
  const nets = Array.from({ length: K }, (_, k) => new TrmNetwork(cfg.model, { seed: 1 + k }));
  const net = new StackedNetwork(nets);
  for (const n of nets) n.dispose();
  const rng = new Rng(3);
  const L = cfg.model.seqLen;
  const c = net.config;
  const all = [...Array(K).keys()];
  const batch = {
    inputs: tf.tensor3d(new Int32Array(K * B * L).map(() => rng.int(1, c.vocabSize - 1)), [K, B, L], 'int32'),
    labels: tf.tensor3d(new Int32Array(K * B * L).map(() => rng.int(1, c.vocabSize - 1)), [K, B, L], 'int32'),
    flatPuzzleIds: tf.tensor1d(net.flatPuzzleIds(all, all.map(() => new Int32Array(B))), 'int32'),
  };
  const adam = new AdamW(Object.fromEntries(net.paramSpecs().map((s) => [s.key, net.v(s.key)])), { weightDecay: 0.1 });
  let latents = tf.tidy(() => {
    const per = all.map((k) => net.initialLatents(k, B));
    return { y: tf.stack(per.map((l) => l.y)), z: tf.stack(per.map((l) => l.z)) };
  });
  const gradOpts = { n: c.latentSteps, untaped: c.recursions - 1, taped: 1, lossScale: new Float32Array(K).fill(1 / B), rowWeights: new Float32Array(K * B).fill(1), qLossWeight: 1, rematerialize: opts.remat };
  try {
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
    const train = await medianSeconds(trainStep, opts.reps);
    const evalS = await medianSeconds(evalOnce, opts.reps);
    return { train, evalS, kt: await countKernels(trainStep), ke: await countKernels(evalOnce) };
  } finally {
    adam.dispose();
    tf.dispose([latents.y, latents.z, batch.inputs, batch.labels, batch.flatPuzzleIds]);
    net.dispose();
  }
}

/** This package's built binary (dist/cli.js beside the bundled chunk), for the child processes. */
function binaryPath(): string {
  const path = fileURLToPath(new URL('./cli.js', import.meta.url));
  if (!existsSync(path)) throw new UsageError('bench: the built trm binary was not found, so configs cannot run in child processes', 'build @trm-ts/cli, or pass --no-isolate');
  return path;
}

async function runBench(opts: BenchOptions, io: CliIO): Promise<void> {
  if (opts.child) {
    if (!opts.model) throw new UsageError('bench --child: expected --model');
    print(io, JSON.stringify(await runOne(opts.model, opts)));
    return;
  }
  const names = opts.model ? [opts.model] : Object.keys(BENCH_CONFIGS);
  const rows: (BenchResult | { config: string; backend: string; error: string })[] = [];
  for (const name of names) {
    let row: BenchResult | { config: string; backend: string; error: string };
    if (!opts.isolate) {
      row = await runOne(name, opts);
    } else {
      const args = [binaryPath(), 'bench', '--child', '--model', name, '--backend', opts.backend, '--reps', String(opts.reps)];
      if (opts.micro) args.push('--micro', String(opts.micro));
      if (opts.batch) args.push('--batch', String(opts.batch));
      if (!opts.remat) args.push('--no-remat');
      if (opts.copyingKernels) args.push('--copying-kernels');
      if (opts.originalSlice) args.push('--original-slice');
      if (opts.originalTranspose) args.push('--original-transpose');
      if (opts.models) args.push('--models', String(opts.models), '--stack-matmuls', opts.stackMatmuls);
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      row = r.status !== 0 || !line ? { config: name, backend: opts.backend, error: (r.stderr || '').trim().split('\n').slice(-3).join(' | ') } : (JSON.parse(line) as BenchResult);
    }
    rows.push(row);
    if (opts.json) print(io, JSON.stringify(row));
  }
  if (opts.json) return;
  print(io, '| config | backend (threads) | batch (micro) | train step s | eval step s | kernels train / eval | matmul GFLOP/s train / eval (ceiling) | PyTorch train / eval s, issue 15 (ratio ours / PyTorch) | peak RSS MB |');
  print(io, '|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    if ('error' in r) {
      print(io, `| ${r.config} | ${r.backend} | failed: ${r.error} |||||||`);
      continue;
    }
    const py = PYTORCH_STEP_SECONDS[r.config];
    const pyCell = py ? `${py.join(' / ')} (${(r.train_step_s / py[0]).toFixed(2)}× / ${(r.eval_step_s / py[1]).toFixed(2)}×)` : '—';
    print(io, `| ${r.config} | ${r.backend} (${r.threads}) | ${r.batch_size} (${r.micro_batch}) | ${r.train_step_s} | ${r.eval_step_s} | ${r.kernels_train_step} / ${r.kernels_eval_step} | ${r.matmul_gflops_train} / ${r.matmul_gflops_eval} (${r.matmul_ceiling_gflops}) | ${pyCell} | ${r.peak_rss_mb} |`);
  }
  const stacked = rows.filter((r): r is BenchResult => !('error' in r) && r.models !== undefined);
  if (!stacked.length) return;
  print(io, '');
  print(io, '| config | models K | stacked train step s | model-steps/s stacked / alone (speedup) | stacked eval step s (speedup) | kernels per stacked train / eval step | matmul GFLOP/s stacked train |');
  print(io, '|---|---|---|---|---|---|---|');
  for (const r of stacked) {
    print(io, `| ${r.config} | ${r.models} | ${r.stacked_train_step_s} | ${r.train_model_steps_per_s} / ${r.single_train_model_steps_per_s} (${r.stacked_speedup}×) | ${r.stacked_eval_step_s} (${r.eval_stacked_speedup}×) | ${r.stacked_kernels_train_step} / ${r.stacked_kernels_eval_step} | ${r.stacked_matmul_gflops_train} |`);
  }
}
