import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { TrmNetwork, loadSafetensorsInto, modelToSafetensors, parseSafetensors } from '@trm-ts/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { lines, runCli } from '../testing.js';

const dir = mkdtempSync(join(tmpdir(), 'trm-cli-convert-'));
const hasTorch = (py: string) => spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

/** A Python with PyTorch; as root with apt-get, installs Debian's python3-torch first (as scripts/system-deps.sh does). */
function findPython(): string | null {
  const candidates = [process.env.TRM_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const found = candidates.find(hasTorch);
  if (found) return found;
  if (process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0) {
    spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch'], { stdio: 'ignore', timeout: 900_000 });
    return ['/usr/bin/python3', ...candidates].find(hasTorch) ?? null;
  }
  return null;
}

const python = findPython();
if (!python) console.warn('trm convert tests skipped: no Python with PyTorch (apt-get install python3-torch).');

describe.skipIf(!python)('trm convert (end to end, needs PyTorch)', () => {
  const CFG = { seqLen: 16, vocabSize: 6, hiddenSize: 16, numLayers: 1, latentSteps: 2, recursions: 2, supervisionSteps: 2, puzzleEmbDim: 16, puzzleEmbLen: 1, numPuzzleIdentifiers: 2 };
  beforeAll(async () => {
    await useWasmBackend();
  });

  it('safetensors → PyTorch → safetensors keeps every tensor, dtype (BF16 inits) and value; the result loads into a model', async () => {
    const before = tf.memory().numTensors;
    const net = new TrmNetwork(CFG, { seed: 5 });
    const model = join(dir, 'model.safetensors');
    writeFileSync(model, await modelToSafetensors(net));
    const torchFile = join(dir, 'step_7');
    const r1 = await runCli('convert', model, torchFile, '--python', python!);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout).toMatch(/wrote .*step_7: \d+ tensors \(PyTorch state dict/);
    const back = join(dir, 'back.safetensors');
    const r2 = await runCli('convert', torchFile, back, '--python', python!);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout).toMatch(/a TRM state dict/);
    const a = parseSafetensors(new Uint8Array(readFileSync(model))).tensors;
    const b = parseSafetensors(new Uint8Array(readFileSync(back))).tensors;
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, t] of a) {
      expect(b.get(k)!.dtype, k).toBe(t.dtype);
      expect(b.get(k)!.shape, k).toEqual(t.shape);
      expect(Array.from(b.get(k)!.data as ArrayLike<number>), k).toEqual(Array.from(t.data as ArrayLike<number>));
    }
    // Loaded through the round trip = loaded from the original file (H_init / L_init are BF16 in both).
    const fresh = new TrmNetwork(CFG, { seed: 99 });
    const ref = new TrmNetwork(CFG, { seed: 98 });
    loadSafetensorsInto(fresh, new Uint8Array(readFileSync(back)));
    loadSafetensorsInto(ref, new Uint8Array(readFileSync(model)));
    for (const s of net.specs) expect(Array.from(await fresh.v(s.key).data()), s.key).toEqual(Array.from(await ref.v(s.key).data()));
    expect(Array.from(await fresh.v('lm_head.weight').data())).toEqual(Array.from(await net.v('lm_head.weight').data()));
    for (const n of [net, fresh, ref]) n.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad files: one line, exit 2', async () => {
    const junk = join(dir, 'junk');
    writeFileSync(junk, 'not a pickle');
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, 'xx');
    for (const [args, pattern] of [
      [[junk, join(dir, 'o.safetensors'), '--python', python!], /trm convert: .*junk: not a PyTorch checkpoint/],
      [[bad, join(dir, 'o'), '--python', python!], /trm convert: safetensors/i],
      [['/nonexistent/step_1', join(dir, 'o')], /<in> \/nonexistent\/step_1: no such file/],
    ] as [string[], RegExp][]) {
      const r = await runCli('convert', ...args);
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });
});

describe('trm convert without a usable Python', () => {
  it('names the fix in one line', async () => {
    const f = join(dir, 'step_1');
    writeFileSync(f, 'x');
    const r = await runCli('convert', f, join(dir, 'o.safetensors'), '--python', '/nonexistent/python3');
    expect(r.code).toBe(2);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/--python \/nonexistent\/python3: cannot run it \(ENOENT\)\. Hint: install PyTorch \(Debian: apt-get install python3-torch\)/);
  });
});
