/**
 * The same page bundled by esbuild instead of Vite, run by the shared headless-Chromium suite (page-suite.ts).
 * esbuild has no `?url` imports: a small plugin gives the page's three `….wasm?url` imports the URL of the
 * file that esbuild's `file` loader copies next to the bundle, which is what the Vite build does.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterAll, expect } from 'vitest';
import { pageSuite, ROOT } from './page-suite.js';

const require = createRequire(join(ROOT, 'package.json'));
let outDir: string | undefined;

/** `import x from 'pkg/file.wasm?url'` → the URL of the copied file, as Vite's `?url` suffix gives. */
const wasmUrls: Plugin = {
  name: 'wasm-url',
  setup(b) {
    b.onResolve({ filter: /\.wasm\?url$/ }, (args) => ({ path: require.resolve(args.path.slice(0, -'?url'.length)) }));
  },
};

pageSuite({
  title: 'trm-ts in an esbuild bundle, in headless Chromium',
  async build() {
    outDir = mkdtempSync(join(tmpdir(), 'trm-esbuild-page-'));
    const result = await build({
      entryPoints: [join(ROOT, 'src/main.ts')],
      absWorkingDir: ROOT,
      // Resolve the packages through their package.json exports, as a user's project does (the workspace
      // tsconfig maps them to src/).
      tsconfigRaw: '{}',
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      outdir: outDir,
      loader: { '.wasm': 'file' },
      assetNames: 'assets/[name]-[hash]',
      // Asset URLs relative to the page (the bundle sits next to index.html).
      publicPath: './',
      plugins: [wasmUrls],
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.text)).toEqual([]);
    // What was bundled is what users get: the packages' dist/, never their src/ nor a Node-only entry.
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.endsWith('packages/trm-core/dist/index.js'))).toBe(true);
    expect(inputs.some((f) => /packages\/trm-backend-wasm\/dist\/(index|chunk-[\w-]+)\.js$/.test(f))).toBe(true);
    expect(inputs.filter((f) => /packages\/trm-[^/]+\/(src|dist\/node)\//.test(f))).toEqual([]);
    // The page's own HTML, pointing at the bundle instead of Vite's /src/main.ts.
    const html = readFileSync(join(ROOT, 'index.html'), 'utf8').replace('src="/src/main.ts"', 'src="./main.js"');
    expect(html).toContain('src="./main.js"');
    writeFileSync(join(outDir, 'index.html'), html);
    return outDir;
  },
  wasmPath: /\/assets\/tfjs-backend-wasm-simd-[\w-]+\.wasm$/,
});

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});
