/**
 * SVG plots of sweep and alignment results (ALGORITHM.md §11; issue 5 item 5), drawn by Vega-Lite and
 * rendered headless with Vega's SVG string renderer (no browser, no canvas). The specs are plain JSON, so
 * they can be saved beside the report and re-rendered by any Vega-Lite tool.
 */
import { ConfigError, check } from '@trm-ts/core';
import type { TopLevelSpec } from 'vega-lite';
import type { SweepResult } from '../sweep.js';
import type { AlignmentPoint, SweepMetric } from './markdown.js';

/** A labelled sweep, e.g. `{ label: 'random init', result }`; several labels share one plot. */
export interface SweepSeries {
  label: string;
  result: SweepResult;
}

const METRIC_TITLE: Record<SweepMetric, string> = { solved: 'solved (exact accuracy, %)', cellAcc: 'cell accuracy (%)' };

/**
 * Accuracy vs N_sup (log2 axis), one panel per read-out, colour = k, dash = series label. `single` is drawn
 * for its first k only (it ignores k).
 */
export function accuracyPlotSpec(series: readonly SweepSeries[], options: { metric?: SweepMetric; title?: string } = {}): TopLevelSpec {
  const { metric = 'solved', title = `${METRIC_TITLE[metric]} vs supervision steps` } = options;
  check(series.length > 0, () => 'accuracyPlotSpec: expected at least one series, got none.', ConfigError);
  const values: { series: string; readout: string; k: string; step: number; value: number }[] = [];
  for (const { label, result } of series) {
    for (const name of result.readouts) {
      const ks = name === 'single' ? result.ks.slice(0, 1) : result.ks;
      ks.forEach((k, ki) =>
        result.steps.forEach((step, si) => values.push({ series: label, readout: name, k: `k=${k}`, step, value: 100 * result.curves[name]![metric][ki]![si]! })),
      );
    }
  }
  const readouts = [...new Set(series.flatMap((s) => s.result.readouts))];
  const ks = [...new Set(series.flatMap((s) => s.result.ks))].sort((a, b) => a - b).map((k) => `k=${k}`);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    mark: { type: 'line', point: true },
    width: 220,
    height: 180,
    encoding: {
      column: { field: 'readout', type: 'nominal', title: 'read-out', sort: readouts },
      x: {
        field: 'step',
        type: 'quantitative',
        title: 'N_sup (supervision steps at test)',
        scale: { type: 'log', base: 2, nice: false },
        axis: { values: [...new Set(values.map((v) => v.step))], labelFlush: true, labelOverlap: false },
      },
      y: { field: 'value', type: 'quantitative', title: METRIC_TITLE[metric], scale: { zero: false } },
      color: { field: 'k', type: 'nominal', title: 'runs', sort: ks, scale: { scheme: 'tableau10' } },
      strokeDash: { field: 'series', type: 'nominal', title: 'model', legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 400, encode: { symbols: { update: { stroke: { value: '#444' } } } } } },
      detail: [{ field: 'series' }, { field: 'k' }],
    },
  } as TopLevelSpec;
}

/**
 * AA vs accuracy scatter (Exp B): one panel per AA kind present (AA_pred, AA_y, AA_z), x = AA, y = solved %,
 * colour = variant.
 */
export function alignmentScatterSpec(points: readonly AlignmentPoint[], options: { title?: string } = {}): TopLevelSpec {
  const { title = 'path independence (AA) vs accuracy' } = options;
  check(points.length > 0, () => 'alignmentScatterSpec: expected at least one point, got none.', ConfigError);
  const kinds = [
    ['AA_pred', 'aaPred'],
    ['AA_y', 'aaY'],
    ['AA_z', 'aaZ'],
  ] as const;
  const values = points.flatMap((p) =>
    kinds.filter(([, f]) => p[f] !== undefined).map(([kind, f]) => ({ variant: p.variant, seed: p.seed ?? null, kind, aa: p[f]!, solved: 100 * p.solved })),
  );
  check(values.length > 0, () => 'alignmentScatterSpec: no point has aaPred, aaY or aaZ.', ConfigError);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values },
    mark: { type: 'point', filled: true, size: 60 },
    width: 220,
    height: 200,
    encoding: {
      column: { field: 'kind', type: 'nominal', title: 'alignment', sort: kinds.map(([k]) => k) },
      x: { field: 'aa', type: 'quantitative', title: 'asymptotic alignment', scale: { zero: false, padding: 12 } },
      y: { field: 'solved', type: 'quantitative', title: 'solved (%)', scale: { zero: false, padding: 12 } },
      color: { field: 'variant', type: 'nominal', title: 'variant' },
    },
    resolve: { scale: { x: 'independent' } },
  } as TopLevelSpec;
}

/** Renders a Vega-Lite spec to an SVG string in Node or a browser (vega is loaded on first use). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** `accuracyPlotSpec` rendered to SVG. */
export async function accuracyPlotSvg(series: readonly SweepSeries[], options?: { metric?: SweepMetric; title?: string }): Promise<string> {
  return renderSvg(accuracyPlotSpec(series, options));
}

/** `alignmentScatterSpec` rendered to SVG. */
export async function alignmentScatterSvg(points: readonly AlignmentPoint[], options?: { title?: string }): Promise<string> {
  return renderSvg(alignmentScatterSpec(points, options));
}

/** A point of a line with a confidence band: `y` and its interval [lo, hi] at `x`, on panel `panel`. */
export interface BandPoint {
  panel: string;
  series: string;
  x: number;
  y: number;
  lo: number;
  hi: number;
}

/**
 * Lines with confidence bands (issue 14: accuracy vs N_sup per variant, best-of-k curves per read-out,
 * diversity vs N_sup): one panel per `panel`, colour = series, shaded band = [lo, hi].
 */
export function bandPlotSpec(points: readonly BandPoint[], options: BandPlotOptions): TopLevelSpec {
  check(points.length > 0, () => 'bandPlotSpec: expected at least one point, got none.', ConfigError);
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const x = {
    field: 'x',
    type: 'quantitative',
    title: options.xTitle,
    scale: options.logX ? { type: 'log', base: 2, nice: false } : { zero: false, nice: false },
    axis: { values: options.xTicks ?? xs, format: '~g', labelFlush: true, labelOverlap: false },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    data: { values: points.map((p) => ({ ...p })) },
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: [...new Set(points.map((p) => p.panel))] } },
    ...(options.independentY ? { resolve: { scale: { y: 'independent' } } } : {}),
    config: { legend: { labelLimit: 0 } }, // full series names (the default cuts them at 160 px)
    spec: {
      width: options.width ?? 220,
      height: 180,
      layer: [
        { mark: { type: 'area', opacity: 0.18 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: options.yTitle, scale: { zero: false } }, y2: { field: 'hi' }, color: { field: 'series', type: 'nominal', title: null } } },
        { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'y', type: 'quantitative', title: options.yTitle }, color: { field: 'series', type: 'nominal', title: null } } },
      ],
    },
  } as unknown as TopLevelSpec;
}

export interface BandPlotOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  logX?: boolean;
  /** Each panel its own y scale (panels of different quantities, e.g. accuracy and a paired gain). */
  independentY?: boolean;
  /** Panel width in px (default 220). */
  width?: number;
  /** x-axis tick values (default: every x of the data). */
  xTicks?: number[];
}

/** `bandPlotSpec` rendered to SVG. */
export async function bandPlotSvg(points: readonly BandPoint[], options: BandPlotOptions): Promise<string> {
  return renderSvg(bandPlotSpec(points, options));
}

/** One validation score of one trained model (per-seed training curves). */
export interface CurvePoint {
  series: string;
  seed: number;
  step: number;
  value: number;
}

/** Per-seed training curves: x = optimizer step, y = validation score (%), colour = series, one line per seed. */
export function curvesPlotSpec(points: readonly CurvePoint[], options: { title: string; yTitle?: string }): TopLevelSpec {
  check(points.length > 0, () => 'curvesPlotSpec: expected at least one point, got none.', ConfigError);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    data: { values: points.map((p) => ({ ...p, value: 100 * p.value })) },
    mark: { type: 'line', point: { size: 12 }, strokeWidth: 1.2 },
    width: 460,
    height: 240,
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'optimizer step' },
      y: { field: 'value', type: 'quantitative', title: options.yTitle ?? 'validation solved (%)' },
      color: { field: 'series', type: 'nominal', title: null },
      detail: { field: 'seed', type: 'nominal' },
    },
  } as TopLevelSpec;
}

/** `curvesPlotSpec` rendered to SVG. */
export async function curvesPlotSvg(points: readonly CurvePoint[], options: { title: string; yTitle?: string }): Promise<string> {
  return renderSvg(curvesPlotSpec(points, options));
}
