import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing.js';

const dir = mkdtempSync(join(tmpdir(), 'trm-cli-tasks-'));
const TINY = ['--batch-size', '4', '--set', 'model.hiddenSize=8', '--set', 'model.puzzleEmbDim=8', '--set', 'model.supervisionSteps=2', '--set', 'model.numLayers=1', '--steps', '1', '--no-progress'];

async function trainRun(name: string, ...args: string[]) {
  const out = join(dir, name);
  const r = await runCli('train', ...args, ...TINY, '--out', out);
  expect(r.code, r.stderr).toBe(0);
  expect(r.leaked).toBe(0);
  return JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
}

describe('trm train on every kind of task (one step each)', () => {
  it('a custom dataset module', async () => {
    const module = fileURLToPath(new URL('./fixtures/sort-digits.mjs', import.meta.url));
    const run = await trainRun('custom', '--task', 'custom', '--module', module);
    expect(run.config.model).toMatchObject({ seqLen: 6, vocabSize: 11 });
    expect(run.result.test.count).toBe(8);
    const s = await runCli('solve', '--checkpoint', join(dir, 'custom'), '--test-puzzle', '0', '--halt-threshold', '1');
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^step  2 .*\n(\d+ ){5}\d+$/m);
    const t = await runCli('solve', '1 2 3 4 5 6', '--checkpoint', join(dir, 'custom'), '--max-steps', '1');
    expect(t.code, t.stderr).toBe(0);
  });

  it('generated mazes', async () => {
    const run = await trainRun('maze', '--task', 'maze', '--side', '5', '--train-size', '6', '--test-size', '3');
    expect(run.config.model).toMatchObject({ seqLen: 25, vocabSize: 6 });
    expect(run.result.test.count).toBe(3);
    const s = await runCli('solve', '--checkpoint', join(dir, 'maze'), '--test-puzzle', '0', '--halt-threshold', '1');
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^step  2 .*\n([# SGo?]{5}\n){5}/m);
  });

  it('an ARC subset from the challenges / solutions JSON files', async () => {
    const arc = join(dir, 'arc');
    mkdirSync(arc);
    const task = (k: number) => ({ train: [{ input: [[k, 1], [2, 3]], output: [[3, 2], [1, k]] }], test: [{ input: [[1, k]] }] });
    const solution = (k: number) => [[[k, 1]]];
    for (const subset of ['training', 'evaluation']) {
      writeFileSync(join(arc, `arc-agi_${subset}_challenges.json`), JSON.stringify({ [`${subset}1`]: task(4), [`${subset}2`]: task(5) }));
      writeFileSync(join(arc, `arc-agi_${subset}_solutions.json`), JSON.stringify({ [`${subset}1`]: solution(4), [`${subset}2`]: solution(5) }));
    }
    const run = await trainRun('arc', '--task', 'arc', '--data-dir', arc, '--eval-puzzles', '4');
    expect(run.config.model).toMatchObject({ seqLen: 900, vocabSize: 12 });
    const s = await runCli('solve', '[[1,4],[2,3]]', '--checkpoint', join(dir, 'arc'), '--max-steps', '1');
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^1 4\n2 3\n/);
  });

  it('a module without a default export is one line, exit 2', async () => {
    const bad = join(dir, 'bad.mjs');
    writeFileSync(bad, 'export const x = 1;\n');
    const r = await runCli('train', '--task', 'custom', '--module', bad, '--no-progress');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^trm train: --module .*bad.mjs: expected a default export \(options\) => \(\{ train, test \}\), got undefined\. Hint: /);
  });
});
