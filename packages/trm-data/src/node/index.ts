/**
 * Node.js file-system helpers for @trm-ts/data: a {@link DataIO} for the task registry, CSV streaming from files,
 * and the official dataset layout read from / written to a folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readFileGated, streamFileGated, type FileErrorFactory, type FileKind } from '@trm-ts/core/node';
import {
  officialDatasetFiles, readOfficialDataset, sudokuCsvSource, mazeCsvSource, DataError,
  type ArrayDataset, type DataIO, type ExampleSource, type OfficialDataset, type OfficialWriteOptions, type SudokuSize,
} from '../index.js';

/** trm-core's file gate, with its failures as DataErrors (same codes: 'file-not-found', 'file-special', …). */
const dataFileError: FileErrorFactory = (code, path, detail, cause) => {
  const e = new DataError(detail, { file: path, code });
  if (cause !== undefined) (e as { cause?: unknown }).cause = cause;
  return e;
};

/** The kind of a data file by its extension (sets the gate's size limit). */
function kindOf(path: string): FileKind {
  if (path.endsWith('.npy')) return 'npy';
  if (path.endsWith('.csv')) return 'csv';
  return 'json';
}

/**
 * A DataIO that reads through trm-core's file gate (regular files only, size limit per kind checked before
 * reading, typed DataErrors). With `root`, every path must stay inside that directory (links included).
 */
export function gatedIO(root?: string): DataIO {
  return {
    readFile: (path: string) => readFileGated(path, { kind: kindOf(path), error: dataFileError, ...(root !== undefined ? { root } : {}) }),
  };
}

/** File access for the task registry: paths as the user gave them, through the file gate. */
export const nodeIO: DataIO = gatedIO();

/**
 * Reads a dataset root in the official layout; errors name the full file path. Every file must lie inside
 * `dir` (a symbolic link to a file elsewhere is refused) and be a regular file.
 */
export async function readOfficialDatasetDir(dir: string, options: { splits?: readonly string[] } = {}): Promise<OfficialDataset> {
  const io = gatedIO(dir);
  try {
    return await readOfficialDataset((p) => io.readFile(join(dir, p)), options);
  } catch (e) {
    if (e instanceof DataError && e.file !== undefined && !e.file.startsWith(join(dir))) { // gate errors already name the joined path
      throw new DataError(e.message.slice(e.message.indexOf(': ') + 2), { file: join(dir, e.file), line: e.line, taskId: e.taskId, code: e.code });
    }
    throw e;
  }
}

/** Writes a dataset root in the official layout (creates folders). */
export async function writeOfficialDatasetDir(
  dir: string,
  splits: { train?: ArrayDataset; test?: ArrayDataset },
  options: OfficialWriteOptions & { identifiers?: readonly string[]; testPuzzles?: unknown } = {},
): Promise<string[]> {
  const written: string[] = [];
  for (const [rel, bytes] of officialDatasetFiles(splits, options)) {
    const path = join(dir, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    written.push(path);
  }
  return written;
}

/** A streaming source over a Sudoku-Extreme CSV file (bounded memory; re-opened per pass, through the file gate). */
export function sudokuCsvFileSource(path: string, options: { n?: SudokuSize; minRating?: number; name?: string } = {}): ExampleSource {
  return sudokuCsvSource(() => openFile(path), { n: options.n ?? 9, file: path, ...options });
}

/** A streaming source over a Maze-Hard CSV file. */
export function mazeCsvFileSource(path: string, options: { side?: number; name?: string } = {}): ExampleSource {
  return mazeCsvSource(() => openFile(path), { side: options.side ?? 30, file: path, ...options });
}

/** A chunk stream of a file, for the streaming parsers (`streamSudokuCsv`, `streamMazeCsv`); checked by the file gate. */
export function openFile(path: string): AsyncIterable<Uint8Array> {
  return streamFileGated(path, { kind: 'csv', error: dataFileError });
}
