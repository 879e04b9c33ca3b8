import { packageConfig } from '../../vitest.shared.js';

export default packageConfig({ include: ['src/**/*.test.ts', 'test/**/*.test.ts'] });
