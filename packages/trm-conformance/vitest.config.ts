import { fileURLToPath } from 'node:url';
import { packageConfig } from '../../vitest.shared.js';

const config = packageConfig();
// '@trm-ts/core/parity' must be matched before the '@trm-ts/core' prefix alias of vitest.shared.ts.
config.resolve!.alias = {
  '@trm-ts/core/parity': fileURLToPath(new URL('../trm-core/src/parity/index.ts', import.meta.url)),
  ...(config.resolve!.alias as Record<string, string>),
};
export default config;
