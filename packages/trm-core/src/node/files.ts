/**
 * Reading and atomically writing checkpoint files (Node only). A checkpoint is written next to its final path
 * and renamed over it, so a crash or a full disk leaves either the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { constants as bufferConstants } from 'node:buffer';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointFileError } from '../checkpoint/errors.js';

const errno = (e: unknown): string => (e as NodeJS.ErrnoException)?.code ?? 'error';

function readError(e: unknown, path: string): CheckpointFileError {
  if (e instanceof CheckpointFileError) return e;
  const code = errno(e);
  if (code === 'ENOENT') {
    return new CheckpointFileError('file-not-found', path, `checkpoint file ${path}: expected a file, got none (ENOENT). Check the path`, { cause: e });
  }
  return new CheckpointFileError(
    'file-unreadable',
    path,
    `checkpoint file ${path}: expected a readable file, got ${code} (${(e as Error)?.message ?? e}). Check the path and its permissions`,
    { cause: e },
  );
}

/**
 * Reads a whole file, refusing (before reading) files larger than `maxBytes` (default: the largest buffer
 * this Node can allocate). Reads in chunks, so files beyond fs.readFile's 2 GiB limit (an ARC checkpoint
 * with its puzzle table is about that size, §6.3) work. The result starts at byte offset 0 of its own buffer.
 */
export async function readFileLimited(path: string, maxBytes: number = bufferConstants.MAX_LENGTH): Promise<Uint8Array> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(path, 'r');
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new CheckpointFileError('file-unreadable', path, `checkpoint file ${path}: expected a regular file, got ${stat.isDirectory() ? 'a directory' : 'a special file'}. Pass the path of the file itself`);
    }
    if (stat.size > maxBytes) {
      throw new CheckpointFileError('file-too-large', path, `checkpoint file ${path}: expected at most ${maxBytes} bytes, got ${stat.size}. Raise the limit if the file is genuine`);
    }
    const out = new Uint8Array(stat.size);
    let at = 0;
    while (at < out.length) {
      const { bytesRead } = await handle.read(out, at, Math.min(out.length - at, 1 << 30), at);
      if (bytesRead === 0) break; // the file shrank while we read it
      at += bytesRead;
    }
    return at === out.length ? out : out.slice(0, at);
  } catch (e) {
    throw readError(e, path);
  } finally {
    await handle?.close();
  }
}

/** The file-system calls writeFileAtomic makes; tests pass failing ones. */
export interface AtomicWriteFs {
  open(path: string, flags: string): Promise<Pick<fsp.FileHandle, 'writeFile' | 'sync' | 'close'>>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

/** writeFileAtomic with the file-system calls given explicitly (for tests that inject failures). */
export async function writeFileAtomicWith(fs: AtomicWriteFs, path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: Awaited<ReturnType<AtomicWriteFs['open']>> | undefined;
  let created = false;
  try {
    handle = await fs.open(tmp, 'wx'); // 'wx': never reuse an existing file
    created = true;
    await handle.writeFile(data);
    await handle.sync(); // the bytes are on disk before the rename makes them visible
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, path);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    if (created) await fs.unlink(tmp).catch(() => undefined);
    const size = typeof data === 'string' ? 'the text' : `${data.length} bytes`;
    throw new CheckpointFileError(
      'file-write',
      path,
      `writing ${path}: expected to write ${size} and rename it into place, got ${errno(e)} (${(e as Error)?.message ?? e}). Any old file is untouched; check that the directory exists and is writable and the disk has space`,
      { cause: e },
    );
  }
  // Sync the directory too, so that the rename survives a crash; some platforms (Windows) cannot.
  try {
    const d = await fs.open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // best effort
  }
}

/**
 * Writes `data` to `path` atomically: into a temporary file in the same directory, fsync, rename over `path`.
 * On any failure the temporary file is removed, the old file is left as it was, and a CheckpointFileError
 * ('file-write') is thrown.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  return writeFileAtomicWith(fsp, path, data);
}
