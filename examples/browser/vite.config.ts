import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs: dist/ works from any path it is served under.
  base: './',
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
});
