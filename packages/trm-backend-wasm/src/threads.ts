/**
 * wasm-threads: TensorFlow.js's threaded SIMD WebAssembly build, started in Node on worker_threads.
 *
 * tfjs-backend-wasm 4.22 never picks its threaded build in Node, for three reasons, each handled here:
 * 1. Its `WASM_HAS_MULTITHREAD_SUPPORT` flag is hard-wired to false under Node (tfjs issue #3830).
 * 2. Its loader hands Emscripten the pthread worker script as a `blob:` URL and the main script as a Blob;
 *    Node's `worker_threads` can start neither. Here the worker script (shipped as a string in
 *    `wasm-out/…threaded-simd.worker.js`) is written once to a file in the temp folder, and the main script is
 *    passed by path: Emscripten's Node branch then uses `worker_threads` and `fs` as intended.
 * 3. Its C++ side caps the pool at `emscripten_num_logical_cores() / 2` (it assumes two hyper-threads per
 *    core), i.e. 1 thread on a 2-core machine whatever `setThreadsCount` says. Here that import is answered
 *    with `2 · numThreads`, so the requested count is what runs.
 * 4. XNNPACK's thread pool runs for the life of the module, and Emscripten keeps a running pthread's worker
 *    referenced, so a Node process that used the backend never exits on its own (its pool threads also spin).
 *    The pool's workers are unreferenced once started: the process ends when its own work does.
 * The module is then wrapped in tfjs's own `BackendWasm` and registered under the name `wasm`, because every
 * wasm kernel is registered for that name. Only one wasm module can be active per process.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { activateBackend, BackendError, type BackendAdapter, type BackendInfo } from '@trm-ts/core';

export interface WasmThreadsOptions {
  /**
   * Threads that XNNPACK computes with, the calling thread included: 1..8 (tfjs's wasm build pre-starts
   * 8 workers). Default: the machine's logical cores, at most 8.
   */
  numThreads?: number;
}

/** The largest thread count: the size of the Emscripten worker pool built into tfjs-backend-wasm. */
export const MAX_WASM_THREADS = 8;

const BUILD = 'tfjs-backend-wasm-threaded-simd';

/** The parts of the Emscripten module that tfjs's BackendWasm calls. */
type EmscriptenModule = {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  tfjs?: Record<string, unknown>;
  PThread?: { runningWorkers?: { unref?: () => void }[] };
};
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

function packageDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/** Writes the pthread worker script to the temp folder once per content (atomic rename, so concurrent runs agree). */
function workerScript(dir: string): string {
  const require = createRequire(import.meta.url);
  const { wasmWorkerContents } = require(join(dir, 'wasm-out', `${BUILD}.worker.js`)) as { wasmWorkerContents: string };
  // The string was written for a Blob: tfjs escapes its newlines the same way before making one.
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `trm-ts-${BUILD}-${hash}.worker.cjs`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, source);
    renameSync(partial, file);
  }
  return file;
}

async function createThreadedModule(numThreads: number): Promise<EmscriptenModule> {
  const dir = packageDir();
  const require = createRequire(import.meta.url);
  const mainScript = join(dir, 'wasm-out', `${BUILD}.js`);
  const factory = require(mainScript) as Factory;
  const worker = workerScript(dir);
  const binary = readFileSync(join(dir, 'wasm-out', `${BUILD}.wasm`));
  let failed: (err: Error) => void = () => {};
  const instantiationFailed = new Promise<never>((_, reject) => (failed = reject));
  const module = await Promise.race([
    instantiationFailed,
    factory({
      locateFile: (path: string) => (path.endsWith('.worker.js') ? worker : join(dir, 'wasm-out', path)),
      // A path, not a Blob: each worker evaluates this file with fs + eval (Emscripten's Node importScripts).
      mainScriptUrlOrBlob: mainScript,
      instantiateWasm(
        imports: { env: Record<string, unknown> },
        receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
      ) {
        imports.env.emscripten_num_logical_cores = () => 2 * numThreads; // see point 3 above
        WebAssembly.instantiate(binary, imports as WebAssembly.Imports).then(
          ({ instance, module: compiled }) => receive(instance, compiled),
          (err: Error) => failed(new BackendError(`wasm-threads: could not instantiate ${BUILD}.wasm: ${err.message}`)),
        );
        return {};
      },
    }),
  ]);
  // The same bridge tfjs's own loader builds (tfjs-backend-wasm/src/backend_wasm.ts, init()).
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

export const wasmThreadsBackend: BackendAdapter<WasmThreadsOptions> = {
  name: 'wasm-threads',
  async setup(options: WasmThreadsOptions = {}): Promise<BackendInfo> {
    if (typeof process === 'undefined' || typeof process.versions?.node !== 'string') {
      throw new BackendError(
        'wasm-threads: expected Node.js, got another runtime. In a browser, serve the page cross-origin isolated ' +
          '(COOP/COEP headers) and call useWasmBackend({ numThreads }) instead.',
      );
    }
    const numThreads = options.numThreads ?? Math.min(MAX_WASM_THREADS, availableParallelism());
    if (!Number.isInteger(numThreads) || numThreads < 1 || numThreads > MAX_WASM_THREADS) {
      throw new BackendError(
        `wasm-threads: numThreads expected an integer in 1..${MAX_WASM_THREADS}, got ${numThreads}. ` +
          `Leave it unset to use the machine's ${availableParallelism()} logical cores.`,
      );
    }
    setThreadsCount(numThreads);
    // Replaces the single-threaded factory that importing tfjs-backend-wasm registered (and any backend
    // instance it made: call this before creating tensors on wasm).
    if (tf.findBackendFactory('wasm')) tf.removeBackend('wasm');
    let module: EmscriptenModule | null = null;
    tf.registerBackend('wasm', async () => new BackendWasm((module = await createThreadedModule(numThreads)) as never), 2);
    await activateBackend('wasm');
    // Point 4 above: the pool threads must not keep the process alive.
    for (const w of (module as EmscriptenModule | null)?.PThread?.runningWorkers ?? []) w.unref?.();
    const threads = getThreadsCount();
    if (threads !== numThreads) {
      throw new BackendError(`wasm-threads: expected a pool of ${numThreads} threads, got ${threads}.`);
    }
    return {
      adapter: 'wasm-threads',
      backend: tf.getBackend(),
      float32: true,
      details: { simd: true, threads, logicalCores: availableParallelism() },
    };
  },
};

/** Registers the threaded SIMD wasm backend (Node only) and activates it; resolves with its thread count. */
export function useWasmThreadsBackend(options?: WasmThreadsOptions): Promise<BackendInfo> {
  return wasmThreadsBackend.setup(options);
}
