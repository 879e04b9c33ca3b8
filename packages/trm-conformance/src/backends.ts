/**
 * The backends the conformance suite knows, how each is started, and its float tolerances.
 *
 * `TRM_BACKENDS` (comma list) selects backends; a selected backend that cannot start fails the suite.
 * Unset, every backend is tried and those that cannot start on this machine are skipped with the reason.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeGpuBackend } from '@trm-ts/backend-node-gpu';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { useWebGpuBackend } from '@trm-ts/backend-webgpu';
import { activateBackend, ConfigError, type BackendInfo } from '@trm-ts/core';
// Not yet re-exported by @trm-ts/backend-wasm's index (see docs/backends.md); switch once it is.
import { useWasmThreadsBackend } from '@trm-ts/backend-wasm/node';

export const BACKEND_NAMES = ['cpu', 'wasm', 'wasm-threads', 'webgpu', 'node-gpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Elementwise bound |x − ref| ≤ A·max|ref| + R·|ref| (the form of the parity fixtures' tolerances.json). */
export interface Tolerance {
  A: number;
  R: number;
}

export interface BackendTolerances {
  /** Elementwise kernels, reductions and matrix products against a float64 reference. */
  kernel: Tolerance;
  /** Analytic float32 gradients against central differences of a float64 reference. */
  gradient: Tolerance;
  /** Logits of several chained supervision steps against the cpu backend. */
  inference: Tolerance;
}

/**
 * Float32 backends with IEEE arithmetic and accurate exp/log (JS Math, libm, XNNPACK). Measured worst errors
 * are ~10× inside these bounds (wasm: matMul 0.13, rmsNorm 0.07, composite gradient 0.1 of the bound).
 */
const FLOAT32: BackendTolerances = {
  kernel: { A: 1e-6, R: 1e-6 },
  gradient: { A: 1e-5, R: 1e-5 },
  inference: { A: 1e-4, R: 0 },
};

/**
 * WebGPU: float32 only (WGSL has no f64), and WGSL lets exp/log/inverseSqrt be approximate (exp: 3 + 2|x| ULP,
 * log: 2^-21 absolute near 1), with matrix products accumulated in tile order. SwiftShader is as accurate as
 * wasm (same measured errors); the 10× margin is for real GPUs' fast built-ins.
 */
const WEBGPU: BackendTolerances = {
  kernel: { A: 1e-5, R: 1e-5 },
  gradient: { A: 1e-4, R: 1e-4 },
  inference: { A: 1e-3, R: 0 },
};

export interface BackendEntry {
  name: BackendName;
  /** The TensorFlow.js backend name the adapter activates. */
  tfName: string;
  setup(): Promise<BackendInfo>;
  tolerances: BackendTolerances;
}

export const BACKENDS: Record<BackendName, BackendEntry> = {
  cpu: {
    name: 'cpu',
    tfName: 'cpu',
    async setup() {
      await activateBackend('cpu');
      return { adapter: 'cpu', backend: 'cpu', float32: true, details: {} };
    },
    tolerances: FLOAT32,
  },
  wasm: { name: 'wasm', tfName: 'wasm', setup: () => useWasmBackend(), tolerances: FLOAT32 },
  'wasm-threads': { name: 'wasm-threads', tfName: 'wasm', setup: () => useWasmThreadsBackend(), tolerances: FLOAT32 },
  // A real GPU when Dawn finds one, else SwiftShader (Debian's chromium package) on the CPU.
  webgpu: { name: 'webgpu', tfName: 'webgpu', setup: () => useWebGpuBackend({ softwareFallback: true }), tolerances: WEBGPU },
  'node-gpu': { name: 'node-gpu', tfName: 'tensorflow', setup: () => useNodeGpuBackend(), tolerances: FLOAT32 },
};

export interface Selection {
  names: BackendName[];
  /** True when TRM_BACKENDS named them: then a backend that cannot start is a failure, not a skip. */
  explicit: boolean;
}

/** Parses `TRM_BACKENDS` (comma list; unset or empty = every backend, each skipped if it cannot start). */
export function selectBackends(value = process.env.TRM_BACKENDS): Selection {
  const raw = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (raw.length === 0) return { names: [...BACKEND_NAMES], explicit: false };
  for (const name of raw) {
    if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError(
        `TRM_BACKENDS: expected a comma list of ${BACKEND_NAMES.join(', ')}, got '${name}'. ` +
          'Unset it to run every backend available on this machine.',
      );
    }
  }
  return { names: [...new Set(raw)] as BackendName[], explicit: true };
}

/** Runs `fn` on the cpu backend, then re-activates `backend`: the in-process reference for cross-backend checks. */
export async function onCpu<T>(backend: string, fn: () => Promise<T>): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return await fn();
  } finally {
    await tf.setBackend(backend);
  }
}
