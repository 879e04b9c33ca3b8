/**
 * Matching a checkpoint's tensors to the tensors a model expects (ALGORITHM §6.1), browser-safe. Model keys are
 * bare (`embed_tokens.embedding_weight`); official checkpoints prefix them with `_orig_mod.model.inner.`
 * (torch.compile + loss head + ACT wrapper) or `model.inner.` (compile disabled). Like the official
 * `load_state_dict(strict=True)`, every key must be present with its exact shape; unlike it, every problem is
 * reported at once.
 */
import { type SafetensorsData, type SafetensorsDtype, toFloat32 } from './dtypes.js';
import { type ShapeMismatch, StateDictError } from './errors.js';

/** The prefixes official checkpoints put before the model's keys (§6.1), longest first. */
export const CHECKPOINT_KEY_PREFIXES = ['_orig_mod.model.inner.', 'model.inner.'] as const;

/** What a standard official run's `load_checkpoint` expects (§6.1), so the default for writing. */
export const DEFAULT_CHECKPOINT_PREFIX = '_orig_mod.model.inner.';

/** The puzzle-embedding table, whose row count depends on the dataset (§6.1, §12.17). */
export const PUZZLE_TABLE_KEY = 'puzzle_emb.weights';

const FLOAT_DTYPES: ReadonlySet<SafetensorsDtype> = new Set(['F8_E4M3', 'F8_E5M2', 'F16', 'BF16', 'F32', 'F64']);

export interface MatchStateDictOptions {
  /**
   * What to do when the file's puzzle table has another shape than the model's. 'strict' (default): a shape
   * mismatch like any other. 'resetToMeanRow': as the official `load_checkpoint`, replace it by the mean of
   * its rows broadcast to the model's shape (needs the same embedding width); e.g. fine-tuning on a dataset
   * with other puzzle ids.
   */
  puzzleTable?: 'strict' | 'resetToMeanRow';
  /** Told when the puzzle table was reset (the official code prints a line). */
  onPuzzleTableReset?: (found: number[], expected: number[]) => void;
}

type ShapeTable = ReadonlyMap<string, readonly number[]> | Readonly<Record<string, readonly number[]>>;

const entriesOf = (t: ShapeTable): [string, readonly number[]][] =>
  t instanceof Map ? [...t] : Object.entries(t as Record<string, readonly number[]>);

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

const show = (shape: readonly number[]) => `[${shape.join(', ')}]`;

const prefixOf = (key: string): string => CHECKPOINT_KEY_PREFIXES.find((p) => key.startsWith(p)) ?? '';

/** Mean over rows (dim 0) broadcast to `rows` rows, accumulated in float64. */
function meanRowBroadcast(table: Float32Array, fileRows: number, cols: number, rows: number): Float32Array {
  const mean = new Float64Array(cols);
  for (let r = 0; r < fileRows; r++) for (let c = 0; c < cols; c++) mean[c]! += table[r * cols + c]!;
  const out = new Float32Array(rows * cols);
  for (let c = 0; c < cols; c++) out[c] = mean[c]! / fileRows;
  for (let r = 1; r < rows; r++) out.copyWithin(r * cols, 0, cols);
  return out;
}

/** At most this many keys per kind of problem are named in a message (the error's arrays hold them all). */
const MAX_LISTED = 20;
const firstKeys = (keys: string[]): string =>
  keys.slice(0, MAX_LISTED).map((k) => (k.length > 120 ? `${k.slice(0, 117)}...` : k)).join(', ') + (keys.length > MAX_LISTED ? ', …' : '');

/**
 * The model's weights from a checkpoint: `expected` maps each bare key to its shape, `tensors` is a parsed
 * file (parseSafetensors(...).tensors). Keys may be bare or carry one of CHECKPOINT_KEY_PREFIXES, the same
 * one on every key. Returns bare key → float32 values in `expected`'s order (F32 data is not copied). Throws
 * one StateDictError listing every missing key, unexpected key, shape mismatch and non-float dtype.
 */
export function matchStateDict(
  expected: ShapeTable,
  tensors: ReadonlyMap<string, { dtype: SafetensorsDtype; shape: readonly number[]; data: SafetensorsData }>,
  opts: MatchStateDictOptions = {},
): Map<string, Float32Array> {
  const byPrefix = new Map<string, string[]>();
  for (const key of tensors.keys()) {
    const p = prefixOf(key);
    const group = byPrefix.get(p);
    if (group) group.push(key);
    else byPrefix.set(p, [key]);
  }
  if (byPrefix.size > 1) {
    const groups = [...byPrefix].map(([p, keys]) => `${p ? `"${p}"` : 'bare'}: ${keys.length} (${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''})`);
    throw new StateDictError(
      'prefix-mix',
      `checkpoint key prefixes: expected one prefix on every key (bare, ${CHECKPOINT_KEY_PREFIXES.map((p) => `"${p}"`).join(' or ')}), got ${groups.join('; ')}. The file merges two state dicts; re-export it from one model`,
    );
  }
  const prefix = [...byPrefix.keys()][0] ?? '';
  const wanted = new Map(entriesOf(expected));

  const missing = [...wanted.keys()].filter((k) => !tensors.has(prefix + k));
  const unexpected: string[] = [];
  const mismatched: ShapeMismatch[] = [];
  const badDtype: { key: string; dtype: string }[] = [];
  const out = new Map<string, Float32Array>();
  for (const [key, t] of tensors) {
    const bare = key.slice(prefix.length);
    const shape = wanted.get(bare);
    if (!shape) {
      unexpected.push(bare);
      continue;
    }
    if (!FLOAT_DTYPES.has(t.dtype)) badDtype.push({ key: bare, dtype: t.dtype });
    if (sameShape(shape, t.shape)) {
      out.set(bare, toFloat32(t));
      continue;
    }
    const [rows, cols] = shape;
    const [fileRows, fileCols] = t.shape;
    const resettable =
      bare === PUZZLE_TABLE_KEY && opts.puzzleTable === 'resetToMeanRow' && shape.length === 2 && t.shape.length === 2 && fileCols === cols && fileRows! > 0;
    if (!resettable) {
      mismatched.push({ key: bare, expected: [...shape], got: [...t.shape] });
      continue;
    }
    if (FLOAT_DTYPES.has(t.dtype)) out.set(bare, meanRowBroadcast(toFloat32(t), fileRows!, cols!, rows!));
    opts.onPuzzleTableReset?.([...t.shape], [...shape]);
  }

  if (missing.length + unexpected.length + mismatched.length + badDtype.length > 0) {
    const lines = [
      ...(missing.length ? [`  missing (${missing.length}): ${firstKeys(missing)}`] : []),
      ...(unexpected.length ? [`  unexpected (${unexpected.length}): ${firstKeys(unexpected)}`] : []),
      ...mismatched.slice(0, MAX_LISTED).map((m) => `  shape of ${m.key}: expected ${show(m.expected)}, got ${show(m.got)}`),
      ...badDtype.slice(0, MAX_LISTED).map((b) => `  dtype of ${b.key}: expected a float dtype (F32, BF16, F16, F64), got ${b.dtype}`),
    ];
    const hint =
      mismatched.some((m) => m.key === PUZZLE_TABLE_KEY) && opts.puzzleTable !== 'resetToMeanRow'
        ? ` (for another dataset's puzzle table, pass puzzleTable: 'resetToMeanRow')`
        : '';
    throw new StateDictError(
      'state-dict-mismatch',
      `checkpoint${prefix ? ` (prefix "${prefix}")` : ''}: expected the model's ${wanted.size} tensors, got ${missing.length} missing, ${unexpected.length} unexpected, ${mismatched.length} of another shape, ${badDtype.length} not float:\n${lines.join('\n')}\nLoad a checkpoint written for this model configuration${hint}`,
      missing,
      unexpected,
      mismatched,
      badDtype,
    );
  }
  return new Map([...wanted.keys()].map((k) => [k, out.get(k)!]));
}

/** Bare keys → prefixed keys for writing a checkpoint the official loader accepts (§6.1). */
export function prefixStateDict<V>(map: ReadonlyMap<string, V>, prefix: string = DEFAULT_CHECKPOINT_PREFIX): Map<string, V> {
  return new Map([...map].map(([k, v]) => [prefix + k, v]));
}
