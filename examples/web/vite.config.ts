import { defineConfig } from 'vite';

/** Cross-origin isolation: SharedArrayBuffer, hence the threaded wasm build (every asset is same-origin). */
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  // Relative asset URLs: dist/ works from any path it is served under.
  base: './',
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  server: { headers: isolation },
  preview: { headers: isolation },
});
