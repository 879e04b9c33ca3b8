/**
 * The statistics sections of the Exp A / Exp B reports (issue 14), computed from the per-puzzle outcomes that the
 * runners keep (`perPuzzle`, `alignment.perRow`): exact (Clopper–Pearson) CIs per model, t and bootstrap CIs over
 * seeds per variant, paired tests for read-out comparisons (McNemar per model on the same puzzles, paired
 * differences across seeds), correlations of AA with accuracy, Mann–Whitney for variant-vs-variant, the
 * test-time-init spread, the hard slice, the plots with CI bands, and a "what this does and does not show"
 * paragraph per claim of the blog that states a finding only when its interval excludes "no effect".
 * Results without per-puzzle data (the 4×4 runs of issue 5) get no such section, so old result.json files still render.
 */
import { markdownTable } from '../report/markdown.js';
import { bandPlotSvg, curvesPlotSvg, type BandPoint, type CurvePoint } from '../report/plots.js';
import type { ReadoutName } from '../readouts.js';
import {
  bootstrapCI, clusterBootstrapCI, formatInterval, formatP, mannWhitney, meanCI, pairedBinary, pairedDiff, pearson, proportionCI, spearman, type Interval,
} from '../stats.js';
import type { ExpAResult, ExpARun, ExpBResult, ExpBRun } from './experiments.js';
import { bits, fractionOf, type PuzzleSweepRecord } from './puzzle-record.js';

/** A statistic, or null where its input has no variation (the stats functions reject or return NaN). */
function safe<T>(f: () => T): T | null {
  try {
    const v = f();
    const nums = Object.values(v as object).filter((x): x is number => typeof x === 'number');
    return nums.every(Number.isFinite) ? v : null;
  } catch {
    return null;
  }
}

export interface StatsSection {
  markdown: string[];
  files: Record<string, string>;
}

const BOOT = { resamples: 2000, seed: 14 } as const;
/** The bootstrap over seeds needs this many seeds (3 seeds give only 10 distinct resamples; raised from 3 on 2026-12-06 21:35 UTC, which can only withhold a finding). */
const MIN_CLUSTER_SEEDS = 5;
const pctI = (i: Interval) => formatInterval(i, { percent: true, digits: 1 });
const numI = (i: Interval) => formatInterval(i, { digits: 3 });
const ptsI = (i: Interval) => `${i.estimate >= 0 ? '+' : '−'}${Math.abs(100 * i.estimate).toFixed(1)} pts [${(100 * i.lo).toFixed(1)}, ${(100 * i.hi).toFixed(1)}]`;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
/** 1, 2, 4, … up to the largest x (log-2 axis ticks that do not crowd). */
const powersOfTwo = (xs: readonly number[]) => Array.from({ length: Math.floor(Math.log2(Math.max(1, ...xs))) + 1 }, (_, i) => 2 ** i);
const countOnes = (s: string) => [...s].filter((c) => c === '1').length;

/** Exact CI of the share of '1' in an outcome string. */
function solvedCI(outcomes: string): Interval {
  return proportionCI(countOnes(outcomes), outcomes.length);
}

/** The outcomes restricted to the hard slice (indices into the test split). */
function slice(outcomes: string, idx: readonly number[] | undefined): string {
  return idx ? idx.filter((i) => i < outcomes.length).map((i) => outcomes[i]!).join('') : '';
}

/** CI of a mean over seeds: Student t (n ≥ 2), else the single value. */
function seedCI(values: readonly number[]): Interval | null {
  if (values.length < 2) return null;
  return meanCI(values);
}
/** A band point's interval over seeds: the t CI, or the single value as a zero-width band when there is one seed. */
function seedBand(values: readonly number[]): Interval {
  return seedCI(values) ?? { estimate: values[0]!, lo: values[0]!, hi: values[0]!, level: 0.95 };
}
/** The runs of `a` that have a run of the same seed in `b`, and those runs of `b`, pair by pair in `a`'s order. */
function matchBySeed<R extends { seed: number }>(a: readonly R[], b: readonly R[]): { a: R[]; b: R[] } {
  const pa = a.filter((r) => b.some((x) => x.seed === r.seed));
  return { a: pa, b: pa.map((r) => b.find((x) => x.seed === r.seed)!) };
}
/** An interval of a fraction clipped to [0, 1] (a t interval over few seeds can pass the bounds). */
const clip01 = <T extends Interval>(i: T): T => ({ ...i, lo: Math.max(0, i.lo), hi: Math.min(1, i.hi) });
const seedText = (values: readonly number[], fmt: (i: Interval) => string = pctI) => {
  const raw = seedCI(values);
  const c = raw && fmt === pctI ? clip01(raw) : raw;
  if (!c) return values.length === 1 ? `${fmt === pctI ? `${(100 * values[0]!).toFixed(1)}%` : values[0]!.toFixed(3)} (1 seed)` : '–';
  if (!Number.isFinite(c.lo) || !Number.isFinite(c.hi)) return `${fmt === pctI ? `${(100 * c.estimate).toFixed(1)}%` : c.estimate.toFixed(3)} (no spread)`;
  const b = bootstrapCI(values, BOOT);
  return `${fmt(c)} (t); bootstrap [${fmt === pctI ? (100 * b.lo).toFixed(1) : b.lo.toFixed(3)}, ${fmt === pctI ? (100 * b.hi).toFixed(1) : b.hi.toFixed(3)}]`;
};

const SEED_CI_NOTE =
  'Accuracy intervals are clipped to [0, 100]%. Over a handful of seeds the percentile bootstrap is too narrow (it never reaches past the seeds observed); the findings below use the t intervals.';

/** The distribution-free check of a paired difference: its exact sign-flip p and the floor that p has at n pairs. */
const signFlip = (d: { p: number; n: number }) => `exact sign-flip ${formatP(d.p)}, whose floor at n = ${d.n} is ${(2 / 2 ** d.n).toPrecision(2)}`;
/** The p-values of a paired difference over seeds or models: the t-test's (the one the CI matches), then the sign-flip's. */
const pairedPs = (d: { tP: number; p: number; n: number }) => `paired t-test ${formatP(d.tP)}; ${signFlip(d)}`;

/** Verdict on an effect, as a clause without its closing period (to continue the sentence): a finding only when the interval excludes 0. */
function verdictClause(i: Interval, p: number, n: string, positive: string, negative: string, fmt: (i: Interval) => string = ptsI): string {
  if (![i.estimate, i.lo, i.hi, p].every(Number.isFinite)) return `**Not computable** (${n}): no variation to test (${fmt(i)})`;
  if (i.lo > 0) return `**Shown** at this power: ${positive} (${fmt(i)}, ${formatP(p)}, ${n})`;
  if (i.hi < 0) return `**Shown** at this power: ${negative} (${fmt(i)}, ${formatP(p)}, ${n})`;
  return `**Not resolved at this power**: ${fmt(i)}, ${formatP(p)} (${n}); the interval contains no effect`;
}
/**
 * A verdict's two directions read against the blog's claim: `blog` is the sign the blog claims (+1: `up`, −1: `down`);
 * 0 where it claims none leaves them as they are. Spread into `verdictClause`'s positive and negative.
 */
const againstBlog = (up: string, down: string, blog: 1 | -1 | 0): [string, string] => {
  if (!blog) return [up, down];
  const says = (direction: string, agrees: boolean) => `${direction}, ${agrees ? 'as the blog says' : "the opposite of the blog's claim"}`;
  return [says(up, blog > 0), says(down, blog < 0)];
};
/** `verdictClause` as a sentence. */
const verdict = (...args: Parameters<typeof verdictClause>): string => `${verdictClause(...args)}.`;

const at = (rec: PuzzleSweepRecord, readout: ReadoutName, k: number, step: number): string | undefined => {
  const ki = rec.ks.indexOf(k);
  const si = rec.steps.indexOf(step);
  return ki < 0 || si < 0 ? undefined : rec.correct[readout]?.[ki]?.[si];
};

function testbedLines(res: ExpAResult | ExpBResult): string[] {
  const t = res.protocol.testbed;
  if (!t) return [];
  return ['## The testbed (measured)', '', ...t.lines.map((l) => `- ${l}`), `- Hard slice: the ${t.hardTest.length} test puzzles that constraint propagation alone cannot solve; reported next to the whole test set.`, ''];
}

function stoppingLines(runs: readonly { stoppedBy?: string; steps?: number; bestStep?: number }[], scale: ExpAResult['protocol']['scale']): string[] {
  const rule = scale.stopping;
  if (!rule) return [];
  const by = (r: string) => runs.filter((x) => x.stoppedBy === r).length;
  const steps = runs.map((r) => r.steps ?? 0);
  return [
    `- **Stopping**: validation every ${scale.evalInterval} steps at N_test ${scale.valSteps}; stop when the best validation solved has not risen by ≥ ${(100 * rule.minDelta).toFixed(1)} pts for ${rule.patience} validations in a row${rule.minSteps ? ` (not before step ${rule.minSteps})` : ''}, or at the step cap${rule.maxTrainSeconds ? ` or after ${rule.maxTrainSeconds} s of training` : ''}; the best validation's weights are tested. ` +
      `**${by('plateau')} of ${runs.length} models stopped by plateau, ${by('step cap')} at the step cap, ${by('time cap')} at the time cap**; steps run ${Math.min(...steps)}–${Math.max(...steps)} (mean ${mean(steps).toFixed(0)}).`,
  ];
}

async function validationPlot(name: string, title: string, runs: readonly { series: string; seed: number; validation?: { step: number; solved: number }[] }[], files: Record<string, string>): Promise<string[]> {
  const pts: CurvePoint[] = runs.flatMap((r) => (r.validation ?? []).map((v) => ({ series: r.series, seed: r.seed, step: v.step, value: v.solved })));
  if (pts.length === 0) return [];
  files[name] = await curvesPlotSvg(pts, { title });
  return [`![per-seed validation curves](${name})`, ''];
}

// ---------------------------------------------------------------------------------------------------------
// Exp A

/** Exp A's statistics section (only for runs with per-puzzle outcomes). */
export async function expAStats(res: ExpAResult): Promise<StatsSection | null> {
  const runs = res.runs.filter((r): r is ExpARun & { perPuzzle: PuzzleSweepRecord } => r.perPuzzle !== undefined);
  if (runs.length === 0) return null;
  const p = res.protocol;
  const hard = p.testbed?.hardTest.length ? p.testbed.hardTest : undefined; // an empty hard slice has no accuracy
  const trainN = p.model.supervisionSteps;
  const steps = runs[0]!.perPuzzle.steps;
  const sMax = Math.max(...steps);
  const sN = steps.includes(trainN) ? trainN : steps.filter((s) => s <= trainN).at(-1) ?? steps[0]!;
  const rand = runs.filter((r) => r.init === 'random');
  const stat = runs.filter((r) => r.init === 'static');
  const kMax = Math.max(...(rand[0]?.perPuzzle.ks ?? [1]));
  const files: Record<string, string> = {};
  const md: string[] = ['## Statistics (issue 14)', '', ...testbedLines(res)];
  md.push(...stoppingLines(runs, p.scale), '');
  md.push(...(await validationPlot('exp-a-validation.svg', 'Exp A: validation solved per seed (single read-out)', runs.map((r) => ({ series: `${r.init} init`, seed: r.seed, validation: r.validation })), files)));

  // Per model: exact CIs, whole set and hard slice.
  md.push('### Per model (Clopper–Pearson 95% CIs over the test puzzles)', '');
  md.push(
    markdownTable(
      ['init', 'seed', 'stopped by', 'steps', 'best step', `single @${sN}`, `single @${sN}, hard slice`, `confidence k=${kMax} @${sN}`],
      runs.map((r) => {
        const single = at(r.perPuzzle, 'single', 1, sN)!;
        const conf = r.init === 'random' ? at(r.perPuzzle, 'confidence', kMax, sN) : undefined;
        return [r.init, r.seed, r.stoppedBy ?? '–', r.steps ?? '–', r.bestStep, pctI(solvedCI(single)), hard ? pctI(solvedCI(slice(single, hard))) : '–', conf ? pctI(solvedCI(conf)) : '–'];
      }),
    ),
  );

  // Per init over seeds, with t and bootstrap CIs.
  const perSeed = (rs: typeof runs, readout: ReadoutName, k: number, s: number, idx?: readonly number[]) => rs.map((r) => fractionOf(idx ? slice(at(r.perPuzzle, readout, k, s)!, idx) : at(r.perPuzzle, readout, k, s)!));
  type Arm = { ro: ReadoutName; k: number; s: number };
  /** Arm b − arm a on the same models and puzzles: McNemar per model (as one table cell) and the paired difference across seeds. */
  const pairedArms = (rs: typeof runs, a: Arm, b: Arm) => {
    const per = rs.map((r) => pairedBinary(bits(at(r.perPuzzle, a.ro, a.k, a.s)!), bits(at(r.perPuzzle, b.ro, b.k, b.s)!)));
    const diff = rs.length >= 2 ? safe(() => pairedDiff(perSeed(rs, a.ro, a.k, a.s), perSeed(rs, b.ro, b.k, b.s))) : null;
    return { diff, perModel: per.map((x, i) => `seed ${rs[i]!.seed}: ${ptsI(x)}, ${x.bOnly}/${x.aOnly} discordant, ${formatP(x.p)}`).join('; ') };
  };
  md.push('### Per init, over seeds (mean, 95% Student-t CI; percentile bootstrap CI)', '');
  md.push(SEED_CI_NOTE, '');
  const rows: (string | number)[][] = [];
  for (const [name, rs] of [['static', stat], ['random', rand]] as const) {
    if (rs.length === 0) continue;
    const readouts: [ReadoutName, number][] = name === 'static' ? [['single', 1]] : [['single', 1], ['confidence', kMax], ['puzzleMode', kMax], ['cellMode', kMax]];
    for (const [ro, k] of readouts) {
      for (const s of [...new Set([1, sN, sMax])].filter((x) => steps.includes(x))) rows.push([name, ro, k, s, rs.length, seedText(perSeed(rs, ro, k, s)), hard ? seedText(perSeed(rs, ro, k, s, hard)) : '–']);
    }
  }
  md.push(markdownTable(['init', 'read-out', 'k', 's', 'seeds', 'solved, whole test set', 'solved, hard slice'], rows));

  // Accuracy vs test-time N_sup per init and read-out (CI bands over seeds).
  const band: BandPoint[] = [];
  for (const [name, rs] of [['static', stat], ['random', rand]] as const) {
    const readouts: [ReadoutName, number][] = name === 'static' ? [['single', 1]] : [['single', 1], ['confidence', kMax]];
    for (const [ro, k] of readouts) {
      for (const s of steps) {
        const v = perSeed(rs, ro, k, s);
        if (v.length === 0) continue;
        const c = seedBand(v);
        band.push({ panel: 'whole test set', series: `${name} ${ro}${ro === 'single' ? '' : ` k=${k}`}`, x: s, y: 100 * c.estimate, lo: 100 * c.lo, hi: 100 * c.hi });
        if (hard) {
          const h = perSeed(rs, ro, k, s, hard);
          const ch = seedBand(h);
          band.push({ panel: 'hard slice', series: `${name} ${ro}${ro === 'single' ? '' : ` k=${k}`}`, x: s, y: 100 * ch.estimate, lo: 100 * ch.lo, hi: 100 * ch.hi });
        }
      }
    }
  }
  if (band.length > 0) {
    files['exp-a-nsup-ci.svg'] = await bandPlotSvg(band, { title: 'Exp A: solved vs test-time N_sup (mean over seeds, 95% t band)', xTitle: 'N_sup at test', yTitle: 'solved (%)', logX: true });
    md.push('![solved vs N_sup with CI bands](exp-a-nsup-ci.svg)', '');
  }

  // Best-of-k per read-out (random init) at s = sN.
  if (rand.length > 0) {
    const ks = rand[0]!.perPuzzle.ks;
    const single = perSeed(rand, 'single', 1, sN);
    const bk: BandPoint[] = [];
    for (const ro of ['single', 'confidence', 'puzzleMode', 'cellMode'] as const) {
      for (const k of ks) {
        const v = perSeed(rand, ro, k, sN);
        const c = seedBand(v);
        bk.push({ panel: `solved (%), s = ${sN}`, series: ro, x: k, y: 100 * c.estimate, lo: 100 * c.lo, hi: 100 * c.hi });
        // The gain over the single read-out of the same models on the same puzzles: paired, so its band is the
        // spread of the per-seed gains, not of the seeds' accuracies (which the left panel shows).
        if (ro !== 'single' && rand.length >= 2) {
          const g = safe(() => pairedDiff(single, v));
          if (g) bk.push({ panel: `gain over single (pts), paired, s = ${sN}`, series: ro, x: k, y: 100 * g.estimate, lo: 100 * g.lo, hi: 100 * g.hi });
        }
      }
    }
    files['exp-a-best-of-k.svg'] = await bandPlotSvg(bk, { title: `Exp A: best-of-k per read-out, random init (mean over seeds, 95% t band)`, xTitle: 'k (runs)', yTitle: 'solved (%) / gain (pts)', independentY: true });
    md.push('![best-of-k per read-out](exp-a-best-of-k.svg)', '');
  }

  // Paired read-out comparisons: McNemar per model, paired differences across seeds.
  const comparisons: [ReadoutName, ReadoutName][] = [['single', 'confidence'], ['single', 'puzzleMode'], ['single', 'cellMode'], ['puzzleMode', 'cellMode']];
  const paired: { a: ReadoutName; b: ReadoutName; s: number; diff: ReturnType<typeof pairedDiff> | null }[] = [];
  if (rand.length > 0) {
    md.push(`### Paired read-out comparisons (random init, k = ${kMax}; same models, same puzzles)`, '');
    md.push(
      'Per model: exact McNemar test on the puzzles one read-out solves and the other does not, with the CI of the difference (b − a). Across seeds: the mean of the per-seed differences with its Student-t CI and paired t-test p (these carry the findings below), and the exact sign-flip permutation p as a distribution-free check; with n seeds the sign-flip p cannot go below 2/2^n (0.0625 at 5 seeds), so at this many seeds only the t-test can reach p < 0.05, and it assumes roughly normal per-seed differences.',
      '',
    );
    const prow: (string | number)[][] = [];
    for (const [a, b] of comparisons) {
      for (const s of [...new Set([1, sN, sMax])].filter((x) => steps.includes(x))) {
        const { diff, perModel } = pairedArms(rand, { ro: a, k: a === 'single' ? 1 : kMax, s }, { ro: b, k: b === 'single' ? 1 : kMax, s });
        paired.push({ a, b, s, diff });
        prow.push([`${b} − ${a}`, s, perModel, diff ? `${ptsI(diff)}, ${pairedPs(diff)}` : '–']);
      }
    }
    md.push(markdownTable(['comparison', 's', 'per model (McNemar)', `across ${rand.length} seeds (paired)`], prow));
  }

  // Breadth vs depth (Exp A's question): solved against the forward passes per puzzle (k runs × s supervision
  // steps), and paired tests of more depth and of breadth at no more forward passes than the deepest single run.
  const depthBreadth: { label: string; diff: ReturnType<typeof pairedDiff> | null }[] = [];
  if (rand.length > 0) {
    const ks = rand[0]!.perPuzzle.ks;
    const cp: BandPoint[] = [];
    const add = (series: string, rs: typeof runs, ro: ReadoutName, k: number) => {
      for (const s of steps) {
        const c = seedBand(perSeed(rs, ro, k, s));
        cp.push({ panel: 'whole test set', series, x: k * s, y: 100 * c.estimate, lo: 100 * c.lo, hi: 100 * c.hi });
      }
    };
    if (stat.length > 0) add('static single (depth only)', stat, 'single', 1);
    add('random single (depth only)', rand, 'single', 1);
    for (const k of ks.filter((x) => x > 1)) add(`random confidence k=${k}`, rand, 'confidence', k);
    files['exp-a-breadth-depth.svg'] = await bandPlotSvg(cp, { title: 'Exp A: solved vs forward passes per puzzle (k runs × s steps; mean over seeds, 95% t band)', xTitle: 'forward passes per puzzle (k × s)', yTitle: 'solved (%)', logX: true, width: 460, xTicks: powersOfTwo(cp.map((q) => q.x)) });
    // The breadth point: the most forward passes k·s (k > 1) not above the deepest single run's s_max; ties → larger k.
    let breadth: { k: number; s: number } | null = null;
    for (const k of ks.filter((x) => x > 1)) {
      for (const s of steps) {
        if (k * s > sMax) continue;
        if (!breadth || k * s > breadth.k * breadth.s || (k * s === breadth.k * breadth.s && k > breadth.k)) breadth = { k, s };
      }
    }
    const name = (x: Arm) => `${x.ro}${x.k > 1 ? ` k=${x.k}` : ''} @${x.s}`;
    const pairs: { label: string; group: string; rs: typeof runs; a: Arm; b: Arm }[] = [];
    if (sMax > sN) {
      pairs.push({ label: 'depth', group: 'random', rs: rand, a: { ro: 'single', k: 1, s: sN }, b: { ro: 'single', k: 1, s: sMax } });
      if (stat.length > 0) pairs.push({ label: 'depth', group: 'static', rs: stat, a: { ro: 'single', k: 1, s: sN }, b: { ro: 'single', k: 1, s: sMax } });
    }
    if (breadth) pairs.push({ label: 'breadth vs depth', group: 'random', rs: rand, a: { ro: 'single', k: 1, s: sMax }, b: { ro: 'confidence', k: breadth.k, s: breadth.s } });
    md.push('### Breadth vs depth (same models, same puzzles)', '');
    md.push(
      `A test of a random-init model runs k independent test-time inits for s supervision steps each, i.e. k × s forward passes of the recursion per puzzle (no early halting at test). The plot puts every read-out on that axis. Paired tests: **depth** — the single read-out at the deepest tested s (${sMax}) against training's N_sup (${sN}); **breadth vs depth** — the confidence read-out at the (k, s) with the most forward passes not above ${sMax} (k > 1; ties to the larger k)${breadth ? `, here k = ${breadth.k} at s = ${breadth.s} (${breadth.k * breadth.s} passes)` : ' (none in this grid)'}, against the single read-out at s = ${sMax} (${sMax} passes). Per model McNemar; across seeds the paired t CI and p, with the sign-flip p. This section was added after the 6×6 interim results (7 of 10 models) had been seen (2026-12-06): its pairs are fixed by the rule above, not picked by their results, but its tests were not planned before the data, so read their p-values as exploratory; they are three tests, not corrected for multiplicity.`,
      '',
      `![solved vs forward passes](exp-a-breadth-depth.svg)`,
      '',
    );
    const brow: (string | number)[][] = [];
    for (const q of pairs) {
      const { diff, perModel } = pairedArms(q.rs, q.a, q.b);
      const label = `${q.label} (${q.group} init): ${name(q.b)} − ${name(q.a)}`;
      depthBreadth.push({ label, diff });
      brow.push([label, `${q.b.k * q.b.s} vs ${q.a.k * q.a.s}`, perModel, diff ? `${ptsI(diff)}, ${pairedPs(diff)}` : q.rs.length < 2 ? '– (1 seed)' : '– (no variation)']);
    }
    md.push(markdownTable(['comparison', 'forward passes', 'per model (McNemar)', 'across seeds (paired)'], brow));
  }

  // Test-time-init spread: the R runs of a random-init model are R independent test-time inits.
  if (rand.length > 0 && rand[0]!.perPuzzle.runs > 1) {
    const si = rand[0]!.perPuzzle.steps.indexOf(sN);
    md.push(`### Test-time-init spread (random init, s = ${sN})`, '');
    md.push(`Each random-init model is run from ${rand[0]!.perPuzzle.runs} independent test-time latent inits (the k runs); the single read-out of each run alone is one draw of the test-time init. Same model, same puzzles: only the init differs.`, '');
    const srows = rand.map((r) => {
      const acc = r.perPuzzle.runCorrect.map((runs) => fractionOf(runs[si]!));
      const c = meanCI(acc);
      return [r.seed, acc.map((a) => (100 * a).toFixed(1)).join(', '), `${(100 * Math.min(...acc)).toFixed(1)}–${(100 * Math.max(...acc)).toFixed(1)}`, (100 * (Math.max(...acc) - Math.min(...acc))).toFixed(1), (100 * c.sd).toFixed(2)];
    });
    md.push(markdownTable(['seed', 'solved % per test-time init', 'range %', 'max − min (pts)', 'sd (pts)'], srows));
  }

  // Diversity of the k predictions.
  if (rand.length > 0 && rand[0]!.perPuzzle.diversity) {
    md.push(`### Diversity of the ${rand[0]!.perPuzzle.runs} runs' answers (random init)`, '');
    md.push('distinct = mean over puzzles of (distinct answer grids / runs); disagreement = mean pairwise fraction of cells on which two runs differ (`predictionDiversity`). Mean over seeds with 95% t CI.', '');
    const dsteps = rand[0]!.perPuzzle.diversity!.map((d) => d.step);
    const drow = dsteps.map((s, i) => {
      const d = rand.map((r) => r.perPuzzle.diversity![i]!.distinctFraction);
      const w = rand.map((r) => r.perPuzzle.diversity![i]!.pairwiseDisagreement);
      const f = (v: number[]) => (v.length >= 2 ? numI(clip01(meanCI(v))) : v[0]!.toFixed(3));
      return [s, f(d), f(w)];
    });
    md.push(markdownTable(['s', 'distinct answers / runs', 'pairwise cell disagreement'], drow));
    const dv: BandPoint[] = [];
    dsteps.forEach((s, i) => {
      for (const [panel, key] of [['distinct answers / runs', 'distinctFraction'], ['pairwise cell disagreement', 'pairwiseDisagreement']] as const) {
        const v = rand.map((r) => r.perPuzzle.diversity![i]![key]);
        const c = clip01(seedBand(v));
        dv.push({ panel, series: 'random init', x: s, y: c.estimate, lo: c.lo, hi: c.hi });
      }
    });
    files['exp-a-diversity.svg'] = await bandPlotSvg(dv, { title: 'Exp A: diversity of the k runs (mean over seeds, 95% t band)', xTitle: 'N_sup at test', yTitle: 'diversity', logX: true });
    md.push('![diversity of the k predictions](exp-a-diversity.svg)', '');
  }

  // The blog's claims, each with what the numbers show.
  md.push('### What this does and does not show (next to each of the blog\'s claims)', '');
  md.push('A finding is stated only when its 95% interval excludes "no effect"; otherwise the numbers are given as "not resolved at this power".', '');
  const find = (a: ReadoutName, b: ReadoutName, s: number) => paired.find((x) => x.a === a && x.b === b && x.s === s)?.diff ?? null;
  const n = `${rand.length} seeds, paired`;
  const c1 = find('single', 'confidence', sN);
  md.push(`- *Blog: the confidence read-out beats single, most visibly around or slightly below the training budget (s ≈ N_sup = ${trainN}).* ` + (c1 ? verdict(c1, c1.tP, `${n} t-test; ${signFlip(c1)}`, `confidence beats single at s = ${sN}`, `single beats confidence at s = ${sN}`) : 'Not measured (fewer than 2 random-init seeds).'));
  const c2 = find('single', 'confidence', sMax);
  md.push(`- *Blog: all read-outs converge at large s.* At s = ${sMax}, confidence − single: ` + (c2 ? verdict(c2, c2.tP, `${n} t-test; ${signFlip(c2)}`, `confidence still beats single at s = ${sMax} (no convergence by then)`, `single beats confidence at s = ${sMax}`) + (c2.lo > 0 || c2.hi < 0 ? '' : ' (Consistent with convergence, but a "not resolved" does not show equivalence.)') : 'not measured.'));
  const c3 = find('puzzleMode', 'cellMode', sN);
  md.push(`- *Blog: cell-mode was the wrong choice.* cell-mode − puzzle-mode at s = ${sN}: ` + (c3 ? verdict(c3, c3.tP, `${n} t-test; ${signFlip(c3)}`, 'cell-mode beats puzzle-mode', 'cell-mode is worse than puzzle-mode') : 'not measured.'));
  for (const { label, diff } of depthBreadth) {
    if (!diff) continue;
    md.push(`- *Exp A's question: does breadth help like depth?* (exploratory: added after the interim results, see Breadth vs depth) ${label}: ` + verdict(diff, diff.tP, `${diff.n} seeds, paired t-test; ${signFlip(diff)}`, label.startsWith('depth') ? 'the deeper test scores higher' : 'breadth at no more forward passes scores higher than depth', label.startsWith('depth') ? 'the deeper test scores lower' : 'depth scores higher than breadth at no more forward passes'));
  }
  // The two inits of one seed share initial weights and data order: matched by seed (added after the 6×6 interim
  // results; the verdict above stays the unpaired Mann–Whitney stated before the run).
  const matchedLine = () => {
    const m = matchBySeed(rand, stat);
    if (m.a.length < 2) return '';
    const d = safe(() => pairedDiff(perSeed(m.b, 'single', 1, sN), perSeed(m.a, 'single', 1, sN)));
    return d ? ` Matched by seed (the two inits of a seed share initial weights and data order; this paired view was added after the interim results, so it is exploratory and the verdict stays the Mann–Whitney one): random − static = ${ptsI(d)}, ${pairedPs(d)} (${m.a.length} seeds).` : '';
  };
  if (stat.length >= 2 && rand.length >= 2) {
    const sv = perSeed(stat, 'single', 1, sN);
    const rv = perSeed(rand, 'single', 1, sN);
    const mw = safe(() => mannWhitney(rv, sv)) ?? { u: NaN, p: 1, exact: false };
    md.push(
      `- *Blog: random latent inits lower accuracy.* Single read-out at s = ${sN}: random ${pctI(meanCI(rv))} vs static ${pctI(meanCI(sv))} (means over seeds, t CIs); Mann–Whitney U = ${mw.u}, ${formatP(mw.p)}${mw.exact ? ' (exact)' : ''}, unpaired (different models). ` +
        (mw.p < 0.05 ? `**Shown** at this power: ${mean(rv) < mean(sv) ? 'random init scores lower' : 'random init scores higher'}.` : '**Not resolved at this power.**') +
        matchedLine(),
    );
  }
  md.push('');
  return { markdown: md, files };
}

// ---------------------------------------------------------------------------------------------------------
// Exp B

/** Exp B's statistics section (only for runs with per-puzzle outcomes). */
export async function expBStats(res: ExpBResult): Promise<StatsSection | null> {
  const runs = res.runs.filter((r): r is ExpBRun & { alignment: { perRow: NonNullable<ExpBRun['alignment']['perRow']> } } => r.alignment.perRow !== undefined);
  if (runs.length === 0) return null;
  const p = res.protocol;
  const hard = p.testbed?.hardTest.length ? p.testbed.hardTest : undefined; // an empty hard slice has no accuracy
  const N = p.scale.alignmentSteps;
  const files: Record<string, string> = {};
  const md: string[] = ['## Statistics (issue 14)', '', ...testbedLines(res)];
  md.push(...stoppingLines(runs, p.scale), '');
  md.push(...(await validationPlot('exp-b-validation.svg', 'Exp B: validation solved per seed', runs.map((r) => ({ series: r.variant, seed: r.seed, validation: r.validation })), files)));
  const outcomes = (r: ExpBRun): string | undefined => (r.perPuzzle ? r.perPuzzle.correct.single?.[0]?.[r.perPuzzle.steps.indexOf(N)] : undefined);
  const aaCI = (v: number[]) => bootstrapCI(v, BOOT);
  md.push(`### Per model (solved: Clopper–Pearson 95% CI over the test puzzles; AA: percentile bootstrap 95% CI over the ${runs[0]!.alignment.perRow.aaPred.length} AA puzzles)`, '');
  md.push(
    markdownTable(
      ['variant', 'seed', 'stopped by', 'steps', 'best step', `solved @${N}`, 'hard slice', 'AA_pred', 'AA_z', 'AA_y'],
      runs.map((r) => {
        const o = outcomes(r);
        return [r.variant, r.seed, r.stoppedBy ?? '–', r.steps ?? '–', r.bestStep ?? '–', o ? pctI(solvedCI(o)) : `${(100 * r.solved).toFixed(1)}%`, o && hard ? pctI(solvedCI(slice(o, hard))) : '–', numI(aaCI(r.alignment.perRow.aaPred)), numI(aaCI(r.alignment.perRow.aaZ)), numI(aaCI(r.alignment.perRow.aaY))];
      }),
    ),
  );
  const variants = res.variants.map((v) => v.name).filter((v) => runs.some((r) => r.variant === v));
  const of = (v: string) => runs.filter((r) => r.variant === v);
  const aaPred = (r: ExpBRun) => r.alignment.aaPred ?? NaN;
  md.push('### Per variant, over seeds (mean, 95% Student-t CI; percentile bootstrap CI)', '');
  md.push(SEED_CI_NOTE, '');
  md.push(
    markdownTable(
      ['variant', 'seeds', 'solved', 'solved, hard slice', 'AA_pred', 'AA_z'],
      variants.map((v) => {
        const rs = of(v);
        const hs = hard ? rs.map((r) => outcomes(r)).filter((o): o is string => o !== undefined).map((o) => fractionOf(slice(o, hard))) : [];
        return [v, rs.length, seedText(rs.map((r) => r.solved)), hs.length ? seedText(hs) : '–', seedText(rs.map(aaPred), numI), seedText(rs.map((r) => r.alignment.aaZ ?? NaN), numI)];
      }),
    ),
  );

  // Accuracy vs test-time N_sup per variant.
  const withSweep = runs.filter((r) => r.sweep);
  if (withSweep.length > 0) {
    const band: BandPoint[] = [];
    for (const v of variants) {
      const rs = of(v).filter((r) => r.sweep);
      if (rs.length === 0) continue;
      rs[0]!.sweep!.steps.forEach((s, si) => {
        const vals = rs.map((r) => r.sweep!.curves.single!.solved[0]![si]!);
        const c = seedBand(vals);
        band.push({ panel: 'whole test set', series: v, x: s, y: 100 * c.estimate, lo: 100 * c.lo, hi: 100 * c.hi });
      });
    }
    files['exp-b-nsup-ci.svg'] = await bandPlotSvg(band, { title: 'Exp B: solved vs test-time N_sup per variant (mean over seeds, 95% t band)', xTitle: 'N_sup at test', yTitle: 'solved (%)', logX: true });
    md.push('![solved vs N_sup per variant](exp-b-nsup-ci.svg)', '');
  }

  // Correlation of AA with accuracy over models.
  const solved = runs.map((r) => r.solved);
  md.push(`### AA vs accuracy over the ${runs.length} models (one point per model)`, '');
  const corr: Record<string, ReturnType<typeof pearson> | null> = {};
  const clusterCorr: Record<string, ReturnType<typeof clusterBootstrapCI> | null> = {};
  const crow: (string | number)[][] = [];
  // The models of one seed share initial weights and data order, so they are not independent points: beside the
  // Fisher z interval (which treats the models as independent) a bootstrap over seeds resamples whole seeds (all
  // their models) — decided 2026-12-06 19:55 UTC, with 3 of Exp B's 25 models finished. A correlation is a finding
  // only when both intervals exclude 0.
  const seedIds = [...new Set(runs.map((r) => r.seed))];
  const clusters = seedIds.map((s) => runs.filter((r) => r.seed === s));
  for (const [name, f] of [['AA_pred', aaPred], ['AA_z', (r: ExpBRun) => r.alignment.aaZ ?? NaN], ['AA_y', (r: ExpBRun) => r.alignment.aaY ?? NaN]] as const) {
    const x = runs.map(f);
    if (runs.length < 4) {
      corr[name] = null;
      continue;
    }
    const pr = safe(() => pearson(x, solved));
    const sr = safe(() => spearman(x, solved));
    if (!pr || !sr) {
      corr[name] = null;
      crow.push([name, 'not computable (no variation)', '–', '–']);
      continue;
    }
    corr[name] = pr;
    const cb = seedIds.length >= MIN_CLUSTER_SEEDS ? safe(() => clusterBootstrapCI(clusters, (ms) => safe(() => pearson(ms.map(f), ms.map((r) => r.solved)).estimate) ?? NaN, BOOT)) : null;
    clusterCorr[name] = cb;
    crow.push([name, `${numI(pr)} (Fisher z), ${formatP(pr.p)}`, cb ? `[${cb.lo.toFixed(3)}, ${cb.hi.toFixed(3)}] (${cb.clusters} seeds${cb.skipped ? `; ${cb.skipped} of ${BOOT.resamples} resamples without variation left out` : ''})` : `fewer than ${MIN_CLUSTER_SEEDS} seeds: –`, `ρ = ${sr.rho.toFixed(3)}, ${formatP(sr.p)}`]);
  }
  if (crow.length) {
    md.push(markdownTable(['AA', 'Pearson r [95% CI], p', 'r: bootstrap over seeds, 95% CI', 'Spearman'], crow));
    md.push(`Models of one seed share initial weights and data order, so the ${runs.length} points are not independent: the Fisher z interval and p treat them as if they were; the bootstrap over seeds resamples whole seeds (${BOOT.resamples} resamples, percentile interval; with ${seedIds.length} seeds it is coarse and likely too narrow). A correlation is stated as a finding only when both intervals exclude 0.`, '');
  }

  // Variant vs variant. Models of one seed share their initial weights and data order across variants (the seed
  // drives both; only the variant's init and draws differ), so the design is matched by seed: the paired difference
  // over the seeds both variants have (t CI, paired t p, sign-flip p) carries the verdicts; Mann–Whitney (unpaired)
  // is given beside it as a distribution-free check that ignores the matching.
  const ref = variants.includes('random init') ? 'random init' : null;
  const mrow: (string | number)[][] = [];
  type VsResult = { base: string; seeds: number; solved: ReturnType<typeof pairedDiff> | null; aa: ReturnType<typeof pairedDiff> | null; mwSolved: ReturnType<typeof mannWhitney> | null; mwAA: ReturnType<typeof mannWhitney> | null };
  const vs: Record<string, VsResult> = {};
  const signed = (x: number, f: (v: number) => string) => `${x >= 0 ? '+' : '−'}${f(Math.abs(x))}`;
  const aaFmt = (i: Interval) => `${signed(i.estimate, (x) => x.toFixed(3))} [${i.lo.toFixed(3)}, ${i.hi.toFixed(3)}]`;
  const compare = (v: string, base: string): VsResult | null => {
    const a = of(v);
    const b = of(base);
    const { a: pa, b: pb } = matchBySeed(a, b);
    const solvedD = pa.length >= 2 ? safe(() => pairedDiff(pb.map((r) => r.solved), pa.map((r) => r.solved))) : null;
    const aaD = pa.length >= 2 ? safe(() => pairedDiff(pb.map(aaPred), pa.map(aaPred))) : null;
    const mwSolved = a.length >= 2 && b.length >= 2 ? safe(() => mannWhitney(a.map((r) => r.solved), b.map((r) => r.solved))) : null;
    const mwAA = a.length >= 2 && b.length >= 2 ? safe(() => mannWhitney(a.map(aaPred), b.map(aaPred))) : null;
    if (!solvedD && !aaD && !mwSolved && !mwAA) return null;
    const mwText = (m: ReturnType<typeof mannWhitney> | null, d: number, f: (v: number) => string) => (m ? `difference of means ${signed(d, f)}; U = ${m.u}, ${formatP(m.p)}` : '–');
    mrow.push([
      `${v} − ${base}`,
      pa.length,
      solvedD ? `${ptsI(solvedD)}, ${pairedPs(solvedD)}` : '–',
      aaD ? `${aaFmt(aaD)}, ${pairedPs(aaD)}` : '–',
      mwText(mwSolved, mean(a.map((r) => r.solved)) - mean(b.map((r) => r.solved)), (x) => `${(100 * x).toFixed(1)} pts`),
      mwText(mwAA, mean(a.map(aaPred)) - mean(b.map(aaPred)), (x) => x.toFixed(3)),
    ]);
    return { base, seeds: pa.length, solved: solvedD, aa: aaD, mwSolved, mwAA };
  };
  for (const v of variants) {
    const base = v === 'random init' ? 'baseline' : ref;
    if (!base || v === base || !variants.includes(base) || v === 'baseline') continue;
    const c = compare(v, base);
    if (c) vs[v] = c;
  }
  // The blog's "randomising T gives the *largest* gains" (decided 2026-12-06 19:50 UTC, before any model of the
  // other randomised variants of the 6×6 run had finished): each rand T variant against every other randomised
  // variant, matched by seed. "Largest" is shown only when every one of those intervals lies above 0 (an
  // intersection–union test: each comparison at the 5% level, no multiplicity correction needed for the "all").
  const isRandT = (v: string) => v.startsWith('rand T');
  const otherRandomised = variants.filter((v) => v !== 'baseline' && v !== 'random init' && !isRandT(v));
  const largest: Record<string, { other: string; m: VsResult | null }[]> = {};
  for (const t of variants.filter(isRandT)) largest[t] = otherRandomised.map((o) => ({ other: o, m: compare(t, o) }));
  if (mrow.length) {
    md.push('### Variant vs variant (matched by seed: paired difference over seeds; Mann–Whitney beside it)', '');
    md.push(
      'Models of one seed start from the same initial weights and see the same data order in every variant (the seed drives both; only the variant\'s latent init and randomised draws differ), so the design is matched by seed: the paired difference over the seeds both variants have — mean, 95% Student-t CI, paired t-test p and the exact sign-flip p — carries the verdicts below (decided 2026-12-06, before any Exp B model of the 6×6 run had trained; the rows of a rand T variant against the other randomised variants, which test the blog\'s "largest", were added 2026-12-06 19:50 UTC, before any model of those other variants had finished). Mann–Whitney U (unpaired, two-sided, difference of the means) is given beside it as a distribution-free check that ignores the matching.',
      '',
    );
    md.push(markdownTable(['comparison', 'seeds paired', 'solved, paired', 'AA_pred, paired', 'solved, Mann–Whitney', 'AA_pred, Mann–Whitney'], mrow));
  }

  // z vs y, paired over models.
  const zy = runs.length >= 2 ? safe(() => pairedDiff(runs.map((r) => r.alignment.aaY ?? NaN), runs.map((r) => r.alignment.aaZ ?? NaN))) : null;

  md.push('### What this does and does not show (next to each of the blog\'s claims)', '');
  md.push('A finding is stated only when its 95% interval excludes "no effect"; otherwise the numbers are given as "not resolved at this power".', '');
  const r = corr.AA_pred;
  const rc = clusterCorr.AA_pred;
  const rText = (() => {
    if (!r) return 'Fewer than 4 models: not measured.';
    const v = verdictClause(r, r.p, `${runs.length} models, Pearson r of AA_pred with solved, Fisher z`, ...againstBlog('AA_pred correlates positively with solved', 'AA_pred correlates negatively with solved', 1), numI);
    const fisherShown = r.lo > 0 || r.hi < 0;
    if (!fisherShown) return `${v}.`;
    if (!rc) return `**Not resolved**: the Fisher z interval excludes 0 (${numI(r)}, ${formatP(r.p)}, ${runs.length} models) but it counts the models of one seed as independent, and fewer than ${MIN_CLUSTER_SEEDS} seeds allow no bootstrap over seeds.`;
    if ((r.lo > 0 && rc.lo > 0) || (r.hi < 0 && rc.hi < 0)) return `${v}; bootstrap over ${rc.clusters} seeds [${rc.lo.toFixed(3)}, ${rc.hi.toFixed(3)}] also excludes 0.`;
    return `**Not resolved at this power**: the Fisher z interval excludes 0 (${numI(r)}, ${formatP(r.p)}, ${runs.length} models, counted as independent), but the bootstrap over ${rc.clusters} seeds does not ([${rc.lo.toFixed(3)}, ${rc.hi.toFixed(3)}]).`;
  })();
  md.push(`- *Blog: AA correlates with accuracy.* ` + rText);
  // The models of one seed are not independent (shared initial weights and data order): the verdict is taken over the
  // seeds, each seed's AA_z − AA_y averaged over its models (decided 2026-12-06 19:58 UTC, 3 models finished); the
  // test over the models, counted as independent, is printed beside it.
  const seedMean = (f: (r: ExpBRun) => number) => clusters.map((c) => mean(c.map(f)));
  const zySeeds = seedIds.length >= 2 && seedIds.length < runs.length ? safe(() => pairedDiff(seedMean((r) => r.alignment.aaY ?? NaN), seedMean((r) => r.alignment.aaZ ?? NaN))) : null;
  const zyDirections = againstBlog('AA_z > AA_y', 'AA_z < AA_y', 1);
  const zyModels = zy ? `over the ${runs.length} models counted as independent: ${numI(zy)}, paired t ${formatP(zy.tP)}` : '';
  md.push(
    `- *Blog: z-AA saturates near 1 more than y-AA.* AA_z − AA_y: ` +
      (zySeeds
        ? `${verdictClause(zySeeds, zySeeds.tP, `${seedIds.length} seeds, each seed's difference averaged over its models, t-test; ${signFlip(zySeeds)}`, ...zyDirections, numI)}; ${zyModels}.`
        : zy && seedIds.length === runs.length
          ? `${verdict(zy, zy.tP, `${runs.length} models, one per seed, paired t-test; ${signFlip(zy)}`, ...zyDirections, numI)}`
          : zy
            ? `not measured over seeds (1 seed); ${zyModels} (models of one seed, not independent: no verdict).`
            : 'not measured.'),
  );
  // blog: the sign of the difference the blog claims (+1: v above m.base, −1: below), 0 where it claims none.
  const vsVerdict = (v: string, m: VsResult, what: 'accuracy' | 'AA', blog: 1 | -1 | 0 = 0) => {
    const [d, label, more, less, format] = what === 'accuracy' ? [m.solved, 'solved', 'solves more', 'solves less', ptsI] : [m.aa, 'AA_pred', 'has higher AA', 'has lower AA', aaFmt];
    if (!d) return m.seeds < 2 ? `${label}: fewer than 2 seeds in both: not measured` : `${label}: **not computable** (no variation in the per-seed differences)`;
    const directions = againstBlog(`${v} ${more} than ${m.base}`, `${v} ${less} than ${m.base}`, blog);
    return `${label} ` + verdictClause(d, d.tP, `${m.seeds} seeds, paired by seed, t-test; ${signFlip(d)}`, ...directions, format);
  };
  const ri = vs['random init'];
  md.push(`- *Blog: random latent inits decrease AA and accuracy.* ` + (ri ? `Random init − baseline: ${vsVerdict('random init', ri, 'accuracy', -1)}; ${vsVerdict('random init', ri, 'AA', -1)}.` : 'not measured.'));
  const tNames = variants.filter(isRandT);
  const notMeasured = (what: string) => `${what}: fewer than 2 seeds finished in both: not measured`;
  const largestText = (t: string) => {
    const rows = largest[t] ?? [];
    if (!rows.length) return '';
    const parts = rows.map(({ other, m }) => (m ? `${t} − ${other}: ${vsVerdict(t, m, 'accuracy', 1)}; ${vsVerdict(t, m, 'AA', 1)}.` : `${notMeasured(`${t} − ${other}`)}.`));
    const all = (what: 'solved' | 'aa') => rows.every(({ m }) => m?.[what] && m[what]!.lo > 0);
    const gains = [all('solved') ? 'accuracy' : '', all('aa') ? 'AA' : ''].filter(Boolean);
    return (
      ` Largest, against the other randomised variants (matched by seed): ${parts.join(' ')} ` +
      (gains.length ? `**Largest ${gains.join(' and ')} gain shown** at this power (every interval above 0).` : '"Largest" is **not shown** at this power: it needs every interval above 0.')
    );
  };
  md.push(
    `- *Blog: randomising T gives the largest accuracy and AA gains.* ` +
      (tNames.length
        ? tNames.map((v) => (vs[v] ? `${v} − ${vs[v]!.base}: ${vsVerdict(v, vs[v]!, 'accuracy', 1)}; ${vsVerdict(v, vs[v]!, 'AA', 1)}.` : `${notMeasured(`${v} − ${ref ?? 'random init'}`)}.`) + largestText(v)).join(' ')
        : 'no rand T variant in this run.'),
  );
  const others = Object.entries(vs).filter(([v]) => v !== 'random init' && !v.startsWith('rand T'));
  if (others.length) md.push(`- *The other randomised variants against random init (no claim of the blog's to test; reported for completeness).* ` + others.map(([v, m]) => `${v} − ${m.base}: ${vsVerdict(v, m, 'accuracy')}; ${vsVerdict(v, m, 'AA')}.`).join(' '));
  // §9.3's "wider uniforms generally help": a trend over the widths of one randomised setting.
  const widths = new Map<string, Set<number>>();
  for (const v of res.variants) for (const [k, w] of Object.entries(v.randomize ?? {})) if (w) widths.set(k, (widths.get(k) ?? new Set()).add(w));
  md.push(
    `- *Blog: wider uniforms generally help (with a "blip" at N_sup w = 4).* ` +
      ([...widths.values()].some((w) => w.size >= 2)
        ? 'Variants of one setting at several widths are compared above, each against random init; no test of a trend over widths is made.'
        : 'Not testable in this run: it has one width per randomised setting.'),
  );
  md.push('');
  return { markdown: md, files };
}
