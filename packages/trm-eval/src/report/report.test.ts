import { ConfigError } from '@trm-ts/core';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { SweepResult } from '../sweep.js';
import { alignmentTable, markdownTable, sweepTable, type AlignmentPoint } from './markdown.js';
import { accuracyPlotSpec, accuracyPlotSvg, alignmentScatterSvg, bandPlotSpec, bandPlotSvg } from './plots.js';

const sweep: SweepResult = {
  ks: [1, 3],
  steps: [1, 2, 4],
  rows: [100, 100, 100],
  readouts: ['single', 'confidence'],
  curves: {
    single: { solved: [[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]], cellAcc: [[0.5, 0.6, 0.7], [0.5, 0.6, 0.7]] },
    confidence: { solved: [[0.1, 0.2, 0.3], [0.15, 0.25, 0.355]], cellAcc: [[0.5, 0.6, 0.7], [0.55, 0.65, 0.75]] },
  },
};

describe('Markdown tables', () => {
  it('renders a sweep: one row per read-out and k (single once), % per step', () => {
    expect(sweepTable(sweep)).toBe(
      [
        '| read-out | k | N_sup=1 | N_sup=2 | N_sup=4 |',
        '|---|---|---|---|---|',
        '| single | 1 | 10.0 | 20.0 | 30.0 |',
        '| confidence | 1 | 10.0 | 20.0 | 30.0 |',
        '| confidence | 3 | 15.0 | 25.0 | 35.5 |',
        '',
      ].join('\n'),
    );
    expect(sweepTable(sweep, { metric: 'cellAcc', steps: [4] })).toContain('| confidence | 3 | 75.0 |');
    expect(() => sweepTable(sweep, { steps: [8] })).toThrow(ConfigError);
  });
  it('escapes pipes and checks row widths', () => {
    expect(markdownTable(['a'], [['x|y']])).toBe('| a |\n|---|\n| x\\|y |\n');
    expect(() => markdownTable(['a', 'b'], [['x']])).toThrow(ConfigError);
  });
  it('renders AA points', () => {
    const t = alignmentTable([{ variant: 'rand T w1', seed: 2, aaY: 0.91234, aaPred: 0.5, solved: 0.625 }]);
    expect(t).toContain('| rand T w1 | 2 | 0.912 | – | 0.500 | 62.5 |');
  });
});

/** Texts of the SVG (labels, titles, legends), after checking it is well-formed XML. */
function svgTexts(svg: string): string[] {
  expect(XMLValidator.validate(svg)).toBe(true);
  expect(svg.startsWith('<svg')).toBe(true);
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

describe('SVG plots (Vega-Lite, headless)', () => {
  it('accuracy vs N_sup: panels per read-out, series per k and model, log2 x-axis', async () => {
    const spec = accuracyPlotSpec([
      { label: 'random init', result: sweep },
      { label: 'static init', result: { ...sweep, ks: [1], readouts: ['single'], curves: { single: { solved: [[0.05, 0.1, 0.2]], cellAcc: [[0.4, 0.5, 0.6]] } } } },
    ]);
    const values = (spec as { data: { values: { series: string; readout: string; k: string }[] } }).data.values;
    // random: single k=1 (3 steps) + confidence k=1, k=3 (6) ; static: single k=1 (3)
    expect(values.length).toBe(12);
    expect(new Set(values.map((v) => `${v.series}/${v.readout}/${v.k}`))).toEqual(
      new Set(['random init/single/k=1', 'random init/confidence/k=1', 'random init/confidence/k=3', 'static init/single/k=1']),
    );
    const texts = svgTexts(await accuracyPlotSvg([{ label: 'random init', result: sweep }, { label: 'static init', result: sweep }]));
    for (const label of ['single', 'confidence', 'k=1', 'k=3', 'random init', 'static init', 'N_sup (supervision steps at test)']) {
      expect(texts, label).toContain(label);
    }
    expect(texts).toEqual(expect.arrayContaining(['1', '2', '4'])); // the log2 ticks at the steps
  });

  it('AA vs accuracy scatter: one panel per AA kind present', async () => {
    const points: AlignmentPoint[] = [
      { variant: 'baseline', seed: 1, aaY: 0.8, aaZ: 0.95, aaPred: 0.9, solved: 0.6 },
      { variant: 'rand T w1', seed: 1, aaY: 0.85, aaZ: 0.97, aaPred: 0.95, solved: 0.7 },
    ];
    const texts = svgTexts(await alignmentScatterSvg(points));
    for (const label of ['AA_pred', 'AA_y', 'AA_z', 'baseline', 'rand T w1', 'solved (%)']) expect(texts, label).toContain(label);
    const onlyPred = svgTexts(await alignmentScatterSvg([{ variant: 'baseline', aaPred: 0.9, solved: 0.6 }]));
    expect(onlyPred).toContain('AA_pred');
    expect(onlyPred).not.toContain('AA_y');
    await expect(alignmentScatterSvg([{ variant: 'x', solved: 0.5 }])).rejects.toThrow(ConfigError);
  });
});

describe('band plots', () => {
  const long = 'random confidence k=5 (a long series name)';
  const pts = [
    { panel: 'solved (%)', series: long, x: 1, y: 90, lo: 85, hi: 95 },
    { panel: 'solved (%)', series: long, x: 3, y: 93, lo: 88, hi: 98 },
    { panel: 'gain (pts)', series: long, x: 1, y: 0, lo: 0, hi: 0 },
    { panel: 'gain (pts)', series: long, x: 3, y: 3, lo: 2.5, hi: 3.5 },
  ];
  it('one column per panel; independentY gives each panel its own y scale; series names are not cut', async () => {
    const shared = bandPlotSpec(pts, { title: 't', xTitle: 'k', yTitle: 'y' }) as unknown as Record<string, unknown>;
    const own = bandPlotSpec(pts, { title: 't', xTitle: 'k', yTitle: 'y', independentY: true }) as unknown as Record<string, unknown>;
    expect(shared.resolve).toBeUndefined();
    expect(own.resolve).toEqual({ scale: { y: 'independent' } });
    expect((own.facet as { column: { sort: string[] } }).column.sort).toEqual(['solved (%)', 'gain (pts)']);
    const svg = await bandPlotSvg(pts, { title: 't', xTitle: 'k', yTitle: 'y', independentY: true });
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toContain(long);
    expect(() => bandPlotSpec([], { title: 't', xTitle: 'k', yTitle: 'y' })).toThrow(ConfigError);
  });
});
