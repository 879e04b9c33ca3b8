/**
 * `pnpm --filter @trm-ts/eval experiment A|B [--scale reduced|cpu] [--seeds 1,2] [--out DIR] [--size 4|6]`
 * Builds the sudoku splits (@trm-ts/data, §7.8, §11.4), runs Exp A or Exp B on the wasm backend and writes
 * report.md, the SVG plots and result.json to DIR (default docs/experiments/exp-a | exp-b at the repository root).
 * `--rebuild` re-renders report.md and the plots from DIR/result.json without running anything.
 * Bundled by tsup (see package.json) because trm-core's gradient registration needs esbuild (src/gradients.ts).
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { sudokuSplits } from '@trm-ts/data';
import { experimentAReport, experimentBReport } from './experiment-report.js';
import { CPU_SCALE, REDUCED_SCALE, runExperimentA, runExperimentB, type ExpAResult, type ExpBResult, type ExperimentData, type ExperimentScale } from './experiments.js';

/** Split sizes per scale (§11.4: 2,000 × 8 augmentations, val 256, test 1,000). */
const SPLITS: Record<string, { train: number; val: number; test: number }> = {
  cpu: { train: 2000, val: 256, test: 1000 },
  reduced: { train: 2000, val: 128, test: 128 },
};
const SCALES: Record<string, ExperimentScale> = { cpu: CPU_SCALE, reduced: REDUCED_SCALE };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const which = process.argv[2]?.toUpperCase();
  const scaleName = arg('scale') ?? 'reduced';
  const scale = SCALES[scaleName];
  const size = Number(arg('size') ?? 4);
  if ((which !== 'A' && which !== 'B') || !scale || (size !== 4 && size !== 6)) {
    console.error('usage: experiment A|B [--scale reduced|cpu] [--seeds 1,2,3] [--size 4|6] [--out DIR] [--rebuild]');
    process.exit(2);
  }
  const seeds = arg('seeds')?.split(',').map(Number);
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..'); // packages/trm-eval/dist/experiment → repository root
  const out = resolve(arg('out') ?? join(root, 'docs/experiments', `exp-${which.toLowerCase()}`));
  const command = `pnpm --filter @trm-ts/eval experiment ${process.argv.slice(2).filter((a) => a !== '--rebuild').join(' ')}`;
  if (process.argv.includes('--rebuild')) {
    // Re-renders report.md and the plots from a saved result.json (no training, no evaluation).
    const saved = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as (ExpAResult | ExpBResult) & { command?: string };
    await writeReport(out, saved, saved.command ?? command);
    return;
  }
  const info = await useWasmBackend();
  const t0 = performance.now();
  const sizes = SPLITS[scaleName]!;
  const splits = sudokuSplits({ n: size, seed: 42, ...sizes, augmentations: 8 });
  const i = splits.info;
  const data: ExperimentData = {
    ...splits,
    description:
      `${size}×${size} sudoku from the trm-data generator (§7.8: random minimal puzzles, unique solutions, mean ${i.meanClues.test.toFixed(1)} clues and ${i.meanGuesses.test.toFixed(2)} solver guesses per test puzzle), ` +
      `split seed 42: ${sizes.train} train puzzles × (1 + 8 augmentations), ${sizes.val} validation, ${sizes.test} test; ${i.classes.found} canonical classes found ` +
      `(train ${i.classes.train}, val ${i.classes.val}, test ${i.classes.test})${i.classSpaceExhausted ? ' — the class space is exhausted, so each split holds several symmetric variants of its classes' : ''}`,
  };
  console.log(`data ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; backend ${info.backend} ${JSON.stringify(info.details)}`);
  const log = (l: string) => console.log(`[${((performance.now() - t0) / 60000).toFixed(1)} min] ${l}`);
  const result = which === 'A' ? await runExperimentA(data, { scale, seeds, log }) : await runExperimentB(data, { scale, seeds, log });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'result.json'), JSON.stringify({ command, backend: info, ...result }, null, 1));
  await writeReport(out, result, command);
  log(`wrote ${out}`);
}

async function writeReport(out: string, result: ExpAResult | ExpBResult, command: string): Promise<void> {
  const report = result.experiment === 'A' ? await experimentAReport(result, command) : await experimentBReport(result, command);
  writeFileSync(join(out, 'report.md'), report.markdown);
  for (const [name, text] of Object.entries(report.files)) writeFileSync(join(out, name), text);
}

await main();
