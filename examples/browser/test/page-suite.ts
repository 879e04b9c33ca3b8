/**
 * The end-to-end suite of the self-test page, shared by every bundler's test (browser.test.ts: Vite;
 * esbuild.test.ts: esbuild): the packages' built dist/ (not src/), bundled by the given bundler, served by
 * `vite preview`, run in headless Chromium (harness.ts). Checks that the wasm backend found its .wasm files,
 * that gradients are registered in the bundle, and that training lowers the loss exactly as it does in Node.
 *
 * Needs Debian's Chromium at /usr/bin/chromium (`apt-get update && apt-get install -y chromium`) or at
 * $TRM_CHROMIUM; never downloads a browser. TRM_SKIP_BROWSER=1 skips it, saying so.
 */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../src/experiment.js';
import type { PageResult } from '../src/main.js';
import { ensureDist, launchChromium, requireChromium, SKIP_BROWSER as skip, type Browser } from './harness.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
if (skip) console.warn('examples/browser: TRM_SKIP_BROWSER=1, so the headless-Chromium test is skipped.');

/** What a bundler's test provides: a folder holding the built page (index.html at its root). */
export interface PageBuild {
  /** Suite title, e.g. 'trm-ts in a Vite build, in headless Chromium'. */
  title: string;
  /** Bundles the page (after ensureDist) and returns the folder to serve. */
  build(): Promise<string>;
  /** The URL path of the SIMD binary the page fetches, as this bundler names its assets. */
  wasmPath: RegExp;
}

export function pageSuite(spec: PageBuild): void {
  describe.skipIf(skip)(spec.title, () => {
    let server: PreviewServer | undefined;
    let browser: Browser | undefined;
    let loaded: PageResult | undefined;
    // A failed setup fails every test with its message (a throwing beforeAll would report them as skipped).
    let setupError: unknown;
    const result = (): PageResult => {
      if (setupError !== undefined) throw setupError;
      return loaded!;
    };
    const wasmResponses: { url: string; status: number; type: string | undefined }[] = [];

    beforeAll(async () => {
      try {
        loaded = await buildServeAndRun();
      } catch (err) {
        setupError = err;
      }
    }, 180_000);

    async function buildServeAndRun(): Promise<PageResult> {
      requireChromium();
      ensureDist('trm-core', 'trm-backend-wasm');
      const outDir = await spec.build();
      // Serves the folder as it is (no config file: vite.config.ts belongs to the Vite build).
      server = await preview({ configFile: false, root: outDir, build: { outDir }, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, open: false } });
      browser = await launchChromium();
      const { page } = browser;
      page.on('response', (r) => {
        if (new URL(r.url()).pathname.endsWith('.wasm')) wasmResponses.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] });
      });
      await page.goto(server.resolvedUrls!.local[0]!);
      await page.waitForSelector('#result[data-state="done"], #result[data-state="error"]', { state: 'attached', timeout: 60_000 });
      const r = JSON.parse((await page.textContent('#result'))!) as PageResult;
      if (r.state !== 'done') throw new Error(`the page failed: ${r.error}\nconsole:\n${browser.console.join('\n')}`);
      return r;
    }

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it('runs on the wasm backend with SIMD, its binary fetched from the build', () => {
      const r = result();
      expect(r.wasmError).toBeNull();
      expect(r.backend).toBe('wasm');
      expect(r.simd).toBe(true);
      // Without cross-origin isolation the page gets the SIMD binary (no threads), from the build's assets.
      expect(r.multithread).toBe(false);
      expect(wasmResponses).toHaveLength(1);
      expect(new URL(wasmResponses[0]!.url).pathname).toMatch(spec.wasmPath);
      expect(wasmResponses[0]!.status).toBe(200);
      expect(wasmResponses[0]!.type).toBe('application/wasm');
    });

    it('has gradients: every trainable parameter gets a finite, non-zero gradient', () => {
      const r = result();
      // The MLP-t TRM's trainable tensors, by official key (puzzle rows have their own optimizer; H/L_init are
      // buffers). Parameter count by hand, P = 16 + 1 prefix slot, SwiGLU width = multiple of 256 ≥ ⅔·4·dim:
      // embed 6·32 + lm_head 32·6 + q_head 32·2+2 + mlp_t 17·512 + 256·17 + mlp 32·512 + 256·32 = 38,082.
      expect(Object.keys(r.gradientNorms!).sort()).toEqual([
        'L_level.layers.0.mlp.down_proj.weight', 'L_level.layers.0.mlp.gate_up_proj.weight',
        'L_level.layers.0.mlp_t.down_proj.weight', 'L_level.layers.0.mlp_t.gate_up_proj.weight',
        'embed_tokens.embedding_weight', 'lm_head.weight', 'q_head.bias', 'q_head.weight',
      ]);
      for (const [key, norm] of Object.entries(r.gradientNorms!)) {
        expect(Number.isFinite(norm) && norm > 0, `${key}: ‖grad‖ = ${norm}`).toBe(true);
      }
      expect(r.gradientsNonZero).toBe(true);
      expect(r.params).toBe(38_082);
    });

    it('trains: the loss is finite and falls over 8 steps, and no tensor leaks', () => {
      const r = result();
      const l = r.losses!;
      expect(l).toHaveLength(8);
      for (const x of l) expect(Number.isFinite(x)).toBe(true);
      const falls = l.slice(1).filter((x, i) => x < l[i]!).length;
      expect(falls, `losses ${l.join(', ')}`).toBeGreaterThanOrEqual(6);
      expect(l[7]!).toBeLessThan(0.8 * l[0]!);
      expect(r.leakedTensors).toBe(0);
    });

    it('computes what the same run computes in Node (sources, wasm backend)', async () => {
      const r = result();
      await useWasmBackend();
      const before = tf.memory().numTensors;
      const node = await runExperiment();
      expect(tf.memory().numTensors).toBe(before);
      expect(r.losses!.length).toBe(node.losses.length);
      r.losses!.forEach((x, i) => expect(x).toBeCloseTo(node.losses[i]!, 4));
      for (const [key, norm] of Object.entries(node.gradientNorms)) expect(r.gradientNorms![key]).toBeCloseTo(norm, 4);
    });
  });
}
