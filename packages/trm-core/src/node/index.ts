/**
 * `@trm-ts/core/node`: the parts of trm-ts that need Node's file system. Everything else lives in the
 * browser-safe `@trm-ts/core`.
 */
// Registers tfjs's gradients when only this entry is imported (training needs them; see ../gradients.ts).
import '../gradients.js';
import { CheckpointError } from '../errors.js';
import {
  type ParseSafetensorsOptions,
  type ParsedSafetensors,
  type SafetensorsTensorInput,
  parseSafetensors,
  serializeSafetensors,
} from '../checkpoint/safetensors.js';
import { readFileLimited, writeFileAtomic } from './files.js';

export { readFileLimited, writeFileAtomic } from './files.js';
export { FILE_SIZE_LIMITS, plainFileName, readFileGated, streamFileGated, type FileErrorFactory, type FileGateOptions, type FileKind } from './files.js';

/**
 * Reads and parses a safetensors file; errors name the path. Tensor data are views into one buffer that holds
 * the whole file (pass `copy: true` to get independent arrays instead).
 */
export async function readSafetensorsFile(
  path: string,
  opts: ParseSafetensorsOptions & { maxBytes?: number } = {},
): Promise<ParsedSafetensors> {
  const bytes = await readFileLimited(path, opts.maxBytes);
  try {
    return parseSafetensors(bytes, opts);
  } catch (e) {
    if (e instanceof CheckpointError) e.message = `${path}: ${e.message}`;
    throw e;
  }
}

/** Serialises tensors (see serializeSafetensors) and writes them atomically (see writeFileAtomic). */
export function writeSafetensorsFile(
  path: string,
  tensors: Record<string, SafetensorsTensorInput> | ReadonlyMap<string, SafetensorsTensorInput>,
  metadata?: Record<string, string>,
): Promise<void> {
  return writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
export { saveTrainerCheckpoint, readManifest, loadTrainerCheckpoint, type CheckpointManifest } from './checkpoint.js';
