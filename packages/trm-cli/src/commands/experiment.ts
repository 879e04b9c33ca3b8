/**
 * `trm experiment a|b` (moved here from @trm-ts/eval's experiment-cli; the library functions stay in
 * @trm-ts/eval): builds the sudoku splits (@trm-ts/data, §7.8, §11.4), runs Exp A or Exp B and writes
 * report.md, the SVG plots and result.json to --out. `--workers N` trains N models at a time, each in a child
 * process of its own (this same binary, with TRM_EXPERIMENT_WORKER=1); the results do not depend on N.
 * `--rebuild` re-renders report.md and the plots from --out/result.json without running anything.
 * Resumable (issue 14): every finished job's result is written atomically to <out>/jobs/<job>.json and skipped
 * when the command is run again; a job trained to plateau (`--scale cpu6`) also saves a trainer snapshot at every
 * validation (<out>/jobs/<job>.snapshot) and continues from it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { sudokuSpec, sudokuSplits, testbedProperties } from '@trm-ts/data';
import {
  assembleExperimentA, assembleExperimentB, CPU30_SCALE, CPU6_SCALE, CPU_SCALE, EXP_B_GRID, EXP_B_VARIANTS, experimentAJobs, experimentAReport, experimentBJobs, experimentBReport, jobFileName, jobLabel, plateauReached, readJobProgress, runExperimentA, runExperimentB, runExperimentJob,
  type ExpAResult, type ExpARun, type ExpBResult, type ExpBRun, type ExperimentData, type ExperimentJob, type ExperimentJobResult, type ExperimentScale, type JobStore, type TestbedInfo,
} from '@trm-ts/eval';
import { startBackend } from '../backend.js';
import { UsageError } from '../errors.js';
import { note, print, type CliIO } from '../io.js';
import { applyConfigFile, choice, int, withCommon, type CommonOptions } from '../options.js';

/** A smoke-test scale (seconds, not minutes): checks the whole pipeline, measures nothing. */
export const SMOKE_SCALE: Readonly<ExperimentScale> = Object.freeze({
  ...CPU30_SCALE,
  name: 'smoke',
  reduced: true,
  model: { ...CPU30_SCALE.model, hiddenSize: 8 }, // N_sup stays 8: Exp B draws N_sup ± 4
  train: { ...CPU30_SCALE.train, globalBatchSize: 8, totalSteps: 2, lrWarmupSteps: 1 },
  seeds: [1],
  evalInterval: 1,
  valSteps: 2,
  testSteps: [1, 2],
  ks: [1, 2],
  alignmentSteps: 2,
  alignmentExamples: 8,
  evalBatch: 8,
  splits: { train: 16, val: 8, test: 8 },
});

/** The smoke scale trained "to plateau" (stopping rule, snapshots, resume): checks that pipeline, measures nothing. */
export const SMOKE_PLATEAU_SCALE: Readonly<ExperimentScale> = Object.freeze({
  ...SMOKE_SCALE,
  name: 'smoke-plateau',
  train: { ...SMOKE_SCALE.train, totalSteps: 6 },
  evalInterval: 2,
  stopping: { patience: 2, minDelta: 0.01 },
  seeds: [1, 2],
  seedsA: [11],
  testSteps: [1, 2, 4],
  alignmentSteps: 4,
  alignmentExamples: 4,
});

const SCALES: Record<string, Readonly<ExperimentScale>> = { cpu30: CPU30_SCALE, cpu6: CPU6_SCALE, cpu: CPU_SCALE, smoke: SMOKE_SCALE, 'smoke-plateau': SMOKE_PLATEAU_SCALE };

interface ExperimentCliOptions extends CommonOptions {
  scale: string;
  seeds?: string;
  workers?: number;
  stack?: boolean;
  steps?: number;
  size?: string;
  variants?: string;
  timeCap?: number;
  out?: string;
  rebuild?: boolean;
  reuseModels?: string;
  status?: boolean;
  interim?: boolean;
}

export function experimentCommand(io: CliIO): Command {
  const cmd = new Command('experiment')
    .description('run Exp A (random inits, best-of-k read-outs) or Exp B (training-time randomisation vs path independence) on 4×4 / 6×6 sudoku')
    .argument('<which>', 'a or b', choice('<which>', ['a', 'b', 'A', 'B'] as const));
  withCommon(cmd)
    .option('--scale <name>', `scale: ${Object.keys(SCALES).join(', ')}`, choice('--scale', Object.keys(SCALES)), 'cpu30')
    .option('--seeds <list>', "comma list of seeds (default: the scale's)")
    .option('--workers <n>', 'models trained at a time, one child process each (default: the CPU count)', int('--workers'))
    .option('--stack', "train the experiment's models as one stacked computation in this process (StackedTrainer; each model equals its solo run) instead of worker processes")
    .option('--steps <n>', "optimizer steps (overrides the scale's; the report states the steps used)", int('--steps'))
    .option('--size <n>', "sudoku side 4 or 6 (default: the scale's, else 4)", choice('--size', ['4', '6'] as const))
    .option('--variants <set>', "Exp B variants: 'scale' (the scale's choice, default) or 'grid' (the blog's whole width grid)", choice('--variants', ['scale', 'grid'] as const), 'scale')
    .option('--time-cap <minutes>', 'scales trained to plateau: also stop a model after this many minutes of training (results then depend on the machine)', int('--time-cap'))
    .option('--out <dir>', 'output folder (default runs/exp-a or runs/exp-b)')
    .option('--rebuild', 'only re-render report.md and the plots from <out>/result.json')
    .option('--status', 'only print how far each job of this run is (done, in training with its best validation, or not started), from <out>/jobs')
    .option('--interim', 'only write an interim report of the models finished so far (<out>/interim/: report.md, plots, result.json), labelled as such; the run itself is not touched')
    .option('--reuse-models <dir>', "Exp B, scales trained to plateau: take the baseline and random-init models of seeds that Exp A's run in <dir> has finished (same settings and seed, so the same training) instead of training them again; the report says which models are shared")
    .action(async (which: string, opts: ExperimentCliOptions, c: Command) => {
      await applyConfigFile(c, opts as unknown as Record<string, unknown>, process.cwd());
      await runExperiment(which.toUpperCase() as 'A' | 'B', opts, io);
    });
  return cmd;
}

/** The splits of a scale (deterministic: split seed 42), built the same way by the parent and every worker. */
function buildData(scale: ExperimentScale, size: 4 | 6): ExperimentData {
  const sizes = scale.splits ?? { train: 2000, val: 256, test: 1000 };
  const splits = sudokuSplits({ n: size, seed: 42, ...sizes, augmentations: 8 });
  const i = splits.info;
  const testbed = testbedOf(splits.test, size);
  return {
    ...splits,
    testbed,
    description:
      `${size}×${size} sudoku from the trm-data generator (§7.8: random minimal puzzles, unique solutions, mean ${i.meanClues.test.toFixed(1)} clues and ${i.meanGuesses.test.toFixed(2)} solver guesses per test puzzle), ` +
      `split seed 42: ${sizes.train} train puzzles × (1 + 8 augmentations), ${sizes.val} validation, ${sizes.test} test; ${i.classes.found} canonical classes found ` +
      `(train ${i.classes.train}, val ${i.classes.val}, test ${i.classes.test})${i.classSpaceExhausted ? ' — the class space is exhausted, so each split holds several symmetric variants of its classes' : ''}`,
  };
}

/** The test split's measured properties and hard slice (puzzles plain constraint propagation cannot solve), from trm-data's `testbedProperties`. */
function testbedOf(test: { inputs: ArrayLike<number>; seqLen: number; numExamples: number }, size: 4 | 6): TestbedInfo {
  const L = test.seqLen;
  // Test inputs are digit + 1 tokens (blank = 0 + 1), never augmented; the puzzles in source order.
  const puzzles = Array.from({ length: test.numExamples }, (_, k) => Array.from({ length: L }, (_, c) => Number(test.inputs[k * L + c]) - 1));
  const t = testbedProperties(puzzles, sudokuSpec(size));
  const hist = t.roundsHistogram.map((c, r) => [r, c] as const).filter(([, c]) => c > 0).map(([r, c]) => `${r}: ${c}`).join(', ');
  return {
    hardTest: t.hardIndices,
    lines: [
      `Test split: ${t.count} puzzles in ${t.distinctClasses} distinct canonical classes (sudoku symmetry).`,
      `Plain constraint propagation (naked + hidden singles, synchronous rounds) solves ${t.solvedByPropagation} of ${t.count} (${(100 * (1 - t.needSearchFraction)).toFixed(1)}%) in a mean of ${t.meanRounds.toFixed(2)} rounds (median ${t.medianRounds}, max ${t.maxRounds}; puzzles per round count: ${hist}); ${t.hardIndices.length} (${(100 * t.needSearchFraction).toFixed(1)}%) need search.`,
    ],
  };
}

type ToWorker = { type: 'job'; id: number; job: ExperimentJob } | { type: 'exit' };
type FromWorker = { type: 'ready' } | { type: 'log'; line: string } | { type: 'result'; id: number; result: ExperimentJobResult } | { type: 'error'; id: number; message: string };

/** Worker process: builds the data once, then runs the jobs the parent sends, one at a time. */
async function worker(scale: ExperimentScale, size: 4 | 6, backend: string, out: string): Promise<void> {
  const send = (m: FromWorker) => process.send!(m);
  await startBackend(backend);
  const data = buildData(scale, size);
  const store = fileJobStore(join(out, 'jobs'));
  process.on('message', (m: ToWorker) => {
    if (m.type === 'exit') process.exit(0);
    runExperimentJob(data, scale, m.job, (line) => send({ type: 'log', line }), store)
      .then((result) => send({ type: 'result', id: m.id, result }))
      .catch((err: unknown) => send({ type: 'error', id: m.id, message: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
  });
  send({ type: 'ready' });
}

/** A pool of `n` child processes (this binary); jobs go to whichever is free, results come back in job order. */
function processPool(n: number, argv: readonly string[], log: (l: string) => void, onResult: (job: ExperimentJob, result: ExperimentJobResult) => void): (jobs: ExperimentJob[]) => Promise<ExperimentJobResult[]> {
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
        const child = fork(process.argv[1]!, [...argv], { env: { ...process.env, TRM_EXPERIMENT_WORKER: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        children.push(child);
        child.on('message', (m: FromWorker) => {
          if (m.type === 'ready') give(child);
          else if (m.type === 'log') log(`[w${w + 1}] ${m.line}`);
          else if (m.type === 'error') {
            stopAll();
            reject(new Error(`experiment job '${jobLabel(jobs[m.id]!)}' failed in worker ${w + 1}: ${m.message}`));
          } else {
            results[m.id] = m.result;
            onResult(jobs[m.id]!, m.result);
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

async function runExperiment(which: 'A' | 'B', opts: ExperimentCliOptions, io: CliIO): Promise<void> {
  let scale = SCALES[opts.scale]!;
  const size = (opts.size !== undefined ? Number(opts.size) : (scale.size ?? 4)) as 4 | 6;
  if (opts.steps !== undefined) scale = { ...scale, train: { ...scale.train, totalSteps: opts.steps }, evalInterval: Math.min(scale.evalInterval, opts.steps) };
  if (opts.variants === 'grid') scale = { ...scale, variantsB: EXP_B_GRID };
  if (opts.timeCap !== undefined) {
    if (!scale.stopping) throw new UsageError(`--time-cap: expected a scale trained to plateau (cpu6, smoke-plateau), got '${scale.name}'`);
    scale = { ...scale, stopping: { ...scale.stopping, maxTrainSeconds: 60 * opts.timeCap } };
  }
  const out = resolve(opts.out ?? join('runs', `exp-${which.toLowerCase()}`));
  const workers = opts.stack ? 1 : (opts.workers ?? availableParallelism());
  // --backend auto: one wasm thread per process when worker processes share the cores (the parent only waits).
  const pooled = process.env.TRM_EXPERIMENT_WORKER === '1' || workers > 1;
  const backend = opts.backend === 'auto' && pooled ? 'wasm' : opts.backend;
  if (process.env.TRM_EXPERIMENT_WORKER === '1' && process.send) return worker(scale, size, backend, out);

  const seeds = opts.seeds?.split(',').map(Number);
  if (seeds && !seeds.every((s) => Number.isInteger(s))) throw new UsageError(`--seeds: expected a comma list of integers, got '${opts.seeds}'`);
  if (opts.reuseModels !== undefined) {
    if (which !== 'B') throw new UsageError('--reuse-models: expected experiment b (it takes models from an Exp A run)');
    if (!scale.stopping) throw new UsageError(`--reuse-models: expected a scale trained to plateau (cpu6, smoke-plateau), got '${scale.name}'`, 'only those keep their trained snapshots');
    if (!existsSync(join(resolve(opts.reuseModels), 'jobs'))) throw new UsageError(`--reuse-models: expected an Exp A output folder with a jobs/ folder, got '${opts.reuseModels}'`);
  }
  if (opts.stack && opts.workers !== undefined) throw new UsageError('--stack and --workers: expected one of them', 'a stack trains every model in this process; drop --workers');
  const aSeeds = seeds ?? scale.seedsA ?? scale.seeds;
  const bSeeds = seeds ?? scale.seeds;
  const bJobs = which === 'B' ? experimentBJobs(scale.variantsB ?? EXP_B_VARIANTS, bSeeds) : [];
  if (opts.status) {
    printStatus(io, join(out, 'jobs'), which === 'A' ? experimentAJobs(aSeeds) : bJobs, scale);
    return;
  }
  if (opts.interim) {
    const written = await writeInterim(out, which === 'A' ? experimentAJobs(aSeeds) : bJobs, which === 'A' ? aSeeds : bSeeds, scale, size, `trm ${(io.argv ?? []).filter((a) => a !== '--interim').join(' ')}`);
    print(io, `wrote ${join(written.dir, 'report.md')} from ${written.done} of ${written.total} finished models`);
    return;
  }
  const args = (io.argv ?? []).filter((a) => a !== '--rebuild');
  const command = `trm ${args.join(' ')}`;
  if (opts.rebuild) {
    const saved = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as (ExpAResult | ExpBResult) & { command?: string };
    await writeReport(out, saved, saved.command ?? command);
    print(io, `re-rendered ${join(out, 'report.md')}`);
    return;
  }
  const info = await startBackend(backend);
  const t0 = performance.now();
  const data = buildData(scale, size);
  const log = (l: string) => note(io, `[${((performance.now() - t0) / 60000).toFixed(1)} min] ${l}`);
  log(`data ready; backend ${info.backend} ${JSON.stringify(info.details)}`);
  if (opts.reuseModels !== undefined) shareExpAModels(resolve(opts.reuseModels), join(out, 'jobs'), bJobs, log);
  // Jobs finished or started by earlier invocations of this command (results, snapshots, shared models): the
  // report's total wall time is then this invocation's only, and says so.
  const allJobs = which === 'A' ? experimentAJobs(aSeeds) : bJobs;
  const earlier = opts.stack ? 0 : allJobs.filter((j) => ['.json', '.snapshot'].some((ext) => existsSync(join(out, 'jobs', `${jobFileName(j)}${ext}`)))).length;
  const runJobs = opts.stack ? undefined : resumableJobs(join(out, 'jobs'), log, (onResult) => (workers > 1 ? processPool(workers, io.argv ?? [], log, onResult) : inProcess(data, scale, log, join(out, 'jobs'), onResult)));
  const stack = opts.stack === true;
  const result = which === 'A' ? await runExperimentA(data, { scale, seeds, log, runJobs, stack }) : await runExperimentB(data, { scale, seeds, log, runJobs, stack });
  result.workers = workers > 1 && !opts.stack ? workers : 1;
  if (earlier > 0) result.resumed = { jobs: earlier, total: allJobs.length };
  if (result.experiment === 'B') {
    const shared = sharedModels(join(out, 'jobs'), bJobs);
    if (shared.length) result.sharedModels = shared;
  }
  mkdirSync(out, { recursive: true });
  // Written to a temporary name and renamed: an interrupted write never leaves a torn result.json.
  writeFileSync(join(out, 'result.json.tmp'), JSON.stringify({ command, backend: info, ...result }, null, 1));
  renameSync(join(out, 'result.json.tmp'), join(out, 'result.json'));
  await writeReport(out, result, command);
  print(io, `wrote ${join(out, 'report.md')}, result.json and the plots`);
}

async function writeReport(out: string, result: ExpAResult | ExpBResult, command: string): Promise<void> {
  const report = result.experiment === 'A' ? await experimentAReport(result, command) : await experimentBReport(result, command);
  writeFileSync(join(out, 'report.md'), report.markdown);
  for (const [name, text] of Object.entries(report.files)) writeFileSync(join(out, name), text);
}

/** Writes `bytes` to `path` atomically: a temporary name in the same folder, then a rename. */
function writeAtomic(path: string, bytes: string | Uint8Array): void {
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

/** Progress files of jobs trained to plateau: <dir>/<job>.snapshot (trainer snapshot, best weights, curve). */
function fileJobStore(dir: string): JobStore {
  let saves = 0;
  const path = (label: string) => join(dir, `${label.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}.snapshot`);
  return {
    load: async (label) => (existsSync(path(label)) ? new Uint8Array(readFileSync(path(label))) : null),
    save: async (label, bytes) => {
      mkdirSync(dir, { recursive: true });
      writeAtomic(path(label), bytes);
      // Test hook: fail right after the N-th snapshot of this process, leaving what a kill at that moment leaves.
      const stopAfter = Number(process.env.TRM_EXPERIMENT_STOP_AFTER_SAVES ?? Infinity);
      if (++saves >= stopAfter) throw new Error(`stopped after ${saves} snapshots (TRM_EXPERIMENT_STOP_AFTER_SAVES)`);
    },
  };
}

/**
 * A finished job's result file, checked before use: valid JSON, an object of the job's experiment, init or variant
 * and seed, with the fields the reports read. A damaged or foreign file fails with one line naming the job.
 */
export function readJobResult(file: string, job: ExperimentJob): ExperimentJobResult {
  const label = jobLabel(job);
  const fail = (why: string): never => {
    throw new UsageError(`${label}: job result ${file}: ${why}`, 'delete the file to run this job again');
  };
  let r: unknown;
  try {
    r = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return fail(`not valid JSON (${(e as Error).message})`);
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return fail('expected a JSON object');
  const o = r as Record<string, unknown>;
  if (o.seed !== job.seed) fail(`expected seed ${job.seed}, got ${JSON.stringify(o.seed)}`);
  if (job.experiment === 'A') {
    if (o.init !== job.init) fail(`expected init '${job.init}', got ${JSON.stringify(o.init)}`);
    const test = o.test as { sweep?: unknown } | undefined;
    if (typeof test !== 'object' || test === null || typeof test.sweep !== 'object' || test.sweep === null) fail('expected a test sweep (test.sweep)');
  } else {
    if (o.variant !== job.variant.name) fail(`expected variant '${job.variant.name}', got ${JSON.stringify(o.variant)}`);
    if (typeof o.solved !== 'number' || typeof o.alignment !== 'object' || o.alignment === null) fail('expected solved and alignment');
  }
  if (!Array.isArray(o.validation) && o.validation !== undefined) fail('expected validation to be a list');
  if (o.cpuSeconds !== undefined && !(typeof o.cpuSeconds === 'number' && Number.isFinite(o.cpuSeconds) && o.cpuSeconds >= 0)) fail(`expected cpuSeconds to be absent or a number >= 0, got ${JSON.stringify(o.cpuSeconds)}`);
  return r as ExperimentJobResult;
}

/** The results of `jobs` already finished in `dir` (their checked <job>.json), in job order; undefined where not. */
function finishedResults(dir: string, jobs: readonly ExperimentJob[]): (ExperimentJobResult | undefined)[] {
  return jobs.map((job) => {
    const file = join(dir, `${jobFileName(job)}.json`);
    return existsSync(file) ? readJobResult(file, job) : undefined;
  });
}

/**
 * `--interim`: the report of the jobs finished so far (their <job>.json results), labelled interim and written to
 * <out>/interim/ with its own result.json; the run's jobs, snapshots and final files are not touched.
 */
async function writeInterim(out: string, jobs: readonly ExperimentJob[], seeds: readonly number[], scale: ExperimentScale, size: 4 | 6, command: string): Promise<{ dir: string; done: number; total: number }> {
  const dir = join(out, 'jobs');
  const all = finishedResults(dir, jobs);
  const results = all.filter((r): r is ExperimentJobResult => r !== undefined);
  if (results.length === 0) throw new UsageError(`--interim: no finished job in ${dir} yet`, `'--status' shows how far each job is`);
  const pending = jobs.filter((_, i) => all[i] === undefined).map(jobLabel);
  const interim = { done: results.length, total: jobs.length, pending, at: new Date().toISOString() };
  const data = buildData(scale, size);
  let result: ExpAResult | ExpBResult;
  if (jobs[0]!.experiment === 'A') {
    result = { ...assembleExperimentA(data, scale, seeds, results as ExpARun[], 0), interim };
  } else {
    // Only the variants with a finished model: a variant without one has no mean.
    const variants = (scale.variantsB ?? EXP_B_VARIANTS).filter((v) => results.some((r) => (r as ExpBRun).variant === v.name));
    result = { ...assembleExperimentB(data, scale, seeds, variants, results as ExpBRun[], 0), interim };
    const shared = sharedModels(dir, jobs.filter((_, i) => all[i] !== undefined));
    if (shared.length) result.sharedModels = shared;
  }
  const target = join(out, 'interim');
  mkdirSync(target, { recursive: true });
  writeAtomic(join(target, 'result.json'), JSON.stringify({ command, ...result }, null, 1));
  await writeReport(target, result, command);
  return { dir: target, done: results.length, total: jobs.length };
}

/** `--status`: one line per job from <dir> (results and snapshots), then the counts. Reads files only. */
function printStatus(io: CliIO, dir: string, jobs: readonly ExperimentJob[], scale: ExperimentScale): void {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  let done = 0;
  let running = 0;
  let testPending = 0;
  const sharedFrom = new Map(sharedModels(dir, jobs).map((m) => [m.job, m.from]));
  const trainedHere: { steps: number; cpuSeconds: number }[] = [];
  const toTrain: number[] = []; // the step each model still to train is at (0: not started)
  for (const job of jobs) {
    const name = join(dir, jobFileName(job));
    const label = jobLabel(job);
    const from = sharedFrom.get(label);
    const shared = from ? ` (the model of ${from}, shared)` : '';
    if (existsSync(`${name}.json`)) {
      const r = readJobResult(`${name}.json`, job) as { stoppedBy?: string; steps?: number; bestStep?: number; bestValSolved?: number; cpuSeconds?: number };
      done++;
      if (!from && r.steps !== undefined && r.steps > 0 && r.cpuSeconds !== undefined) trainedHere.push({ steps: r.steps, cpuSeconds: r.cpuSeconds });
      print(io, `${label}${shared}: done${r.stoppedBy ? `, stopped by ${r.stoppedBy} at step ${r.steps}` : ''}${r.bestValSolved !== undefined ? `, best validation ${pct(r.bestValSolved)} at step ${r.bestStep}` : ''}`);
    } else if (existsSync(`${name}.snapshot`)) {
      const p = readJobProgress(new Uint8Array(readFileSync(`${name}.snapshot`)), label);
      const last = p.validation.at(-1);
      const step = last?.step ?? 0;
      const stopped = scale.stopping && plateauReached(p.sinceImprovement, step, scale.stopping) ? 'plateau' : step >= scale.train.totalSteps ? 'step cap' : null;
      const best = p.best ? `, best validation ${pct(p.best.solved)} at step ${p.best.step}` : '';
      if (stopped) testPending++;
      else {
        running++;
        toTrain.push(step);
      }
      print(io, stopped
        ? `${label}${shared}: trained (stopped by ${stopped} at step ${step}${best}), its test not finished`
        : `${label}: training, step ${step} of at most ${scale.train.totalSteps}${best}${scale.stopping ? `, ${p.sinceImprovement}/${scale.stopping.patience} validations without a ≥ ${(100 * scale.stopping.minDelta).toFixed(1)}-pt rise` : ''}`);
    } else {
      print(io, `${label}: not started`);
      if (!from) toTrain.push(0);
    }
  }
  print(io, `${done} of ${jobs.length} jobs done, ${running} in training, ${testPending} trained with the test to run, ${jobs.length - done - running - testPending} not started (${dir})`);
  const projection = roughProjection(trainedHere, toTrain);
  if (projection) print(io, projection);
}

/**
 * --status's closing line: what the models still to train may cost, guessed from the models this run trained to
 * the end (their mean steps and CPU seconds per step) — labelled as a guess, since a model's steps to plateau vary.
 */
export function roughProjection(trained: readonly { steps: number; cpuSeconds: number }[], toTrain: readonly number[]): string | null {
  if (trained.length === 0 || toTrain.length === 0) return null;
  const meanSteps = trained.reduce((a, r) => a + r.steps, 0) / trained.length;
  const perStep = trained.reduce((a, r) => a + r.cpuSeconds, 0) / trained.reduce((a, r) => a + r.steps, 0);
  const steps = toTrain.reduce((a, at) => a + Math.max(0, meanSteps - at), 0);
  const hours = (steps * perStep) / 3600;
  return (
    `Rough projection: the ${trained.length} model${trained.length === 1 ? '' : 's'} trained to the end here took ${Math.round(meanSteps)} steps on average at ${perStep.toFixed(2)} CPU s per step (training + validation); ` +
    `if the ${toTrain.length} still to train (${toTrain.filter((x) => x > 0).length} under way) take as many, they need ≈ ${hours.toFixed(1)} CPU hours (≈ ${(hours / 2).toFixed(1)} h on two workers with a core each), tests not included. A guess from the finished models, not a measurement.`
  );
}

/** The Exp A job that trains the same model as Exp B job `b` (a variant without randomisation), else null. */
function expAJobOf(b: ExperimentJob): ExperimentJob | null {
  if (b.experiment !== 'B') return null;
  const r = b.variant.randomize ?? {};
  const plain = !b.variant.jaxCompat && Object.values(r).every((w) => !w);
  return plain ? { experiment: 'A', init: b.variant.latentInit === 'random' ? 'random' : 'static', seed: b.seed } : null;
}

/**
 * --reuse-models: for each Exp B job that trains what an Exp A job trained (baseline ↔ static init, random init ↔
 * random init, same seed) and that Exp A's run in `aDir` has finished, copies that job's final snapshot as the B
 * job's (the B job then resumes, finds it stopped, and only runs its tests; a snapshot of other settings is refused
 * when it loads) and leaves a <job>.shared marker naming the A job.
 */
function shareExpAModels(aDir: string, bJobsDir: string, jobs: readonly ExperimentJob[], log: (l: string) => void): void {
  mkdirSync(bJobsDir, { recursive: true });
  for (const b of jobs) {
    const a = expAJobOf(b);
    if (!a) continue;
    const bName = join(bJobsDir, jobFileName(b));
    if (existsSync(`${bName}.json`) || existsSync(`${bName}.snapshot`)) continue; // done or in progress here
    const aName = join(aDir, 'jobs', jobFileName(a));
    if (!existsSync(`${aName}.json`) || !existsSync(`${aName}.snapshot`)) {
      const why = existsSync(`${aName}.json`) ? 'has no snapshot (finished by a build that deleted finished snapshots)' : 'is not finished';
      log(`${jobLabel(b)}: ${jobLabel(a)} ${why} in ${aDir}; trained here`);
      continue;
    }
    copyFileSync(`${aName}.snapshot`, `${bName}.snapshot.tmp`);
    renameSync(`${bName}.snapshot.tmp`, `${bName}.snapshot`);
    writeAtomic(`${bName}.shared`, jobLabel(a));
    log(`${jobLabel(b)}: the model of ${jobLabel(a)} (copied from ${aDir})`);
  }
}

/** The B jobs whose models came from Exp A (their <job>.shared markers, each the A job's label, read up to 200 characters). */
function sharedModels(bJobsDir: string, jobs: readonly ExperimentJob[]): { job: string; from: string }[] {
  return jobs.flatMap((b) => {
    const marker = join(bJobsDir, `${jobFileName(b)}.shared`);
    return existsSync(marker) ? [{ job: jobLabel(b), from: readFileSync(marker, 'utf8').trim().slice(0, 200) }] : [];
  });
}

type JobRunner = (jobs: ExperimentJob[]) => Promise<ExperimentJobResult[]>;

/**
 * Resumable jobs: results already in <dir>/<job>.json are read back, the others run (`makeRunner` gets the
 * callback that writes each result as it arrives).
 */
function resumableJobs(dir: string, log: (l: string) => void, makeRunner: (onResult: (job: ExperimentJob, result: ExperimentJobResult) => void) => JobRunner): JobRunner {
  return async (jobs) => {
    const file = (job: ExperimentJob) => join(dir, `${jobFileName(job)}.json`);
    const results = finishedResults(dir, jobs);
    const todo = jobs.filter((_, i) => results[i] === undefined);
    if (todo.length < jobs.length) log(`${jobs.length - todo.length} of ${jobs.length} jobs already done (${dir}); running the other ${todo.length}`);
    mkdirSync(dir, { recursive: true });
    // A finished job keeps its last snapshot (trainer state, best weights, curve): a raised step cap can continue
    // it, and Exp B can share Exp A's models (--reuse-models).
    const onResult = (job: ExperimentJob, result: ExperimentJobResult) => writeAtomic(file(job), JSON.stringify(result));
    const fresh = todo.length > 0 ? await makeRunner(onResult)(todo) : [];
    let k = 0;
    return results.map((r) => r ?? fresh[k++]!);
  };
}

/** Jobs one after the other in this process (--workers 1), with snapshots under `dir`. */
function inProcess(data: ExperimentData, scale: ExperimentScale, log: (l: string) => void, dir: string, onResult: (job: ExperimentJob, result: ExperimentJobResult) => void): JobRunner {
  const store = fileJobStore(dir);
  return async (jobs) => {
    const out: ExperimentJobResult[] = [];
    for (const job of jobs) {
      log(`start ${jobLabel(job)}`);
      const r = await runExperimentJob(data, scale, job, log, store);
      onResult(job, r);
      out.push(r);
    }
    return out;
  };
}
