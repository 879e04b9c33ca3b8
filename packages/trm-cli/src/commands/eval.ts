/**
 * `trm eval`: test-time N_sup × k sweep of a trained model with the §8.4 read-outs (trm-eval's runSweep), and
 * optionally the derangement AA (§9.1); prints the depth curve and writes result.json, report.md and sweep.svg.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { READOUT_NAMES, type ReadoutName } from '@trm-ts/core';
import type { TaskBatch } from '@trm-ts/data';
import { accuracyPlotSvg, derangementAlignment, runSweep, sweepTable, type DerangementRunResult } from '@trm-ts/eval';
import { describeBackend, startBackend } from '../backend.js';
import { UsageError } from '../errors.js';
import { note, print, type CliIO } from '../io.js';
import { applyConfigFile, choice, int, intList, withCommon, type CommonOptions } from '../options.js';
import { buildSplits, type TaskSpec } from '../tasks.js';
import { loadNetwork, resolveCheckpoint } from './solve.js';

export interface EvalCliOptions extends CommonOptions {
  checkpoint: string;
  steps?: number;
  record?: number[];
  ks: number[];
  readouts?: string;
  init?: 'static' | 'random';
  puzzles?: number;
  batchSize: number;
  aa?: boolean;
  seed: number;
  out?: string;
}

export function evalCommand(io: CliIO): Command {
  const cmd = new Command('eval').description('test-time N_sup and k sweeps with the read-outs (and AA) on the run\'s held-out test split; JSON + Markdown + SVG');
  withCommon(cmd)
    .requiredOption('--checkpoint <path>', 'a run folder of trm train (its model and task), or a model .safetensors inside one')
    .option('--steps <n>', "N_test: supervision steps to run (default: the model's N_sup)", int('--steps'))
    .option('--record <list>', 'steps to score (default 1, 2, 4, … and N_test)', intList('--record'))
    .option('--ks <list>', 'numbers of runs k, e.g. 1,3,5 (k > 1 uses random inits)', intList('--ks'), [1])
    .option('--readouts <list>', `read-outs to score (default all: ${READOUT_NAMES.join(',')})`)
    .addOption(new Option('--init <mode>', 'init of every run: static or random (default static for k = 1, random otherwise)').argParser(choice('--init', ['static', 'random'] as const)))
    .option('--puzzles <n>', 'evaluate the first N test puzzles (default all)', int('--puzzles'))
    .option('--batch-size <n>', 'examples per forward pass', int('--batch-size'), 250)
    .option('--aa', 'also measure the derangement AA (path independence, §9.1)')
    .option('--seed <n>', 'seed of random inits', int('--seed', 0), 0)
    .option('--out <dir>', 'write result.json, report.md and sweep.svg here')
    .action(async (opts: EvalCliOptions, c: Command) => {
      await applyConfigFile(c, opts as unknown as Record<string, unknown>, process.cwd());
      await runEval(opts, io);
    });
  return cmd;
}

function parseReadouts(list: string | undefined): ReadoutName[] {
  if (!list) return [...READOUT_NAMES];
  const names = list.split(',').map((s) => s.trim());
  for (const n of names) if (!READOUT_NAMES.includes(n as ReadoutName)) throw new UsageError(`--readouts: expected names among ${READOUT_NAMES.join(', ')}, got '${n}'`);
  return names as ReadoutName[];
}

function* firstBatches(it: Iterable<TaskBatch>, count: number): Generator<TaskBatch> {
  let i = 0;
  for (const b of it) {
    if (i++ >= count) return;
    yield b;
  }
}

export async function runEval(opts: EvalCliOptions, io: CliIO): Promise<void> {
  const readouts = parseReadouts(opts.readouts);
  const ks = [...new Set(opts.ks)].sort((a, b) => a - b);
  const { model, run } = await resolveCheckpoint(opts.checkpoint);
  if (!run) throw new UsageError(`--checkpoint ${opts.checkpoint}: no run.json next to the model, so the test split is unknown`, 'pass the --out folder of trm train');
  const info = await startBackend(opts.backend);
  const net = await loadNetwork(model);
  try {
    const N = opts.steps ?? net.config.supervisionSteps;
    const record = opts.record ?? [...new Set([...Array.from({ length: Math.floor(Math.log2(N)) + 1 }, (_, i) => 2 ** i), N])].sort((a, b) => a - b);
    for (const s of record) if (s > N) throw new UsageError(`--record: expected steps in 1..${N} (N_test), got ${s}`, 'raise --steps');
    const test = (await buildSplits(run.task as TaskSpec)).test;
    const count = Math.min(opts.puzzles ?? test.numExamples, test.numExamples);
    const batchSize = Math.min(opts.batchSize, count);
    const batches = () => firstBatches(test.batches({ batchSize }), Math.ceil(count / batchSize));
    const init = opts.init ?? (ks.at(-1)! > 1 ? 'random' : 'static');
    note(io, `backend ${describeBackend(info)}; ${count} test puzzles, N_test ${N}, k ${ks.join(',')}, init ${init}`);
    const t0 = performance.now();
    const sweep = await runSweep(net, batches(), { steps: N, record, ks, readouts, init, seed: opts.seed });
    let aa: DerangementRunResult | undefined;
    if (opts.aa) aa = await derangementAlignment(net, batches(), { steps: N, record, init, seed: opts.seed });
    const seconds = (performance.now() - t0) / 1000;

    const table = sweepTable(sweep.sweep);
    print(io, `depth curve: solved (exact accuracy, %) of ${sweep.examples} held-out puzzles vs supervision steps at test`);
    print(io, table);
    print(io, 'cell accuracy (%):');
    print(io, sweepTable(sweep.sweep, { metric: 'cellAcc' }));
    if (aa) print(io, `AA (derangement, §9.1): AA_y ${aa.aaY?.toFixed(3)}, AA_z ${aa.aaZ?.toFixed(3)}, AA_pred ${aa.aaPred?.toFixed(3)} over ${aa.rows} rows`);
    print(io, `(${seconds.toFixed(1)} s)`);
    if (opts.out) {
      const out = resolve(opts.out);
      mkdirSync(out, { recursive: true });
      const result = { checkpoint: model, task: run.task, seconds, sweep: sweep.sweep, settings: sweep.settings, examples: sweep.examples, timing: sweep.timing, ...(aa ? { aa } : {}) };
      writeFileSync(join(out, 'result.json'), JSON.stringify(result, null, 1));
      const report = [
        `# trm eval`,
        '',
        `Model \`${model}\`, task ${JSON.stringify(run.task)}; ${sweep.examples} test puzzles, N_test ${N}, k ${ks.join(', ')}, init ${init}.`,
        '',
        '## Solved (exact accuracy, %)',
        '',
        table,
        '## Cell accuracy (%)',
        '',
        sweepTable(sweep.sweep, { metric: 'cellAcc' }),
        ...(aa ? ['## Path independence (derangement AA)', '', `AA_y ${aa.aaY?.toFixed(3)}, AA_z ${aa.aaZ?.toFixed(3)}, AA_pred ${aa.aaPred?.toFixed(3)} (${aa.rows} rows).`, ''] : []),
        '![sweep](sweep.svg)',
        '',
      ].join('\n');
      writeFileSync(join(out, 'report.md'), report);
      writeFileSync(join(out, 'sweep.svg'), await accuracyPlotSvg([{ label: 'model', result: sweep.sweep }]));
      print(io, `wrote ${join(out, 'result.json')}, report.md, sweep.svg`);
    }
  } finally {
    net.dispose();
  }
}
