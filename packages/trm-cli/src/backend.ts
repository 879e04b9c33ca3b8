/**
 * `--backend wasm | wasm-threads[:N] | cpu | webgpu`: chooses and starts the TensorFlow.js backend through the
 * adapters (the CLI is an application, so it may import backends; the libraries never do).
 */
import { activateBackend, type BackendInfo } from '@trm-ts/core';
import { useWasmBackend, useWasmThreadsBackend } from '@trm-ts/backend-wasm/node';
import { UsageError } from './errors.js';

export const BACKEND_CHOICES = 'wasm | wasm-threads[:N] | cpu | webgpu';

export interface BackendChoice {
  name: 'wasm' | 'wasm-threads' | 'cpu' | 'webgpu';
  threads?: number;
}

export function parseBackend(spec: string): BackendChoice {
  const m = /^(wasm|wasm-threads|cpu|webgpu)(?::(\d+))?$/.exec(spec);
  if (!m || (m[2] !== undefined && m[1] !== 'wasm-threads')) {
    throw new UsageError(`--backend: expected one of ${BACKEND_CHOICES}, got '${spec}'`, `e.g. --backend wasm-threads:2`);
  }
  const threads = m[2] === undefined ? undefined : Number(m[2]);
  if (threads !== undefined && threads < 1) throw new UsageError(`--backend: expected N >= 1 in wasm-threads:N, got ${threads}`);
  return { name: m[1] as BackendChoice['name'], ...(threads !== undefined ? { threads } : {}) };
}

/** Starts the backend; errors are the adapters' BackendErrors. */
export async function startBackend(spec: string): Promise<BackendInfo> {
  const b = parseBackend(spec);
  switch (b.name) {
    case 'wasm':
      return useWasmBackend();
    case 'wasm-threads':
      return useWasmThreadsBackend({ numThreads: b.threads ?? 2 });
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
