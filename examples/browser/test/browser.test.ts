/**
 * The page bundled by `vite build` (vite.config.ts), run by the shared headless-Chromium suite (page-suite.ts).
 */
import { join } from 'node:path';
import { build } from 'vite';
import { expect } from 'vitest';
import { pageSuite, ROOT } from './page-suite.js';

pageSuite({
  title: 'trm-ts in a Vite build, in headless Chromium',
  async build() {
    const out = await build({ root: ROOT, logLevel: 'warn' });
    // What was bundled is what users get: the packages' dist/, never their src/.
    const ids = (Array.isArray(out) ? out : [out]).flatMap((o) => ('output' in o ? o.output : [])).flatMap((c) => (c.type === 'chunk' ? c.moduleIds : []));
    expect(ids.some((id) => id.endsWith('packages/trm-core/dist/index.js'))).toBe(true);
    expect(ids.some((id) => id.endsWith('packages/trm-backend-wasm/dist/index.js'))).toBe(true);
    expect(ids.filter((id) => /packages\/trm-[^/]+\/src\//.test(id))).toEqual([]);
    return join(ROOT, 'dist');
  },
  wasmPath: /\/assets\/tfjs-backend-wasm-simd-[\w-]+\.wasm$/,
});
