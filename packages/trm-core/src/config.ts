/**
 * TRM configuration: a plain object, frozen defaults, `resolveTrmConfig(partial)` that fills and validates,
 * presets mirroring the official hyper-parameters (ALGORITHM.md §1.3, §5.6), and a converter from the
 * official config dict (the `arch` section of the official YAML / the parity fixtures' config.json).
 */
import { ConfigError } from './errors.js';
import { describeValue } from './describe.js';

export type Mixer = 'mlp' | 'attention';
export type PosEncodings = 'rope' | 'learned' | 'none';
export type LossType = 'stablemax' | 'softmax';

/** Architecture and recursion settings of a TRM. Official key names in the JSDoc. */
export interface TrmConfig {
  /** `seq_len`: puzzle cells L. */
  seqLen: number;
  /** `vocab_size`: V. */
  vocabSize: number;
  /** `num_puzzle_identifiers`: rows of the puzzle-embedding table. */
  numPuzzleIdentifiers: number;
  /** `hidden_size`: D. */
  hiddenSize: number;
  /** `num_heads` (attention only; head dim = D / H). */
  numHeads: number;
  /** `expansion`: SwiGLU expansion e (width rule ALGORITHM §2.1). */
  expansion: number;
  /** `L_layers`: blocks in the one network f. */
  numLayers: number;
  /** `L_cycles`: n, z-updates per latent recursion. */
  latentSteps: number;
  /** `H_cycles`: T, latent recursions per supervision step (T−1 without gradient). */
  recursions: number;
  /** `halt_max_steps`: N_sup, maximum supervision steps. */
  supervisionSteps: number;
  /** `halt_exploration_prob`. */
  haltExplorationProb: number;
  /** `!no_ACT_continue`: train the Q-continue head (HRM semantics, ALGORITHM §4.7). */
  qContinue: boolean;
  /** `mlp_t`: token-mixing SwiGLU ('mlp') or self-attention ('attention'). */
  mixer: Mixer;
  /** `pos_encodings`. */
  posEncodings: PosEncodings;
  /** `rope_theta`. */
  ropeTheta: number;
  /** `rms_norm_eps`. */
  rmsNormEps: number;
  /** `puzzle_emb_ndim`: width of a puzzle-embedding row (0 disables the puzzle embedding). */
  puzzleEmbDim: number;
  /** `puzzle_emb_len`: prefix slots Lp (0 ⇒ ceil(puzzleEmbDim / D)). */
  puzzleEmbLen: number;
  /** `loss.loss_type`: 'stablemax' (official stablemax_cross_entropy) or 'softmax'. */
  lossType: LossType;
}

export const TRM_DEFAULTS: Readonly<TrmConfig> = Object.freeze({
  seqLen: 81,
  vocabSize: 11,
  numPuzzleIdentifiers: 1,
  hiddenSize: 512,
  numHeads: 8,
  expansion: 4,
  numLayers: 2,
  latentSteps: 6,
  recursions: 3,
  supervisionSteps: 16,
  haltExplorationProb: 0.1,
  qContinue: false,
  mixer: 'mlp',
  posEncodings: 'none',
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  puzzleEmbDim: 512,
  puzzleEmbLen: 16,
  lossType: 'stablemax',
});

/** Sudoku-Extreme, TRM-MLP (5,028,866 parameters). */
export const SUDOKU_EXTREME_MLP: Readonly<TrmConfig> = TRM_DEFAULTS;
/** Sudoku-Extreme, TRM-Att with RoPE. */
export const SUDOKU_EXTREME_ATT: Readonly<TrmConfig> = Object.freeze({ ...TRM_DEFAULTS, mixer: 'attention', posEncodings: 'rope' });
/** Maze-Hard 30×30, TRM-Att with RoPE, n = 4. */
export const MAZE_HARD_ATT: Readonly<TrmConfig> = Object.freeze({
  ...TRM_DEFAULTS, mixer: 'attention', posEncodings: 'rope', latentSteps: 4, seqLen: 900, vocabSize: 6,
});
/** ARC-AGI-1, TRM-Att with RoPE, n = 4 (numPuzzleIdentifiers comes from the dataset). */
export const ARC_AGI_ATT: Readonly<TrmConfig> = Object.freeze({
  ...TRM_DEFAULTS, mixer: 'attention', posEncodings: 'rope', latentSteps: 4, seqLen: 900, vocabSize: 12,
});

export const PRESETS = Object.freeze({ SUDOKU_EXTREME_MLP, SUDOKU_EXTREME_ATT, MAZE_HARD_ATT, ARC_AGI_ATT });

/**
 * Upper bounds that no real TRM comes near (the largest official config: seq 900, hidden 512, ~1M puzzle ids)
 * but that keep a config from a hostile file from asking for terabytes, or for sizes that overflow an index.
 */
export const TRM_CONFIG_MAX: Readonly<Partial<Record<keyof TrmConfig, number>>> = Object.freeze({
  seqLen: 1 << 20, vocabSize: 1 << 20, numPuzzleIdentifiers: 1 << 24, hiddenSize: 1 << 16, numHeads: 1 << 16,
  expansion: 64, numLayers: 1024, latentSteps: 1024, recursions: 1024, supervisionSteps: 1024,
  puzzleEmbDim: 1 << 20, puzzleEmbLen: 1 << 16,
});

const positiveInts: (keyof TrmConfig)[] = [
  'seqLen', 'vocabSize', 'numPuzzleIdentifiers', 'hiddenSize', 'numHeads', 'expansion', 'numLayers',
  'latentSteps', 'recursions', 'supervisionSteps',
];

/** Fills defaults and validates; throws ConfigError naming the key, the expectation and the value. */
export function resolveTrmConfig(partial: Partial<TrmConfig> = {}): TrmConfig {
  if (partial === null || typeof partial !== 'object') {
    throw new ConfigError(`TRM config: expected an object, got ${partial === null ? 'null' : typeof partial}.`);
  }
  const known = new Set(Object.keys(TRM_DEFAULTS));
  const unknown = Object.keys(partial).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `TRM config: unknown key(s) ${describeValue(unknown)}. Valid keys: ${[...known].join(', ')}. ` +
        `For an official config dict use fromOfficialConfig().`,
    );
  }
  const c: TrmConfig = { ...TRM_DEFAULTS, ...partial };
  for (const k of positiveInts) {
    const v = c[k];
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > TRM_CONFIG_MAX[k]!) {
      throw new ConfigError(`TRM config '${k}': expected an integer in [1, ${TRM_CONFIG_MAX[k]}], got ${describeValue(v)}.`);
    }
  }
  for (const k of ['puzzleEmbDim', 'puzzleEmbLen'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0 || c[k] > TRM_CONFIG_MAX[k]!) throw new ConfigError(`TRM config '${k}': expected an integer in [0, ${TRM_CONFIG_MAX[k]}], got ${describeValue(c[k])}.`);
  }
  const choice = <K extends keyof TrmConfig>(k: K, valid: readonly string[]) => {
    if (!valid.includes(c[k] as string)) throw new ConfigError(`TRM config '${k}': expected one of ${valid.map((v) => `'${v}'`).join(', ')}, got ${describeValue(c[k])}.`);
  };
  choice('mixer', ['mlp', 'attention']);
  choice('posEncodings', ['rope', 'learned', 'none']);
  choice('lossType', ['stablemax', 'softmax']);
  if (typeof c.qContinue !== 'boolean') throw new ConfigError(`TRM config 'qContinue': expected a boolean, got ${describeValue(c.qContinue)}.`);
  if (!(typeof c.haltExplorationProb === 'number' && c.haltExplorationProb >= 0 && c.haltExplorationProb <= 1)) {
    throw new ConfigError(`TRM config 'haltExplorationProb': expected a probability in [0, 1], got ${describeValue(c.haltExplorationProb)}.`);
  }
  if (!(typeof c.rmsNormEps === 'number' && c.rmsNormEps > 0)) throw new ConfigError(`TRM config 'rmsNormEps': expected > 0, got ${describeValue(c.rmsNormEps)}.`);
  if (!(typeof c.ropeTheta === 'number' && c.ropeTheta > 0)) throw new ConfigError(`TRM config 'ropeTheta': expected > 0, got ${describeValue(c.ropeTheta)}.`);
  if (c.mixer === 'attention' && c.hiddenSize % c.numHeads !== 0) {
    throw new ConfigError(`TRM config: hiddenSize (${c.hiddenSize}) must be divisible by numHeads (${c.numHeads}) for attention.`);
  }
  if (c.posEncodings === 'rope' && (c.hiddenSize / c.numHeads) % 2 !== 0) {
    throw new ConfigError(`TRM config: RoPE needs an even head dim, got hiddenSize/numHeads = ${c.hiddenSize / c.numHeads}.`);
  }
  if (c.puzzleEmbDim === 0 && c.puzzleEmbLen !== 0) {
    // The official code crashes on a shape mismatch here (ALGORITHM §2.5, §12.4).
    throw new ConfigError(`TRM config: puzzleEmbDim = 0 requires puzzleEmbLen = 0, got puzzleEmbLen = ${c.puzzleEmbLen}.`);
  }
  if (c.puzzleEmbLen > 0 && c.puzzleEmbDim > c.puzzleEmbLen * c.hiddenSize) {
    throw new ConfigError(
      `TRM config: puzzleEmbDim (${c.puzzleEmbDim}) does not fit in puzzleEmbLen·hiddenSize = ${c.puzzleEmbLen * c.hiddenSize}.`,
    );
  }
  return c;
}

/** Prefix slots Lp (ALGORITHM §2.7). */
export function prefixLength(c: TrmConfig): number {
  if (c.puzzleEmbDim === 0) return 0;
  return c.puzzleEmbLen > 0 ? c.puzzleEmbLen : Math.ceil(c.puzzleEmbDim / c.hiddenSize);
}

/** Internal sequence length P = L + Lp. */
export function internalLength(c: TrmConfig): number {
  return c.seqLen + prefixLength(c);
}

/** SwiGLU inner width: ceil(round(e·h·2/3) / 256)·256 with Python's round-half-to-even (ALGORITHM §2.1). */
export function swigluWidth(h: number, expansion: number): number {
  const x = (expansion * h * 2) / 3;
  const fl = Math.floor(x);
  const diff = x - fl;
  const rounded = diff > 0.5 ? fl + 1 : diff < 0.5 ? fl : fl % 2 === 0 ? fl : fl + 1;
  return Math.ceil(rounded / 256) * 256;
}

const OFFICIAL_KEYS: Record<string, keyof TrmConfig | null> = {
  seq_len: 'seqLen',
  vocab_size: 'vocabSize',
  num_puzzle_identifiers: 'numPuzzleIdentifiers',
  hidden_size: 'hiddenSize',
  num_heads: 'numHeads',
  expansion: 'expansion',
  L_layers: 'numLayers',
  L_cycles: 'latentSteps',
  H_cycles: 'recursions',
  halt_max_steps: 'supervisionSteps',
  halt_exploration_prob: 'haltExplorationProb',
  rope_theta: 'ropeTheta',
  rms_norm_eps: 'rmsNormEps',
  puzzle_emb_ndim: 'puzzleEmbDim',
  puzzle_emb_len: 'puzzleEmbLen',
  // Handled specially or ignored by TRM:
  mlp_t: null, pos_encodings: null, no_ACT_continue: null, loss_type: null,
  H_layers: null, batch_size: null, forward_dtype: null, notes: null, name: null,
};

/**
 * Converts the official config dict (keys as in the official `arch` YAML / parity fixture config.json) to a
 * resolved TrmConfig. Unknown keys are rejected so that a typo is not silently ignored.
 */
export function fromOfficialConfig(official: Record<string, unknown>): TrmConfig {
  if (official === null || typeof official !== 'object') throw new ConfigError(`official config: expected an object, got ${typeof official}.`);
  const unknown = Object.keys(official).filter((k) => !(k in OFFICIAL_KEYS));
  if (unknown.length > 0) {
    throw new ConfigError(`official config: unknown key(s) ${unknown.join(', ')}. Known: ${Object.keys(OFFICIAL_KEYS).join(', ')}.`);
  }
  const out: Partial<TrmConfig> = {};
  for (const [k, v] of Object.entries(official)) {
    const ts = OFFICIAL_KEYS[k];
    if (ts) (out as Record<string, unknown>)[ts] = v;
  }
  if ('mlp_t' in official) out.mixer = official.mlp_t ? 'mlp' : 'attention';
  if ('pos_encodings' in official) {
    // Official: anything other than rope / learned means no positions (ALGORITHM §1.3).
    const p = official.pos_encodings;
    out.posEncodings = p === 'rope' || p === 'learned' ? p : 'none';
  }
  if ('no_ACT_continue' in official) out.qContinue = !official.no_ACT_continue;
  if ('loss_type' in official) {
    const lt = String(official.loss_type);
    if (lt === 'stablemax_cross_entropy') out.lossType = 'stablemax';
    else if (lt === 'softmax_cross_entropy') out.lossType = 'softmax';
    else throw new ConfigError(`official config 'loss_type': expected 'stablemax_cross_entropy' or 'softmax_cross_entropy', got '${lt}'.`);
  }
  return resolveTrmConfig(out);
}

/** The inverse of fromOfficialConfig (for checkpoints that the official code should read). */
export function toOfficialConfig(c: TrmConfig): Record<string, unknown> {
  return {
    seq_len: c.seqLen, vocab_size: c.vocabSize, num_puzzle_identifiers: c.numPuzzleIdentifiers,
    hidden_size: c.hiddenSize, num_heads: c.numHeads, expansion: c.expansion, L_layers: c.numLayers, H_layers: 0,
    L_cycles: c.latentSteps, H_cycles: c.recursions, halt_max_steps: c.supervisionSteps,
    halt_exploration_prob: c.haltExplorationProb, no_ACT_continue: !c.qContinue, mlp_t: c.mixer === 'mlp',
    pos_encodings: c.posEncodings, rope_theta: c.ropeTheta, rms_norm_eps: c.rmsNormEps,
    puzzle_emb_ndim: c.puzzleEmbDim, puzzle_emb_len: c.puzzleEmbLen,
    loss_type: c.lossType === 'stablemax' ? 'stablemax_cross_entropy' : 'softmax_cross_entropy',
  };
}
