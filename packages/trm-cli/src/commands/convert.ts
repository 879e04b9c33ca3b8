/**
 * `trm convert <in> <out>`: official PyTorch checkpoint (`step_<N>`, torch.save) ↔ safetensors. The PyTorch
 * side is python/convert.py of this package (PyTorch cannot be read from JavaScript); the direction follows the
 * input's extension. A safetensors result is checked by trm-core's own parser before the command reports success.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFileGated } from '@trm-ts/core/node';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { CHECKPOINT_KEY_PREFIXES, parseSafetensors } from '@trm-ts/core';
import { UsageError } from '../errors.js';
import { print, type CliIO } from '../io.js';
import { applyConfigFile, withCommon, type CommonOptions } from '../options.js';

interface ConvertOptions extends CommonOptions {
  python: string;
}

/** python/convert.py, from the bundled dist/ or from src/commands/. */
export function converterScript(): string {
  for (const rel of ['../python/convert.py', '../../python/convert.py']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new UsageError('convert: python/convert.py is missing from @trm-ts/cli', 'reinstall @trm-ts/cli');
}

export function convertCommand(io: CliIO): Command {
  const cmd = new Command('convert')
    .description('convert an official PyTorch checkpoint (step_<N>) to safetensors, or a .safetensors file back to a PyTorch checkpoint')
    .argument('<in>', 'step_<N> (PyTorch) or a .safetensors file')
    .argument('<out>', 'the converted file');
  withCommon(cmd)
    .option('--python <exe>', 'Python 3 with PyTorch (Debian: apt-get install python3-torch)', process.env.TRM_PYTHON ?? 'python3')
    .action(async (input: string, output: string, opts: ConvertOptions, c: Command) => {
      await applyConfigFile(c, opts as unknown as Record<string, unknown>, process.cwd());
      await runConvert(input, output, opts, io);
    });
  return cmd;
}

async function runConvert(input: string, output: string, opts: ConvertOptions, io: CliIO): Promise<void> {
  const src = resolve(input);
  const dst = resolve(output);
  if (!existsSync(src) || statSync(src).isDirectory()) throw new UsageError(`<in> ${src}: no such file`);
  const toTorch = src.endsWith('.safetensors');
  if (toTorch) parseSafetensors(await readFileGated(src, { kind: 'safetensors' })); // a bad file fails here, in one line
  const probe = spawnSync(opts.python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new UsageError(
      `--python ${opts.python}: ${probe.error ? `cannot run it (${(probe.error as NodeJS.ErrnoException).code})` : 'cannot import torch'}`,
      'install PyTorch (Debian: apt-get install python3-torch) or pass --python /usr/bin/python3',
    );
  }
  const r = spawnSync(opts.python, [converterScript(), toTorch ? 'to-torch' : 'to-safetensors', src, dst], { encoding: 'utf8' });
  if (r.status !== 0) {
    const last = (r.stderr || '').trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status}`;
    throw new UsageError(last.replace(/^convert\.py: /, ''), toTorch ? 'is it a trm-ts model file?' : 'is it an official step_<N> file written by torch.save?');
  }
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as { tensors: number };
  if (toTorch) {
    print(io, `wrote ${dst}: ${summary.tensors} tensors (PyTorch state dict; load with torch.load)`);
    return;
  }
  const parsed = parseSafetensors(await readFileGated(dst, { kind: 'safetensors' }));
  const keys = [...parsed.tensors.keys()];
  const trm = keys.some((k) => k === 'H_init' || CHECKPOINT_KEY_PREFIXES.some((p) => k === `${p}H_init`));
  print(io, `wrote ${dst}: ${keys.length} tensors${trm ? ' (a TRM state dict: load with loadSafetensorsInto or networkFromSafetensors + fromOfficialConfig)' : ''}`);
}
