import { defineConfig } from 'tsup';

export default defineConfig({
  // `node` holds the file-system helpers, so the main entry stays usable in browsers.
  entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
});
