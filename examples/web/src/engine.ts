/**
 * Everything that drives a model, in one module (so that trm-core's coming `solve()` can replace it): loading
 * checkpoints, running supervision steps one at a time with k runs stacked as rows (ALGORITHM.md §8.5), the
 * read-outs and the vote (trm-eval), the AA view (two inits, cosine of y and z per step, §9.1) and training a
 * 4×4 model in the tab. Plain typed arrays go out; every tensor is disposed here.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  ConfigError,
  TRAIN_PRESETS,
  Trainer,
  batchTensors,
  evalStep,
  evaluate,
  fromOfficialConfig,
  modelToSafetensors,
  networkFromSafetensors,
  Rng,
  type Latents,
  type TaskBatch,
  type TrainConfig,
  type TrmConfig,
  type TrmNetwork,
} from '@trm-ts/core';
import { MAZE_VOCAB_SIZE, sudokuSplits } from '@trm-ts/data';
import { cosinePerExample, evalModelOf, initialLatents, readout, type ReadoutName } from '@trm-ts/eval';
import { mazeKind, sudokuKind, type PuzzleKind } from './puzzle.js';

/** What the shipped `model.json` files hold (written by `examples/learn/sudoku.mjs` / `maze.mjs --save`). */
export interface ModelMeta {
  model: Partial<TrmConfig>;
  command?: string;
  /** maze.mjs: the generated data's settings (mazeTask.build options). */
  data?: { seed: number; side: number; train: number; test: number; minPathLength: number; loopFraction: number };
  result?: { task?: string; exact_accuracy?: number; accuracy?: number; test_puzzles?: number; train_seconds?: number; steps?: number };
}

export interface Model {
  net: TrmNetwork;
  /** The puzzles the model reads: n×n sudoku or side×side maze (puzzle.ts). */
  task: PuzzleKind;
  name: string;
  meta: ModelMeta | null;
}

/**
 * The task of a model from its shape: n×n sudoku has seqLen n², vocabSize n + 2 (§7.3, n = 4, 6, 9); a side×side
 * maze has seqLen side², vocabSize 6 (§7.4, side ≥ 5, or any side when model.json says `maze`).
 */
export function taskOf(c: Pick<TrmConfig, 'seqLen' | 'vocabSize'>, meta: ModelMeta | null = null): PuzzleKind {
  const side = Math.round(Math.sqrt(c.seqLen));
  const mazeShaped = side * side === c.seqLen && c.vocabSize === MAZE_VOCAB_SIZE;
  if (mazeShaped && (side >= 5 || meta?.result?.task?.startsWith('maze'))) return mazeKind(side, meta?.data ?? {});
  for (const n of [4, 6, 9] as const) if (c.seqLen === n * n && c.vocabSize === n + 2) return sudokuKind(n);
  throw new ConfigError(
    `model: expected a sudoku model (seqLen n², vocabSize n + 2 for n = 4, 6 or 9) or a maze model (seqLen side², vocabSize 6), got seqLen ${c.seqLen}, vocabSize ${c.vocabSize}. ` +
      'Load a checkpoint trained on 4×4, 6×6 or 9×9 sudoku or on square mazes.',
  );
}

/**
 * The model config of a JSON file next to the weights: a shipped `model.json` ({ model: TrmConfig }), a bare
 * TrmConfig, or an official config (snake_case keys such as `H_cycles`, converted by fromOfficialConfig).
 */
export function configFromJson(text: string): { config: Partial<TrmConfig>; meta: ModelMeta | null } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`model config: expected JSON, got text that does not parse (${(err as Error).message}). Pick the model's .json config file.`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`model config: expected a JSON object, got ${JSON.stringify(raw)?.slice(0, 40)}.`);
  const o = raw as Record<string, unknown>;
  if (o.model && typeof o.model === 'object') return { config: o.model as Partial<TrmConfig>, meta: o as unknown as ModelMeta };
  const official = ['H_cycles', 'L_cycles', 'hidden_size', 'seq_len', 'vocab_size'].some((k) => k in o);
  return { config: official ? fromOfficialConfig(o) : (o as Partial<TrmConfig>), meta: null };
}

/** Builds a model from a safetensors file (config from its metadata, or from `configJson`); checks it is a sudoku or maze model. */
export function loadModel(weights: Uint8Array, configJson: string | null, name: string): Model {
  const parsed = configJson === null ? null : configFromJson(configJson);
  const net = networkFromSafetensors(weights, parsed?.config);
  const meta = parsed?.meta ?? null;
  try {
    return { net, task: taskOf(net.config, meta), name, meta };
  } catch (err) {
    net.dispose();
    throw err;
  }
}

/** Test-time latent init (§8.3): the model's H_init/L_init, one random vector per run, or zeros. */
export type InitMode = 'static' | 'random' | 'zeros';

export interface SolveOptions {
  /** N_sup at test: supervision steps to run (no early halting; the halting point is reported). */
  steps: number;
  /** k: runs of the puzzle, stacked as rows. */
  k: number;
  readout: ReadoutName;
  init: InitMode;
  seed: number;
  /** Also record the state after each of the T latent recursions inside a supervision step. */
  inner?: boolean;
  /** Download y and z after every supervision step (for the AA view). */
  latents?: boolean;
}

/** The answer after one supervision step (or one latent recursion inside it). */
export interface Frame {
  /** Supervision step s, 1-based. */
  step: number;
  /** 0 = end of the supervision step; 1..T = after that latent recursion (inner frames). */
  inner: number;
  /** Predicted cell values per run `[k·n²]` (puzzle.ts: sudoku digit, 0 = PAD or blank; maze `# SGo` index, PAD → 0). */
  digits: Uint8Array;
  /** Probability of each predicted value `[k·n²]`. */
  conf: Float32Array;
  /** Raw q_halt logits `[k]` (halt where > 0). */
  qHalt: Float32Array;
  /** The read-out over the k runs `[n²]`, and the mean over runs of its probability `[n²]`. */
  vote: Uint8Array;
  voteConf: Float32Array;
  y?: Float32Array;
  z?: Float32Array;
}

export interface SolveResult {
  frames: Frame[];
  /** First supervision step whose q_halt (run 1) says halt, or null. */
  haltStep: number | null;
  /** Supervision steps (all k runs in lockstep) per second of wall time, downloads included. */
  stepsPerSecond: number;
  ms: number;
}

const tokenToDigit = (t: number) => (t >= 2 ? t - 1 : 0); // cell value v ↔ token v + 1 (sudoku §7.3, maze §7.4); PAD 0 → 0

/** The k-row batch of one puzzle (labels ignored: −100). */
function puzzleBatch(puzzle: Uint8Array, k: number): TaskBatch {
  const L = puzzle.length;
  const inputs = new Int32Array(k * L);
  for (let r = 0; r < k; r++) for (let i = 0; i < L; i++) inputs[r * L + i] = puzzle[i]! + 1;
  return { batchSize: k, seqLen: L, inputs, labels: new Int32Array(k * L).fill(-100), puzzleIds: new Int32Array(k) };
}

/** Turns softmax probabilities `[k·L·V]` and q_halt into a frame. */
function frameOf(step: number, inner: number, probs: Float32Array, qHalt: Float32Array, k: number, L: number, V: number, name: ReadoutName): Frame {
  const tokens = new Int32Array(k * L);
  const digits = new Uint8Array(k * L);
  const conf = new Float32Array(k * L);
  for (let c = 0; c < k * L; c++) {
    let best = 0;
    for (let v = 1; v < V; v++) if (probs[c * V + v]! > probs[c * V + best]!) best = v;
    tokens[c] = best;
    digits[c] = tokenToDigit(best);
    conf[c] = probs[c * V + best]!;
  }
  const voteTokens = readout(name, tokens, qHalt, { runs: k, batch: 1, cells: L }, k);
  const vote = new Uint8Array(L);
  const voteConf = new Float32Array(L);
  for (let i = 0; i < L; i++) {
    vote[i] = tokenToDigit(voteTokens[i]!);
    let p = 0;
    for (let r = 0; r < k; r++) p += probs[(r * L + i) * V + voteTokens[i]!]!;
    voteConf[i] = p / k;
  }
  return { step, inner, digits, conf, qHalt, vote, voteConf };
}

/**
 * Runs `opts.steps` supervision steps of k runs of `puzzle` (cell values, puzzle.ts) in evaluation mode and
 * returns every step's answer. `onFrame` sees each frame as it is made (for live display).
 */
export async function solve(model: Model, puzzle: Uint8Array, opts: SolveOptions, onFrame?: (f: Frame) => void | Promise<void>): Promise<SolveResult> {
  const { net } = model;
  const { steps, k } = opts;
  const L = net.config.seqLen;
  const V = net.config.vocabSize;
  const T = net.config.recursions;
  if (puzzle.length !== L) throw new ConfigError(`solve: expected a puzzle of ${L} cells for this ${model.task.label} model, got ${puzzle.length}. Pick a model of the puzzle's size.`);
  for (const [what, v, max] of [['steps (N_sup)', steps, 1000], ['k', k, 64]] as const) {
    if (!(Number.isInteger(v) && v >= 1 && v <= max)) throw new ConfigError(`solve: expected ${what} to be an integer in 1..${max}, got ${v}.`);
  }
  const t0 = performance.now();
  const bt = batchTensors(net, puzzleBatch(puzzle, k));
  let lat: Latents = initialLatents(evalModelOf(net), opts.init, k, 1, new Rng(opts.seed));
  const frames: Frame[] = [];
  let haltStep: number | null = null;
  const read = async (out: { logits: tf.Tensor; qHalt: tf.Tensor }, step: number, inner: number): Promise<Frame> => {
    const probs = tf.tidy(() => tf.softmax(out.logits, -1)); // [k, L, V]
    const [p, q] = (await Promise.all([probs.data(), out.qHalt.data()])) as [Float32Array, Float32Array];
    probs.dispose();
    return frameOf(step, inner, p, q, k, L, V, opts.readout);
  };
  try {
    for (let s = 1; s <= steps; s++) {
      // One supervision step = T latent recursions then the heads; with `inner`, the heads after each of them.
      const parts = opts.inner ? T : 1;
      for (let t = 1; t <= parts; t++) {
        const out = evalStep(net, bt, lat, opts.inner ? { recursions: 1 } : {});
        tf.dispose([lat.y, lat.z, out.qContinue]);
        lat = { y: out.y, z: out.z };
        const last = t === parts;
        if (last || opts.inner) {
          const f = await read(out, s, last ? 0 : t);
          if (last && opts.latents) [f.y, f.z] = (await Promise.all([lat.y.data(), lat.z.data()])) as [Float32Array, Float32Array];
          if (last && haltStep === null && f.qHalt[0]! > 0) haltStep = s;
          frames.push(f);
          await onFrame?.(f);
        }
        tf.dispose([out.logits, out.qHalt]);
      }
    }
  } finally {
    tf.dispose([lat.y, lat.z, bt.inputs, bt.labels, bt.puzzleIds]);
  }
  const ms = performance.now() - t0;
  return { frames, haltStep, ms, stepsPerSecond: (steps * 1000) / ms };
}

export interface AaPoint {
  step: number;
  /** cos(y₁, y₂) and cos(z₁, z₂) over the whole latent (prefix slots included). */
  cosY: number;
  cosZ: number;
  /** Fraction of cells where the two runs predict the same digit. */
  agree: number;
}

/** The AA view (§9.1): two runs of one puzzle from two random inits, compared after every supervision step. */
export async function alignmentRuns(model: Model, puzzle: Uint8Array, steps: number, seed: number): Promise<{ points: AaPoint[]; final: [Uint8Array, Uint8Array] }> {
  const L = puzzle.length;
  const r = await solve(model, puzzle, { steps, k: 2, init: 'random', readout: 'single', seed, latents: true });
  const points = r.frames.map((f) => {
    const half = f.y!.length / 2; // rows r·B + b with B = 1: run 1 then run 2, [P·D] each
    const cos = (a: Float32Array) => cosinePerExample(a.subarray(0, half), a.subarray(half), 1)[0]!;
    let same = 0;
    for (let i = 0; i < L; i++) if (f.digits[i] === f.digits[L + i]) same++;
    return { step: f.step, cosY: cos(f.y!), cosZ: cos(f.z!), agree: same / L };
  });
  const last = r.frames.at(-1)!;
  return { points, final: [last.digits.slice(0, L), last.digits.slice(L)] };
}

export interface TrainPoint {
  step: number;
  seconds: number;
  loss: number;
  /** Held-out exact accuracy (fraction of test puzzles entirely right), at evaluation points only. */
  testExact?: number;
}

/**
 * Trains a 4×4 model in the tab with the project's CPU recipe (SUDOKU4_CPU, docs/learning.md) on generated
 * puzzles; `run` yields to the page between steps so it stays responsive.
 */
export class TabTrainer {
  readonly trainer: Trainer;
  private readonly test: TaskBatch[];
  private stopped = false;

  constructor(seed = 0) {
    const splits = sudokuSplits({ n: 4, seed: 1000 + seed, train: 2000, val: 16, test: 250 });
    const config = structuredClone(TRAIN_PRESETS.SUDOKU4_CPU) as Partial<TrainConfig>;
    config.seed = seed;
    config.model = { ...config.model, seqLen: splits.train.seqLen, vocabSize: splits.train.vocabSize, numPuzzleIdentifiers: splits.train.numPuzzleIdentifiers };
    this.trainer = new Trainer(config, splits.train.batches({ batchSize: config.globalBatchSize!, seed, epochs: Infinity }));
    this.test = [...splits.test.batches({ batchSize: 250 })];
  }

  stop(): void {
    this.stopped = true;
  }

  /** Trains until `seconds` of training time or stop(); evaluates on 250 held-out puzzles every `evalEvery` s. */
  async run(seconds: number, evalEvery: number, onPoint: (p: TrainPoint) => void): Promise<void> {
    this.stopped = false;
    let nextEval = evalEvery;
    for (;;) {
      const m = await this.trainer.trainStep();
      const done = this.stopped || m.seconds >= seconds;
      const p: TrainPoint = { step: m.step, seconds: m.seconds, loss: m.loss };
      if (m.seconds >= nextEval || done) {
        const e = await this.trainer.withEvalWeights((net) => evaluate(net, this.test));
        p.testExact = e.exactAccuracy;
        nextEval = m.seconds + evalEvery;
      }
      onPoint(p);
      if (done) return;
      await new Promise((r) => setTimeout(r, 0)); // let the page paint
    }
  }

  /** The evaluated (EMA) weights as a standalone model. */
  async toModel(name = 'trained in this tab'): Promise<Model> {
    const t = this.trainer;
    const bytes = await modelToSafetensors(t.network, t.ema ? t.ema.averages : t.network.vars);
    return loadModel(bytes, null, name);
  }

  dispose(): void {
    this.trainer.dispose();
  }
}
