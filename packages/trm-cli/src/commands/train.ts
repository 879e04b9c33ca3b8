/**
 * `trm train`: trains a TRM on a task with a preset (+ overrides), showing a progress bar; writes into --out:
 * metrics.jsonl (one JSON object per optimizer step and per evaluation), checkpoints/ (periodic, resumable),
 * best.safetensors (the model at the best evaluation), model.safetensors (the final model), run.json (task,
 * config, result) and curve.svg (training loss and test accuracy vs step).
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import {
  TRAIN_PRESETS, Trainer, evaluate, modelToSafetensors, resolveTrainConfig,
  type BatchSource, type EvalMetrics, type StepMetrics, type TaskBatch, type TrainConfig,
} from '@trm-ts/core';
import { loadTrainerCheckpoint, saveTrainerCheckpoint, writeFileAtomic } from '@trm-ts/core/node';
import type { TaskDataset } from '@trm-ts/data';
import { renderSvg } from '@trm-ts/eval';
import { describeBackend, startBackend } from '../backend.js';
import { UsageError } from '../errors.js';
import { note, print, type CliIO } from '../io.js';
import { applyConfigFile, choice, collect, int, num, withCommon, type CommonOptions } from '../options.js';
import { TASK_NAMES, buildSplits, type TaskKind, type TaskSpec } from '../tasks.js';

export interface TrainOptions extends CommonOptions {
  task: TaskKind;
  n: string;
  side?: number;
  dataDir?: string;
  subsets?: string;
  module?: string;
  preset?: string;
  set: string[];
  steps?: number;
  minutes?: number;
  batchSize?: number;
  lr?: number;
  seed: number;
  trainSize?: number;
  testSize?: number;
  out: string;
  evalEvery: number;
  evalPuzzles: number;
  checkpointEvery: number;
  resume?: boolean;
  progress: boolean;
}

/** What a run saves in run.json; `trm solve` and `trm eval` read the task from it. */
export interface RunInfo {
  task: TaskSpec;
  preset: string;
  config: TrainConfig;
  result?: { steps: number; trainSeconds: number; test: EvalMetrics; bestExactAccuracy: number };
}

export function trainCommand(io: CliIO): Command {
  const cmd = new Command('train').description('train a TRM on a task (sudoku n×n, maze, ARC subset, or a custom dataset module)');
  withCommon(cmd)
    .addOption(new Option('--task <name>', `task: ${TASK_NAMES.join(', ')}`).default('sudoku').argParser(choice('--task', TASK_NAMES)))
    .option('--n <n>', 'sudoku: side 4, 6 or 9', choice('--n', ['4', '6', '9'] as const), '4')
    .option('--side <n>', 'maze: side of generated mazes (default 9)', int('--side', 3))
    .option('--data-dir <dir>', 'sudoku/maze: folder with train.csv + test.csv; arc: folder with the challenges/solutions JSON')
    .option('--subsets <list>', 'arc: comma list of subsets, the last one is the test subset (default training,evaluation)')
    .option('--module <file>', 'custom: ES module whose default export (options) returns { train, test } datasets')
    .option('--preset <name>', `training preset: ${Object.keys(TRAIN_PRESETS).join(', ')} (default SUDOKU4_CPU; SUDOKU6_CPU for --n 6)`)
    .option('--set <key=value>', 'override a TrainConfig key, e.g. --set lr=0.001 --set model.hiddenSize=32 (repeatable)', collect, [])
    .option('--steps <n>', 'train until this optimizer step (default: the config\'s totalSteps, or until --minutes; --set totalSteps=N sets the LR schedule\'s length)', int('--steps'))
    .option('--minutes <m>', 'time budget of training (evaluations excluded)', num('--minutes', (x) => x > 0, 'a number > 0'))
    .option('--batch-size <n>', 'global batch size (default: the preset)', int('--batch-size'))
    .option('--lr <x>', 'learning rate (default: the preset)', num('--lr', (x) => x > 0, 'a number > 0'))
    .option('--seed <n>', 'seed of data generation and training', int('--seed', 0), 0)
    .option('--train-size <n>', 'generated train puzzles (default sudoku 2000, maze 1000)', int('--train-size'))
    .option('--test-size <n>', 'generated test puzzles (default sudoku 1000, maze 200)', int('--test-size'))
    .option('--out <dir>', 'run folder', 'runs/train')
    .option('--eval-every <n>', 'evaluate every N optimizer steps (and at the end)', int('--eval-every'), 200)
    .option('--eval-puzzles <n>', 'test puzzles used by the periodic evaluations (the final one uses all)', int('--eval-puzzles'), 250)
    .option('--checkpoint-every <n>', 'save a resumable checkpoint every N steps (and at the end)', int('--checkpoint-every'), 500)
    .option('--resume', 'continue from the newest checkpoint in <out>/checkpoints')
    .option('--no-progress', 'no progress bar (log lines only)')
    .action(async (opts: TrainOptions, c: Command) => {
      const extra = await applyConfigFile(c, opts as unknown as Record<string, unknown>, process.cwd(), ['train']);
      await runTrain(opts, io, extra.train as Partial<TrainConfig> | undefined);
    });
  return cmd;
}

/** `--set a.b=v`: numbers, booleans and null are parsed; anything else stays a string. */
export function applySets(config: Record<string, unknown>, sets: readonly string[]): void {
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set: expected key=value, got '${s}'`, 'e.g. --set lr=0.001');
    const path = s.slice(0, eq).split('.');
    const raw = s.slice(eq + 1);
    const value = raw === 'true' ? true : raw === 'false' ? false : raw === 'null' ? null : raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
    let o = config;
    for (const p of path.slice(0, -1)) {
      const next = o[p];
      o = (o[p] = typeof next === 'object' && next !== null ? { ...(next as object) } : {}) as Record<string, unknown>;
    }
    o[path.at(-1)!] = value;
  }
}

function* firstBatches(it: Iterable<TaskBatch>, count: number): Generator<TaskBatch> {
  let i = 0;
  for (const b of it) {
    if (i++ >= count) return;
    yield b;
  }
}

/** Evaluates on the first `puzzles` test examples (all rows counted, the official N_sup, no early stop). */
function evalOn(trainer: Trainer, test: TaskDataset, puzzles: number): Promise<EvalMetrics> {
  const batchSize = Math.min(250, puzzles, test.numExamples);
  const batches = firstBatches(test.batches({ batchSize }), Math.ceil(Math.min(puzzles, test.numExamples) / batchSize));
  const c = trainer.config;
  return trainer.withEvalWeights((net) => evaluate(net, batches, { latentInit: c.latentInit, ...(c.initScale !== null ? { initScale: c.initScale } : {}), seed: c.seed }));
}

async function modelBytes(trainer: Trainer): Promise<Uint8Array> {
  return modelToSafetensors(trainer.network, trainer.ema ? trainer.ema.averages : trainer.network.vars);
}

export async function runTrain(opts: TrainOptions, io: CliIO, fileConfig?: Partial<TrainConfig>): Promise<RunInfo> {
  const out = resolve(opts.out);
  const ckptDir = join(out, 'checkpoints');
  if (opts.resume && !existsSync(join(ckptDir, 'latest.json'))) {
    throw new UsageError(`--resume: no checkpoint in ${ckptDir}`, 'train once without --resume, or point --out at the run folder');
  }
  const n = Number(opts.n);
  const presetName = opts.preset ?? (opts.task === 'sudoku' && n === 6 ? 'SUDOKU6_CPU' : opts.task === 'sudoku' && n === 9 ? 'SUDOKU_EXTREME_TRAIN' : 'SUDOKU4_CPU');
  const preset = (TRAIN_PRESETS as Record<string, Readonly<Partial<TrainConfig>> | undefined>)[presetName];
  if (!preset) throw new UsageError(`--preset: expected one of ${Object.keys(TRAIN_PRESETS).join(', ')}, got '${presetName}'`);

  const config = structuredClone(preset) as Record<string, unknown>;
  if (fileConfig) Object.assign(config, structuredClone(fileConfig), { model: { ...(config.model as object), ...(fileConfig.model ?? {}) } });
  applySets(config, opts.set);
  config.seed = opts.seed;
  if (opts.batchSize) config.globalBatchSize = opts.batchSize;
  if (opts.lr) config.lr = config.puzzleEmbLr = opts.lr;
  // Validated before any work (ConfigError names the bad key); the dataset's dimensions are filled in below.
  resolveTrainConfig({ ...config, model: { ...(config.model as object), seqLen: 1, vocabSize: 2, numPuzzleIdentifiers: 1 } } as Partial<TrainConfig>);

  const info = await startBackend(opts.backend);
  const t0 = performance.now();
  const spec: TaskSpec = {
    task: opts.task, seed: opts.seed,
    ...(opts.task === 'sudoku' ? { n } : {}), ...(opts.side ? { side: opts.side } : {}), ...(opts.dataDir ? { dataDir: resolve(opts.dataDir) } : {}),
    ...(opts.subsets ? { subsets: opts.subsets.split(',') } : {}), ...(opts.module ? { module: resolve(opts.module) } : {}),
    ...(opts.trainSize ? { trainSize: opts.trainSize } : {}), ...(opts.testSize ? { testSize: opts.testSize } : {}),
  };
  const splits = await buildSplits(spec);
  const { train, test } = splits;
  note(io, `backend ${describeBackend(info)}; data ${((performance.now() - t0) / 1000).toFixed(1)} s: ${train.numExamples} train examples, ${test.numExamples} test, seqLen ${train.seqLen}, vocab ${train.vocabSize}`);

  config.model = { ...(config.model as object), seqLen: train.seqLen, vocabSize: train.vocabSize, numPuzzleIdentifiers: train.numPuzzleIdentifiers };
  const resolved = resolveTrainConfig(config as Partial<TrainConfig>);
  const source = train.batches({ batchSize: resolved.globalBatchSize, seed: opts.seed, epochs: Infinity }) as unknown as BatchSource;

  mkdirSync(out, { recursive: true });
  const metricsPath = join(out, 'metrics.jsonl');
  let trainer: Trainer;
  if (opts.resume) {
    trainer = await loadTrainerCheckpoint(ckptDir, source);
    note(io, `resumed from ${ckptDir} at step ${trainer.step}`);
  } else {
    trainer = new Trainer(resolved, source);
    writeFileSync(metricsPath, '');
  }
  const run: RunInfo = { task: spec, preset: presetName, config: trainer.config };
  writeFileSync(join(out, 'run.json'), JSON.stringify(run, null, 1));

  // --steps stops the loop; the config's totalSteps (the LR schedule's S) stays as set, so a run can resume past it.
  const targetSteps = Math.min(opts.steps ?? trainer.config.totalSteps, trainer.config.totalSteps);
  const budget = opts.minutes !== undefined ? opts.minutes * 60 : Infinity;
  const byTime = Number.isFinite(budget) && opts.steps === undefined;
  const bar = opts.progress
    ? new SingleBar({
        format: `train |{bar}| {value}/{total} ${byTime ? 's' : 'steps'} | step {step} | loss {loss} | test exact {exact} cells {cells} | {sps} steps/s | ETA {eta_formatted}`,
        stream: io.stderr as NodeJS.WriteStream,
        noTTYOutput: true,
        notTTYSchedule: 15_000,
        hideCursor: true,
        etaBuffer: 50,
      })
    : null;
  const payload = { step: trainer.step, loss: '-', exact: '-', cells: '-', sps: '-' };
  bar?.start(byTime ? Math.round(budget) : targetSteps, byTime ? 0 : trainer.step, payload);

  let pending: string[] = [];
  const flush = () => {
    if (pending.length) appendFileSync(metricsPath, pending.join(''));
    pending = [];
  };
  let best = -1;
  let last: EvalMetrics | null = null;
  let m: StepMetrics | null = null;
  try {
    for (;;) {
      if (trainer.step >= targetSteps || (m && m.seconds >= budget)) break;
      m = await trainer.trainStep();
      pending.push(`${JSON.stringify({ type: 'train', step: m.step, seconds: +m.seconds.toFixed(3), lr: m.lr, loss: m.loss, lmLoss: m.lmLoss, qHaltLoss: m.qHaltLoss, haltedRows: m.count, haltedAccuracy: m.accuracy, haltedExactAccuracy: m.exactAccuracy, meanSteps: m.meanSteps })}\n`);
      const done = trainer.step >= targetSteps || m.seconds >= budget;
      if (trainer.step % opts.evalEvery === 0 || done) {
        const e = await evalOn(trainer, test, done ? test.numExamples : opts.evalPuzzles);
        last = e;
        pending.push(`${JSON.stringify({ type: 'eval', step: m.step, seconds: +m.seconds.toFixed(3), rows: e.count, accuracy: e.accuracy, exactAccuracy: e.exactAccuracy, qHaltAccuracy: e.qHaltAccuracy, final: done })}\n`);
        payload.exact = `${(100 * e.exactAccuracy).toFixed(1)}%`;
        payload.cells = `${(100 * e.accuracy).toFixed(1)}%`;
        if (e.exactAccuracy > best) {
          best = e.exactAccuracy;
          await writeFileAtomic(join(out, 'best.safetensors'), await modelBytes(trainer));
        }
        flush();
      }
      if (trainer.step % opts.checkpointEvery === 0 || done) {
        flush();
        await saveTrainerCheckpoint(trainer, ckptDir);
      }
      payload.step = m.step;
      payload.loss = m.loss.toFixed(3);
      payload.sps = (m.step / Math.max(m.seconds, 1e-9)).toFixed(2);
      bar?.update(byTime ? Math.min(Math.round(m.seconds), Math.round(budget)) : trainer.step, payload);
      if (!bar && trainer.step % opts.evalEvery === 0) note(io, `step ${m.step}: loss ${payload.loss}, test exact ${payload.exact}, ${payload.sps} steps/s`);
    }
    bar?.stop();
    flush();
    if (!m || !last) throw new UsageError(`--steps: nothing to train: the run is already at step ${trainer.step} of ${targetSteps}`, 'raise --steps');
    await writeFileAtomic(join(out, 'model.safetensors'), await modelBytes(trainer));
    run.result = { steps: trainer.step, trainSeconds: +m.seconds.toFixed(1), test: last, bestExactAccuracy: best };
    writeFileSync(join(out, 'run.json'), JSON.stringify(run, null, 1));
    writeFileSync(join(out, 'curve.svg'), await curveSvg(metricsPath));
    print(io, `trained ${trainer.step} steps in ${m.seconds.toFixed(1)} s: test exact ${(100 * last.exactAccuracy).toFixed(1)}%, cells ${(100 * last.accuracy).toFixed(1)}% (all ${last.count} test puzzles)`);
    print(io, `wrote ${join(out, 'model.safetensors')}, best.safetensors, checkpoints/, metrics.jsonl, curve.svg`);
    return run;
  } finally {
    bar?.stop();
    trainer.dispose();
  }
}

/** Training loss and test exact accuracy vs step, from metrics.jsonl (two panels, Vega-Lite). */
async function curveSvg(metricsPath: string): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const rows = readFileSync(metricsPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; step: number; loss?: number; exactAccuracy?: number; accuracy?: number });
  const values = [
    ...rows.filter((r) => r.type === 'train').map((r) => ({ panel: 'train loss', series: 'loss', step: r.step, value: r.loss! })),
    ...rows.filter((r) => r.type === 'eval').flatMap((r) => [
      { panel: 'test accuracy (%)', series: 'exact', step: r.step, value: 100 * r.exactAccuracy! },
      { panel: 'test accuracy (%)', series: 'cells', step: r.step, value: 100 * r.accuracy! },
    ]),
  ];
  return renderSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'training curve',
    data: { values },
    facet: { row: { field: 'panel', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 480,
      height: 160,
      mark: { type: 'line', point: false },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'optimizer step' },
        y: { field: 'value', type: 'quantitative', title: null },
        color: { field: 'series', type: 'nominal', title: null },
      },
    },
  } as Parameters<typeof renderSvg>[0]);
}
