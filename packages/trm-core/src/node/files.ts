/**
 * The file gate every Node loader reads through (trm-core's checkpoints, trm-data's datasets, CSV, npy and ARC
 * files; docs/security.md): lstat before open, regular files only, a size limit per kind, no escape from a
 * root directory, typed errors that name the file and never contain its bytes. And atomic writes: a
 * checkpoint is written next to its final path and renamed over it, so a crash or a full disk leaves either
 * the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { constants as bufferConstants } from 'node:buffer';
import { constants as fsConstants, type Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { TrmError } from '../errors.js';
import { CheckpointFileError, type CheckpointFileErrorCode } from '../checkpoint/errors.js';

const errno = (e: unknown): string => (e as NodeJS.ErrnoException)?.code ?? 'error';

/**
 * The kinds of file the loaders read, each with its own size limit, checked against `lstat`/`stat` before
 * a byte is read: a hostile file costs at most its limit in memory.
 */
export type FileKind = 'manifest' | 'json' | 'safetensors' | 'npy' | 'csv';

/** Default size limit per kind, in bytes (override per call with `maxBytes`). */
export const FILE_SIZE_LIMITS: Readonly<Record<FileKind, number>> = Object.freeze({
  manifest: 64 * 1024, // latest.json is about 100 bytes
  json: 512 * 1024 * 1024, // ARC task collections, identifiers.json of an augmented ARC set (tens of MB)
  safetensors: bufferConstants.MAX_LENGTH, // an ARC checkpoint with its puzzle table is about 2 GiB (§6.3)
  npy: bufferConstants.MAX_LENGTH,
  csv: bufferConstants.MAX_LENGTH, // streamed, so the limit only bounds the time a pass takes
});

/**
 * Builds the error the gate throws. `detail` is `expected …, got …. <fix>` without the path; the default
 * makes a CheckpointFileError, trm-data passes one that makes a DataError with the same code.
 */
export type FileErrorFactory = (code: CheckpointFileErrorCode, path: string, detail: string, cause?: unknown) => TrmError;

const checkpointFileError: FileErrorFactory = (code, path, detail, cause) =>
  new CheckpointFileError(code, path, `checkpoint file ${path}: ${detail}`, cause === undefined ? undefined : { cause });

export interface FileGateOptions {
  /** The kind of file (sets the default size limit; default 'safetensors', the largest). */
  kind?: FileKind;
  /** Size limit in bytes (default FILE_SIZE_LIMITS[kind]). */
  maxBytes?: number;
  /**
   * The directory the file must stay inside, after resolving `..` and every symbolic link (of the file and
   * of its folders). Loaders of a directory (a checkpoint, a dataset root) pass it; a single path given by
   * the user is taken as given (a symbolic link must still lead to a regular file).
   */
  root?: string;
  /** Makes the error (default: CheckpointFileError). */
  error?: FileErrorFactory;
}

/** Whether `path` is `dir` itself or lies below it (both absolute and normalised). */
function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * A name from a manifest (`latest.json`'s `model` / `trainer`) as a plain file name: no folder part, not
 * `.` or `..`, no NUL, at most 255 characters. Anything else is refused with code 'file-escape'.
 */
export function plainFileName(name: unknown, where: string, error: FileErrorFactory = checkpointFileError): string {
  const ok = typeof name === 'string' && name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' &&
    !/[/\\\0]/.test(name) && basename(name) === name;
  if (!ok) {
    const shown = typeof name === 'string' ? `${name.length} characters that are not a plain file name` : `a ${name === null ? 'null' : typeof name}`;
    throw error('file-escape', where, `expected a plain file name inside the checkpoint directory, got ${shown}. Rewrite the manifest with names like step_12.safetensors`);
  }
  return name;
}

/** What the gate found out about a file before opening it. */
interface Inspected {
  path: string; // the real path (every link resolved)
  stats: Stats;
  maxBytes: number;
}

/**
 * The checks made before a file is opened: resolve it (and refuse escapes from `root`), `lstat` it, accept
 * only a regular file or a symbolic link to one (inside `root`), and refuse a size above the limit.
 */
async function inspect(path: string, opts: FileGateOptions): Promise<Inspected> {
  const fail = opts.error ?? checkpointFileError;
  const maxBytes = opts.maxBytes ?? FILE_SIZE_LIMITS[opts.kind ?? 'safetensors'];
  const abs = resolve(path);
  let rootReal: string | undefined;
  if (opts.root !== undefined) {
    if (!isInside(resolve(opts.root), abs)) {
      throw fail('file-escape', path, `expected a path inside ${opts.root}, got one that leaves it. Use names relative to that directory without '..'`);
    }
    try {
      rootReal = await fsp.realpath(opts.root);
    } catch (e) {
      throw fail('file-not-found', path, `expected the directory ${opts.root} to exist, got ${errno(e)}. Check the path`, e);
    }
  }
  let stats: Stats;
  try {
    stats = await fsp.lstat(abs);
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') throw fail('file-not-found', path, `expected a file, got none (${errno(e)}). Check the path`, e);
    throw fail('file-unreadable', path, `expected a readable file, got ${errno(e)}. Check the path and its permissions`, e);
  }
  let real = abs;
  if (stats.isSymbolicLink() || rootReal !== undefined) {
    try {
      real = await fsp.realpath(abs); // resolves links without opening anything (a FIFO target is not touched)
    } catch (e) {
      throw fail('file-symlink', path, `expected a link to an existing regular file, got a link that does not resolve (${errno(e)}). Replace the link with the file`, e);
    }
    if (rootReal !== undefined && !isInside(rootReal, real)) {
      throw fail(stats.isSymbolicLink() ? 'file-symlink' : 'file-escape', path, `expected a file inside ${opts.root}, got a path that leads outside it (through a symbolic link). Copy the file into the directory`);
    }
    if (stats.isSymbolicLink()) {
      stats = await fsp.stat(real).catch((e: unknown) => {
        throw fail('file-symlink', path, `expected a link to a regular file, got a target that cannot be examined (${errno(e)}). Replace the link with the file`, e);
      });
      if (!stats.isFile()) throw fail('file-symlink', path, `expected a link to a regular file, got a link to ${describeKind(stats)}. Replace the link with the file`);
    }
  }
  if (stats.isDirectory()) throw fail('file-unreadable', path, 'expected a regular file, got a directory. Pass the path of the file itself');
  if (!stats.isFile()) throw fail('file-special', path, `expected a regular file, got ${describeKind(stats)}. Pass the path of a regular file`);
  if (stats.size > maxBytes) {
    throw fail('file-too-large', path, `expected at most ${maxBytes} bytes, got ${stats.size}. Raise the limit (maxBytes) if the file is genuine`);
  }
  return { path: real, stats, maxBytes };
}

function describeKind(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isSocket()) return 'a socket';
  if (s.isSymbolicLink()) return 'a symbolic link';
  return 'a special file';
}

/**
 * Opens a file that `inspect` accepted without following a swapped-in link or blocking on a swapped-in FIFO,
 * and checks that it is still the same regular file (same device and inode).
 */
async function openInspected(f: Inspected, path: string, fail: FileErrorFactory): Promise<fsp.FileHandle> {
  const flags = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0) | (fsConstants.O_NOFOLLOW ?? 0);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(f.path, flags);
  } catch (e) {
    throw fail('file-unreadable', path, `expected a readable file, got ${errno(e)} on open. Check its permissions`, e);
  }
  const now = await handle.stat();
  if (!now.isFile() || now.ino !== f.stats.ino || now.dev !== f.stats.dev) {
    await handle.close();
    throw fail('file-unreadable', path, 'expected the file that was examined, got another one (it was replaced while opening). Retry when nothing writes to the directory');
  }
  return handle;
}

/**
 * The one gate every Node loader reads through (trm-core's checkpoints and safetensors files, trm-data's
 * datasets, CSV, npy and ARC files): see {@link FileGateOptions}. Reads the whole file into a buffer of
 * its own (in chunks, so files beyond fs.readFile's 2 GiB limit work). Errors name the path and never
 * contain the file's bytes.
 */
export async function readFileGated(path: string, opts: FileGateOptions = {}): Promise<Uint8Array> {
  const fail = opts.error ?? checkpointFileError;
  const f = await inspect(path, opts);
  const handle = await openInspected(f, path, fail);
  try {
    const out = new Uint8Array(Math.min(f.stats.size, f.maxBytes));
    let at = 0;
    while (at < out.length) {
      const { bytesRead } = await handle.read(out, at, Math.min(out.length - at, 1 << 30), at);
      if (bytesRead === 0) break; // the file shrank while we read it
      at += bytesRead;
    }
    return at === out.length ? out : out.slice(0, at);
  } catch (e) {
    throw fail('file-unreadable', path, `expected a readable file, got ${errno(e)} while reading. Check the disk`, e);
  } finally {
    await handle.close();
  }
}

/**
 * The gate for streamed files (CSV): the same checks as readFileGated, then the file's chunks. The file is
 * opened when iteration starts and closed when it ends.
 */
export async function* streamFileGated(path: string, opts: FileGateOptions & { chunkBytes?: number } = {}): AsyncGenerator<Uint8Array> {
  const fail = opts.error ?? checkpointFileError;
  const f = await inspect(path, { kind: 'csv', ...opts });
  const handle = await openInspected(f, path, fail);
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: opts.chunkBytes ?? 1 << 20, autoClose: false })) {
      yield chunk as Uint8Array;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Reads a whole file, refusing (before reading) anything but a regular file (or a link to one) and files
 * larger than `maxBytes` (default: the largest buffer this Node can allocate). See readFileGated.
 */
export function readFileLimited(path: string, maxBytes: number = bufferConstants.MAX_LENGTH): Promise<Uint8Array> {
  return readFileGated(path, { maxBytes });
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
