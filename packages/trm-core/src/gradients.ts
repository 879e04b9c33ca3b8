/**
 * Registers TensorFlow.js's gradient functions once, for every way trm-core is loaded.
 *
 * tfjs-core's Node bundle (`dist/tf-core.node.js`, what `import '@tensorflow/tfjs-core'` resolves to under
 * Node) registers no gradients, and `@tensorflow/tfjs-core/dist/register_all_gradients` is an ESM file with
 * extensionless imports that plain Node ESM cannot load. So this module imports that file and trm-core's
 * build bundles it into `dist/` (tsup `noExternal` for the deep `dist/` path), where esbuild resolves the
 * extensionless imports; under Vitest the same import is inlined by Vite (see vitest.config.ts). The bundled
 * copy registers into tfjs's global gradient registry (`globalThis._tfGlobals`), which the engine of the
 * main tfjs-core copy reads, so `tf.variableGrads` works in Node, in Vitest and in a Vite browser build.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
