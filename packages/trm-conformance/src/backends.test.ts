import { ConfigError } from '@trm-ts/core';
import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, selectBackends } from './backends.js';

describe('TRM_BACKENDS', () => {
  it('unset or empty selects every backend, each skipped when it cannot start', () => {
    const saved = process.env.TRM_BACKENDS; // the suite itself may run with a selection
    delete process.env.TRM_BACKENDS;
    try {
      expect(selectBackends(undefined)).toEqual({ names: [...BACKEND_NAMES], explicit: false });
    } finally {
      if (saved !== undefined) process.env.TRM_BACKENDS = saved;
    }
    expect(selectBackends(' , ')).toEqual({ names: [...BACKEND_NAMES], explicit: false });
  });

  it('a comma list selects exactly those, once each, and makes them required', () => {
    expect(selectBackends('webgpu, wasm,webgpu')).toEqual({ names: ['webgpu', 'wasm'], explicit: true });
  });

  it('an unknown name is a ConfigError listing the valid names', () => {
    expect(() => selectBackends('wasm,gpu')).toThrow(ConfigError);
    expect(() => selectBackends('wasm,gpu')).toThrow(
      "TRM_BACKENDS: expected a comma list of cpu, wasm, wasm-threads, webgpu, node-gpu, got 'gpu'.",
    );
  });
});
