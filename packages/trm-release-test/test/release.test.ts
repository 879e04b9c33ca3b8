/**
 * The packages as npm would publish them: each one packed (`pnpm pack`, which rewrites `workspace:` ranges),
 * linted by publint and @arethetypeswrong (the library behind its CLI), then installed from its tarball with npm into a fresh project
 * in the temp folder (outside the workspace, so nothing resolves to the workspace's node_modules). There a
 * TypeScript script is type-checked under strict + noUncheckedIndexedAccess with three module resolutions,
 * compiled and run (train, save, load, evaluate); each entry of @trm-ts/core is checked to register the
 * gradients on its own; and every main entry is bundled for the browser by esbuild.
 *
 * Needs the packages built (`turbo run test` builds them first: this package's turbo.json) and the npm
 * registry for the third-party dependencies (tfjs, vega, @types/node), served from npm's cache once fetched.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { build } from 'esbuild';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HERE = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = join(HERE, '..');
/** The published packages: folder → name. */
const PUBLISHED: Record<string, string> = {
  'trm-core': '@trm-ts/core',
  'trm-data': '@trm-ts/data',
  'trm-eval': '@trm-ts/eval',
  'trm-backend-wasm': '@trm-ts/backend-wasm',
  'trm-backend-webgpu': '@trm-ts/backend-webgpu',
  'trm-backend-node-gpu': '@trm-ts/backend-node-gpu',
};
const require = createRequire(import.meta.url);
const TSC = join(dirname(require.resolve('typescript/package.json')), 'bin/tsc');

function run(cmd: string, args: string[], cwd: string, timeout = 180_000): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: 'pipe', timeout, env: { ...process.env, NO_COLOR: '1', npm_config_fund: 'false', npm_config_audit: 'false' } });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Newest modification time under a folder. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The built dist/ of a package, refusing a missing or stale one (the tarball would ship old code). */
function checkBuilt(folder: string): void {
  const dist = join(PACKAGES, folder, 'dist/index.js');
  const fix = `Run \`pnpm --filter ${PUBLISHED[folder]} build\` (\`pnpm test\` builds it through turbo).`;
  if (!existsSync(dist)) throw new Error(`release test: expected ${dist}, got nothing. ${fix}`);
  const src = Math.max(newest(join(PACKAGES, folder, 'src')), statSync(join(PACKAGES, folder, 'package.json')).mtimeMs);
  if (statSync(dist).mtimeMs < src) throw new Error(`release test: expected packages/${folder}/dist newer than its src/, got an older build. ${fix}`);
}

describe('the packed packages', () => {
  let work = '';
  const tarballs: Record<string, string> = {};

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'trm-release-'));
    for (const folder of Object.keys(PUBLISHED)) {
      checkBuilt(folder);
      const out = run('pnpm', ['pack', '--pack-destination', work], join(PACKAGES, folder)).trim().split('\n').pop()!;
      tarballs[folder] = out;
    }
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ship dist, README.md, LICENSE and package.json, with workspace ranges rewritten', () => {
    for (const [folder, tgz] of Object.entries(tarballs)) {
      const files = run('tar', ['-tzf', tgz], work).trim().split('\n');
      expect(files.filter((f) => !f.startsWith('package/dist/')).sort(), folder).toEqual(['package/LICENSE', 'package/README.md', 'package/package.json']);
      const pkg = run('tar', ['-xOzf', tgz, 'package/package.json'], work);
      expect(pkg, folder).not.toContain('workspace:');
      const json = JSON.parse(pkg) as Record<string, unknown>;
      for (const key of ['repository', 'homepage', 'bugs', 'keywords', 'license', 'engines']) expect(json[key], `${folder} ${key}`).toBeDefined();
    }
  });

  it('@trm-ts/core is a peer (never a dependency) of every other package', () => {
    for (const [folder, tgz] of Object.entries(tarballs)) {
      if (folder === 'trm-core') continue;
      const json = JSON.parse(run('tar', ['-xOzf', tgz, 'package/package.json'], work)) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
      expect(json.dependencies?.['@trm-ts/core'], folder).toBeUndefined();
      expect(json.peerDependencies?.['@trm-ts/core'], folder).toBe('>=0.1.0 <1.0.0');
    }
  });

  it('publint: no error, warning or suggestion', async () => {
    for (const [folder, tgz] of Object.entries(tarballs)) {
      const bytes = readFileSync(tgz);
      const { messages, pkg } = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }, level: 'suggestion', strict: true });
      expect(messages.map((m) => formatMessage(m, pkg) ?? m.code), folder).toEqual([]);
    }
  });

  it('@arethetypeswrong: types resolve under node10, node16 (ESM) and bundler', async () => {
    // ESM-only by decision: a CommonJS caller uses import() (or Node ≥ 20.19's require(esm)), which attw
    // reports as CJSResolvesToESM; every other problem fails the test.
    for (const [folder, tgz] of Object.entries(tarballs)) {
      const result = await checkPackage(createPackageFromTarballData(new Uint8Array(readFileSync(tgz))));
      expect(result.types, folder).not.toBe(false);
      const all = 'problems' in result ? result.problems : [];
      // The control: the one accepted problem is found, so the analysis did run on this package's entries.
      expect(all.some((p) => p.kind === 'CJSResolvesToESM'), folder).toBe(true);
      expect(all.filter((p) => p.kind !== 'CJSResolvesToESM'), folder).toEqual([]);
    }
  });

  describe('installed from the tarballs into a fresh project', () => {
    let app = '';
    beforeAll(() => {
      app = join(work, 'app');
      cpSync(join(HERE, 'consumer'), app, { recursive: true });
      const deps = Object.fromEntries(Object.entries(PUBLISHED).map(([folder, name]) => [name, `file:${tarballs[folder]}`]));
      writeFileSync(join(app, 'package.json'), JSON.stringify({
        name: 'trm-consumer', private: true, type: 'module',
        dependencies: { ...deps, '@tensorflow/tfjs-core': '4.22.0', '@types/node': '^20.19.0' },
      }, null, 2));
      run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], app, 240_000);
    }, 300_000);

    for (const mode of ['bundler', 'node16', 'node10']) {
      it(`type-checks the script (strict, noUncheckedIndexedAccess, moduleResolution ${mode})`, () => {
        run(process.execPath, [TSC, '-p', `tsconfig.${mode}.json`, '--noEmit'], app);
      });
    }

    it('runs it: trains, saves, reloads exactly, resumes and evaluates', () => {
      run(process.execPath, [TSC, '-p', 'tsconfig.node16.json'], app);
      const out = run(process.execPath, ['out-node16/main.js'], app).trim().split('\n').pop()!;
      const r = JSON.parse(out) as {
        backend: string; losses: number[]; mismatches: number; mismatchesOfficial: number; tensors: number; resumedSteps: number[];
        metrics: { count: number; accuracy: number; exactAccuracy: number }; solved: number[][]; numTensors: number;
      };
      expect(r.backend).toBe('wasm');
      expect(r.losses).toHaveLength(4);
      for (const l of r.losses) expect(Number.isFinite(l)).toBe(true);
      expect(r.tensors).toBeGreaterThan(5);
      expect(r.mismatches).toBe(0);
      expect(r.mismatchesOfficial).toBe(2); // the control: BF16 H_init and L_init
      expect(r.metrics.count).toBe(32);
      expect(r.metrics.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.metrics.accuracy).toBeLessThanOrEqual(1);
      expect(r.resumedSteps).toEqual([5]);
      expect(r.solved).toEqual([[0], [1]]);
      expect(r.numTensors).toBe(0);
    });

    it('registers the gradients whichever entry of @trm-ts/core is imported alone', () => {
      // The control: with no trm-ts entry, tfjs-core under Node has no gradient for Multiply.
      const none = JSON.parse(run(process.execPath, ['grad-entry.mjs', 'none'], app)) as { error?: string };
      expect(none.error).toBe('Cannot compute gradient: gradient function not found for Multiply.');
      for (const entry of ['@trm-ts/core', '@trm-ts/core/node', '@trm-ts/core/parity']) {
        const r = JSON.parse(run(process.execPath, ['grad-entry.mjs', entry], app)) as { grad?: number[]; error?: string };
        expect(r, entry).toEqual({ grad: [2, 4, 6] });
      }
    });

    it('bundles every main entry for the browser with esbuild, without a warning', async () => {
      const result = await build({
        absWorkingDir: app, entryPoints: ['browser-entries.js'], bundle: true, platform: 'browser', format: 'esm',
        target: 'es2022', write: false, logLevel: 'silent', metafile: true,
        // Loaded on demand by the node-gpu adapter, which says so when it is missing.
        external: ['@tensorflow/tfjs-node-gpu'],
      });
      expect(result.errors).toEqual([]);
      expect(result.warnings.map((w) => `${w.text} (${w.location?.file ?? ''})`)).toEqual([]);
      // A Node builtin would have failed to resolve (an error above); no file of a `./node` entry is bundled.
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.filter((f) => /@trm-ts\/[^/]+\/dist\/node\//.test(f))).toEqual([]);
      expect(inputs.some((f) => f.includes('@trm-ts/backend-wasm/dist/'))).toBe(true);
    });
  });
});
