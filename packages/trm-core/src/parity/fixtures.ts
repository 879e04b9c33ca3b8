/** Node-only: finds and reads parity fixture directories (every subdirectory holding a config.json). */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FixtureFiles } from './parity.js';

/** `TRM_PARITY_DIR`, else `<repo>/../shared/fixtures/parity` (relative to this file in the source tree). */
export function defaultParityDir(): string {
  return process.env.TRM_PARITY_DIR ?? resolve(new URL('.', import.meta.url).pathname, '../../../../../shared/fixtures/parity');
}

export function listFixtureDirs(root = defaultParityDir()): string[] {
  if (!existsSync(root)) throw new Error(`parity fixtures: directory ${root} does not exist. Set TRM_PARITY_DIR to a folder of fixture directories.`);
  return readdirSync(root)
    .map((d) => join(root, d))
    .filter((d) => statSync(d).isDirectory() && existsSync(join(d, 'config.json')))
    .sort();
}

export function readFixture(dir: string): FixtureFiles {
  const read = (f: string) => new Uint8Array(readFileSync(join(dir, f)));
  return {
    name: dir.split('/').pop()!,
    config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
    tolerances: JSON.parse(readFileSync(join(dir, 'tolerances.json'), 'utf8')),
    weights: read('weights.safetensors'),
    io: read('io.safetensors'),
  };
}
