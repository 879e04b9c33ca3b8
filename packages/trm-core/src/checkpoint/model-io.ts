/**
 * Moves a TrmNetwork's tensors to and from state-dict form: official keys, official (PyTorch) shapes,
 * Float32Array data (ALGORITHM.md §6). Loading is all-or-nothing: every tensor is checked and converted
 * before the first variable is assigned, so a bad state dict leaves the model untouched.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '../errors.js';
import { TrmNetwork, paramSpecs } from '../model/network.js';
import { resolveTrmConfig, type TrmConfig } from '../config.js';
import { checkpointJsonError, countNonFinite, parseJsonText } from '../describe.js';
import { parseSafetensors, serializeSafetensors, type SafetensorsTensorInput } from './safetensors.js';
import { DEFAULT_CHECKPOINT_PREFIX, matchStateDict, type MatchStateDictOptions } from './state-dict.js';

export interface StateTensor {
  shape: number[];
  data: Float32Array;
}

/** Every tensor of the model by bare official key, in the official layout (Linear weights as [out, in]). */
export async function exportStateDict(net: TrmNetwork, source: Map<string, tf.Tensor> = net.vars): Promise<Map<string, StateTensor>> {
  const out = new Map<string, StateTensor>();
  for (const s of net.specs) {
    const v = source.get(s.key);
    if (!v) throw new CheckpointError(`exportStateDict: tensor '${s.key}' is missing from the source map.`);
    const t = s.transposed ? tf.transpose(v) : v;
    const data = (await t.data()) as Float32Array;
    if (t !== v) t.dispose();
    out.set(s.key, { shape: [...s.officialShape], data: new Float32Array(data) });
  }
  return out;
}

/** The expected official shape of every key (for validating a file before loading it). */
export function expectedShapes(net: TrmNetwork): Map<string, number[]> {
  return new Map(net.specs.map((s) => [s.key, [...s.officialShape]]));
}

/**
 * Assigns a complete state dict (bare keys, official layout). Throws a CheckpointError listing every
 * missing key, unexpected key and size mismatch; on any error no variable has been changed.
 */
export function assignStateDict(net: TrmNetwork, tensors: Map<string, Float32Array>): void {
  const missing = net.specs.filter((s) => !tensors.has(s.key)).map((s) => s.key);
  const known = new Set(net.specs.map((s) => s.key));
  const unexpected = [...tensors.keys()].filter((k) => !known.has(k));
  const wrongSize = net.specs
    .filter((s) => tensors.has(s.key) && tensors.get(s.key)!.length !== s.officialShape.reduce((a, b) => a * b, 1))
    .map((s) => `${s.key} (expected ${s.officialShape.join('×')} = ${s.officialShape.reduce((a, b) => a * b, 1)} values, got ${tensors.get(s.key)!.length})`);
  if (missing.length || unexpected.length || wrongSize.length) {
    const parts = [
      missing.length ? `missing keys: ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : '',
      wrongSize.length ? `size mismatch: ${wrongSize.join('; ')}` : '',
    ].filter(Boolean);
    throw new CheckpointError(`state dict does not fit this model: ${parts.join('. ')}. Check that the checkpoint was written for this config.`);
  }
  const values = tf.tidy(() =>
    net.specs.map((s) => {
      const t = tf.tensor(tensors.get(s.key)!, s.officialShape, 'float32');
      return s.transposed ? tf.transpose(t) : t;
    }),
  );
  net.specs.forEach((s, i) => net.v(s.key).assign(values[i]!));
  tf.dispose(values);
}

/** Key of the JSON TrmConfig in a model file's `__metadata__` (the file is self-describing). */
export const CONFIG_METADATA_KEY = 'trm_config';

/** Which tensors a model file holds as float32 (see modelToSafetensors). */
export type ModelFileDtype = 'bfloat16' | 'float32';

/** Options of modelToSafetensors. */
export interface ModelSaveOptions {
  /** The weights to write (e.g. the EMA averages); default the model's own variables. */
  source?: ReadonlyMap<string, tf.Tensor> | Readonly<Record<string, tf.Tensor>>;
  /** Prefix of every key; default the official `_orig_mod.model.inner.`. */
  prefix?: string;
  /**
   * `'bfloat16'` (default): H_init / L_init as BF16, everything else F32 — the official code's layout, so a
   * reload rounds those two vectors to bfloat16. `'float32'`: every tensor F32, so a save reloads exactly
   * (the official code reads both).
   */
  dtype?: ModelFileDtype;
}

const SAVE_OPTION_KEYS = new Set(['source', 'prefix', 'dtype']);

function isSaveOptions(x: unknown): x is ModelSaveOptions {
  if (x === null || typeof x !== 'object' || x instanceof Map || x instanceof tf.Tensor) return false;
  const entries = Object.entries(x);
  return entries.every(([k, v]) => SAVE_OPTION_KEYS.has(k) && !(v instanceof tf.Tensor));
}

/**
 * A model file in the official layout: keys `_orig_mod.model.inner.<name>`, Linear weights [out, in],
 * H_init / L_init as BF16 (ALGORITHM §6.4) unless `dtype: 'float32'`, everything else F32, the TrmConfig
 * under `__metadata__.trm_config`. `source` selects the weights (e.g. the EMA averages); buffers and the
 * puzzle table always come from the model. Call it as `modelToSafetensors(net, { source, prefix, dtype })`
 * or positionally as `modelToSafetensors(net, source, prefix, { dtype })`.
 */
export async function modelToSafetensors(
  net: TrmNetwork,
  sourceOrOptions: ReadonlyMap<string, tf.Tensor> | Readonly<Record<string, tf.Tensor>> | ModelSaveOptions = net.vars,
  prefix = DEFAULT_CHECKPOINT_PREFIX,
  options: Pick<ModelSaveOptions, 'dtype'> = {},
): Promise<Uint8Array> {
  const opts: ModelSaveOptions = isSaveOptions(sourceOrOptions)
    ? { prefix, ...options, ...sourceOrOptions }
    : { ...options, source: sourceOrOptions, prefix };
  const dtype = opts.dtype ?? 'bfloat16';
  if (dtype !== 'bfloat16' && dtype !== 'float32') {
    throw new CheckpointError(`modelToSafetensors dtype: expected 'bfloat16' or 'float32', got ${JSON.stringify(dtype)}. Leave it unset for the official layout.`);
  }
  const source = opts.source ?? net.vars;
  const keyPrefix = opts.prefix ?? DEFAULT_CHECKPOINT_PREFIX;
  const lookup = new Map(source instanceof Map ? source : Object.entries(source));
  const merged = new Map<string, tf.Tensor>();
  for (const s of net.specs) merged.set(s.key, s.kind === 'param' && lookup.has(s.key) ? lookup.get(s.key)! : net.v(s.key));
  const state = await exportStateDict(net, merged);
  const tensors = new Map<string, SafetensorsTensorInput>();
  const initDtype = dtype === 'float32' ? 'F32' : 'BF16';
  for (const [k, t] of state) tensors.set(keyPrefix + k, { dtype: k === 'H_init' || k === 'L_init' ? initDtype : 'F32', shape: t.shape, data: t.data });
  return serializeSafetensors(tensors, { [CONFIG_METADATA_KEY]: JSON.stringify(net.config), format: 'pt' });
}

/**
 * Loads a model file (official keys with or without prefix; BF16/F16/F32/F64): validates everything against
 * `net` first (missing / unexpected keys, shapes) and only then assigns, so a bad file changes nothing.
 */
export function loadSafetensorsInto(net: TrmNetwork, bytes: Uint8Array, opts: MatchStateDictOptions = {}): void {
  const parsed = parseSafetensors(bytes);
  const matched = matchStateDict(expectedShapes(net), parsed.tensors, opts);
  assignStateDict(net, matched);
}

/** Options of networkFromSafetensors. */
export interface NetworkFromSafetensorsOptions {
  /** Refuse weights that hold NaN or ±Inf (default true): an all-NaN model otherwise "works" and reports nonsense. */
  rejectNonFinite?: boolean;
}

/**
 * Builds a network from a self-describing model file (config from `__metadata__`, or `config` if given).
 * Validates before it allocates: the config against its bounds (resolveTrmConfig) and every tensor's shape
 * against that config, so a few hundred bytes claiming a huge model are refused before any tensor is built
 * (memory stays within a small multiple of the file's size). Non-finite weights are refused by default
 * (CheckpointError 'non-finite' with the count and the first names).
 */
export function networkFromSafetensors(bytes: Uint8Array, config?: Partial<TrmConfig>, opts: NetworkFromSafetensorsOptions = {}): TrmNetwork {
  const parsed = parseSafetensors(bytes);
  let cfg = config;
  if (!cfg) {
    const raw = parsed.metadata[CONFIG_METADATA_KEY];
    if (!raw) throw new CheckpointError(`model file: no '${CONFIG_METADATA_KEY}' in __metadata__. Pass the model config explicitly (e.g. fromOfficialConfig(...) for an official checkpoint).`);
    cfg = parseJsonText(raw, `model file: __metadata__.${CONFIG_METADATA_KEY}`, checkpointJsonError) as Partial<TrmConfig>;
  }
  const resolved = resolveTrmConfig(cfg);
  const shapes = new Map(paramSpecs(resolved).map((s) => [s.key, [...s.officialShape]]));
  const values = matchStateDict(shapes, parsed.tensors);
  if (opts.rejectNonFinite ?? true) {
    const { count, names } = countNonFinite(values);
    if (count) {
      throw new CheckpointError(
        `model file: expected finite weights, got ${count} NaN / Inf values in ${names.slice(0, 5).join(', ')}${names.length > 5 ? `, … (${names.length} tensors)` : ''}. ` +
          'The run that wrote it diverged; load an earlier checkpoint (or pass rejectNonFinite: false to inspect it)',
        { code: 'non-finite' },
      );
    }
  }
  const net = new TrmNetwork(resolved);
  try {
    assignStateDict(net, values);
  } catch (err) {
    net.dispose();
    throw err;
  }
  return net;
}
