/**
 * `--backend auto | wasm | wasm-threads[:N] | cpu | webgpu`: chooses and starts the TensorFlow.js backend through
 * the adapters (the CLI is an application, so it may import backends; the libraries never do).
 *
 * `auto` (the default) is both cores where there are two: `wasm-threads:2` on a machine with ≥ 2 logical cores,
 * else `wasm`. Measured on this project's 2-core machine (docs/benchmarks.md, "Threads"), two wasm threads ran
 * every measured training step (without rematerialisation, the presets' setting) and every evaluation step
 * faster than one, from the 4×4 D 32 model up; more than two threads were not measured, so `auto` does not assume
 * they help (ask for them with wasm-threads:N). Commands that run several processes at once (`trm experiment`
 * with workers) give each process one thread instead.
 */
import { availableParallelism } from 'node:os';
import { activateBackend, type BackendInfo } from '@trm-ts/core';
import { useWasmBackend, useWasmThreadsBackend } from '@trm-ts/backend-wasm/node';
import { UsageError } from './errors.js';

export const BACKEND_CHOICES = 'auto | wasm | wasm-threads[:N] | cpu | webgpu';

/** Threads of `wasm-threads` without `:N`, and of `auto` on a machine with ≥ 2 cores. */
const DEFAULT_WASM_THREADS = 2;

export interface BackendChoice {
  name: 'auto' | 'wasm' | 'wasm-threads' | 'cpu' | 'webgpu';
  threads?: number;
}

export function parseBackend(spec: string): BackendChoice {
  const m = /^(auto|wasm|wasm-threads|cpu|webgpu)(?::(\d+))?$/.exec(spec);
  if (!m || (m[2] !== undefined && m[1] !== 'wasm-threads')) {
    const fromEnv = process.env.TRM_BACKEND === spec;
    throw new UsageError(`${fromEnv ? 'TRM_BACKEND (the --backend default)' : '--backend'}: expected one of ${BACKEND_CHOICES}, got '${spec}'`, fromEnv ? 'unset TRM_BACKEND or give --backend' : `e.g. --backend wasm-threads:2`);
  }
  const threads = m[2] === undefined ? undefined : Number(m[2]);
  if (threads !== undefined && threads < 1) throw new UsageError(`--backend: expected N >= 1 in wasm-threads:N, got ${threads}`);
  return { name: m[1] as BackendChoice['name'], ...(threads !== undefined ? { threads } : {}) };
}

/** The backend `spec` stands for: `auto` resolved for a machine with `cores` logical cores; anything else as given. */
export function concreteBackend(spec: string, cores = availableParallelism()): string {
  if (parseBackend(spec).name !== 'auto') return spec;
  return cores >= 2 ? `wasm-threads:${DEFAULT_WASM_THREADS}` : 'wasm';
}

/** Threads the backend `spec` computes with (1 unless threaded wasm). */
export function threadsOf(spec: string): number {
  const b = parseBackend(concreteBackend(spec));
  return b.name === 'wasm-threads' ? (b.threads ?? DEFAULT_WASM_THREADS) : 1;
}

/** Starts the backend (`auto` resolved by concreteBackend); errors are the adapters' BackendErrors. */
export async function startBackend(spec: string): Promise<BackendInfo> {
  const b = parseBackend(concreteBackend(spec));
  switch (b.name) {
    case 'auto':
      throw new Error('unreachable: auto is resolved above');
    case 'wasm':
      return useWasmBackend();
    case 'wasm-threads':
      return useWasmThreadsBackend({ numThreads: threadsOf(spec) });
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      await activateBackend('cpu');
      return { adapter: 'cpu', backend: 'cpu', float32: true, details: {} };
    case 'webgpu': {
      let mod: typeof import('@trm-ts/backend-webgpu');
      try {
        mod = await import('@trm-ts/backend-webgpu');
      } catch {
        throw new UsageError("--backend webgpu: the optional package @trm-ts/backend-webgpu is not installed", 'install it, or use --backend wasm');
      }
      return mod.useWebGpuBackend();
    }
  }
}

/** One phrase for logs: the adapter and, for threaded wasm, its thread count (e.g. "wasm-threads (2 threads)"). */
export function describeBackend(info: BackendInfo): string {
  const threads = (info.details as { threads?: unknown } | undefined)?.threads;
  return typeof threads === 'number' ? `${info.adapter} (${threads} thread${threads === 1 ? '' : 's'})` : info.adapter;
}
