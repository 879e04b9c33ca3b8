import { defineConfig } from 'tsup';

// The benchmark is bundled, not run through a TS loader: trm-core's src imports tfjs-core's gradient files,
// ESM with extensionless imports that plain Node cannot load but esbuild resolves (see trm-core/src/gradients.ts).
export default defineConfig({
  entry: { readouts: 'bench/readouts.ts' },
  outDir: 'bench/dist',
  format: ['esm'],
  platform: 'node',
  clean: true,
  noExternal: [/^@trm-ts\//, /^@tensorflow\/tfjs-core\/dist\//],
});
