import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './errors.js';

/** What a backend adapter reports after it has prepared its TensorFlow.js backend. */
export interface BackendInfo {
  /** The adapter's name, e.g. `wasm`, `wasm-threads`, `webgpu`, `node-gpu`, `cpu`. */
  adapter: string;
  /** The TensorFlow.js backend that is now active (`tf.getBackend()`). */
  backend: string;
  /** Whether the backend computes in float32 everywhere (false e.g. for WebGL at fp16). */
  float32: boolean;
  /** Anything else the adapter found out: SIMD, thread count, GPU adapter name, versions… */
  details: Record<string, unknown>;
}

/**
 * The contract every backend adapter implements. An adapter only chooses, registers and configures one
 * TensorFlow.js backend and reports what it got; it holds no model code.
 */
export interface BackendAdapter<Options = Record<string, unknown>> {
  readonly name: string;
  /** Registers the backend (if needed), makes it active and waits until it is ready. */
  setup(options?: Options): Promise<BackendInfo>;
}

/** Prepares `adapter`'s backend and makes it the active one. */
export async function useBackend<O>(adapter: BackendAdapter<O>, options?: O): Promise<BackendInfo> {
  try {
    return await adapter.setup(options);
  } catch (err) {
    if (err instanceof BackendError) throw err;
    throw new BackendError(`backend '${adapter.name}' failed to start: ${(err as Error)?.message ?? String(err)}`);
  }
}

/**
 * Activates an already-registered TensorFlow.js backend by name (e.g. `cpu` after importing
 * `@tensorflow/tfjs-backend-cpu`). Adapters call this after registering their backend.
 */
export async function activateBackend(name: string): Promise<void> {
  const registered = Object.keys(tf.engine().registryFactory);
  if (!registered.includes(name)) {
    throw new BackendError(
      `backend '${name}': expected one of the registered backends [${registered.join(', ')}], got '${name}'. ` +
        `Import its package (e.g. @trm-ts/backend-wasm) and call its use…Backend() first.`,
    );
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new BackendError(`backend '${name}' is registered but failed to initialise (tf.setBackend returned false).`);
  await tf.ready();
}

/** Throws a BackendError that names the fix unless a backend is active. */
export function requireBackend(): string {
  const name = tf.engine().backendName;
  if (!name) throw new BackendError('no backend is ready; call useWasmBackend() (from @trm-ts/backend-wasm) first');
  return name;
}
