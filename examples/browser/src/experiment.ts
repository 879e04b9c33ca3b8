/**
 * A few seconds of TRM training on "copy the input" rows, measured the way a user would check that trm-ts
 * works in their page: one gradient step by hand (are the gradients there, and non-zero?), then a few
 * optimizer steps with `Trainer` (does the loss fall?). No DOM here, so the same code runs under Node.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng, Trainer, batchTensors, disposeGradStep, gradStep, type BatchSource, type TaskBatch, type TrmConfig } from '@trm-ts/core';

/** The tiny TRM of the example: 16 tokens of a 6-token vocabulary, one MLP-t layer, n = 2, T = 2. */
export const MODEL: Partial<TrmConfig> = {
  seqLen: 16, vocabSize: 6, hiddenSize: 32, numLayers: 1, latentSteps: 2, recursions: 2, puzzleEmbDim: 32, puzzleEmbLen: 1,
};

/** Endless seeded batches of "copy the input": labels = inputs, tokens 1..5 (0 is the padding id). */
export class CopyRows implements BatchSource {
  private readonly rng: Rng;
  constructor(private readonly batchSize: number, seed: number) {
    this.rng = new Rng(seed);
  }
  next(): IteratorResult<TaskBatch> {
    const L = MODEL.seqLen!;
    const inputs = new Int32Array(this.batchSize * L).map(() => this.rng.int(1, MODEL.vocabSize! - 1));
    return { done: false, value: { batchSize: this.batchSize, seqLen: L, inputs, labels: inputs.slice(), puzzleIds: new Int32Array(this.batchSize) } };
  }
}

export interface ExperimentResult {
  /** Trainable parameters of the network. */
  params: number;
  /** Gradients of the first supervision step, by official key: their L2 norms. */
  gradientNorms: Record<string, number>;
  /** Every trainable parameter got a finite gradient with a norm > 0. */
  gradientsNonZero: boolean;
  /** Differentiated loss of each optimizer step, in order. */
  losses: number[];
  /** Milliseconds of each optimizer step (the first includes the kernels' warm-up). */
  stepMs: number[];
  /** tf.memory().numTensors after everything was disposed, minus before (0 = no leak). */
  leakedTensors: number;
}

export interface ExperimentOptions {
  steps?: number;
  batchSize?: number;
  seed?: number;
  /** Called after each optimizer step (e.g. to redraw the page). */
  onStep?: (step: number, loss: number) => void;
}

export async function runExperiment(opts: ExperimentOptions = {}): Promise<ExperimentResult> {
  const steps = opts.steps ?? 8;
  const B = opts.batchSize ?? 8;
  const seed = opts.seed ?? 1;
  const before = tf.memory().numTensors;
  // halting off: every row runs all N_sup (16) supervision steps, so with ≤ 16 optimizer steps the carry keeps
  // its first batch and the loss curve measures learning, not the difficulty of fresh rows (ALGORITHM §4.2).
  const trainer = new Trainer(
    { model: MODEL, globalBatchSize: B, totalSteps: steps, lr: 1e-2, lrWarmupSteps: 0, puzzleEmbLr: 1e-2, halting: false, ema: false, seed },
    new CopyRows(B, seed),
  );
  let result: Omit<ExperimentResult, 'leakedTensors'>;
  try {
    const net = trainer.network;
    // One supervision step by hand, before any update: tfjs throws "gradient function not found" here when the
    // gradient registrations did not reach the bundle, and returns zeros when the tape lost the parameters.
    const bt = batchTensors(net, new CopyRows(B, seed).next().value as TaskBatch);
    const latents = net.initialLatents(B);
    const g = await gradStep(net, bt, latents);
    const gradientNorms: Record<string, number> = {};
    for (const [key, grad] of g.grads) {
      const sq = tf.tidy(() => tf.sum(tf.square(grad)));
      gradientNorms[key] = Math.sqrt((await sq.data())[0]!);
      sq.dispose();
    }
    disposeGradStep(g);
    tf.dispose([bt.inputs, bt.labels, bt.puzzleIds, latents.y, latents.z]);
    const trainable = net.specs.filter((s) => s.kind === 'param').map((s) => s.key);
    const gradientsNonZero = trainable.every((k) => Number.isFinite(gradientNorms[k]) && gradientNorms[k]! > 0);

    const losses: number[] = [];
    const stepMs: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const m = await trainer.trainStep();
      stepMs.push(performance.now() - t0);
      losses.push(m.loss);
      opts.onStep?.(m.step, m.loss);
    }
    result = { params: net.numParams(), gradientNorms, gradientsNonZero, losses, stepMs };
  } finally {
    trainer.dispose();
  }
  return { ...result, leakedTensors: tf.memory().numTensors - before };
}
