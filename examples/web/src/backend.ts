/**
 * Picks the TensorFlow.js backend: WebGPU when the browser has a hardware GPU adapter, otherwise wasm (SIMD; threaded
 * when the page is cross-origin isolated, which vite.config.ts's COOP/COEP headers make it). `?backend=wasm`
 * or `?backend=webgpu` forces one (the end-to-end tests use both).
 */
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { useWebGpuBackend } from '@trm-ts/backend-webgpu';
import { ConfigError, type BackendInfo } from '@trm-ts/core';
// Vite copies each binary into dist/assets/ and gives its URL; the wasm backend fetches them from there.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';

export interface ActiveBackend {
  name: 'webgpu' | 'wasm';
  /** One line for people: which backend, SIMD / threads or the GPU adapter. */
  label: string;
  info: BackendInfo;
  /** Why WebGPU was not used when it was asked for or tried (auto). */
  fallback: string | null;
}

async function wasm(): Promise<BackendInfo> {
  // Threads need SharedArrayBuffer, i.e. a cross-origin-isolated page; tfjs then fetches the threaded binary.
  const threads = globalThis.crossOriginIsolated ? Math.min(navigator.hardwareConcurrency || 1, 8) : undefined;
  return useWasmBackend({
    wasmPaths: {
      'tfjs-backend-wasm.wasm': wasmPlain,
      'tfjs-backend-wasm-simd.wasm': wasmSimd,
      'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
    },
    numThreads: threads,
  });
}

export async function startBackend(choice: BackendChoice): Promise<ActiveBackend> {
  if (!['auto', 'webgpu', 'wasm'].includes(choice)) throw new ConfigError(`backend: expected 'auto', 'webgpu' or 'wasm', got '${choice}'.`);
  let fallback: string | null = null;
  if (choice !== 'wasm') {
    try {
      const info = await useWebGpuBackend();
      const d = info.details as { vendor?: string; architecture?: string; description?: string; software?: boolean };
      const gpu = [d.vendor, d.architecture, d.description].filter(Boolean).join(' ') || 'unnamed adapter';
      // A software adapter (SwiftShader) is ~50× slower than wasm here (docs/web.md): only when asked for.
      if (choice === 'webgpu' || !d.software) return { name: 'webgpu', label: `WebGPU (${gpu})`, info, fallback };
      fallback = `its adapter is software (${gpu}), slower than wasm`;
    } catch (err) {
      if (choice === 'webgpu') throw err;
      fallback = (err as Error).message;
    }
  }
  const info = await wasm();
  const d = info.details as { simd?: boolean; multithread?: boolean };
  const n = d.multithread ? getThreadsCount() : 1;
  const threads = `${d.multithread ? 'threaded build, ' : ''}${n} thread${n > 1 ? 's' : ''}`;
  return { name: 'wasm', label: `wasm (SIMD ${d.simd ? 'on' : 'off'}, ${threads})`, info, fallback };
}
