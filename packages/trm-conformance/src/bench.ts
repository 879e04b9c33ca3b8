/**
 * Backend benchmark: a float32 matMul of the Sudoku model's SwiGLU shape, and one TRM supervision step
 * (forward only, and forward + backward) of a small TRM-MLP, on each backend in its own process.
 * Prints one JSON line per backend and a table. Run: `pnpm --filter @trm-ts/conformance bench`
 * (options: `--backends wasm,wasm-threads:2` — `wasm-threads:N` sets the thread count — `--seconds 3`).
 */
import { fork } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { useWebGpuBackend } from '@trm-ts/backend-webgpu';
import { activateBackend, disposeGradStep, evalStep, gradStep, Rng, TrmNetwork, type BackendInfo, type TrmConfig } from '@trm-ts/core';
import { useWasmThreadsBackend } from '@trm-ts/backend-wasm/node';

/** A 6×6-Sudoku-sized TRM-MLP (ALGORITHM §11.4): D 128, 2 layers, n 4, T 2, batch 16. */
const MODEL: Partial<TrmConfig> = {
  seqLen: 36,
  vocabSize: 8,
  hiddenSize: 128,
  numLayers: 2,
  latentSteps: 4, // n
  recursions: 2, // T
  supervisionSteps: 8, // N_sup
  mixer: 'mlp',
  posEncodings: 'none',
  puzzleEmbDim: 128,
  puzzleEmbLen: 1,
};
const BATCH = 16;
const MATMUL = [1024, 512, 1536] as const; // [B·P, D] · [D, I] of the D = 512 SwiGLU

interface Result {
  backend: string;
  info: BackendInfo;
  matmulGflops: number;
  evalStepMs: number;
  gradStepMs: number | null;
  note?: string;
}

async function setup(spec: string): Promise<BackendInfo> {
  const [name, threads] = spec.split(':');
  switch (name) {
    case 'cpu':
      await activateBackend('cpu');
      return { adapter: 'cpu', backend: 'cpu', float32: true, details: {} };
    case 'wasm':
      return useWasmBackend();
    case 'wasm-threads':
      return useWasmThreadsBackend(threads ? { numThreads: Number(threads) } : {});
    case 'webgpu':
      return useWebGpuBackend({ softwareFallback: true });
    default:
      throw new Error(`--backends: expected cpu, wasm, wasm-threads[:N] or webgpu, got '${spec}'`);
  }
}

/** Median milliseconds of `fn` over repeated runs for about `seconds` (after one warm-up run). */
async function time(fn: () => Promise<void>, seconds: number): Promise<number> {
  await fn();
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (times.length < 3 || (performance.now() < end && times.length < 200)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function measure(spec: string, seconds: number): Promise<Result> {
  await import('@tensorflow/tfjs-backend-cpu');
  const info = await setup(spec);
  const [m, k, n] = MATMUL;
  const a = tf.randomNormal([m, k], 0, 1, 'float32', 1);
  const b = tf.randomNormal([k, n], 0, 1, 'float32', 2);
  const mmMs = await time(async () => {
    const y = tf.matMul(a, b);
    await y.data();
    y.dispose();
  }, seconds);
  tf.dispose([a, b]);

  const net = new TrmNetwork(MODEL, { seed: 1 });
  const rng = new Rng(3);
  const L = MODEL.seqLen!;
  const tokens = Int32Array.from({ length: BATCH * L }, () => rng.int(1, MODEL.vocabSize! - 1));
  const batch = {
    inputs: tf.tensor2d(tokens, [BATCH, L], 'int32'),
    labels: tf.tensor2d(tokens, [BATCH, L], 'int32'),
    puzzleIds: tf.zeros([BATCH], 'int32'),
  };
  const evalMs = await time(async () => {
    const init = net.initialLatents(BATCH);
    const out = evalStep(net, batch, init);
    await out.logits.data();
    tf.dispose([init.y, init.z, out.y, out.z, out.logits, out.qHalt, out.qContinue]);
  }, seconds);
  let gradMs: number | null = null;
  let note: string | undefined;
  try {
    gradMs = await time(async () => {
      const init = net.initialLatents(BATCH);
      const g = await gradStep(net, batch, init, { lossScale: 1 / BATCH });
      disposeGradStep(g);
      tf.dispose([init.y, init.z]);
    }, seconds);
  } catch (err) {
    note = `gradStep failed: ${(err as Error).message.split('\n')[0]}`;
  }
  tf.dispose([batch.inputs, batch.labels, batch.puzzleIds]);
  net.dispose();
  return { backend: spec, info, matmulGflops: (2 * m * k * n) / mmMs / 1e6, evalStepMs: evalMs, gradStepMs: gradMs, note };
}

function runChild(spec: string, seconds: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', spec, '--seconds', String(seconds)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let result: Result | undefined;
    child.on('message', (m) => (result = m as Result));
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${spec}: benchmark process exited with ${code}`))));
  });
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const seconds = Number(arg('--seconds') ?? 3);
  const child = arg('--child');
  if (child) {
    const result = await measure(child, seconds);
    process.send!(result, () => process.exit(0)); // done: do not wait for Dawn or the wasm workers to wind down
    return;
  }
  // webgpu only on request: on SwiftShader (no GPU) one TRM step takes minutes.
  const specs = (arg('--backends') ?? `wasm,wasm-threads:1,wasm-threads:${Math.min(8, availableParallelism())}`).split(',');
  const machine = { cpu: cpus()[0]?.model, logicalCores: availableParallelism(), node: process.version };
  const results: Result[] = [];
  for (const spec of specs) {
    // The 1-minute load average before each run: threads cannot help when other processes hold the cores.
    const load = loadavg()[0]!;
    const r = await runChild(spec, seconds);
    results.push(r);
    console.log(JSON.stringify({ machine, load, ...r }));
  }
  const base = results.find((r) => r.backend === 'wasm');
  const speed = (r: Result, key: 'evalStepMs' | 'gradStepMs') => (base && r[key] && base[key] ? (base[key]! / r[key]!).toFixed(2) + '×' : '');
  console.log(
    `\nmatMul ${MATMUL.join('×')}; TRM-MLP D ${MODEL.hiddenSize}, L ${MODEL.seqLen}, n ${MODEL.latentSteps}, T ${MODEL.recursions}, ` +
      `batch ${BATCH}; ${machine.logicalCores} logical cores (${machine.cpu}), load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log('| backend | device | matMul GFLOP/s | evalStep ms | gradStep ms | vs wasm (eval / grad) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    const d = r.info.details;
    const device = r.info.adapter === 'webgpu' ? `${d.vendor} ${d.architecture}` : d.threads ? `${d.threads} threads` : r.info.adapter;
    console.log(
      `| ${r.backend} | ${device} | ${r.matmulGflops.toFixed(1)} | ${r.evalStepMs.toFixed(1)} | ${r.gradStepMs?.toFixed(1) ?? 'n/a'} | ${speed(r, 'evalStepMs')} / ${speed(r, 'gradStepMs')} |` +
        (r.note ? ` ${r.note}` : ''),
    );
  }
}

await main();
