import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts', 'parity/index': 'src/parity/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  // Bundle tfjs-core's gradient registrations (deep dist/ import, see src/gradients.ts); keep the bare
  // '@tensorflow/tfjs-core' import external so users share one engine.
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
});
