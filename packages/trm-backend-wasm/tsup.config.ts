import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  // The workspace packages stay imports: tsconfig paths point them at their sources, which tsup would otherwise bundle.
  external: [/^@trm-ts\//],
});
