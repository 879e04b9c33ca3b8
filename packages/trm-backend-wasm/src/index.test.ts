import { describe, expect, it } from 'vitest';
import { expectBackendComputes } from '@trm-ts/testing';
import { useWasmBackend } from './index.js';

describe('wasm backend adapter', () => {
  it('starts without configuration in Node, with SIMD, and computes', async () => {
    const info = await useWasmBackend();
    expect(info.backend).toBe('wasm');
    expect(info.details.simd).toBe(true);
    await expectBackendComputes();
  });
});
