/**
 * The page: picks the wasm backend (cpu if wasm cannot start, and says so), trains the tiny TRM of
 * experiment.ts for a few steps, and writes what happened as JSON into #result (read by test/browser.test.ts)
 * and as a table for people.
 */
import * as tf from '@tensorflow/tfjs-core';
import { activateBackend, type BackendInfo } from '@trm-ts/core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
// Vite copies each binary into dist/assets/ and gives its URL; the wasm backend fetches them from there.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { runExperiment, type ExperimentResult } from './experiment.js';

export interface PageResult extends Partial<ExperimentResult> {
  state: 'done' | 'error';
  /** The active TensorFlow.js backend (`wasm`, or `cpu` after a fallback). */
  backend: string | null;
  simd: boolean | null;
  multithread: boolean | null;
  /** Why wasm was not used (null when it was). */
  wasmError: string | null;
  tfjsVersion: string;
  totalMs: number;
  error?: string;
}

const $ = (id: string) => document.getElementById(id)!;

async function selectBackend(): Promise<{ info: BackendInfo; wasmError: string | null }> {
  try {
    // A map needs all three names (tfjs rejects a partial one); without cross-origin isolation only the SIMD
    // (or, on old browsers, the plain) binary is fetched. Unset, tfjs looks next to the page and 404s.
    const info = await useWasmBackend({
      wasmPaths: {
        'tfjs-backend-wasm.wasm': wasmPlain,
        'tfjs-backend-wasm-simd.wasm': wasmSimd,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
      },
    });
    return { info, wasmError: null };
  } catch (err) {
    // The pure-JS backend always starts; loaded only when needed.
    await import('@tensorflow/tfjs-backend-cpu');
    await activateBackend('cpu');
    const info = { adapter: 'cpu', backend: tf.getBackend(), float32: true, details: {} };
    return { info, wasmError: (err as Error)?.message ?? String(err) };
  }
}

function render(r: PageResult): void {
  const rows = (r.losses ?? []).map((l, i) => `<tr><td>${i + 1}</td><td>${l.toFixed(4)}</td><td>${r.stepMs![i]!.toFixed(0)}</td></tr>`).join('');
  $('view').innerHTML =
    `<p>Backend <b>${r.backend}</b>` + (r.backend === 'wasm' ? ` (SIMD ${r.simd ? 'on' : 'off'}, threads ${r.multithread ? 'on' : 'off'})` : '') +
    (r.wasmError ? ` <span class="error">— wasm failed, fell back to cpu: ${r.wasmError}</span>` : '') + '</p>' +
    (r.params ? `<p>${r.params.toLocaleString('en')} parameters; first-step gradients ${r.gradientsNonZero ? 'non-zero for every parameter' : '<span class="error">missing or zero</span>'}; ${r.leakedTensors} tensors leaked.</p>` : '') +
    (rows ? `<table><tr><th>step</th><th>loss</th><th>ms</th></tr>${rows}</table>` : '') +
    (r.error ? `<p class="error">${r.error}</p>` : '');
}

async function main(): Promise<void> {
  const t0 = performance.now();
  let r: PageResult = { state: 'error', backend: null, simd: null, multithread: null, wasmError: null, tfjsVersion: tf.version_core, totalMs: 0 };
  try {
    const { info, wasmError } = await selectBackend();
    r = { ...r, backend: info.backend, wasmError, simd: (info.details.simd as boolean) ?? null, multithread: (info.details.multithread as boolean) ?? null };
    $('status').textContent = `Training on ${info.backend}…`;
    const exp = await runExperiment({ onStep: (step, loss) => ($('status').textContent = `Training on ${info.backend}: step ${step}, loss ${loss.toFixed(4)}`) });
    r = { ...r, ...exp, state: 'done' };
    $('status').textContent = 'Done.';
  } catch (err) {
    r.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    $('status').textContent = 'Failed.';
  }
  r.totalMs = performance.now() - t0;
  render(r);
  const out = $('result');
  out.textContent = JSON.stringify(r, null, 2);
  out.dataset.state = r.state;
}

void main();
