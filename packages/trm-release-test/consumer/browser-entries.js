// Every package's main entry, as a browser app imports it (bundled by esbuild for the browser platform).
export * as core from '@trm-ts/core';
export * as data from '@trm-ts/data';
export * as evaluation from '@trm-ts/eval';
export * as wasm from '@trm-ts/backend-wasm';
export * as webgpu from '@trm-ts/backend-webgpu';
export * as nodeGpu from '@trm-ts/backend-node-gpu';
