import { defineConfig } from 'tsup';

// The experiment command is bundled, not run through a TS loader (as bench/): trm-core's src imports tfjs-core's
// gradient files, ESM with extensionless imports that esbuild resolves. The wasm backend stays external (it
// loads its .wasm files from its own package folder).
export default defineConfig({
  entry: { 'experiment-cli': 'src/run/experiment-cli.ts' },
  outDir: 'dist/experiment',
  format: ['esm'],
  platform: 'node',
  clean: true,
  noExternal: [/^@trm-ts\//, /^@tensorflow\/tfjs-core\/dist\//],
  external: ['@tensorflow/tfjs-backend-wasm'],
});
