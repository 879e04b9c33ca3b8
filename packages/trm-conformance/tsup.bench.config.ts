import { defineConfig } from 'tsup';

// The benchmark runs as plain Node: bundle the workspace sources (tsconfig paths) and tfjs-core's gradient
// registrations (see trm-core/src/gradients.ts); keep TensorFlow.js and Dawn external so that their .wasm and
// native files load from their packages.
export default defineConfig({
  entry: { bench: 'src/bench.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: '.bench',
  clean: true,
  noExternal: [/^@trm-ts\//, /^@tensorflow\/tfjs-core\/dist\//],
  external: [/^@tensorflow\/tfjs-core$/, /^@tensorflow\/tfjs-backend-/, 'webgpu', '@tensorflow/tfjs-node-gpu'],
  // tfjs-core's package.json does not list register_all_gradients as a side effect; keep it anyway.
  esbuildOptions(options) {
    options.ignoreAnnotations = true;
  },
});
