/**
 * Node.js file-system helpers for @trm-ts/data: a {@link DataIO} for the task registry, CSV streaming from files,
 * and the official dataset layout read from / written to a folder.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  officialDatasetFiles, readOfficialDataset, sudokuCsvSource, mazeCsvSource, DataError,
  type ArrayDataset, type DataIO, type ExampleSource, type OfficialDataset, type OfficialWriteOptions, type SudokuSize,
} from '../index.js';

export const nodeIO: DataIO = {
  async readFile(path: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(path));
  },
};

/** Reads a dataset root in the official layout; errors name the full file path. */
export async function readOfficialDatasetDir(dir: string, options: { splits?: readonly string[] } = {}): Promise<OfficialDataset> {
  try {
    return await readOfficialDataset((p) => nodeIO.readFile(join(dir, p)), options);
  } catch (e) {
    if (e instanceof DataError && e.file !== undefined && !e.file.startsWith(dir)) {
      throw new DataError(e.message.slice(e.message.indexOf(': ') + 2), { file: join(dir, e.file), line: e.line, taskId: e.taskId });
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

/** A streaming source over a Sudoku-Extreme CSV file (bounded memory; re-opened per pass). */
export function sudokuCsvFileSource(path: string, options: { n?: SudokuSize; minRating?: number; name?: string } = {}): ExampleSource {
  return sudokuCsvSource(() => createReadStream(path, { highWaterMark: 1 << 20 }), { n: options.n ?? 9, file: path, ...options });
}

/** A streaming source over a Maze-Hard CSV file. */
export function mazeCsvFileSource(path: string, options: { side?: number; name?: string } = {}): ExampleSource {
  return mazeCsvSource(() => createReadStream(path, { highWaterMark: 1 << 20 }), { side: options.side ?? 30, file: path, ...options });
}

/** A chunk stream of a file, for the streaming parsers (`streamSudokuCsv`, `streamMazeCsv`). */
export function openFile(path: string): AsyncIterable<Uint8Array> {
  return createReadStream(path, { highWaterMark: 1 << 20 });
}
