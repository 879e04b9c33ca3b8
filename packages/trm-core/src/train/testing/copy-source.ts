/**
 * Test fixtures shared by the trainer tests and the child process of the SIGKILL resume test (not exported by
 * the package): a seeded, resumable "copy the input" batch source and a tiny model.
 */
import { Rng } from '../../random.js';
import type { TaskBatch } from '../../data.js';
import type { BatchSource } from '../../data.js';
import type { TrainConfig } from '../config.js';

export const TINY_MODEL = { seqLen: 4, vocabSize: 5, hiddenSize: 8, numHeads: 2, expansion: 2, numLayers: 1, latentSteps: 2, recursions: 2, supervisionSteps: 3, puzzleEmbDim: 8, puzzleEmbLen: 1, numPuzzleIdentifiers: 3 };

/** A seeded endless source of "copy the input" rows, resumable through getState/setState. */
export class CopySource implements BatchSource {
  private rng: Rng;
  calls = 0;
  constructor(private readonly B: number, seed = 5) {
    this.rng = new Rng(seed);
  }
  next(): IteratorResult<TaskBatch> {
    this.calls++;
    const L = TINY_MODEL.seqLen;
    const inputs = new Int32Array(this.B * L).map(() => this.rng.int(1, TINY_MODEL.vocabSize - 1));
    const puzzleIds = new Int32Array(this.B).map(() => this.rng.int(0, TINY_MODEL.numPuzzleIdentifiers - 1));
    return { done: false, value: { batchSize: this.B, seqLen: L, inputs, labels: inputs.slice(), puzzleIds } };
  }
  getState() {
    return { rng: this.rng.getState(), calls: this.calls };
  }
  setState(s: unknown) {
    const st = s as { rng: [number, number, number, number]; calls: number };
    this.rng.setState(st.rng);
    this.calls = st.calls;
  }
}

/** The resume tests' run: random init and randomised n / T / N_sup, so every RNG stream matters. */
export const RESUME_CONFIG: Partial<TrainConfig> = {
  model: { ...TINY_MODEL, latentSteps: 2, recursions: 2, supervisionSteps: 3 },
  globalBatchSize: 4,
  totalSteps: 1000,
  lr: 1e-2,
  lrWarmupSteps: 2,
  seed: 3,
  puzzleEmbLr: 1e-2,
  latentInit: 'random',
  randomize: { latentSteps: 1, recursions: 1, supervisionSteps: 1 },
};
