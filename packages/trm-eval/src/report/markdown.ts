/**
 * Markdown tables for sweep and alignment results (ALGORITHM.md §11; issue 5 item 5). Inputs are the plain
 * JSON results of this package, so a report can be rebuilt from saved JSON.
 */
import { ConfigError, check } from '@trm-ts/core';
import type { SweepResult } from '../sweep.js';

/** One trained model's AA and accuracy (Exp B, §11.3): a point of the AA-vs-accuracy scatter. */
export interface AlignmentPoint {
  /** Training variant, e.g. "baseline", "random init", "rand T w1". */
  variant: string;
  seed?: number;
  aaY?: number;
  aaZ?: number;
  aaPred?: number;
  /** Exact accuracy in [0, 1]. */
  solved: number;
}

export type SweepMetric = 'solved' | 'cellAcc';

const pct = (v: number | undefined, digits: number) => (v === undefined ? '–' : (100 * v).toFixed(digits));

/** A GitHub-flavoured Markdown table; cells are escaped for `|`. */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const esc = (c: string | number) => String(c).replace(/\|/g, '\\|');
  for (const r of rows) check(r.length === header.length, () => `markdownTable: expected ${header.length} cells per row, got ${r.length}.`, ConfigError);
  const line = (cells: readonly (string | number)[]) => `| ${cells.map(esc).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n') + '\n';
}

/**
 * Sweep table: one row per read-out and k, one column per step, values in % (`digits` decimals).
 * `single` ignores k (it is always run 0), so it gets one row. `steps` picks columns (default: all).
 */
export function sweepTable(result: SweepResult, options: { metric?: SweepMetric; steps?: readonly number[]; digits?: number } = {}): string {
  const { metric = 'solved', steps = result.steps, digits = 1 } = options;
  const cols = steps.map((s) => {
    const i = result.steps.indexOf(s);
    check(i >= 0, () => `sweepTable: step ${s} is not in the result (steps ${result.steps.join(', ')}).`, ConfigError);
    return i;
  });
  const rows: (string | number)[][] = [];
  for (const name of result.readouts) {
    const ks = name === 'single' ? result.ks.slice(0, 1) : result.ks;
    ks.forEach((k, ki) => rows.push([name, k, ...cols.map((si) => pct(result.curves[name]![metric][ki]![si], digits))]));
  }
  return markdownTable(['read-out', 'k', ...steps.map((s) => `N_sup=${s}`)], rows);
}

/** AA table (Exp B): one row per trained model, AA as cosines / fractions (3 decimals), accuracy in %. */
export function alignmentTable(points: readonly AlignmentPoint[]): string {
  const f = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(3));
  return markdownTable(
    ['variant', 'seed', 'AA_y', 'AA_z', 'AA_pred', 'solved %'],
    points.map((p) => [p.variant, p.seed ?? '–', f(p.aaY), f(p.aaZ), f(p.aaPred), pct(p.solved, 1)]),
  );
}
