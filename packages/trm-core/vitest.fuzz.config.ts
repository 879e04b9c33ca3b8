import { packageConfig } from '../../vitest.shared.js';

/** The fuzz run (`pnpm --filter @trm-ts/core test:fuzz`): only `*.fuzz.test.ts`, which the normal run excludes. */
export default packageConfig({ include: ['src/**/*.fuzz.test.ts'], exclude: ['**/node_modules/**'] });
