/**
 * A user's first script, run from the packed tarballs in a fresh project outside the workspace: train a few
 * steps of 4×4 sudoku, save the model and a trainer checkpoint, load both back, evaluate. Prints one JSON
 * line that test/release.test.ts checks. Type-checked under strict + noUncheckedIndexedAccess with the
 * bundler, node16 and node10 module resolutions (tsconfig.*.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SUDOKU4_CPU, Trainer, evaluate, exportStateDict, modelToSafetensors, networkFromSafetensors, type StepMetrics, type TrainConfig } from '@trm-ts/core';
import { loadTrainerCheckpoint, readFileLimited, saveTrainerCheckpoint, writeFileAtomic } from '@trm-ts/core/node';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { sudokuSplits } from '@trm-ts/data';
import { SweepAccumulator } from '@trm-ts/eval';

const info = await useWasmBackend();
const { train, test } = sudokuSplits({ n: 4, seed: 1, train: 64, val: 8, test: 32, augmentations: 0 });
const config: Partial<TrainConfig> = {
  ...SUDOKU4_CPU,
  globalBatchSize: 16,
  totalSteps: 5,
  model: { ...SUDOKU4_CPU.model, hiddenSize: 32, puzzleEmbDim: 32, seqLen: train.seqLen, vocabSize: train.vocabSize, numPuzzleIdentifiers: train.numPuzzleIdentifiers },
};
const trainer = new Trainer(config, train.batches({ batchSize: 16, seed: 1, epochs: Infinity }));
const steps: StepMetrics[] = [];
for await (const m of trainer.run(4)) steps.push(m); // 4 of the 5 steps: the checkpoint below resumes the last one

const dir = mkdtempSync(join(tmpdir(), 'trm-consumer-'));
try {
  // The model file in float32 reloads exactly; the default (BF16 init vectors, as the official code) does not.
  const file = join(dir, 'model.safetensors');
  await writeFileAtomic(file, await modelToSafetensors(trainer.network, { dtype: 'float32' }));
  const loaded = networkFromSafetensors(await readFileLimited(file));
  const want = await exportStateDict(trainer.network);
  /** Tensors of `net` whose values differ in any bit from the trained network's. */
  const mismatchesOf = async (net: typeof loaded): Promise<number> => {
    const got = await exportStateDict(net);
    let n = 0;
    for (const [key, t] of want) {
      const g = got.get(key)?.data;
      if (!g || g.length !== t.data.length || t.data.some((v, i) => !Object.is(v, g[i]))) n++;
    }
    return n;
  };
  const mismatches = await mismatchesOf(loaded);
  const official = networkFromSafetensors(await modelToSafetensors(trainer.network));
  const mismatchesOfficial = await mismatchesOf(official);
  official.dispose();
  // The inference API (`solve` on `loaded`) is called here, next to evaluate.
  const metrics = await evaluate(loaded, test.batches({ batchSize: 32 }), { supervisionSteps: 2 });

  // A trainer checkpoint resumes: one more step after the reload.
  const manifest = await saveTrainerCheckpoint(trainer, join(dir, 'ckpt'), { dtype: 'float32' });
  const resumed = await loadTrainerCheckpoint(join(dir, 'ckpt'), train.batches({ batchSize: 16, seed: 1, epochs: Infinity }));
  const after: StepMetrics[] = [];
  for await (const m of resumed.run()) after.push(m);
  if (manifest.step !== 4) throw new Error(`checkpoint step: expected 4, got ${manifest.step}`);

  // @trm-ts/eval on plain arrays: R = 3 runs of one 2-cell example; the most confident run (1) is the right one.
  const acc = new SweepAccumulator({ ks: [1, 3], cells: 2 });
  acc.ingest(1, { preds: Int32Array.from([1, 2, 1, 1, 1, 1]), qHalt: Float32Array.from([-2, 3, 0]), labels: Int32Array.from([1, 1]) });
  const solved = acc.result().curves.confidence?.solved ?? [];

  loaded.dispose();
  trainer.dispose();
  resumed.dispose();
  console.log(JSON.stringify({
    backend: info.backend,
    losses: steps.map((m) => m.loss),
    mismatches,
    mismatchesOfficial,
    tensors: want.size,
    metrics,
    resumedSteps: after.map((m) => m.step),
    solved,
    numTensors: tf.memory().numTensors,
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
