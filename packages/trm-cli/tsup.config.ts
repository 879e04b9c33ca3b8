import { defineConfig } from 'tsup';

// The workspace packages stay external (their own dist/, where trm-core bundles tfjs's gradient registrations).
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  external: ['@trm-ts/backend-webgpu'], // optional: loaded by --backend webgpu only
});
