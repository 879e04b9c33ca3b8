import { conformanceSuite } from './suite.js';

conformanceSuite('webgpu');
