import { fileURLToPath, pathToFileURL } from 'node:url';
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
  // package.json's `sideEffects` describes dist/ for users' bundlers. During this build it would also mark
  // src/gradients.ts as free of side effects and drop its registrations: this plugin says it has them.
  esbuildPlugins: [
    {
      name: 'gradients-have-side-effects',
      setup(build) {
        build.onResolve({ filter: /\/gradients\.js$/ }, (args) => ({
          path: fileURLToPath(new URL(args.path.replace(/\.js$/, '.ts'), pathToFileURL(`${args.resolveDir}/`))),
          sideEffects: true,
        }));
      },
    },
  ],
});
