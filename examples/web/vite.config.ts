import { defineConfig } from 'vite';

/** Cross-origin isolation: SharedArrayBuffer, hence the threaded wasm build (every asset is same-origin). */
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  // Relative asset URLs: dist/ works from any path it is served under.
  base: './',
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    // Whitespace only: tfjs-backend-wasm hands its threaded build's pthread workers the Emscripten factory as
    // source text (`factory.toString()`), and that text must still read as its own source. Mangled, the workers
    // fail with "e is not defined"; compressed, with "_scriptDir is not defined"; either way wasm never starts.
    rolldownOptions: { output: { minify: { mangle: false, compress: false } } },
  },
  server: { headers: isolation },
  preview: { headers: isolation },
});
