/**
 * The headless-Chromium harness of the example apps' end-to-end tests (examples/browser, examples/web):
 * build the packages' dist/ when stale, `vite build` + `vite preview` an app, launch Debian's Chromium through
 * playwright-core (on wasm, or on WebGPU over SwiftShader, a CPU Vulkan driver). Never downloads a browser.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build, preview, type PreviewServer, type UserConfig } from 'vite';

/** Debian's Chromium; TRM_CHROMIUM points elsewhere (another distribution's path). */
export const CHROMIUM = process.env.TRM_CHROMIUM ?? '/usr/bin/chromium';
/** The Vulkan driver file of Debian's chromium package: SwiftShader, WebGPU on the CPU. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** TRM_SKIP_BROWSER=1 skips the headless-Chromium tests (they say so). */
export const SKIP_BROWSER = process.env.TRM_SKIP_BROWSER === '1';
const REPO = fileURLToPath(new URL('../../..', import.meta.url));

/** Newest modification time of the files a package's build reads. */
function newestInput(dir: string): number {
  let t = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!/\.test\.ts$/.test(e.name)) t = Math.max(t, statSync(p).mtimeMs);
    }
  };
  walk(join(dir, 'src'));
  for (const f of ['package.json', 'tsup.config.ts']) t = Math.max(t, statSync(join(dir, f)).mtimeMs);
  return t;
}

/**
 * The apps import the packages through their package.json `exports`, i.e. dist/, which the root `pnpm test`
 * does not build: builds each listed package (folder name under packages/) whose dist/ is missing or older than
 * its sources. (`pnpm --filter` would refuse: some packages depend on each other as devDependencies.)
 */
export function ensureDist(...pkgs: string[]): void {
  for (const pkg of pkgs) {
    const dir = join(REPO, 'packages', pkg);
    const out = join(dir, 'dist/index.js');
    if (existsSync(out) && statSync(out).mtimeMs >= newestInput(dir)) continue;
    try {
      execFileSync('pnpm', ['run', 'build'], { cwd: dir, stdio: 'pipe' });
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`building packages/${pkg} for the browser test failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  }
}

export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `browser test: expected Chromium at ${CHROMIUM}, found nothing. Install Debian's: ` +
        '`apt-get update && apt-get install -y chromium`, or set TRM_SKIP_BROWSER=1 to skip this test.',
    );
  }
}

export interface Served {
  server: PreviewServer;
  url: string;
  /** Every module bundled into the build's chunks (to check that dist/, not src/, was bundled). */
  moduleIds: string[];
}

/** `vite build` then `vite preview` of the app at `root`, on a free port of 127.0.0.1. */
export async function buildAndPreview(root: string, config: UserConfig = {}): Promise<Served> {
  const out = await build({ root, logLevel: 'warn', ...config });
  const moduleIds = (Array.isArray(out) ? out : [out]).flatMap((o) => ('output' in o ? o.output : [])).flatMap((c) => (c.type === 'chunk' ? c.moduleIds : []));
  const server = await preview({ root, logLevel: 'warn', ...config, preview: { host: '127.0.0.1', port: 0, open: false } });
  return { server, url: server.resolvedUrls!.local[0]!, moduleIds };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console lines and page errors, for failure messages. */
  console: string[];
  close(): Promise<void>;
}

const COMMON_ARGS = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** WebGPU in headless Chromium without a GPU: Dawn on Vulkan, the Vulkan loader pointed at SwiftShader. */
const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--ignore-gpu-blocklist'];

/** Launches headless Chromium with a fresh profile; `webgpu` enables WebGPU on SwiftShader, else the GPU is off. */
export async function launchChromium(opts: { webgpu?: boolean } = {}): Promise<Browser> {
  requireChromium();
  const userDataDir = mkdtempSync(join(tmpdir(), 'trm-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...COMMON_ARGS, ...(opts.webgpu ? WEBGPU_ARGS : ['--disable-gpu'])],
    env: opts.webgpu ? { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER_ICD } : process.env,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const lines: string[] = [];
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  return {
    context,
    page,
    console: lines,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
