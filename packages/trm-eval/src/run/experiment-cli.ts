/**
 * `pnpm --filter @trm-ts/eval experiment A|B [--scale cpu30|cpu] [--seeds 1,2] [--workers N] [--out DIR] [--size 4|6]`
 * Builds the sudoku splits (@trm-ts/data, §7.8, §11.4), runs Exp A or Exp B on the wasm backend and writes
 * report.md, the SVG plots and result.json to DIR (default docs/experiments/exp-a | exp-b at the repository root).
 * `--workers N` trains N models at a time, each in a worker process of its own with one wasm thread (default:
 * the number of CPU cores, at most the number of jobs); the results do not depend on N.
 * `--steps N` overrides the scale's optimizer steps (a quick look; the report states the steps used).
 * `--rebuild` re-renders report.md and the plots from DIR/result.json without running anything.
 * Bundled by tsup (see package.json) because trm-core's gradient registration needs esbuild (src/gradients.ts).
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { sudokuSplits } from '@trm-ts/data';
import { experimentAReport, experimentBReport } from './experiment-report.js';
import {
  CPU30_SCALE,
  CPU_SCALE,
  jobLabel,
  runExperimentA,
  runExperimentB,
  runExperimentJob,
  type ExpAResult,
  type ExpBResult,
  type ExperimentData,
  type ExperimentJob,
  type ExperimentJobResult,
  type ExperimentScale,
} from './experiments.js';

const SCALES: Record<string, ExperimentScale> = { cpu30: CPU30_SCALE, cpu: CPU_SCALE };
const USAGE = 'usage: experiment A|B [--scale cpu30|cpu] [--seeds 1,2,3] [--workers N] [--steps N] [--size 4|6] [--out DIR] [--rebuild]';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function fail(message: string): never {
  console.error(`experiment: ${message}\n${USAGE}`);
  process.exit(2);
}

/** The splits of a scale (deterministic: split seed 42), built the same way by the parent and every worker. */
function buildData(scale: ExperimentScale, size: 4 | 6): ExperimentData {
  const sizes = scale.splits ?? { train: 2000, val: 256, test: 1000 };
  const splits = sudokuSplits({ n: size, seed: 42, ...sizes, augmentations: 8 });
  const i = splits.info;
  return {
    ...splits,
    description:
      `${size}×${size} sudoku from the trm-data generator (§7.8: random minimal puzzles, unique solutions, mean ${i.meanClues.test.toFixed(1)} clues and ${i.meanGuesses.test.toFixed(2)} solver guesses per test puzzle), ` +
      `split seed 42: ${sizes.train} train puzzles × (1 + 8 augmentations), ${sizes.val} validation, ${sizes.test} test; ${i.classes.found} canonical classes found ` +
      `(train ${i.classes.train}, val ${i.classes.val}, test ${i.classes.test})${i.classSpaceExhausted ? ' — the class space is exhausted, so each split holds several symmetric variants of its classes' : ''}`,
  };
}

type ToWorker = { type: 'job'; id: number; job: ExperimentJob } | { type: 'exit' };
type FromWorker = { type: 'ready' } | { type: 'log'; line: string } | { type: 'result'; id: number; result: ExperimentJobResult } | { type: 'error'; id: number; message: string };

/** Worker process: builds the data once, then runs the jobs the parent sends, one at a time. */
async function worker(scale: ExperimentScale, size: 4 | 6): Promise<void> {
  const send = (m: FromWorker) => process.send!(m);
  await useWasmBackend();
  const data = buildData(scale, size);
  process.on('message', (m: ToWorker) => {
    if (m.type === 'exit') process.exit(0);
    runExperimentJob(data, scale, m.job, (line) => send({ type: 'log', line }))
      .then((result) => send({ type: 'result', id: m.id, result }))
      .catch((err: unknown) => send({ type: 'error', id: m.id, message: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
  });
  send({ type: 'ready' });
}

/** A pool of `n` worker processes; jobs go to whichever is free, results come back in job order. */
function processPool(n: number, log: (l: string) => void): (jobs: ExperimentJob[]) => Promise<ExperimentJobResult[]> {
  return (jobs) =>
    new Promise((resolveAll, reject) => {
      const results: ExperimentJobResult[] = new Array(jobs.length);
      let next = 0;
      let done = 0;
      const children: ChildProcess[] = [];
      const stopAll = () => children.forEach((c) => c.connected && c.send({ type: 'exit' } satisfies ToWorker));
      const workers = Math.max(1, Math.min(n, jobs.length));
      log(`${jobs.length} jobs on ${workers} worker process(es)`);
      const current = new Map<ChildProcess, number>();
      const give = (child: ChildProcess) => {
        if (next >= jobs.length) return;
        const id = next++;
        current.set(child, id);
        log(`start ${jobLabel(jobs[id]!)}`);
        child.send({ type: 'job', id, job: jobs[id]! } satisfies ToWorker);
      };
      for (let w = 0; w < workers; w++) {
        const child = fork(fileURLToPath(import.meta.url), process.argv.slice(2), { env: { ...process.env, TRM_EXPERIMENT_WORKER: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        children.push(child);
        child.on('message', (m: FromWorker) => {
          if (m.type === 'ready') give(child);
          else if (m.type === 'log') log(`[w${w + 1}] ${m.line}`);
          else if (m.type === 'error') {
            stopAll();
            reject(new Error(`experiment job '${jobLabel(jobs[m.id]!)}' failed in worker ${w + 1}: ${m.message}`));
          } else {
            results[m.id] = m.result;
            current.delete(child); // idle until give() hands it the next job
            done++;
            if (done === jobs.length) {
              stopAll();
              resolveAll(results);
            } else give(child);
          }
        });
        child.on('exit', (code, signal) => {
          if (done < jobs.length && (code !== 0 || signal)) {
            stopAll();
            reject(new Error(`experiment worker ${w + 1} exited (${signal ?? `code ${code}`}) ${current.has(child) ? `while running '${jobLabel(jobs[current.get(child)!]!)}'` : 'while idle or starting'}. Rerun with --workers 1 to see the error in this process.`));
          }
        });
      }
    });
}

async function main(): Promise<void> {
  const which = process.argv[2]?.toUpperCase();
  const scaleName = arg('scale') ?? 'cpu30';
  let scale = SCALES[scaleName];
  const size = Number(arg("size") ?? 4) as 4 | 6;
  if (which !== 'A' && which !== 'B') fail(`expected A or B as the first argument, got '${process.argv[2] ?? ''}'.`);
  if (!scale) fail(`--scale: expected one of ${Object.keys(SCALES).join(', ')}, got '${scaleName}'.`);
  if (size !== 4 && size !== 6) fail(`--size: expected 4 or 6, got '${arg('size')}'.`);
  if (arg('steps') !== undefined) {
    const steps = Number(arg('steps'));
    if (!Number.isInteger(steps) || steps < 1) fail(`--steps: expected a positive integer, got '${arg('steps')}'.`);
    scale = { ...scale, train: { ...scale.train, totalSteps: steps }, evalInterval: Math.min(scale.evalInterval, steps) };
  }
  if (process.env.TRM_EXPERIMENT_WORKER === '1') return worker(scale, size);

  const seeds = arg('seeds')?.split(',').map(Number);
  if (seeds && !seeds.every((s) => Number.isInteger(s))) fail(`--seeds: expected a comma list of integers, got '${arg('seeds')}'.`);
  const workers = arg('workers') === undefined ? availableParallelism() : Number(arg('workers'));
  if (!Number.isInteger(workers) || workers < 1) fail(`--workers: expected a positive integer, got '${arg('workers')}'.`);
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
  const data = buildData(scale, size);
  console.log(`data ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; backend ${info.backend} ${JSON.stringify(info.details)}`);
  const log = (l: string) => console.log(`[${((performance.now() - t0) / 60000).toFixed(1)} min] ${l}`);
  const runJobs = workers > 1 ? processPool(workers, log) : undefined;
  const result = which === 'A' ? await runExperimentA(data, { scale, seeds, log, runJobs }) : await runExperimentB(data, { scale, seeds, log, runJobs });
  result.workers = runJobs ? workers : 1;
  mkdirSync(out, { recursive: true });
  // Written to a temporary name and renamed: an interrupted write never leaves a torn result.json.
  writeFileSync(join(out, 'result.json.tmp'), JSON.stringify({ command, backend: info, ...result }, null, 1));
  renameSync(join(out, 'result.json.tmp'), join(out, 'result.json'));
  await writeReport(out, result, command);
  log(`wrote ${out}`);
}

async function writeReport(out: string, result: ExpAResult | ExpBResult, command: string): Promise<void> {
  const report = result.experiment === 'A' ? await experimentAReport(result, command) : await experimentBReport(result, command);
  writeFileSync(join(out, 'report.md'), report.markdown);
  for (const [name, text] of Object.entries(report.files)) writeFileSync(join(out, name), text);
}

await main();
