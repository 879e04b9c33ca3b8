/** Test helper (not exported): runs `trm` in-process with buffered stdout / stderr. */
import { PassThrough } from 'node:stream';
import * as tf from '@tensorflow/tfjs-core';
import { main } from './program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Tensors alive after the run minus before (a command must free all it made). */
  leaked: number;
}

export async function runCli(...argv: string[]): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (d: Buffer) => out.push(d.toString()));
  stderr.on('data', (d: Buffer) => err.push(d.toString()));
  const before = tf.engine().backendName ? tf.memory().numTensors : 0;
  const code = await main(argv, { stdout, stderr });
  const leaked = tf.engine().backendName ? tf.memory().numTensors - before : 0;
  return { code, stdout: out.join(''), stderr: err.join(''), leaked };
}

/** The non-empty lines of a text. */
export const lines = (s: string): string[] => s.split('\n').filter((l) => l.trim() !== '');
