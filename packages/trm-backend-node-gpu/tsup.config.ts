import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  // The optional peer is only listed in peerDependenciesMeta (see docs/backends.md), so name it here.
  external: ['@tensorflow/tfjs-node-gpu'],
});
