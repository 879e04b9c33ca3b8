import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@trm-ts/core';
import { describe, expect, it } from 'vitest';
import { expectBackendComputes } from '@trm-ts/testing';
import { SWIFTSHADER_ICD, useWebGpuBackend } from './index.js';

/** A GPU that has no adapter, recording what it was asked for. */
function gpuWithoutAdapter(requests: GPURequestAdapterOptions[]): GPU {
  return {
    requestAdapter: async (options?: GPURequestAdapterOptions) => {
      requests.push(options ?? {});
      return null;
    },
  } as unknown as GPU;
}

describe('webgpu backend adapter', () => {
  it('fails with a BackendError that names the options and the SwiftShader fix when there is no adapter', async () => {
    const requests: GPURequestAdapterOptions[] = [];
    const err = await useWebGpuBackend({ gpu: gpuWithoutAdapter(requests), powerPreference: 'low-power' }).catch((e) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err.message).toContain('expected a GPU adapter (powerPreference=low-power), got none');
    expect(err.message).toContain(SWIFTSHADER_ICD);
    expect(requests).toEqual([{ powerPreference: 'low-power', forceFallbackAdapter: false }]);
  });

  it('starts on Dawn in Node (SwiftShader when no GPU driver is found), reports the adapter, and computes', async () => {
    const info = await useWebGpuBackend({ softwareFallback: true });
    expect(info.backend).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(info.details).toMatchObject({ runtime: 'dawn (webgpu package)' });
    expect(info.details.software).toBe(info.details.architecture === 'swiftshader');
    if (info.details.software) expect(info.details.vulkanIcd).toBe(SWIFTSHADER_ICD);
    await expectBackendComputes();
  });

  it('runs on SwiftShader when pointed at its Vulkan driver', async () => {
    const info = await useWebGpuBackend({ vulkanIcd: SWIFTSHADER_ICD });
    expect(info.details).toMatchObject({ architecture: 'swiftshader', software: true, vulkanIcd: SWIFTSHADER_ICD });
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => tf.sum(tf.mul(tf.range(0, 100), tf.range(0, 100))));
    expect(Array.from(await y.data())).toEqual([328350]); // Σ k² for k < 100 = 99·100·199/6
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
