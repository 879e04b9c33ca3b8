/**
 * `trm bench` (moved here from examples/bench/bench.mjs): times one TRM supervision step per named config.
 * train_step_s = forward + backward of one supervision step (T−1 recursions untaped, the last taped) + an AdamW
 * update; eval_step_s = one supervision step without gradient; the median of --reps after one warm-up. Each config
 * runs in a child process of its own (this binary, `bench --child`) so that its peak RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { restoreCopyingKernels } from '@trm-ts/backend-wasm';
import { AdamW, Rng, TrmNetwork, batchTensors, disposeGradStep, evalStep, gradStep, type TrmConfig } from '@trm-ts/core';
import { Command, Option } from 'commander';
import { parseBackend, startBackend } from '../backend.js';
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
  'maze15-att-h128': {
    model: { ...BASE, seqLen: 225, vocabSize: 6, hiddenSize: 128, puzzleEmbDim: 128, mixer: 'attention', posEncodings: 'rope', latentSteps: 4 },
    batch: 32,
    micro: 16,
  },
});

/** The official PyTorch code on a 2-core machine, fp32, OpenBLAS (issue #2): train / eval seconds per step. */
export const PYTORCH_STEP_SECONDS: Readonly<Record<string, readonly (number | string)[]>> = Object.freeze({
  'sudoku4-mlp-h64': [3.7, 1.99], 'sudoku9-mlp-h128': [5.41, 3.71], 'sudoku9-mlp-h512': ['6.6–7.4', '4.9–7.1'], 'maze15-att-h128': [5.29, 9.86],
});

interface BenchOptions extends CommonOptions {
  model?: string;
  reps: number;
  micro?: number;
  batch?: number;
  remat: boolean;
  copyingKernels?: boolean;
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
    const time = async (fn: () => Promise<void>) => {
      await fn(); // warm-up (kernel compilation, allocations)
      const ts: number[] = [];
      for (let i = 0; i < opts.reps; i++) {
        const t0 = performance.now();
        await fn();
        ts.push((performance.now() - t0) / 1000);
      }
      return ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)]!;
    };
    const train = await time(trainStep);
    const evalS = await time(evalOnce);
    return {
      config: name, backend: info.adapter, threads: parseBackend(opts.backend).threads ?? 1, batch_size: B, micro_batch: micro,
      train_step_s: +train.toFixed(3), eval_step_s: +evalS.toFixed(3), params: net.numParams(),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), reps: opts.reps, rematerialize: opts.remat, zero_copy_kernels: !opts.copyingKernels,
    };
  } finally {
    optimizer.dispose();
    tf.dispose([latents.y, latents.z, batch.inputs, batch.labels, batch.puzzleIds]);
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
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      row = r.status !== 0 || !line ? { config: name, backend: opts.backend, error: (r.stderr || '').trim().split('\n').slice(-3).join(' | ') } : (JSON.parse(line) as BenchResult);
    }
    rows.push(row);
    if (opts.json) print(io, JSON.stringify(row));
  }
  if (opts.json) return;
  print(io, '| config | backend | batch (micro) | train step s | eval step s | PyTorch train / eval s | peak RSS MB |');
  print(io, '|---|---|---|---|---|---|---|');
  for (const r of rows) {
    if ('error' in r) print(io, `| ${r.config} | ${r.backend} | failed: ${r.error} |||||`);
    else print(io, `| ${r.config} | ${r.backend} | ${r.batch_size} (${r.micro_batch}) | ${r.train_step_s} | ${r.eval_step_s} | ${PYTORCH_STEP_SECONDS[r.config]?.join(' / ') ?? '—'} | ${r.peak_rss_mb} |`);
  }
}
