/**
 * `trm data generate | convert | inspect`: puzzle files without writing code. CSV = the Sudoku-Extreme /
 * Maze-Hard layout (`train.csv`, `test.csv`: source,question,answer,rating); npy = the official dataset layout
 * (`train/`, `test/` with `dataset.json` and `all__*.npy`) that the PyTorch code reads.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import {
  decodeMaze, decodeSudoku, formatMazeCsv, formatSudokuCsv, generateMazes, mazeDataset, parseMazeCsv, parseSudokuCsv, sudokuDataset, sudokuSplits,
  type ArrayDataset, type MazeRecord, type SudokuRecord, type SudokuSize, type TaskDataset,
} from '@trm-ts/data';
import { readOfficialDatasetDir, writeOfficialDatasetDir } from '@trm-ts/data/node';
import { UsageError } from '../errors.js';
import { print, type CliIO } from '../io.js';
import { applyConfigFile, choice, int, withCommon, type CommonOptions } from '../options.js';

type DataTask = 'sudoku' | 'maze';

interface GenerateOptions extends CommonOptions {
  task: DataTask;
  n: string;
  side: number;
  train: number;
  test: number;
  seed: number;
  format: 'csv' | 'npy';
  out: string;
}

interface ConvertOptions extends CommonOptions {
  task: DataTask;
}

export function dataCommand(io: CliIO): Command {
  const data = new Command('data').description('generate, convert (CSV ↔ official npy layout) and inspect puzzle datasets');
  const task = () => new Option('--task <name>', 'sudoku or maze').default('sudoku').argParser(choice('--task', ['sudoku', 'maze'] as const));

  const generate = new Command('generate').description('generate train/test splits of n×n sudoku or mazes as CSV or the official npy layout');
  withCommon(generate)
    .addOption(task())
    .option('--n <n>', 'sudoku side: 4, 6 or 9', choice('--n', ['4', '6', '9'] as const), '4')
    .option('--side <n>', 'maze side', int('--side', 3), 9)
    .option('--train <n>', 'train puzzles', int('--train'), 1000)
    .option('--test <n>', 'test puzzles', int('--test'), 200)
    .option('--seed <n>', 'generation seed', int('--seed', 0), 0)
    .addOption(new Option('--format <f>', 'csv or npy').default('csv').argParser(choice('--format', ['csv', 'npy'] as const)))
    .requiredOption('--out <dir>', 'output folder')
    .action(async (opts: GenerateOptions, c: Command) => {
      await applyConfigFile(c, opts as unknown as Record<string, unknown>, process.cwd());
      await runGenerate(opts, io);
    });

  const convert = new Command('convert').description('convert a CSV folder (train.csv, test.csv) to the official npy layout, or back').argument('<in>', 'input folder').argument('<out>', 'output folder');
  withCommon(convert)
    .addOption(task())
    .action(async (input: string, output: string, opts: ConvertOptions, c: Command) => {
      await applyConfigFile(c, opts as unknown as Record<string, unknown>, process.cwd());
      await runConvert(input, output, opts, io);
    });

  const inspect = new Command('inspect').description('summarise a CSV file, a CSV folder or an official npy folder').argument('<path>', 'file or folder');
  withCommon(inspect)
    .addOption(task())
    .action(async (path: string, opts: ConvertOptions, c: Command) => {
      await applyConfigFile(c, opts as unknown as Record<string, unknown>, process.cwd());
      await runInspect(path, opts, io);
    });

  return data.addCommand(generate).addCommand(convert).addCommand(inspect);
}

function sudokuRecords(ds: TaskDataset, n: number, source: string): SudokuRecord[] {
  return Array.from({ length: ds.numExamples }, (_, i) => {
    const e = ds.example(i);
    return { source, puzzle: decodeSudoku(e.inputs, n), solution: decodeSudoku(e.labels, n), rating: 0 };
  });
}

function mazeRecords(ds: TaskDataset, source: string): MazeRecord[] {
  return Array.from({ length: ds.numExamples }, (_, i) => {
    const e = ds.example(i);
    return { source, question: decodeMaze(e.inputs), answer: decodeMaze(e.labels), rating: 0 };
  });
}

async function runGenerate(opts: GenerateOptions, io: CliIO): Promise<void> {
  const out = resolve(opts.out);
  let train: ArrayDataset;
  let test: ArrayDataset;
  if (opts.task === 'sudoku') {
    const s = sudokuSplits({ n: Number(opts.n) as SudokuSize, seed: opts.seed, train: opts.train, val: 1, test: opts.test, augmentations: 0 });
    ({ train, test } = s);
  } else {
    const seen = new Set<string>();
    const all: MazeRecord[] = [];
    for (const m of generateMazes({ side: opts.side, seed: opts.seed })) {
      if (all.length === opts.train + opts.test) break;
      if (seen.has(m.question)) continue;
      seen.add(m.question);
      all.push(m);
    }
    train = mazeDataset(all.slice(0, opts.train), { name: 'maze-train' });
    test = mazeDataset(all.slice(opts.train), { name: 'maze-test' });
  }
  mkdirSync(out, { recursive: true });
  if (opts.format === 'npy') {
    const files = await writeOfficialDatasetDir(out, { train, test });
    print(io, `wrote ${files.length} files of the official layout to ${out} (train ${train.numExamples}, test ${test.numExamples} examples)`);
    return;
  }
  writeCsvSplits(out, opts.task, train, test, Number(opts.n));
  print(io, `wrote ${join(out, 'train.csv')} (${train.numExamples} puzzles) and test.csv (${test.numExamples})`);
}

function writeCsvSplits(out: string, task: DataTask, train: TaskDataset, test: TaskDataset, n: number): void {
  mkdirSync(out, { recursive: true });
  for (const [name, ds] of [['train', train], ['test', test]] as const) {
    const text = task === 'sudoku' ? formatSudokuCsv(sudokuRecords(ds, n, `trm-${name}`)) : formatMazeCsv(mazeRecords(ds, `trm-${name}`));
    writeFileSync(join(out, `${name}.csv`), text);
  }
}

function readCsvFile(path: string, task: DataTask): ArrayDataset {
  const text = readFileSync(path, 'utf8');
  if (task === 'sudoku') {
    const rows = parseSudokuCsv(text, { file: path });
    if (rows.length === 0) throw new UsageError(`${path}: no puzzles`);
    return sudokuDataset(rows, { n: Math.round(Math.sqrt(rows[0]!.puzzle.length)) as SudokuSize, name: path });
  }
  return mazeDataset(parseMazeCsv(text, { file: path }), { name: path });
}

type Layout = 'csv' | 'npy';

function layoutOf(dir: string, flag: string): Layout {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${dir}: no such folder`);
  if (existsSync(join(dir, 'train.csv')) && existsSync(join(dir, 'test.csv'))) return 'csv';
  if (existsSync(join(dir, 'train', 'dataset.json')) || existsSync(join(dir, 'test', 'dataset.json'))) return 'npy';
  throw new UsageError(`${flag} ${dir}: expected train.csv + test.csv (CSV) or train/dataset.json (official npy layout), found neither`);
}

async function runConvert(input: string, output: string, opts: ConvertOptions, io: CliIO): Promise<void> {
  const src = resolve(input);
  const dst = resolve(output);
  if (layoutOf(src, '<in>') === 'csv') {
    const train = readCsvFile(join(src, 'train.csv'), opts.task);
    const test = readCsvFile(join(src, 'test.csv'), opts.task);
    const files = await writeOfficialDatasetDir(dst, { train, test });
    print(io, `converted CSV → official npy layout: ${files.length} files in ${dst}`);
    return;
  }
  const ds = await readOfficialDatasetDir(src);
  if (!ds.train || !ds.test) throw new UsageError(`<in> ${src}: expected both train/ and test/ splits`);
  const n = Math.round(Math.sqrt(ds.train.seqLen));
  writeCsvSplits(dst, opts.task, ds.train, ds.test, n);
  print(io, `converted official npy layout → CSV: ${join(dst, 'train.csv')} (${ds.train.numExamples} rows), test.csv (${ds.test.numExamples})`);
}

function describe(name: string, ds: TaskDataset): string {
  return `${name}: ${ds.numExamples} examples, ${ds.numPuzzles} puzzles, ${ds.numGroups} groups, seqLen ${ds.seqLen}, vocab ${ds.vocabSize}, ${ds.numPuzzleIdentifiers} puzzle id(s)`;
}

async function runInspect(path: string, opts: ConvertOptions, io: CliIO): Promise<void> {
  const p = resolve(path);
  if (!existsSync(p)) throw new UsageError(`<path> ${p}: no such file or folder`);
  if (statSync(p).isFile()) {
    print(io, describe(p, readCsvFile(p, opts.task)));
    return;
  }
  if (layoutOf(p, '<path>') === 'csv') {
    for (const s of ['train', 'test']) print(io, describe(`${s}.csv`, readCsvFile(join(p, `${s}.csv`), opts.task)));
    return;
  }
  const ds = await readOfficialDatasetDir(p);
  for (const s of ['train', 'test'] as const) if (ds[s]) print(io, describe(`${s}/ (official layout)`, ds[s]!));
}
