/**
 * Shared option plumbing: the options every command takes (--config, --backend, --verbose), value parsers that
 * fail with one readable line, and the JSON config file whose keys are the command's option names (flags given
 * on the command line win over the file).
 */
import { existsSync, statSync } from 'node:fs';
import { parseJsonText } from '@trm-ts/core';
import { readFileGated } from '@trm-ts/core/node';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { BACKEND_CHOICES, parseBackend } from './backend.js';
import { UsageError } from './errors.js';

export interface CommonOptions {
  config?: string;
  backend: string;
  verbose?: boolean;
}

/**
 * --backend's default: `auto`, or the backend the TRM_BACKEND environment variable names (the test suites set it to
 * `wasm` so that every in-process command shares one wasm module). It is checked where the backend starts, like
 * the flag (startBackend), so a bad value fails as a usage error of the command.
 */
export function defaultBackend(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.TRM_BACKEND;
  return v === undefined || v === '' ? 'auto' : v;
}

/** Adds --config, --backend and --verbose to a command. */
export function withCommon(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'JSON file of option values (keys = option names in camelCase); flags override it')
    .addOption(new Option('--backend <name>', `TensorFlow.js backend: ${BACKEND_CHOICES} (auto: two wasm threads on a machine with two or more cores, else one)`).default(defaultBackend()).argParser((v) => (parseBackend(v), v)))
    .option('--verbose', 'print stack traces with errors');
}

export function int(flag: string, min = 1): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag}: expected an integer >= ${min}, got '${v}'`);
    return n;
  };
}

export function num(flag: string, check: (n: number) => boolean = Number.isFinite, what = 'a number'): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !check(n)) throw new UsageError(`${flag}: expected ${what}, got '${v}'`);
    return n;
  };
}

export function intList(flag: string): (v: string) => number[] {
  return (v) => {
    const xs = v.split(',').map((s) => Number(s.trim()));
    if (xs.length === 0 || !xs.every((x) => Number.isInteger(x) && x >= 1)) throw new UsageError(`${flag}: expected a comma list of integers >= 1, got '${v}'`, `e.g. ${flag} 1,2,4,8`);
    return xs;
  };
}

export function choice<T extends string>(flag: string, choices: readonly T[]): (v: string) => T {
  return (v) => {
    if (!choices.includes(v as T)) throw new UsageError(`${flag}: expected one of ${choices.join(', ')}, got '${v}'`);
    return v as T;
  };
}

/** Collects a repeatable option into a list. */
export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/**
 * Reads and parses a JSON file through the library's file gate (regular files only, size-limited, nesting
 * bounded: docs/security.md); a missing file or bad JSON is one UsageError naming the file.
 */
export async function readJson(path: string, what: string): Promise<unknown> {
  if (!existsSync(path)) throw new UsageError(`${what} ${path}: no such file`, 'check the path');
  if (statSync(path).isDirectory()) throw new UsageError(`${what} ${path}: expected a file, got a directory`);
  const text = new TextDecoder().decode(await readFileGated(path, { kind: 'json' }));
  return parseJsonText(text, `${what} ${path}`, (message) => new UsageError(message.replace(/\.$/, ''), 'fix the file, e.g. check commas and quotes'));
}

/**
 * Fills `opts` from the --config file: each key must be an option of `cmd` (or one of `extraKeys`, returned
 * separately); a flag given on the command line wins. String and number values go through the option's parser.
 */
export async function applyConfigFile(cmd: Command, opts: Record<string, unknown>, cwd: string, extraKeys: readonly string[] = []): Promise<Record<string, unknown>> {
  const extra: Record<string, unknown> = {};
  if (typeof opts.config !== 'string') return extra;
  const path = resolve(cwd, opts.config);
  const cfg = await readJson(path, '--config');
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new UsageError(`--config ${path}: expected a JSON object, got ${Array.isArray(cfg) ? 'an array' : typeof cfg}`);
  const byKey = new Map(cmd.options.map((o) => [o.attributeName(), o]));
  for (const [k, v] of Object.entries(cfg)) {
    if (extraKeys.includes(k)) {
      extra[k] = v;
      continue;
    }
    const o = byKey.get(k);
    if (!o || k === 'config') {
      throw new UsageError(`--config ${path}: unknown key '${k}'`, `valid keys: ${[...byKey.keys()].filter((x) => x !== 'config').concat(extraKeys).join(', ')}`);
    }
    if (cmd.getOptionValueSource(k) === 'cli') continue;
    const parse = (o as unknown as { parseArg?: (v: string, prev: unknown) => unknown }).parseArg;
    opts[k] = parse && (typeof v === 'string' || typeof v === 'number') ? parse(String(v), undefined) : v;
  }
  return extra;
}
