/**
 * Shared Vitest settings: tests run on each package's `src/` (workspace packages are aliased to their
 * sources), and tfjs-core's gradient registrations are inlined (see packages/trm-core/src/gradients.ts).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export const workspaceAliases: Record<string, string> = {
  '@trm-ts/data/node': fileURLToPath(new URL('./packages/trm-data/src/node/index.ts', import.meta.url)),
  '@trm-ts/core/parity': fileURLToPath(new URL('./packages/trm-core/src/parity/index.ts', import.meta.url)),
  '@trm-ts/core/internal': fileURLToPath(new URL('./packages/trm-core/src/internal.ts', import.meta.url)),
  '@trm-ts/core/node': fileURLToPath(new URL('./packages/trm-core/src/node/index.ts', import.meta.url)),
  '@trm-ts/backend-wasm/node': fileURLToPath(new URL('./packages/trm-backend-wasm/src/node/index.ts', import.meta.url)),
  '@trm-ts/core': src('trm-core'),
  '@trm-ts/backend-wasm': src('trm-backend-wasm'),
  '@trm-ts/data': src('trm-data'),
  '@trm-ts/eval': src('trm-eval'),
  '@trm-ts/backend-webgpu': src('trm-backend-webgpu'),
  '@trm-ts/backend-node-gpu': src('trm-backend-node-gpu'),
  '@trm-ts/cli': src('trm-cli'),
  '@trm-ts/testing': src('trm-testing'),
};

export function packageConfig(extra: { include?: string[]; exclude?: string[]; testTimeout?: number } = {}) {
  return defineConfig({
    resolve: { alias: workspaceAliases },
    test: {
      include: extra.include ?? ['src/**/*.test.ts'],
      exclude: extra.exclude ?? ['**/node_modules/**', 'src/**/*.fuzz.test.ts', 'src/**/*.slow.test.ts'],
      // The CLI's --backend default is `auto` (two wasm threads on ≥ 2 cores); in-process tests share one plain wasm module.
      env: { TRM_BACKEND: 'wasm' },
      testTimeout: extra.testTimeout ?? 300_000,
      hookTimeout: 300_000,
      server: {
        deps: {
          inline: [/@tensorflow\/tfjs-core\/dist\/(register_all_gradients|gradients|ops|kernel_names|util|engine|tensor)/],
        },
      },
    },
  });
}
