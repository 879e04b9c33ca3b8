/**
 * One base class for every error trm-ts throws on purpose, with a few subclasses so that callers can
 * branch on the kind of failure. Messages follow `<what>: expected <x>, got <y>. <fix>`.
 */
export class TrmError extends Error {
  override name = 'TrmError';
}

/** A configuration object or flag is invalid. */
export class ConfigError extends TrmError {
  override name = 'ConfigError';
}

/** A checkpoint or safetensors file cannot be read or does not fit the model. */
export class CheckpointError extends TrmError {
  override name = 'CheckpointError';
}

/** A tensor or array has the wrong shape, dtype or size. */
export class ShapeError extends TrmError {
  override name = 'ShapeError';
}

/** No usable TensorFlow.js backend, or a backend failed to start. */
export class BackendError extends TrmError {
  override name = 'BackendError';
}

/** Training diverged (NaN / Inf loss) or was asked to do something impossible. */
export class TrainingError extends TrmError {
  override name = 'TrainingError';
}

/** Throws `ErrorClass(message())` unless `cond` holds; the message is built only on failure. */
export function check(
  cond: unknown,
  message: () => string,
  ErrorClass: new (msg: string) => TrmError = TrmError,
): asserts cond {
  if (!cond) throw new ErrorClass(message());
}
