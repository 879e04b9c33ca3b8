import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrmError } from '@trm-ts/core';
import { hostileCases } from './hostile-corpus.js';

/** The bounds of issue 12, per case. */
const MAX_SECONDS = 1;
const MAX_EXTRA_BYTES = 64 * 1024 * 1024;
/** A loader that does not settle within this is reported as hung (a blocked FIFO open would never settle). */
const HANG_MS = 5000;

const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external; // external includes every ArrayBuffer (file buffers, typed arrays)
};

/**
 * Runs `load` and measures its wall time and the peak of heapUsed + external above the value at the start,
 * sampled every millisecond by a timer (which runs whenever the loader awaits I/O) and once at the end.
 * A synchronous spike that is collected before the next sample is missed; allocations that survive until the
 * loader returns are not.
 */
async function measure(load: () => Promise<unknown>): Promise<{ error: unknown; seconds: number; extraBytes: number }> {
  const base = used();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, used());
  }, 1);
  const t0 = performance.now();
  let error: unknown;
  let hang: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([load(), new Promise((_, reject) => (hang = setTimeout(() => reject(new Error(`hung for ${HANG_MS} ms`)), HANG_MS)))]);
  } catch (e) {
    error = e;
  } finally {
    clearTimeout(hang);
    clearInterval(timer);
  }
  const seconds = (performance.now() - t0) / 1000;
  peak = Math.max(peak, used());
  return { error, seconds, extraBytes: peak - base };
}

const root = mkdtempSync(join(tmpdir(), 'trm-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const rows: { name: string; ms: number; mb: number }[] = [];
afterAll(() => {
  // The measured bounds, for docs/security.md (printed, not asserted beyond the limits).
  const worstT = rows.reduce((a, r) => (r.ms > a.ms ? r : a), rows[0]!);
  const worstM = rows.reduce((a, r) => (r.mb > a.mb ? r : a), rows[0]!);
  console.log(`hostile corpus: ${rows.length} cases; slowest ${worstT.ms.toFixed(1)} ms (${worstT.name}); most memory ${worstM.mb.toFixed(1)} MB (${worstM.name})`);
});

describe('hostile corpus (issue 12): typed errors with a code, < 1 s, < 64 MB extra', () => {
  const cases = hostileCases().filter((c) => !c.posixOnly || process.platform !== 'win32');
  it('has a case for every loader family', () => {
    for (const family of ['safetensors', 'model file', 'checkpoint', 'npy', 'dataset', 'csv', 'cursor', 'arc']) {
      expect(cases.some((c) => c.name.startsWith(`${family}:`)), family).toBe(true);
    }
  });

  cases.forEach((c, i) => {
    it(c.name, async () => {
      const dir = join(root, String(i));
      mkdirSync(dir);
      const load = await c.make(dir);
      const { error, seconds, extraBytes } = await measure(load);
      rows.push({ name: c.name, ms: seconds * 1000, mb: extraBytes / 2 ** 20 });
      if (c.expect === 'accept') {
        expect(error).toBeUndefined();
      } else {
        expect(error, String(error)).toBeInstanceOf(c.expect.error);
        expect(error).toBeInstanceOf(TrmError);
        expect((error as TrmError).code).toBe(c.expect.code);
        const message = (error as Error).message;
        expect(message.length).toBeLessThan(2000); // bounded, whatever the input's size
        expect(message).not.toContain('root:'); // never the bytes of /etc/passwd or of the file
      }
      expect(seconds).toBeLessThan(MAX_SECONDS);
      expect(extraBytes).toBeLessThan(MAX_EXTRA_BYTES);
    });
  });
});
