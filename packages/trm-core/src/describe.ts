/**
 * Bounded helpers for error paths. An error message that shows an offending value must never recurse without
 * bound or grow with the input: a 10 KB `[[[[…` from a hostile file would overflow the stack of
 * `JSON.stringify`, and a 100 MB string would end up in a log line. Every message that shows a value uses
 * `describeValue`; every loader that parses JSON from outside uses `parseJsonText`.
 */
import { CheckpointError, TrmError } from './errors.js';

export interface DescribeOptions {
  /** Longest rendering returned, in characters (default 80); longer ones end in `...`. */
  maxLength?: number;
  /** Nesting shown before an array or object is abbreviated as `[…]` / `{…}` (default 3). */
  maxDepth?: number;
}

/**
 * A short, printable, JSON-like rendering of any value, for error messages. Cost is bounded by `maxLength`
 * and `maxDepth`, whatever the value's size or depth (cycles included); never throws.
 */
export function describeValue(v: unknown, opts: DescribeOptions = {}): string {
  const maxLength = opts.maxLength ?? 80;
  const maxDepth = opts.maxDepth ?? 3;
  let out = '';
  // Appends until the budget (plus one character, to know that it overflowed) is spent; returns false then.
  const put = (s: string): boolean => {
    out += s.length > maxLength + 1 - out.length ? s.slice(0, maxLength + 1 - out.length) : s;
    return out.length <= maxLength;
  };
  const walk = (x: unknown, depth: number): boolean => {
    if (x === undefined) return put('undefined');
    if (x === null || typeof x === 'boolean') return put(String(x));
    if (typeof x === 'number') return put(String(x)); // NaN, Infinity as words, unlike JSON
    if (typeof x === 'bigint') return put(`${x}n`);
    if (typeof x === 'string') return put(JSON.stringify(x.length > maxLength ? x.slice(0, maxLength + 1) : x));
    if (typeof x === 'function') return put('function');
    if (typeof x === 'symbol') return put('symbol');
    if (ArrayBuffer.isView(x)) return put(`${x.constructor.name}(${(x as unknown as { length?: number }).length ?? x.byteLength})`);
    const isArray = Array.isArray(x);
    if (depth >= maxDepth) return put(isArray ? '[…]' : '{…}');
    if (!put(isArray ? '[' : '{')) return false;
    let first = true;
    if (isArray) {
      for (const item of x as unknown[]) {
        if (!first && !put(',')) return false;
        first = false;
        if (!walk(item, depth + 1)) return false;
      }
    } else {
      for (const k in x as object) {
        if (!Object.prototype.hasOwnProperty.call(x, k)) continue;
        if (!first && !put(',')) return false;
        first = false;
        if (!put(`${JSON.stringify(k.length > maxLength ? k.slice(0, maxLength + 1) : k)}:`)) return false;
        if (!walk((x as Record<string, unknown>)[k], depth + 1)) return false;
      }
    }
    return put(isArray ? ']' : '}');
  };
  try {
    walk(v, 0);
  } catch {
    out += '…'; // a getter that throws, a revoked proxy: describe what we have
  }
  return out.length > maxLength ? `${out.slice(0, Math.max(0, maxLength - 3))}...` : out;
}

/** The makeError of parseJsonText for checkpoint files. */
export const checkpointJsonError = (message: string, code: string): TrmError => new CheckpointError(message, { code });

/** Deepest `[` / `{` nesting accepted by parseJsonText by default (every trm-ts file needs fewer than 10). */
export const MAX_JSON_DEPTH = 256;

/**
 * The nesting depth of a JSON text (brackets outside strings), scanned without recursion. Stops counting
 * once `limit` is exceeded and returns that depth.
 */
export function jsonNestingDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
  return max;
}

/**
 * JSON.parse for text from outside: refuses nesting deeper than `maxDepth` before parsing (code 'json-depth')
 * and turns every parse failure into a typed error (code 'json'), made by `makeError` (default: TrmError).
 * `what` names the text in messages, e.g.
 * "checkpoint manifest /ckpt/latest.json"; the text itself is never echoed beyond a short described prefix.
 */
export function parseJsonText(
  text: string,
  what: string,
  makeError: (message: string, code: 'json' | 'json-depth') => TrmError = (message, code) => new TrmError(message, { code }),
  maxDepth = MAX_JSON_DEPTH,
): unknown {
  const head = what ? `${what}: ` : ''; // '' when the error class prefixes the file itself (DataError)
  const depth = jsonNestingDepth(text, maxDepth);
  if (depth > maxDepth) {
    throw makeError(`${head}expected JSON nested at most ${maxDepth} deep, got deeper than ${maxDepth}. The file is corrupt or hostile`, 'json-depth');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    // The parser's own message quotes the text, which may be a file's secret bytes: say only where it failed.
    const at = /position (\d+)/.exec(e instanceof Error ? e.message : '')?.[1];
    throw makeError(`${head}expected JSON, got ${text.length} characters that do not parse${at ? ` (at character ${at})` : ''}. The file is corrupt or not JSON`, 'json');
  }
}

/** Total of non-finite values over named arrays, and the names of the arrays that hold any. */
export function countNonFinite(named: Iterable<readonly [string, ArrayLike<number>]>): { count: number; names: string[] } {
  let count = 0;
  const names: string[] = [];
  for (const [name, a] of named) {
    let here = 0;
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) here++;
    if (here) {
      count += here;
      names.push(name);
    }
  }
  return { count, names };
}
