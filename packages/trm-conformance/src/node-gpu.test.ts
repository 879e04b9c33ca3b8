import { conformanceSuite } from './suite.js';

conformanceSuite('node-gpu');
