/**
 * The conformance suite for one backend. Each backend has its own test file (cpu.test.ts, …) so that Vitest
 * runs it in its own process: tfjs-wasm's kernels keep per-module state, and Dawn keeps a process alive.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendInfo } from '@trm-ts/core';
import { listFixtureDirs } from '@trm-ts/core/parity';
import { basename } from 'node:path';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { BACKENDS, onCpu, selectBackends, type BackendName } from './backends.js';
import { KERNEL_CHECKS, type KernelResult } from './kernels.js';
import { compare, fullParity, inferenceRun, parityFirstCallAndGradients, trainingRun } from './model.js';

/**
 * Known backend defects, by backend and check name: the check must still fail, with an error matching the
 * pattern, so that a fix shows up as a failing test ("known issue … no longer fails: remove it").
 */
export const KNOWN_ISSUES: Partial<Record<BackendName, Record<string, { reason: string; error: RegExp }>>> = {
  wasm: {
    'gather gradient (scatter-add of repeated ids)': {
      reason: 'tfjs-backend-wasm 4.22 has no UnsortedSegmentSum kernel (trm-core embeds tokens by one-hot product instead)',
      error: /UnsortedSegmentSum/,
    },
  },
  'wasm-threads': {
    'gather gradient (scatter-add of repeated ids)': {
      reason: 'same wasm build as the wasm backend: no UnsortedSegmentSum kernel',
      error: /UnsortedSegmentSum/,
    },
  },
  webgpu: {
    'slice of a rank-5 tensor, gradient (pad)': {
      reason: "tfjs-backend-webgpu 4.22's pad shader declares a 'vec5' type that WGSL lacks: rank-5 pads compute nothing",
      error: /exact/,
    },
  },
};

const FULL = process.env.TRM_CONFORMANCE_FULL === '1';

export function conformanceSuite(name: BackendName): void {
  const selection = selectBackends();
  const entry = BACKENDS[name];
  const known = KNOWN_ISSUES[name] ?? {};

  describe.skipIf(!selection.names.includes(name))(`conformance on ${name}`, () => {
    let info: BackendInfo | undefined;
    let unavailable = '';

    beforeAll(async () => {
      try {
        info = await entry.setup();
      } catch (err) {
        if (selection.explicit) throw err;
        unavailable = (err as Error).message;
      }
    });

    /** Runs one check; skips if the backend is unavailable; turns a known issue into an expected failure. */
    const check = (title: string, body: () => Promise<void>) =>
      it(title, async (ctx: TestContext) => {
        if (!info) return ctx.skip(`${name} is not available here: ${unavailable}`);
        const before = tf.memory().numTensors;
        const issue = known[title];
        if (issue) {
          const err = await body().then(() => undefined, (e: Error) => e);
          expect(err, `known issue on ${name} no longer fails, remove it from KNOWN_ISSUES: ${issue.reason}`).toBeDefined();
          expect(String(err?.message)).toMatch(issue.error);
          return;
        }
        await body();
        expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
      });

    it('reports the backend it started', (ctx) => {
      if (!info) return ctx.skip(`${name} is not available here: ${unavailable}`);
      expect(info.backend).toBe(entry.tfName);
      expect(tf.getBackend()).toBe(entry.tfName);
      console.log(`[${name}] ${JSON.stringify(info)}`);
    });

    describe('kernels (float64 references)', () => {
      for (const k of KERNEL_CHECKS) {
        check(k.name, async () => {
          const { got, want }: KernelResult = await k.run();
          const tol = k.tolerance === 'exact' ? { A: 0, R: 0 } : entry.tolerances[k.tolerance];
          const result = compare(k.name, got, want, tol);
          expect(Array.from(got).every(Number.isFinite), 'non-finite values').toBe(true);
          if (!result.pass) throw new Error(`${k.name}: ${k.tolerance} tolerance exceeded ×${result.worst.toPrecision(3)}, max abs ${result.maxAbs}`);
        });
      }
    });

    describe('model (parity fixtures, training, inference)', () => {
      const fixtures = listFixtureDirs();
      for (const dir of fixtures) {
        const fixture = basename(dir);
        check(`parity call 1: ${fixture}`, async () => {
          const failed = (await parityFirstCallAndGradients(dir, 'call1')).filter((c) => !c.pass);
          expect(failed.map((c) => `${c.name}: ×${c.worst}`)).toEqual([]);
        });
      }
      check('parity training call', async () => {
        for (const dir of fixtures) {
          const failed = (await parityFirstCallAndGradients(dir, 'train')).filter((c) => !c.pass);
          expect(failed.map((c) => `${basename(dir)} ${c.name}: ×${c.worst}`)).toEqual([]);
        }
      });
      if (FULL) {
        for (const dir of fixtures) {
          check(`full parity: ${basename(dir)}`, async () => {
            const failed = (await fullParity(dir)).filter((c) => !c.pass);
            expect(failed.map((c) => `${c.name}: ×${c.worst}`)).toEqual([]);
          });
        }
      }

      check('training run', async () => {
        const { losses } = await trainingRun();
        expect(losses.every(Number.isFinite)).toBe(true);
        // 8 Adam steps on one fixed batch: the loss must fall clearly, not just fluctuate.
        expect(losses.at(-1)!).toBeLessThan(0.8 * losses[0]!);
      });

      check('inference run', async () => {
        const calls = await inferenceRun();
        expect(calls.every((c) => c.every(Number.isFinite))).toBe(true);
        expect((await inferenceRun()).map((c) => Array.from(c))).toEqual(calls.map((c) => Array.from(c))); // deterministic
        if (entry.tfName !== 'cpu') {
          // Calls 1 and 2 against the cpu backend; later calls measure float32 chaos, not the backend (model.ts).
          const want = await onCpu(entry.tfName, inferenceRun);
          for (const s of [0, 1]) {
            const result = compare(`inference call ${s + 1} vs cpu`, calls[s]!, want[s]!, entry.tolerances.inference);
            expect(result.pass, `${result.name}: ×${result.worst}, max abs ${result.maxAbs}`).toBe(true);
          }
        }
      });
    });
  });
}
