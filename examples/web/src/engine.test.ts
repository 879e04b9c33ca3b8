import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { CheckpointError, ConfigError, TrmNetwork, modelToSafetensors } from '@trm-ts/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignmentRuns, configFromJson, loadModel, solve, taskOf, type Model } from './engine.js';
import { generatePuzzle, parsePuzzle, uniqueSolution } from './puzzle.js';
import { mazeTask, sudokuSplits, type TaskBatch } from '@trm-ts/data';
import { KNOWN_4X4, KNOWN_4X4_SOLUTION, KNOWN_6X6, KNOWN_6X6_SOLUTION, KNOWN_MAZE9, KNOWN_MAZE9_ANSWER } from '../test/fixtures.js';

const SHIPPED = fileURLToPath(new URL('../public/models/sudoku4/', import.meta.url));
const MODELS = fileURLToPath(new URL('../public/models/', import.meta.url));

function shippedModel(id: string): Model {
  return loadModel(readFileSync(`${MODELS}${id}/model.safetensors`), readFileSync(`${MODELS}${id}/model.json`, 'utf8'), id);
}

/**
 * The first example of a held-out split that the model solves exactly (k = 1, static init, N_sup steps), as cell
 * values (token − 1), with how many were tried; checks for leaks on the way.
 */
async function firstSolved(model: Model, batches: Iterable<TaskBatch>, limit: number): Promise<{ puzzle: Uint8Array; answer: Uint8Array; tried: number }> {
  let tried = 0;
  for (const b of batches) {
    const L = b.seqLen;
    for (let r = 0; r < b.batchSize && tried < limit; r++, tried++) {
      const puzzle = Uint8Array.from(b.inputs.subarray(r * L, (r + 1) * L), (t) => t - 1);
      const answer = Uint8Array.from(b.labels.subarray(r * L, (r + 1) * L), (t) => t - 1);
      const before = tf.memory().numTensors;
      const out = await solve(model, puzzle, { steps: model.net.config.supervisionSteps, k: 1, readout: 'single', init: 'static', seed: 0 });
      expect(tf.memory().numTensors).toBe(before);
      if (out.frames.at(-1)!.vote.every((v, i) => v === answer[i])) return { puzzle, answer, tried: tried + 1 };
    }
  }
  throw new Error(`none of the first ${tried} held-out examples solved`);
}

/** A random (untrained) 4×4 model, through the same bytes path as a checkpoint file. */
async function randomModel(): Promise<Model> {
  const net = new TrmNetwork({ hiddenSize: 32, numLayers: 1, latentSteps: 2, recursions: 3, supervisionSteps: 4, seqLen: 16, vocabSize: 6, numPuzzleIdentifiers: 1, puzzleEmbDim: 32, puzzleEmbLen: 1 }, { seed: 3 });
  const bytes = await modelToSafetensors(net);
  net.dispose();
  return loadModel(bytes, null, 'random');
}

describe('engine', () => {
  beforeAll(async () => {
    await useWasmBackend();
  });

  it('solves k runs step by step: shapes, probabilities, the single read-out is run 1, the halting step, no leak', async () => {
    const model = await randomModel();
    const { puzzle } = generatePuzzle(4, 7);
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const r = await solve(model, puzzle, { steps: 5, k: 3, readout: 'single', init: 'random', seed: 1 }, (f) => void seen.push(f.step));
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(r.frames).toHaveLength(5);
    for (const f of r.frames) {
      expect(f.inner).toBe(0);
      expect(f.digits).toHaveLength(48);
      expect(f.qHalt).toHaveLength(3);
      for (const p of f.conf) expect(p > 1 / 6 - 1e-6 && p <= 1 + 1e-6).toBe(true); // argmax of 6 classes ≥ 1/6
      expect(Array.from(f.vote)).toEqual(Array.from(f.digits.subarray(0, 16)));
    }
    const firstHalt = r.frames.find((f) => f.qHalt[0]! > 0)?.step ?? null;
    expect(r.haltStep).toBe(firstHalt);
    expect(r.stepsPerSecond).toBeGreaterThan(0);
    model.net.dispose();
  });

  it('inner frames: T recursions one at a time end where one whole supervision step ends', async () => {
    const model = await randomModel();
    const { puzzle } = generatePuzzle(4, 8);
    const before = tf.memory().numTensors;
    const whole = await solve(model, puzzle, { steps: 3, k: 2, readout: 'cellMode', init: 'random', seed: 5 });
    const inner = await solve(model, puzzle, { steps: 3, k: 2, readout: 'cellMode', init: 'random', seed: 5, inner: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(inner.frames.map((f) => `${f.step}.${f.inner}`)).toEqual(['1.1', '1.2', '1.0', '2.1', '2.2', '2.0', '3.1', '3.2', '3.0']);
    const ends = inner.frames.filter((f) => f.inner === 0);
    ends.forEach((f, i) => {
      expect(Array.from(f.digits)).toEqual(Array.from(whole.frames[i]!.digits));
      f.qHalt.forEach((q, r) => expect(q).toBeCloseTo(whole.frames[i]!.qHalt[r]!, 4));
    });
    model.net.dispose();
  });

  it('AA: two random inits give cosines in [−1, 1] per step; one init against itself gives 1', async () => {
    const model = await randomModel();
    const { puzzle } = generatePuzzle(4, 9);
    const before = tf.memory().numTensors;
    const { points } = await alignmentRuns(model, puzzle, 4, 2);
    expect(points.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    for (const p of points) for (const c of [p.cosY, p.cosZ]) expect(Math.abs(c)).toBeLessThanOrEqual(1 + 1e-9);
    // Two static runs start from the same latents, so they stay identical: cosine 1, every cell agrees.
    const same = await solve(model, puzzle, { steps: 2, k: 2, readout: 'single', init: 'static', seed: 0, latents: true });
    const y = same.frames[1]!.y!;
    const h = y.length / 2;
    let dot = 0;
    let a = 0;
    for (let i = 0; i < h; i++) {
      dot += y[i]! * y[h + i]!;
      a += y[i]! * y[i]!;
    }
    expect(dot / a).toBeCloseTo(1, 6);
    expect(tf.memory().numTensors).toBe(before);
    model.net.dispose();
  });

  it('rejects bad inputs with readable messages', async () => {
    expect(() => loadModel(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), null, 'junk')).toThrow(CheckpointError);
    expect(() => configFromJson('{ not json')).toThrow(/model config: expected JSON/);
    const odd = new TrmNetwork({ hiddenSize: 16, numLayers: 1, seqLen: 30, vocabSize: 7, numPuzzleIdentifiers: 1, puzzleEmbDim: 0, puzzleEmbLen: 0 });
    const bytes = await modelToSafetensors(odd);
    odd.dispose();
    const before = tf.memory().numTensors;
    expect(() => loadModel(bytes, null, 'odd')).toThrow(ConfigError);
    expect(() => loadModel(bytes, null, 'odd')).toThrow(/^model: expected a sudoku model .* or a maze model \(seqLen side², vocabSize 6\), got seqLen 30, vocabSize 7\./);
    expect(tf.memory().numTensors).toBe(before); // the rejected network was disposed
    const model = await randomModel();
    await expect(solve(model, new Uint8Array(36), { steps: 1, k: 1, readout: 'single', init: 'static', seed: 0 })).rejects.toThrow(/expected a puzzle of 16 cells/);
    model.net.dispose();
  });

  it('tells sudoku from maze models by their shape (and model.json)', () => {
    expect(taskOf({ seqLen: 16, vocabSize: 6 })).toMatchObject({ kind: 'sudoku', n: 4 });
    expect(taskOf({ seqLen: 36, vocabSize: 8 })).toMatchObject({ kind: 'sudoku', n: 6 });
    expect(taskOf({ seqLen: 81, vocabSize: 11 })).toMatchObject({ kind: 'sudoku', n: 9 });
    expect(taskOf({ seqLen: 81, vocabSize: 6 })).toMatchObject({ kind: 'maze', n: 9, label: '9×9 maze' });
    expect(taskOf({ seqLen: 16, vocabSize: 6 }, { model: {}, result: { task: 'maze4' } })).toMatchObject({ kind: 'maze', n: 4 });
    expect(() => taskOf({ seqLen: 80, vocabSize: 6 })).toThrow(ConfigError);
  });

  it('solves a maze with a maze model: cell values are `# SGo` indices, k runs, no leak', async () => {
    const net = new TrmNetwork({ hiddenSize: 32, numLayers: 1, latentSteps: 2, recursions: 2, supervisionSteps: 4, seqLen: 49, vocabSize: 6, numPuzzleIdentifiers: 1, puzzleEmbDim: 32, puzzleEmbLen: 1 }, { seed: 4 });
    const model = loadModel(await modelToSafetensors(net), null, 'random maze');
    net.dispose();
    expect(model.task).toMatchObject({ kind: 'maze', n: 7 });
    const { puzzle } = model.task.generate(3);
    const before = tf.memory().numTensors;
    const r = await solve(model, puzzle, { steps: 3, k: 2, readout: 'cellMode', init: 'random', seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    for (const f of r.frames) {
      expect(f.digits).toHaveLength(98);
      expect(f.digits.every((v) => v <= 4)).toBe(true);
      expect(model.task.text(f.vote)).toMatch(/^[# SGo]{49}$/);
    }
    model.net.dispose();
  });

  it('reads official configs (snake_case) and shipped model.json files', () => {
    expect(configFromJson(JSON.stringify({ hidden_size: 64, H_cycles: 2, L_cycles: 3, seq_len: 16, vocab_size: 6 })).config).toMatchObject({ hiddenSize: 64, recursions: 2, latentSteps: 3 });
    expect(configFromJson(JSON.stringify({ model: { hiddenSize: 8 }, result: { exact_accuracy: 1 } })).meta?.result?.exact_accuracy).toBe(1);
  });

  it.skipIf(!existsSync(`${SHIPPED}model.safetensors`))('the shipped 4×4 checkpoint solves a held-out puzzle', async () => {
    const model = loadModel(readFileSync(`${SHIPPED}model.safetensors`), readFileSync(`${SHIPPED}model.json`, 'utf8'), 'sudoku4');
    const puzzle = parsePuzzle(KNOWN_4X4, 4);
    const solution = uniqueSolution(puzzle, 4)!;
    expect(Array.from(solution).join('')).toBe(KNOWN_4X4_SOLUTION);
    const before = tf.memory().numTensors;
    const r = await solve(model, puzzle, { steps: 16, k: 1, readout: 'single', init: 'static', seed: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(r.frames.at(-1)!.vote).join('')).toBe(KNOWN_4X4_SOLUTION);
    model.net.dispose();
  });

  it.skipIf(!existsSync(`${MODELS}maze9/model.safetensors`))('the shipped 9×9 maze checkpoint: KNOWN_MAZE9 is the first held-out maze it solves, its answer the unique shortest path', async () => {
    const model = shippedModel('maze9');
    expect(model.task).toMatchObject({ kind: 'maze', n: 9 });
    const splits = await mazeTask.build(model.meta!.data!);
    const { puzzle, answer, tried } = await firstSolved(model, splits.test.batches({ batchSize: 50 }), 50);
    console.log(`maze9: first solved held-out maze is number ${tried}`);
    expect(model.task.format(puzzle)).toBe(KNOWN_MAZE9);
    expect(model.task.text(answer)).toBe(KNOWN_MAZE9_ANSWER);
    expect(model.task.text(model.task.solution(model.task.parse(KNOWN_MAZE9))!)).toBe(KNOWN_MAZE9_ANSWER);
    model.net.dispose();
  });

  it.skipIf(!existsSync(`${MODELS}sudoku6/model.safetensors`))('the shipped 6×6 checkpoint: KNOWN_6X6 is the first held-out puzzle it solves', async () => {
    const model = shippedModel('sudoku6');
    expect(model.task).toMatchObject({ kind: 'sudoku', n: 6 });
    const splits = sudokuSplits({ n: 6, seed: 1001, train: 2000, val: 256, test: 1000 });
    const { puzzle, answer, tried } = await firstSolved(model, splits.test.batches({ batchSize: 50 }), 250);
    console.log(`sudoku6: first solved held-out puzzle is number ${tried}`);
    expect(model.task.format(puzzle)).toBe(KNOWN_6X6);
    expect(model.task.text(answer)).toBe(KNOWN_6X6_SOLUTION);
    expect(model.task.text(model.task.solution(puzzle)!)).toBe(KNOWN_6X6_SOLUTION);
    model.net.dispose();
  });
});
