/**
 * @trm-ts/backend-wasm — the embedded default backend: TensorFlow.js's WebAssembly backend with SIMD.
 *
 * In Node the wasm binaries are read from the installed `@tensorflow/tfjs-backend-wasm` package without any
 * configuration. In a browser they must be served and named in `wasmPaths` (a URL prefix, or all three file
 * URLs — with Vite, `import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'`);
 * see docs/browser.md. The Node-only threaded build (`useWasmThreadsBackend`) is in `@trm-ts/backend-wasm/node`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BackendError, activateBackend, type BackendAdapter, type BackendInfo } from '@trm-ts/core';
import { installZeroCopyKernels } from './zero-copy.js';
import { installFastSlice } from './fast-slice.js';
import { installFastTranspose } from './fast-transpose.js';

installZeroCopyKernels();
installFastSlice();
installFastTranspose();

export interface WasmBackendOptions {
  /**
   * Where the `.wasm` files are served from (a URL prefix ending in `/`, or a map of file name to URL).
   * Leave unset in Node: the files are loaded from the installed package.
   */
  wasmPaths?: string | Record<'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm', string>;
  /** Use the SIMD build when the runtime supports it (default true). */
  simd?: boolean;
  /** Number of threads for the threaded build (browsers with cross-origin isolation only). */
  numThreads?: number;
}

export const wasmBackend: BackendAdapter<WasmBackendOptions> = {
  name: 'wasm',
  async setup(options: WasmBackendOptions = {}): Promise<BackendInfo> {
    if (options.wasmPaths !== undefined) setWasmPaths(options.wasmPaths as string);
    if (options.simd === false) tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
    if (options.numThreads !== undefined) setThreadsCount(options.numThreads);
    try {
      await activateBackend('wasm');
    } catch (err) {
      const inBrowser = typeof window !== 'undefined';
      if (inBrowser && options.wasmPaths === undefined) {
        throw new BackendError(`${(err as Error).message} In a browser the .wasm files must be served: pass useWasmBackend({ wasmPaths }) (see docs/browser.md).`);
      }
      throw err;
    }
    return {
      adapter: 'wasm',
      backend: tf.getBackend(),
      float32: true,
      details: {
        simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
        multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
      },
    };
  },
};

/** Registers and activates the wasm backend; resolves with what it got (SIMD, threads). */
export function useWasmBackend(options?: WasmBackendOptions): Promise<BackendInfo> {
  return wasmBackend.setup(options);
}
export { installZeroCopyKernels, restoreCopyingKernels } from './zero-copy.js';
export { installFastSlice, restoreOriginalSlice } from './fast-slice.js';
export { installFastTranspose, restoreOriginalTranspose, transposesInTwoPasses } from './fast-transpose.js';
