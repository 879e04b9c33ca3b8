/**
 * `trm solve`: answers one puzzle (from the command line, a file, or the held-out test split of the run) with
 * a trained model, drawing the grid after every supervision step with its halting confidence sigmoid(q_halt).
 */
import { existsSync, statSync } from 'node:fs';
import { readFileGated } from '@trm-ts/core/node';
import { dirname, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { CheckpointError, READOUT_NAMES, Rng, networkFromSafetensors, solve, type ReadoutName, type SolveStep, type TrmNetwork } from '@trm-ts/core';
import { MAZE_CHARSET, arcGridFromTokens, arcGridToTokens, drawSudoku, isValidSolution, mazeToTokens, sudokuFromTokens, sudokuSpec, sudokuToTokens } from '@trm-ts/data';
import { startBackend } from '../backend.js';
import { UsageError } from '../errors.js';
import { print, type CliIO } from '../io.js';
import { applyConfigFile, choice, int, num, readJson, withCommon, type CommonOptions } from '../options.js';
import { buildSplits, type TaskSpec } from '../tasks.js';
import type { RunInfo } from './train.js';

type SolveTask = 'sudoku' | 'maze' | 'arc' | 'tokens';

export interface SolveCliOptions extends CommonOptions {
  checkpoint: string;
  file?: string;
  task?: SolveTask;
  testPuzzle?: string;
  maxSteps?: number;
  haltThreshold: number;
  k: number;
  readout?: ReadoutName;
  seed: number;
  animate: boolean;
}

export function solveCommand(io: CliIO): Command {
  const cmd = new Command('solve')
    .description('solve a puzzle with a trained model, showing the grid refine step by step with its halting confidence')
    .argument('[puzzle]', "the puzzle: sudoku as a string ('.' or '0' = blank), maze rows joined by '/', ARC grid as JSON rows");
  withCommon(cmd)
    .requiredOption('--checkpoint <path>', 'a model .safetensors file, or a run folder of trm train (uses its model.safetensors)')
    .option('--file <path>', 'read the puzzle from a file (sudoku: the grid, whitespace and |-+ ignored; maze: one row per line; ARC: JSON rows)')
    .addOption(new Option('--task <name>', "how to read and draw the puzzle: sudoku, maze, arc, or tokens (ids separated by spaces or commas; custom tasks). Default: the run's task, else sudoku").argParser(choice('--task', ['sudoku', 'maze', 'arc', 'tokens'] as const)))
    .option('--test-puzzle <i>', "solve puzzle i of the run's held-out test split ('random' = a random one)")
    .option('--max-steps <n>', 'N_test: the most supervision steps (default: the model\'s N_sup)', int('--max-steps'))
    .option('--halt-threshold <p>', 'stop once sigmoid(q_halt) >= p (1 = run every step)', num('--halt-threshold', (x) => x > 0 && x <= 1, 'a probability in (0, 1]'), 0.5)
    .option('--k <n>', 'runs from random inits, combined by --readout', int('--k'), 1)
    .addOption(new Option('--readout <name>', `read-out of the k runs: ${READOUT_NAMES.join(', ')}`).argParser(choice('--readout', READOUT_NAMES)))
    .option('--seed <n>', 'seed of random inits and of --test-puzzle random', int('--seed', 0), 0)
    .option('--no-animate', 'print every step below the previous one instead of redrawing in place')
    .action(async (puzzle: string | undefined, opts: SolveCliOptions, c: Command) => {
      await applyConfigFile(c, opts as unknown as Record<string, unknown>, process.cwd());
      await runSolve(puzzle, opts, io);
    });
  return cmd;
}

/** The model file and (when the path is a run folder or sits in one) the run's info. */
export async function resolveCheckpoint(path: string): Promise<{ model: string; run: RunInfo | null }> {
  const p = resolve(path);
  if (!existsSync(p)) throw new UsageError(`--checkpoint ${p}: no such file or folder`, 'pass a .safetensors file or the --out folder of trm train');
  const model = statSync(p).isDirectory() ? join(p, 'model.safetensors') : p;
  if (!existsSync(model)) throw new UsageError(`--checkpoint ${p}: no model.safetensors in this folder`, 'has trm train finished? or pass the .safetensors file');
  const runPath = join(dirname(model), 'run.json');
  return { model, run: existsSync(runPath) ? ((await readJson(runPath, 'run file')) as RunInfo) : null };
}

/** The network of a self-describing model file; a bad file is a CheckpointError naming it. */
export async function loadNetwork(model: string): Promise<TrmNetwork> {
  try {
    return networkFromSafetensors(await readFileGated(model, { kind: 'safetensors' }));
  } catch (e) {
    if (e instanceof CheckpointError) throw new CheckpointError(`model file ${model}: ${e.message}`);
    throw e;
  }
}

interface Codec {
  encode(text: string): Int32Array;
  draw(tokens: Int32Array): string;
  verdict(input: Int32Array, answer: Int32Array): string;
}

function codecOf(task: SolveTask): Codec {
  if (task === 'tokens') {
    return {
      encode: (t) => {
        const ids = t.trim().split(/[\s,]+/).map(Number);
        if (!ids.every((x) => Number.isInteger(x) && x >= 0)) throw new UsageError('puzzle: expected token ids (integers >= 0) separated by spaces or commas');
        return Int32Array.from(ids);
      },
      draw: (tokens) => Array.from(tokens).join(' '),
      verdict: () => 'the predicted tokens',
    };
  }
  if (task === 'sudoku') {
    return {
      encode: (t) => sudokuToTokens(t),
      draw: (tokens) => drawSudoku(sudokuFromTokens(tokens)),
      verdict: (input, answer) => {
        const given = sudokuFromTokens(input);
        const got = sudokuFromTokens(answer);
        const side = Math.round(Math.sqrt(got.length));
        const digits = Array.from(got, (ch) => (ch === '.' ? 0 : Number(ch)));
        const keeps = [...given].every((ch, i) => ch === '.' || ch === got[i]);
        return isValidSolution(digits, sudokuSpec(side)) && keeps ? 'a valid solution that keeps every given' : 'NOT a valid solution';
      },
    };
  }
  if (task === 'maze') {
    return {
      encode: (t) => mazeToTokens(t.includes('/') ? t.split('/') : t.split(/\r?\n/).filter(Boolean)),
      // Predictions may hold PAD (0), which the strict decoder rejects: drawn as '?'.
      draw: (tokens) => {
        const side = Math.round(Math.sqrt(tokens.length));
        const text = Array.from(tokens, (t) => MAZE_CHARSET[t - 1] ?? '?').join('');
        return Array.from({ length: side }, (_, r) => text.slice(r * side, (r + 1) * side)).join('\n');
      },
      verdict: () => 'a path drawn with o',
    };
  }
  return {
    encode: (t) => {
      let rows: unknown;
      try {
        rows = JSON.parse(t);
      } catch {
        throw new UsageError('ARC puzzle: expected a JSON list of rows, e.g. [[0,1],[2,3]]');
      }
      return arcGridToTokens(rows);
    },
    draw: (tokens) => (arcGridFromTokens(tokens) ?? [['(no grid)']]).map((r) => r.join(' ')).join('\n'),
    verdict: () => 'the cropped output grid',
  };
}

export async function runSolve(puzzleArg: string | undefined, opts: SolveCliOptions, io: CliIO): Promise<void> {
  const { model, run } = await resolveCheckpoint(opts.checkpoint);
  const kind = run?.task.task;
  const task: SolveTask = opts.task ?? (kind === 'maze' || kind === 'arc' ? kind : kind === 'custom' ? 'tokens' : 'sudoku');
  const sources = [puzzleArg !== undefined, opts.file !== undefined, opts.testPuzzle !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new UsageError(`expected exactly one puzzle source (an argument, --file or --test-puzzle), got ${sources}`, "e.g. trm solve '1..4....' --checkpoint runs/train");
  await startBackend(opts.backend);
  const net = await loadNetwork(model);
  try {
    const codec = codecOf(task);
    let input: Int32Array;
    if (opts.testPuzzle !== undefined) {
      if (!run) throw new UsageError('--test-puzzle: the checkpoint is not in a run folder (no run.json next to it)', 'pass the puzzle itself or --file');
      const test = (await buildSplits(run.task as TaskSpec)).test;
      const i = opts.testPuzzle === 'random' ? new Rng(opts.seed).int(0, test.numExamples - 1) : Number(opts.testPuzzle);
      if (!Number.isInteger(i) || i < 0 || i >= test.numExamples) throw new UsageError(`--test-puzzle: expected 'random' or an index in 0..${test.numExamples - 1}, got '${opts.testPuzzle}'`);
      input = Int32Array.from(test.example(i).inputs);
      print(io, `puzzle ${i} of the run's test split (${test.numExamples} puzzles held out from training)`);
    } else {
      let text = puzzleArg;
      if (opts.file !== undefined) {
        const path = resolve(opts.file);
        if (!existsSync(path) || statSync(path).isDirectory()) throw new UsageError(`--file ${path}: no such file`);
        text = new TextDecoder().decode(await readFileGated(path, { kind: 'csv' }));
      }
      input = codec.encode(text!);
    }
    if (input.length !== net.config.seqLen) {
      throw new UsageError(`puzzle: expected ${net.config.seqLen} cells (the model's seqLen), got ${input.length}`, `this model was trained on ${run ? `task ${run.task.task}${run.task.n ? ` n=${run.task.n}` : ''}` : 'another size'}`);
    }
    print(io, codec.draw(input));
    print(io);
    const tty = opts.animate && (io.stdout as NodeJS.WriteStream).isTTY === true;
    let drawnLines = 0;
    const onStep = (s: SolveStep) => {
      const text = `step ${String(s.step).padStart(2)}  q_halt confidence ${(100 * s.confidence[0]!).toFixed(1).padStart(5)}%${s.halted[0] ? '  (halts)' : ''}\n${codec.draw(s.tokens)}`;
      if (tty && drawnLines > 0) io.stdout.write(`\x1b[${drawnLines}F\x1b[J`);
      print(io, text);
      if (!tty) print(io);
      drawnLines = text.split('\n').length;
    };
    const result = await solve(net, [input], {
      ...(opts.maxSteps ? { maxSteps: opts.maxSteps } : {}),
      haltThreshold: opts.haltThreshold >= 1 ? null : opts.haltThreshold,
      k: opts.k,
      ...(opts.readout ? { readout: opts.readout } : {}),
      seed: opts.seed,
      onStep,
    });
    print(io, `answer after ${result.stepsUsed[0]} step(s), confidence ${(100 * result.confidences[result.stepsUsed[0]! - 1]![0]!).toFixed(1)}%: ${codec.verdict(input, result.tokens)}`);
  } finally {
    net.dispose();
  }
}
