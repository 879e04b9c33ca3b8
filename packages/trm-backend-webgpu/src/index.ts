/**
 * @trm-ts/backend-webgpu — TensorFlow.js's WebGPU backend, in browsers and in Node.
 *
 * In a browser the GPU comes from `navigator.gpu`. In Node it comes from Dawn, Chromium's WebGPU implementation,
 * through the optional `webgpu` package (`npm install webgpu`). On a machine without a GPU, Dawn runs on
 * SwiftShader, a Vulkan driver on the CPU that Debian's `chromium` package ships: pass
 * `{ vulkanIcd: SWIFTSHADER_ICD }` (slow; for tests). See docs/backends.md.
 *
 * The adapter requests the GPU adapter and device itself and registers the backend with them, so that the
 * options below apply (tfjs's own registration always asks `navigator.gpu` with default options).
 */
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { activateBackend, BackendError, type BackendAdapter, type BackendInfo } from '@trm-ts/core';

/** The Vulkan driver file of Debian's `chromium` package: SwiftShader, a software GPU. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface WebGpuBackendOptions {
  /** Which GPU to prefer when there are several (default 'high-performance'). */
  powerPreference?: GPUPowerPreference;
  /** Ask for the browser's/Dawn's fallback (software) adapter. */
  forceFallbackAdapter?: boolean;
  /** Node only: the Dawn backend to force, e.g. 'vulkan', 'metal', 'd3d12', 'opengl' (Dawn flag `backend=`). */
  dawnBackend?: string;
  /** Node only: the exact adapter name to use (Dawn flag `adapter=`); a wrong name makes Dawn list the names. */
  dawnAdapter?: string;
  /** Node only: more Dawn flags, e.g. `enable-dawn-features=allow_unsafe_apis`. */
  dawnFlags?: string[];
  /**
   * Node only: the Vulkan driver file(s) Dawn's Vulkan loader uses (sets `VK_ICD_FILENAMES` before Dawn starts).
   * `SWIFTSHADER_ICD` runs WebGPU on the CPU.
   */
  vulkanIcd?: string;
  /**
   * Node only: when Dawn finds no adapter, retry once on this Vulkan driver file (`true` = `SWIFTSHADER_ICD`,
   * the CPU). Off by default, so that a missing GPU driver is an error rather than a silent 100× slowdown;
   * `details.software` tells which one ran.
   */
  softwareFallback?: boolean | string;
  /** A `GPU` object to use instead of `navigator.gpu` or Dawn (tests, custom setups). */
  gpu?: GPU;
}

/** What the `webgpu` package exports (only what the adapter uses). */
interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

const DAWN_MODULE = 'webgpu';
const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** The adapter names of a request, for error messages. */
function describe(request: GPURequestAdapterOptions, options: WebGpuBackendOptions): string {
  const parts = [`powerPreference=${request.powerPreference}`];
  if (request.forceFallbackAdapter) parts.push('forceFallbackAdapter');
  if (options.dawnBackend) parts.push(`dawnBackend=${options.dawnBackend}`);
  if (options.dawnAdapter) parts.push(`dawnAdapter=${options.dawnAdapter}`);
  if (options.vulkanIcd) parts.push(`vulkanIcd=${options.vulkanIcd}`);
  return parts.join(', ');
}

async function loadDawn(options: WebGpuBackendOptions): Promise<GPU> {
  let dawn: DawnModule;
  try {
    // A variable specifier: browser bundlers must not try to resolve Dawn, which only exists in Node.
    dawn = (await import(/* @vite-ignore */ DAWN_MODULE)) as DawnModule;
  } catch (err) {
    throw new BackendError(
      `webgpu: expected the 'webgpu' package (Dawn) in Node, got: ${(err as Error).message}. ` +
        `Install it next to @trm-ts/backend-webgpu (npm install webgpu), or pick another backend (@trm-ts/backend-wasm).`,
    );
  }
  // tfjs-backend-webgpu reads the WebGPU enums (GPUBufferUsage, GPUMapMode, …) as globals, as in a browser.
  for (const [key, value] of Object.entries(dawn.globals)) {
    if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
  }
  // The Vulkan loader reads VK_ICD_FILENAMES when Dawn creates its instance, i.e. during create().
  if (options.vulkanIcd !== undefined) process.env.VK_ICD_FILENAMES = options.vulkanIcd;
  const flags = [...(options.dawnFlags ?? [])];
  if (options.dawnBackend) flags.push(`backend=${options.dawnBackend}`);
  if (options.dawnAdapter) flags.push(`adapter=${options.dawnAdapter}`);
  return dawn.create(flags);
}

/**
 * tfjs-backend-webgpu's constructor refuses to start unless `navigator.gpu` exists, so Node (which has no
 * `navigator` before version 21, and none with `gpu`) gets one. Kept as a plain property so it can be deleted.
 */
function exposeGpu(gpu: GPU): void {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator?.gpu === gpu) return;
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
}

function noAdapterHelp(): string {
  if (!isNode) return 'Use a browser with WebGPU enabled (Chrome/Edge 113+, Safari 26+, Firefox 141+ on Windows).';
  return (
    'On a machine with a GPU, check its Vulkan driver (vulkaninfo --summary) or force a Dawn backend ' +
    "({ dawnBackend: 'vulkan' | 'metal' | 'd3d12' }). Without a GPU, install Debian's chromium package " +
    `(apt-get install chromium) and pass { vulkanIcd: SWIFTSHADER_ICD } (${SWIFTSHADER_ICD}), a CPU Vulkan driver.`
  );
}

export const webgpuBackend: BackendAdapter<WebGpuBackendOptions> = {
  name: 'webgpu',
  async setup(options: WebGpuBackendOptions = {}): Promise<BackendInfo> {
    const navigatorGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    let gpu = options.gpu ?? navigatorGpu ?? (isNode ? await loadDawn(options) : undefined);
    if (!gpu) {
      throw new BackendError(`webgpu: expected navigator.gpu in this browser, got none. ${noAdapterHelp()}`);
    }
    const request: GPURequestAdapterOptions = {
      powerPreference: options.powerPreference ?? 'high-performance',
      forceFallbackAdapter: options.forceFallbackAdapter ?? false,
    };
    let adapter = await gpu.requestAdapter(request);
    const fallbackIcd = options.softwareFallback === true ? SWIFTSHADER_ICD : options.softwareFallback || undefined;
    if (!adapter && fallbackIcd && isNode && !options.gpu && !navigatorGpu) {
      gpu = await loadDawn({ ...options, vulkanIcd: fallbackIcd });
      adapter = await gpu.requestAdapter(request);
    }
    if (!adapter) {
      throw new BackendError(`webgpu: expected a GPU adapter (${describe(request, options)}), got none. ${noAdapterHelp()}`);
    }
    // Ask for the adapter's own limits: the WebGPU defaults (e.g. 128 MiB storage buffers) are far below
    // what real GPUs allow, and tfjs sizes its kernels from device.limits. Same features as tfjs's default.
    const limits = adapter.limits;
    const requiredFeatures = (['timestamp-query'] as GPUFeatureName[]).filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      },
    });
    const info = adapter.info;
    exposeGpu(gpu);

    // Replace any earlier registration (tfjs registers its own factory when navigator.gpu exists at import).
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(device, info), 3);
    await activateBackend('webgpu');

    return {
      adapter: 'webgpu',
      backend: tf.getBackend(),
      // WebGPU shaders compute in f32; tfjs's WebGPU backend has no f16 path and no float64.
      float32: true,
      details: {
        runtime: options.gpu ? 'injected' : navigatorGpu ? 'navigator.gpu' : 'dawn (webgpu package)',
        vulkanIcd: isNode ? process.env.VK_ICD_FILENAMES : undefined,
        vendor: info.vendor,
        architecture: info.architecture,
        device: info.device,
        description: info.description,
        software: info.architecture === 'swiftshader' || (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
        powerPreference: request.powerPreference,
        dawnBackend: options.dawnBackend,
        maxBufferSize: limits.maxBufferSize,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        features: requiredFeatures,
      },
    };
  },
};

/** Registers and activates the WebGPU backend; resolves with what it got (adapter name, vendor, limits). */
export function useWebGpuBackend(options?: WebGpuBackendOptions): Promise<BackendInfo> {
  return webgpuBackend.setup(options);
}
