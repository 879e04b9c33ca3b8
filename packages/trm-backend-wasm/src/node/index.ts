/**
 * `@trm-ts/backend-wasm/node`: everything of `@trm-ts/backend-wasm` plus the Node-only threaded build
 * (`useWasmThreadsBackend`, which reads files and starts worker_threads). Browser bundles import the main
 * entry, which holds no Node module.
 */
export * from '../index.js';
export * from '../threads.js';
