/**
 * Child process of the SIGKILL resume test (trainer.kill.test.ts): trains RESUME_CONFIG on the cpu backend and
 * writes a checkpoint after every step, printing `saved <step>` once each is complete. The test kills it with
 * SIGKILL at a random step (possibly in the middle of the next save). Usage: node kill-child.js DIR STEPS
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../../gradients.js';
import { Trainer } from '../trainer.js';
import { saveTrainerCheckpoint } from '../../node/checkpoint.js';
import { CopySource, RESUME_CONFIG } from './copy-source.js';

const [dir, steps] = [process.argv[2]!, Number(process.argv[3])];
await tf.setBackend('cpu');
const trainer = new Trainer(RESUME_CONFIG, new CopySource(4));
for (let i = 0; i < steps; i++) {
  await trainer.trainStep();
  await saveTrainerCheckpoint(trainer, dir);
  process.stdout.write(`saved ${trainer.step}\n`);
}
