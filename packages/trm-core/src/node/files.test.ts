import * as fsp from 'node:fs/promises';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors.js';
import { CheckpointFileError, SafetensorsError } from '../checkpoint/errors.js';
import { type AtomicWriteFs, plainFileName, readFileGated, readFileLimited, writeFileAtomic, writeFileAtomicWith } from './files.js';
import { readSafetensorsFile, writeSafetensorsFile } from './index.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'trm-files-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<CheckpointFileError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CheckpointFileError);
  expect(e).toBeInstanceOf(CheckpointError);
  return e as CheckpointFileError;
}

describe('readFileLimited', () => {
  it('reads a whole file into its own buffer', async () => {
    writeFileSync(join(dir, 'a.bin'), new Uint8Array([1, 2, 3]));
    const bytes = await readFileLimited(join(dir, 'a.bin'));
    expect([...bytes]).toEqual([1, 2, 3]);
    expect(bytes.byteOffset).toBe(0);
  });

  it('names a missing file', async () => {
    const err = await rejection(readFileLimited(join(dir, 'nope.safetensors')));
    expect(err.code).toBe('file-not-found');
    expect(err.path).toBe(join(dir, 'nope.safetensors'));
    expect(err.message).toContain('nope.safetensors');
    expect(err.message).toContain('ENOENT');
  });

  it('refuses a directory', async () => {
    const err = await rejection(readFileLimited(dir));
    expect(err.code).toBe('file-unreadable');
    expect(err.message).toContain('got a directory');
  });

  it('refuses a file above the limit before reading it', async () => {
    writeFileSync(join(dir, 'big.bin'), new Uint8Array(100));
    const err = await rejection(readFileLimited(join(dir, 'big.bin'), 99));
    expect(err.code).toBe('file-too-large');
    expect(err.message).toContain('expected at most 99 bytes, got 100');
  });
});

describe('the file gate (readFileGated)', () => {
  it('accepts plain file names only', () => {
    expect(plainFileName('step_3.trainer.safetensors', 'm')).toBe('step_3.trainer.safetensors');
    for (const bad of ['../x', '/etc/passwd', 'a/b', 'a\\b', '..', '.', '', 'a\0b', 'x'.repeat(256), null, 3]) {
      let err: unknown;
      try {
        plainFileName(bad, 'latest.json (trainer)');
      } catch (e) {
        err = e;
      }
      expect(err, String(bad)).toBeInstanceOf(CheckpointFileError);
      expect((err as CheckpointFileError).code).toBe('file-escape');
    }
  });

  it('refuses a path that leaves its root, even one that comes back', async () => {
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'secret'), 'root:x:0:0');
    const err = await rejection(readFileGated(join(dir, 'root', '..', 'secret'), { root: join(dir, 'root') }));
    expect(err.code).toBe('file-escape');
    expect(err.message).not.toContain('root:x');
  });

  it('follows a link to a regular file inside the root, refuses one that leads outside', async () => {
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'root', 'real.json'), '{}');
    writeFileSync(join(dir, 'outside.json'), '{}');
    symlinkSync('real.json', join(dir, 'root', 'in.json'));
    symlinkSync(join(dir, 'outside.json'), join(dir, 'root', 'out.json'));
    expect(new TextDecoder().decode(await readFileGated(join(dir, 'root', 'in.json'), { root: join(dir, 'root') }))).toBe('{}');
    expect((await rejection(readFileGated(join(dir, 'root', 'out.json'), { root: join(dir, 'root') }))).code).toBe('file-symlink');
    // Without a root, a link is followed wherever it leads, as long as it ends at a regular file.
    expect(new TextDecoder().decode(await readFileGated(join(dir, 'root', 'out.json')))).toBe('{}');
  });

  it.skipIf(process.platform === 'win32')('refuses a FIFO without opening it, and a link to a device', async () => {
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const fifo = await rejection(readFileGated(join(dir, 'pipe')));
    expect(fifo.code).toBe('file-special');
    expect(fifo.message).toBe(`checkpoint file ${join(dir, 'pipe')}: expected a regular file, got a FIFO (named pipe). Pass the path of a regular file`);
    symlinkSync('/dev/zero', join(dir, 'zero'));
    const zero = await rejection(readFileGated(join(dir, 'zero')));
    expect(zero.code).toBe('file-symlink');
    expect(zero.message).toContain('got a link to a device');
  });

  it('applies the limit of the kind before reading', async () => {
    writeFileSync(join(dir, 'latest.json'), 'x'.repeat(64 * 1024 + 1));
    const err = await rejection(readFileGated(join(dir, 'latest.json'), { kind: 'manifest' }));
    expect(err.code).toBe('file-too-large');
    expect(err.message).toContain(`expected at most ${64 * 1024} bytes, got ${64 * 1024 + 1}`);
  });
});

describe('writeFileAtomic', () => {
  const target = () => join(dir, 'ckpt.safetensors');

  it('creates and replaces a file, leaving no temporary file', async () => {
    await writeFileAtomic(target(), new Uint8Array([1, 2]));
    await writeFileAtomic(target(), 'text ✓');
    expect(readFileSync(target(), 'utf8')).toBe('text ✓');
    expect(readdirSync(dir)).toEqual(['ckpt.safetensors']);
  });

  /** Real file-system calls, with one step replaced by a failure. */
  function failing(step: 'write' | 'sync' | 'rename'): AtomicWriteFs {
    const boom = () => Object.assign(new Error(`simulated ${step} failure`), { code: 'ENOSPC' });
    return {
      async open(path, flags) {
        const handle = await fsp.open(path, flags);
        return {
          writeFile: async (data) => {
            if (step !== 'write') return handle.writeFile(data);
            await handle.writeFile(typeof data === 'string' ? data.slice(0, 3) : (data as Uint8Array).subarray(0, 3)); // half written
            throw boom();
          },
          sync: async () => {
            if (step === 'sync') throw boom();
            return handle.sync();
          },
          close: () => handle.close(),
        };
      },
      rename: async (from, to) => {
        if (step === 'rename') throw boom();
        return fsp.rename(from, to);
      },
      unlink: (path) => fsp.unlink(path),
    };
  }

  it.each(['write', 'sync', 'rename'] as const)('leaves the old file intact and no temporary file when %s fails', async (step) => {
    writeFileSync(target(), 'old contents');
    const err = await rejection(writeFileAtomicWith(failing(step), target(), new Uint8Array(1000).fill(7)));
    expect(err.code).toBe('file-write');
    expect(err.message).toContain('ENOSPC');
    expect(err.message).toContain(target());
    expect((err.cause as Error).message).toBe(`simulated ${step} failure`);
    expect(readFileSync(target(), 'utf8')).toBe('old contents');
    expect(readdirSync(dir)).toEqual(['ckpt.safetensors']);
  });

  it('fails cleanly when the target is a directory (rename cannot replace it)', async () => {
    mkdirSync(target());
    writeFileSync(join(target(), 'inside'), 'x');
    const err = await rejection(writeFileAtomic(target(), 'data'));
    expect(err.code).toBe('file-write');
    expect(readdirSync(dir)).toEqual(['ckpt.safetensors']);
    expect(readdirSync(target())).toEqual(['inside']);
  });

  it('fails cleanly when the directory does not exist', async () => {
    const err = await rejection(writeFileAtomic(join(dir, 'missing', 'x.bin'), 'data'));
    expect(err.code).toBe('file-write');
    expect(err.message).toContain('ENOENT');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('readSafetensorsFile / writeSafetensorsFile', () => {
  it('round-trips tensors and metadata', async () => {
    const path = join(dir, 'w.safetensors');
    await writeSafetensorsFile(path, { w: { dtype: 'BF16', shape: [2], data: new Float32Array([1, -2]) } }, { trm_config: '{}' });
    const { tensors, metadata } = await readSafetensorsFile(path);
    expect(metadata).toEqual({ trm_config: '{}' });
    expect([...tensors.get('w')!.data]).toEqual([0x3f80, 0xc000]);
  });

  it('names the path in a format error', async () => {
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, new Uint8Array(3));
    const err = await readSafetensorsFile(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SafetensorsError);
    expect((err as SafetensorsError).code).toBe('truncated');
    expect((err as Error).message.startsWith(`${path}: safetensors file: expected at least 8 bytes`)).toBe(true);
  });
});
