/**
 * Read-out overhead per supervision step (issue 5, "Speed and memory"): time of SweepAccumulator.ingest
 * (all four read-outs, every k in the list) and of each read-out alone, for one step of R runs × B examples
 * × L cells. Prints JSON, then a table. Run: `pnpm --filter @trm-ts/eval bench` (options: `node bench/dist/readouts.js --runs 7 --batch 1000 --cells 81`).
 *
 * Synthetic predictions mimic a trained model: each cell of each run equals the label with probability
 * `--agree` (default 0.9), else a random token, so many runs share whole grids (the costly case for
 * puzzleMode, which must confirm every hash match by comparing rows).
 */
import { Rng } from '@trm-ts/core';
import {
  AlignmentAccumulator,
  EarlyExitTracker,
  SweepAccumulator,
  cellModeGrids,
  confidenceChoices,
  puzzleModeChoices,
  type RunsDims,
} from '../src/index.js';
import { runRowCorrect } from '../src/metrics.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const R = arg('runs', 7);
const B = arg('batch', 1000);
const L = arg('cells', 81);
const V = arg('vocab', 10);
const agree = arg('agree', 0.9);
const reps = arg('reps', 30);
const ks = [1, 3, 5, 7].filter((k) => k <= R);

const rng = new Rng(1);
const labels = Int32Array.from({ length: B * L }, () => rng.int(0, V - 1));
const preds = new Int32Array(R * B * L);
for (let r = 0; r < R; r++) for (let i = 0; i < B * L; i++) preds[r * B * L + i] = rng.next() < agree ? labels[i]! : rng.int(0, V - 1);
const qHalt = Float32Array.from({ length: R * B }, () => rng.normal());
const dims: RunsDims = { runs: R, batch: B, cells: L };

/** Median wall time in ms over `reps` runs after 3 warm-ups. */
function time(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

const cellsPerStep = R * B * L; // predicted cells of one step over all runs
const acc = new SweepAccumulator({ ks, cells: L });
let step = 0;
const cases: [string, () => void][] = [
  ['SweepAccumulator.ingest (4 read-outs × all k)', () => acc.ingest(++step, { preds, qHalt, labels })],
  ['runRowCorrect (per-run scores)', () => void runRowCorrect(preds, labels, dims)],
  ['confidenceChoices', () => void confidenceChoices(qHalt, dims, ks)],
  ['puzzleModeChoices', () => void puzzleModeChoices(preds, qHalt, dims, ks)],
  ['cellModeGrids', () => void cellModeGrids(preds, dims, ks)],
];
const ee = new EarlyExitTracker(R * B, L);
const negQ = new Float32Array(R * B).fill(-1);
let eeStep = 0;
cases.push(['EarlyExitTracker.update (R·B rows)', () => ee.update(++eeStep, preds, negQ)]);
const aa = new AlignmentAccumulator();
const other = preds.slice().reverse();
cases.push(['AlignmentAccumulator.addAgreement (R·B rows)', () => aa.addAgreement(1, preds, other, L)]);

const results = cases.map(([name, fn]) => {
  const ms = time(fn);
  return { name, msPerStep: ms, nsPerCell: (ms * 1e6) / cellsPerStep };
});
console.log(JSON.stringify({ runs: R, batch: B, cells: L, vocab: V, agree, ks, reps, node: process.version, results }, null, 2));
console.log(`\nR=${R} B=${B} L=${L} (R·B·L = ${cellsPerStep.toLocaleString()} cells per step), ks = [${ks.join(', ')}], median of ${reps}`);
console.log('| operation | ms / step | ns / cell |\n|---|---|---|');
for (const r of results) console.log(`| ${r.name} | ${r.msPerStep.toFixed(2)} | ${r.nsPerCell.toFixed(2)} |`);
