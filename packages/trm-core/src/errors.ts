/**
 * One base class for every error trm-ts throws on purpose, with a few subclasses so that callers can
 * branch on the kind of failure. Messages follow `<what>: expected <x>, got <y>. <fix>`.
 */
export class TrmError extends Error {
  override name = 'TrmError';
  /** The code a subclass uses when none is given. */
  static readonly defaultCode: string = 'trm';
  /** A stable machine-readable kind of failure (subclasses narrow it, e.g. SafetensorsError's 'truncated'). */
  readonly code: string;

  constructor(message: string, options: TrmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? (new.target as typeof TrmError).defaultCode;
  }
}

export interface TrmErrorOptions {
  /** Overrides the class's default code. */
  code?: string;
  cause?: unknown;
}

/** A configuration object or flag is invalid. */
export class ConfigError extends TrmError {
  override name = 'ConfigError';
  static override readonly defaultCode: string = 'config';
}

/** A checkpoint or safetensors file cannot be read or does not fit the model. */
export class CheckpointError extends TrmError {
  override name = 'CheckpointError';
  static override readonly defaultCode: string = 'checkpoint';
}

/** A tensor or array has the wrong shape, dtype or size. */
export class ShapeError extends TrmError {
  override name = 'ShapeError';
  static override readonly defaultCode: string = 'shape';
}

/** No usable TensorFlow.js backend, or a backend failed to start. */
export class BackendError extends TrmError {
  override name = 'BackendError';
  static override readonly defaultCode: string = 'backend';
}

/** Training diverged (NaN / Inf loss) or was asked to do something impossible. */
export class TrainingError extends TrmError {
  override name = 'TrainingError';
  static override readonly defaultCode: string = 'training';
}

/** Throws `ErrorClass(message())` unless `cond` holds; the message is built only on failure. */
export function check(
  cond: unknown,
  message: () => string,
  ErrorClass: new (msg: string, options?: TrmErrorOptions) => TrmError = TrmError,
  code?: string,
): asserts cond {
  if (!cond) throw new ErrorClass(message(), code === undefined ? {} : { code });
}
