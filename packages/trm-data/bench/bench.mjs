// trm-data benchmark: solver, generators, augmentation, CSV streaming, maze and ARC builds.
// Run after a build: `pnpm --filter @trm-ts/data bench` (builds, then runs this file). Prints JSON, then a table.
// Time budgets are wall-clock; the machine it ran on is stated in docs/data.md.
import { createWriteStream, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@trm-ts/core';
import {
  SudokuSolver, applySudokuTransform, buildArcDataset, canonicalSudokuKey, formatSudokuString, generateMazes, generateSudokus,
  parseArcChallenges, randomSudokuTransform, streamBatches, sudokuDataset, sudokuSpec, sudokuSplits,
} from '../dist/index.js';
import { sudokuCsvFileSource } from '../dist/node/index.js';

const quick = process.argv.includes('--quick');
const budget = (s) => (quick ? Math.max(2, s / 10) : s) * 1000;
const results = {};
const now = () => performance.now();
const S9 = sudokuSpec(9);
const log = (...a) => console.error('[bench]', ...a);

function collect(options, seconds, max) {
  const t0 = now();
  const out = [];
  const seen = new Set();
  const deadline = t0 + budget(seconds);
  for (const g of generateSudokus({ ...options, stop: () => now() > deadline })) {
    const key = formatSudokuString(g.puzzle);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(g);
    if (out.length >= max) break;
  }
  return { puzzles: out, seconds: (now() - t0) / 1000 };
}

/** Solves each puzzle (and random symmetric variants up to `count` instances) to 2 solutions. */
function solveRate(puzzles, count) {
  const rng = new Rng(1);
  const solver = new SudokuSolver(S9);
  const inst = [];
  for (let i = 0; i < count; i++) {
    const p = puzzles[i % puzzles.length].puzzle;
    inst.push(i < puzzles.length ? p : applySudokuTransform(p, S9, randomSudokuTransform(S9, rng)));
  }
  let guesses = 0;
  let ok = 0;
  const t0 = now();
  for (const p of inst) {
    const r = solver.solve(p, { limit: 2 });
    guesses += r.guesses;
    if (r.solutions === 1) ok++;
  }
  const s = (now() - t0) / 1000;
  return { instances: inst.length, distinctPuzzles: puzzles.length, unique: ok, puzzlesPerSecond: Math.round(inst.length / s), meanGuesses: +(guesses / inst.length).toFixed(1), meanClues: +(puzzles.reduce((a, g) => a + g.clues, 0) / puzzles.length).toFixed(1) };
}

// 1. Minimal 17-20 clue puzzles (hill climb toward few clues) and random minimal puzzles.
log('minimal puzzles');
const minimal = collect({ n: 9, seed: 1, maxClues: 20 }, 60, 300);
results.generateMinimal20 = { puzzles: minimal.puzzles.length, seconds: +minimal.seconds.toFixed(1), perMinute: +(minimal.puzzles.length / minimal.seconds * 60).toFixed(1) };
if (minimal.puzzles.length) results.solveMinimal20 = solveRate(minimal.puzzles, 2000);
const randomMinimal = collect({ n: 9, seed: 2 }, 30, 500);
results.generateRandomMinimal9 = { puzzles: randomMinimal.puzzles.length, perSecond: +(randomMinimal.puzzles.length / randomMinimal.seconds).toFixed(1) };
results.solveRandomMinimal9 = solveRate(randomMinimal.puzzles, 5000);

// 2. Extreme band (mean singles+MRV guesses ≥ 100) and hard band.
log('extreme band');
const extreme = collect({ n: 9, seed: 3, band: 'extreme' }, 180, 200);
results.generateExtreme = { puzzles: extreme.puzzles.length, seconds: +extreme.seconds.toFixed(1), perMinute: +(extreme.puzzles.length / extreme.seconds * 60).toFixed(2), meanRating: extreme.puzzles.length ? +(extreme.puzzles.reduce((a, g) => a + g.rating.meanGuesses, 0) / extreme.puzzles.length).toFixed(1) : null };
if (extreme.puzzles.length) results.solveExtreme = solveRate(extreme.puzzles, 1000);
log('hard band');
const hard = collect({ n: 9, seed: 4, band: 'hard' }, 60, 300);
results.generateHard = { puzzles: hard.puzzles.length, seconds: +hard.seconds.toFixed(1), perMinute: +(hard.puzzles.length / hard.seconds * 60).toFixed(1) };
if (hard.puzzles.length) results.solveHard = solveRate(hard.puzzles, 1000);

// 3. Small sizes: generation, splits, canonical forms.
log('small sizes');
for (const n of [4, 6]) {
  const t0 = now();
  let k = 0;
  for (const _ of generateSudokus({ n, seed: 5 })) if (++k >= 3000) break;
  results[`generate${n}x${n}`] = { puzzles: k, perSecond: Math.round(k / ((now() - t0) / 1000)) };
  const t1 = now();
  const s = sudokuSplits({ n, seed: 1 });
  results[`splits${n}x${n}`] = { seconds: +((now() - t1) / 1000).toFixed(2), train: s.train.numExamples, val: s.val.numExamples, test: s.test.numExamples, classes: s.info.classes };
}
for (const n of [4, 6, 9]) {
  const spec = sudokuSpec(n);
  const ps = [...(function* () { let k = 0; for (const g of generateSudokus({ n, seed: 6 })) { yield g.puzzle; if (++k >= (n === 9 ? 200 : 1000)) return; } })()];
  const t0 = now();
  for (const p of ps) canonicalSudokuKey(p, spec);
  results[`canonical${n}x${n}`] = { puzzles: ps.length, perSecond: Math.round(ps.length / ((now() - t0) / 1000)) };
}

// 4. Augmentation: the official recipe on 1000 rows × 1000 augmentations (one dataset of 1,001,000 examples).
log('augmentation');
const pairs = randomMinimal.puzzles.slice(0, 100).map((g) => ({ puzzle: g.puzzle, solution: g.solution }));
{
  const aug = quick ? 100 : 1000;
  const base = Array.from({ length: 1000 }, (_, i) => pairs[i % pairs.length]);
  const t0 = now();
  const ds = sudokuDataset(base, { n: 9, augmentations: aug, seed: 1 });
  const s = (now() - t0) / 1000;
  results.augment9x9 = { examples: ds.numExamples, seconds: +s.toFixed(2), examplesPerSecond: Math.round(ds.numExamples / s) };
}

// 5. Sudoku-Extreme-format CSV: write 1M rows, then stream them into batches of 768 (bounded memory).
log('csv');
{
  const rows = quick ? 100_000 : 1_000_000;
  const file = join(tmpdir(), `trm-data-bench-${process.pid}.csv`);
  const rng = new Rng(7);
  const out = createWriteStream(file);
  out.write('source,question,answer,rating\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const p = pairs[i % pairs.length];
    const t = randomSudokuTransform(S9, rng);
    chunk += `bench,${formatSudokuString(applySudokuTransform(p.puzzle, S9, t))},${formatSudokuString(applySudokuTransform(p.solution, S9, t))},${i % 50}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise((r) => out.end(r));
  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let peakHeap = 0;
  let peakRss = 0;
  let n = 0;
  const t0 = now();
  for await (const b of streamBatches(sudokuCsvFileSource(file), { batchSize: 768, pad: true })) {
    n += b.valid.reduce((a, v) => a + v, 0);
    if (n % (768 * 50) < 768) {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }
  }
  const s = (now() - t0) / 1000;
  results.csvStream = { rows: n, fileMB: +(statSync(file).size / 2 ** 20).toFixed(1), seconds: +s.toFixed(2), rowsPerSecond: Math.round(n / s), peakHeapMB: +(peakHeap / 2 ** 20).toFixed(1), heapBeforeMB: +(heap0 / 2 ** 20).toFixed(1), peakRssMB: +(peakRss / 2 ** 20).toFixed(1) };
  const t1 = now();
  let m = 0;
  for await (const b of streamBatches(sudokuCsvFileSource(file), { batchSize: 768, seed: 1, shuffleBuffer: 100_000, pad: true })) m += b.valid.reduce((a, v) => a + v, 0);
  const s1 = (now() - t1) / 1000;
  results.csvStreamShuffled = { rows: m, shuffleBuffer: 100_000, seconds: +s1.toFixed(2), rowsPerSecond: Math.round(m / s1) };
  rmSync(file);
}

// 6. Maze-Hard-like mazes: 30×30, unique shortest path > 110 moves.
log('maze');
{
  const t0 = now();
  let k = 0;
  for (const _ of generateMazes({ side: 30, seed: 1, minPathLength: 111 })) if (++k >= (quick ? 20 : 200)) break;
  results.maze30Hard = { mazes: k, perSecond: +(k / ((now() - t0) / 1000)).toFixed(1) };
}

// 7. ARC-AGI-1 from the shared files: parse both subsets, build with 8 augmentations per task.
log('arc');
{
  const dir = fileURLToPath(new URL('../../../../shared/data/arc-agi/', import.meta.url));
  const read = (f) => readFileSync(join(dir, f), 'utf8');
  const t0 = now();
  const training = parseArcChallenges(read('arc-agi_training_challenges.json'), read('arc-agi_training_solutions.json'));
  const evaluation = parseArcChallenges(read('arc-agi_evaluation_challenges.json'), read('arc-agi_evaluation_solutions.json'));
  const tParse = (now() - t0) / 1000;
  const t1 = now();
  const b = buildArcDataset([{ name: 'training', tasks: training }, { name: 'evaluation', tasks: evaluation, isTest: true }], { seed: 42, augmentations: 8 });
  results.arc = { parseSeconds: +tParse.toFixed(2), buildSeconds: +((now() - t1) / 1000).toFixed(2), augmentations: 8, trainExamples: b.train.numExamples, testExamples: b.test.numExamples, puzzleIds: b.identifiers.length };
}

results.environment = { node: process.version, quick, date: new Date().toISOString() };
console.log(JSON.stringify(results, null, 2));
const rows = [
  ['solver: minimal ≤20-clue (to 2 solutions)', results.solveMinimal20 && `${results.solveMinimal20.puzzlesPerSecond} puzzles/s (${results.solveMinimal20.meanGuesses} guesses, ${results.solveMinimal20.meanClues} clues)`],
  ['solver: random minimal', `${results.solveRandomMinimal9.puzzlesPerSecond} puzzles/s (${results.solveRandomMinimal9.meanGuesses} guesses, ${results.solveRandomMinimal9.meanClues} clues)`],
  ['solver: extreme band', results.solveExtreme && `${results.solveExtreme.puzzlesPerSecond} puzzles/s (${results.solveExtreme.meanGuesses} guesses)`],
  ['solver: hard band', results.solveHard && `${results.solveHard.puzzlesPerSecond} puzzles/s (${results.solveHard.meanGuesses} guesses)`],
  ['generate: extreme band', `${results.generateExtreme.perMinute} puzzles/min (${results.generateExtreme.puzzles} in ${results.generateExtreme.seconds} s)`],
  ['generate: hard band', `${results.generateHard.perMinute} puzzles/min`],
  ['generate: ≤20 clues', `${results.generateMinimal20.perMinute} puzzles/min`],
  ['generate: 4×4 / 6×6 (rated)', `${results.generate4x4.perSecond} / ${results.generate6x6.perSecond} puzzles/s`],
  ['splits 4×4 / 6×6 (2000×8 + 256 + 1000)', `${results.splits4x4.seconds} s / ${results.splits6x6.seconds} s`],
  ['canonical form 4×4 / 6×6 / 9×9', `${results.canonical4x4.perSecond} / ${results.canonical6x6.perSecond} / ${results.canonical9x9.perSecond} puzzles/s`],
  ['augment 9×9 (official recipe)', `${results.augment9x9.examplesPerSecond} examples/s (${results.augment9x9.examples} in ${results.augment9x9.seconds} s)`],
  ['CSV stream → batches', `${results.csvStream.rowsPerSecond} rows/s (${results.csvStream.rows} rows in ${results.csvStream.seconds} s, peak heap ${results.csvStream.peakHeapMB} MB)`],
  ['CSV stream, shuffle buffer 100k', `${results.csvStreamShuffled.rowsPerSecond} rows/s`],
  ['maze 30×30, path > 110', `${results.maze30Hard.perSecond} mazes/s`],
  ['ARC parse / build (8 aug)', `${results.arc.parseSeconds} s / ${results.arc.buildSeconds} s`],
];
console.log('\n| measure | result |\n|---|---|');
for (const [k, v] of rows) console.log(`| ${k} | ${v ?? 'n/a'} |`);
