// Sums Vitest's summary lines of a log ("Test Files  1 failed | 3 passed (4)" then "Tests  2 failed | 9 passed (11)")
// and prints the plain closing line "N passed, N failed". A test file that failed to load (no test ran) counts
// as one failure; a log with no Vitest summary at all counts as one failure.
import { readFileSync } from 'node:fs';

const lines = readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '').split('\n');
const count = (s, word) => Number(s.match(new RegExp(`(\\d+) ${word}`))?.[1] ?? 0);
let passed = 0;
let failed = 0;
let runs = 0;
let failedFiles = 0;
for (const line of lines) {
  const files = line.match(/\bTest Files\s+(.*)$/);
  if (files) {
    failedFiles = count(files[1], 'failed');
    continue;
  }
  const tests = line.match(/\bTests\s+(.*)$/);
  if (!tests || !/passed|failed|no tests/.test(tests[1])) continue;
  runs++;
  passed += count(tests[1], 'passed');
  const f = count(tests[1], 'failed');
  failed += f > 0 ? f : failedFiles;
  failedFiles = 0;
}
if (runs === 0) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
