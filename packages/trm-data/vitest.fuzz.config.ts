import { packageConfig } from '../../vitest.shared.js';

// The parser fuzz run (≥ 10,000 generated inputs per parser); not part of `pnpm test`.
export default packageConfig({ include: ['src/**/*.fuzz.test.ts'], exclude: ['**/node_modules/**'] });
