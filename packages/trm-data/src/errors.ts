import { TrmError } from '@trm-ts/core';

/** Where a piece of bad data came from; every field that is known is named in the message. */
export interface DataLocation {
  file?: string;
  line?: number;
  taskId?: string;
  /** The error's code (default 'data'); the file gate's codes ('file-escape', …) pass through. */
  code?: string;
}

/**
 * Bad input data: a malformed CSV row, a wrong-length grid, a token outside the vocabulary, an invalid ARC grid,
 * a corrupt `.npy` header. Loaders throw it instead of returning a half-parsed dataset.
 */
export class DataError extends TrmError {
  override name = 'DataError';
  static override readonly defaultCode: string = 'data';
  readonly file?: string;
  readonly line?: number;
  readonly taskId?: string;

  constructor(message: string, where: DataLocation = {}) {
    super(prefix(where) + message, where.code === undefined ? {} : { code: where.code });
    if (where.file !== undefined) this.file = where.file;
    if (where.line !== undefined) this.line = where.line;
    if (where.taskId !== undefined) this.taskId = where.taskId;
  }
}

function prefix(w: DataLocation): string {
  const parts: string[] = [];
  if (w.file !== undefined) parts.push(w.line !== undefined ? `${w.file}:${w.line}` : w.file);
  else if (w.line !== undefined) parts.push(`line ${w.line}`);
  if (w.taskId !== undefined) parts.push(`task ${w.taskId}`);
  return parts.length ? `${parts.join(', ')}: ` : '';
}

/** Throws `DataError(message())` unless `cond` holds. */
export function dataCheck(cond: unknown, message: () => string, where?: DataLocation): asserts cond {
  if (!cond) throw new DataError(message(), where);
}

/** Re-throws a DataError with a location filled in (keeps locations that are already set). */
export function withLocation(e: unknown, where: DataLocation): never {
  if (e instanceof DataError) {
    const merged: DataLocation = {
      file: e.file ?? where.file,
      line: e.line ?? where.line,
      taskId: e.taskId ?? where.taskId,
      code: e.code,
    };
    if (merged.file === e.file && merged.line === e.line && merged.taskId === e.taskId) throw e;
    const bare = e.message.slice(prefix({ file: e.file, line: e.line, taskId: e.taskId }).length);
    throw new DataError(bare, merged);
  }
  throw e;
}
