import { defineConfig } from 'vitest/config';

// No workspace aliases: this package tests the packed tarballs, never src/.
export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 } });
