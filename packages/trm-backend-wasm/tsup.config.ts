import { defineConfig } from 'tsup';

export default defineConfig({
  // `node` holds the threaded build (node:fs, node:module, worker_threads…), so the main entry bundles for browsers.
  entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  // The workspace packages stay imports: tsconfig paths point them at their sources, which tsup would otherwise bundle.
  external: [/^@trm-ts\//],
});
