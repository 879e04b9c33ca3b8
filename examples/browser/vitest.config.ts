import { mergeConfig } from 'vitest/config';
import { packageConfig } from '../../vitest.shared.js';

// One test file at a time: both may rebuild trm-core's dist/ (harness.ts ensureDist), which must not race.
export default mergeConfig(packageConfig({ include: ['test/**/*.test.ts'] }), { test: { fileParallelism: false } });
