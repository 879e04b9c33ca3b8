/**
 * Markdown + SVG reports of Exp A and Exp B (ALGORITHM.md §11; issue 5 items 5–6): the protocol, the
 * tables, the plots, the measured read-out cost, findings computed from the numbers, and the blog's findings
 * for comparison. Built from the plain results, so a report can be rebuilt from saved JSON.
 */
import { markdownTable, sweepTable } from '../report/markdown.js';
import { accuracyPlotSvg, alignmentScatterSvg } from '../report/plots.js';
import type { SweepResult } from '../sweep.js';
import { expAStats, expBStats } from './experiment-stats.js';
import type { ExpAResult, ExpBResult, ExperimentProtocol, InterimInfo } from './experiments.js';

export interface ExperimentReport {
  /** report.md */
  markdown: string;
  /** Other files by name (SVG plots), referenced from the Markdown. */
  files: Record<string, string>;
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const pts = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(100 * v).toFixed(1)} pts`;
const signed = (v: number, digits = 3) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const sd = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

/** The CPU-seconds column of the per-run tables, only when some run measured it (trained to plateau, in Node). */
const cpuHeader = (runs: readonly { cpuSeconds?: number }[]) => (runs.some((r) => r.cpuSeconds !== undefined) ? ['CPU s (train + val)'] : []);
const cpuNote = (runs: readonly { cpuSeconds?: number }[]) =>
  runs.some((r) => r.cpuSeconds !== undefined)
    ? ['train s: wall seconds of the training steps (they include any time the run was paused or waited for a core); CPU s: CPU seconds the worker process spent on the model\'s training and validation, which exclude both (– where not recorded: jobs saved before it was recorded).', '']
    : [];
const cpuCell = (runs: readonly { cpuSeconds?: number }[], r: { cpuSeconds?: number }) => (runs.some((x) => x.cpuSeconds !== undefined) ? [r.cpuSeconds === undefined ? '–' : r.cpuSeconds.toFixed(0)] : []);

/** 4×4 runs of the fixed-step protocol are a smoke test (issue 14): said at the top of their reports. */
function smokeBanner(p: ExperimentProtocol): string[] {
  if (p.scale.stopping || p.model.seqLen !== 16) return [];
  return [
    '> **Smoke test, not a testbed** (issue 14): 4×4 sudoku has too few symmetry classes (the test split holds variants of a handful of classes) and every puzzle falls to constraint propagation in a few rounds; the models were stopped at a fixed step count, before their plateau; no confidence intervals. These runs check the pipeline end to end; the 6×6 runs (`--scale cpu6`, docs/experiments/README.md) are the ones meant to answer the blog\'s questions.',
    '',
  ];
}

/** An interim report (`trm experiment --interim`) says so first: which models it has, which it lacks. */
function interimBanner(interim: InterimInfo | undefined): string[] {
  if (!interim) return [];
  return [
    `> **Interim report, not the experiment's result**: assembled at ${interim.at} from the ${interim.done} of ${interim.total} models finished so far; not finished: ${interim.pending.length ? interim.pending.join(', ') : 'none'}. ` +
      'Every mean, interval and test below is over the finished models only; comparisons that need a group with no finished model are left out. The final report is written when the last model finishes.',
    '',
  ];
}

/** Whether this report's models are independent of the other experiment's (issue 14: say so either way). */
function independenceLine(p: ExperimentProtocol, which: 'A' | 'B', shared?: readonly { job: string; from: string }[]): string[] {
  if (shared?.length) {
    return [`- **Shared with Exp A**: ${shared.map((m) => `${m.job} is the model of ${m.from}`).join('; ')} (the same settings and seed, so the same training; taken from Exp A's run, not trained again). Those variants are **not independent evidence** of Exp A's; the other models were trained here.`];
  }
  const a = which === 'A' ? p.seeds : (p.scale.seedsA ?? p.scale.seeds);
  const b = which === 'B' ? p.seeds : p.scale.seeds;
  const overlap = b.filter((s) => a.includes(s));
  if (overlap.length) return [`- **Not independent of Exp ${which === 'A' ? 'B' : 'A'}**: seeds ${overlap.join(', ')} are used by both experiments, and Exp B's baseline and random-init models of a seed are the same trainings as Exp A's static- and random-init models of that seed.`];
  return [`- **Independence**: Exp A's seeds (${a.join(', ')}) and Exp B's (${b.join(', ')}) differ${which === 'A' ? " (Exp B's as the scale sets them)" : ''}, so the two experiments use different trained models and are independent evidence${which === 'A' ? ". An Exp B run with this run's seeds (`--seeds " + a.join(',') + " --reuse-models <this folder>`) shares its baseline and random-init models with this run and is then not independent evidence of it; its report lists the shared models" : ''}.`];
}

function protocolSection(p: ExperimentProtocol, command: string, which: 'A' | 'B' = 'A', shared?: readonly { job: string; from: string }[]): string {
  const m = p.model;
  const t = p.train as Record<string, unknown>;
  return [
    ...smokeBanner(p),
    `Command: \`${command}\``,
    '',
    '## Protocol',
    '',
    `- **Scale**: '${p.scale.name}'${p.scale.reduced ? (p.scale.notes ? ' — differs from the CPU-scale protocol of the blog experiments (§11.4) as the scale choices below say' : ' — smaller than the CPU-scale protocol of the blog experiments (model width, optimizer steps, split sizes, N_test) so that each experiment fits in 30 minutes on a 2-core machine; `CPU_SCALE` (`--scale cpu`) is that protocol') : ''}.`,
    `- **Data**: ${p.data}. Examples: train ${p.splits.train}, validation ${p.splits.val}, test ${p.splits.test}; the three splits share no puzzle up to sudoku symmetry.`,
    `- **Model**: TRM-${m.mixer === 'mlp' ? 'MLP' : 'Att'}, D ${m.hiddenSize}, ${m.numLayers} layer${m.numLayers === 1 ? '' : 's'}, n ${m.latentSteps}, T ${m.recursions}, N_sup ${m.supervisionSteps}, puzzleEmbLen ${m.puzzleEmbLen}, ${m.lossType} CE, seqLen ${m.seqLen}, vocab ${m.vocabSize}.`,
    `- **Training**: ${t.loop === 'batch' ? 'classic per-batch loop (§4.3)' : 'streaming loop (§4.2)'}, batch ${t.globalBatchSize}, ${p.scale.stopping ? `at most ${t.totalSteps} optimizer steps (the stopping rule below can end training earlier)` : `${t.totalSteps} optimizer steps`}, ${t.optimizer}, lr ${t.lr} (warm-up ${t.lrWarmupSteps}), weight decay ${t.weightDecay}, clip ${t.gradClipNorm}, EMA ${t.ema ? t.emaRate : 'off'}, loss norm '${t.lossNorm}', exploration ${t.explorationDraw} p ${m.haltExplorationProb}; random inits with std sqrt(1/D) (§8.3).`,
    `- **Seeds**: ${p.seeds.join(', ')} (the seed drives init, data order and all draws; evaluation draws use fixed offsets of it).`,
    ...(p.scale.notes ? [`- **Scale choices**: ${p.scale.notes}`] : []),
    ...independenceLine(p, which, shared),
  ].join('\n');
}

function wallTimeLine(res: { seconds: number; workers?: number; interim?: InterimInfo; resumed?: { jobs: number; total: number } }): string {
  if (res.interim) return '- **Total wall time**: not known until the last model finishes (interim report); each model\'s training seconds are in the per-run table.';
  const w = res.workers ? ` with ${res.workers} worker process${res.workers === 1 ? '' : 'es'}` : '';
  if (res.resumed) return `- **Total wall time**: ${(res.seconds / 60).toFixed(1)} min${w} — **of the last invocation only**: ${res.resumed.jobs} of ${res.resumed.total} models had finished or started in earlier invocations of the same command (the run was resumed), so the experiment took longer in all; each model's training seconds, summed over invocations, are in the per-run table.`;
  return `- **Total wall time**: ${(res.seconds / 60).toFixed(1)} min${w}.`;
}

const BLOG_A =
  "The blog (experiment A, Sudoku-Extreme, 5 seeds): the confidence read-out beats single most visibly around or slightly below the training budget (s ≈ N_sup of training); the gains are small; all read-outs converge at large s; cell-mode was the wrong choice (it can assemble a grid no run produced). Third parties report larger gains from breadth only when diversity is injected during the recursion or learned (ALGORITHM.md §8.8).";
const BLOG_B =
  'The blog (§9.3, §10.1, 5 seeds, qualitative): AA correlates with accuracy; z-AA saturates near 1 more than y-AA; random latent inits decrease AA and accuracy; randomising T gives the largest accuracy and AA gains; prediction agreement was more consistent than the latent cosines.';

function at(sweep: SweepResult | undefined, readout: keyof SweepResult['curves'], k: number, step: number, metric: 'solved' | 'cellAcc' = 'solved'): number | undefined {
  if (!sweep) return undefined;
  const ki = sweep.ks.indexOf(k);
  const si = sweep.steps.indexOf(step);
  if (ki < 0 || si < 0) return undefined;
  return sweep.curves[readout]?.[metric][ki]?.[si];
}

/** The Exp A report: tables and plots of solved / cell accuracy vs N_sup per read-out and k, static as baseline. */
export async function experimentAReport(res: ExpAResult, command: string): Promise<ExperimentReport> {
  const p = res.protocol;
  const trainN = p.model.supervisionSteps;
  const nInit = (init: string) => res.runs.filter((r) => r.init === init).length;
  const seedsOf = (init: string) => (res.interim ? nInit(init) : p.seeds.length);
  const series = res.mean.map((m) => ({ label: `${m.init} init`, result: m.sweep }));
  const meanOf = res.interim ? res.mean.map((m) => `${m.init} ${nInit(m.init)}`).join(', ') + ' finished' : String(p.seeds.length);
  const files: Record<string, string> = {
    'exp-a-solved.svg': await accuracyPlotSvg(series, { metric: 'solved', title: `Exp A: solved vs test-time supervision steps (mean of ${meanOf} seeds)` }),
    'exp-a-cellacc.svg': await accuracyPlotSvg(series, { metric: 'cellAcc', title: `Exp A: cell accuracy vs test-time supervision steps (mean of ${meanOf} seeds)` }),
  };
  // Both inits in a final result; an interim one may lack either (its report leaves out what needs it).
  const stat = res.mean.find((m) => m.init === 'static')?.sweep;
  const rand = res.mean.find((m) => m.init === 'random')?.sweep;
  const any = (rand ?? stat)!;
  const kMax = Math.max(...any.ks);
  const sMax = Math.max(...any.steps);
  // Training's N_sup, or the tested step nearest below it when the sweep does not record it.
  const sT = any.steps.includes(trainN) ? trainN : (any.steps.filter((x) => x <= trainN).at(-1) ?? any.steps[0]!);
  const perSeed = (init: string, f: (s: SweepResult) => number | undefined) => res.runs.filter((r) => r.init === init).map((r) => f(r.test.sweep) ?? NaN);
  const noise = sd(perSeed('random', (s) => at(s, 'single', 1, sT)));
  const findings: string[] = [];
  const line = (what: string, a: number | undefined, b: number | undefined, aName: string, bName: string) => {
    if (a === undefined || b === undefined) return;
    findings.push(`- ${what}: ${aName} ${pct(a)} vs ${bName} ${pct(b)} (${pts(a - b)}).`);
  };
  line(`Random init, s = ${sT}${sT === trainN ? ' (N_sup of training)' : ` (the tested step nearest below training's N_sup ${trainN})`}, k = ${kMax}`, at(rand, 'confidence', kMax, sT), at(rand, 'single', kMax, sT), 'confidence', 'single');
  line(`Random init, s = ${sMax}, k = ${kMax}`, at(rand, 'confidence', kMax, sMax), at(rand, 'single', kMax, sMax), 'confidence', 'single');
  line(`Random init, s = ${sT}, k = ${kMax}`, at(rand, 'puzzleMode', kMax, sT), at(rand, 'cellMode', kMax, sT), 'puzzle-mode', 'cell-mode');
  line(`Single read-out at s = ${sT}`, at(rand, 'single', 1, sT), at(stat, 'single', 1, sT), 'random init', 'static init');
  line(`Depth, static init`, at(stat, 'single', 1, sMax), at(stat, 'single', 1, sT), `s = ${sMax}`, `s = ${sT}`);
  line(`Depth, random init (single)`, at(rand, 'single', 1, sMax), at(rand, 'single', 1, sT), `s = ${sMax}`, `s = ${sT}`);
  if (rand) {
    const perSeedGain = res.runs.filter((r) => r.init === 'random').map((r) => (at(r.test.sweep, 'confidence', kMax, sT) ?? NaN) - (at(r.test.sweep, 'single', kMax, sT) ?? NaN));
    findings.push(`- Per seed, confidence − single at s = ${sT}, k = ${kMax}: ${perSeedGain.map(pts).join(', ')}.`);
    const bestRandom = Math.max(...(['single', 'confidence', 'cellMode', 'puzzleMode'] as const).flatMap((r) => rand.ks.map((k) => at(rand, r, k, sT) ?? -1)));
    line(`Best random-init read-out (any k) at s = ${sT} vs the static model`, bestRandom, at(stat, 'single', 1, sT), 'best of k', 'static single');
    findings.push(
      `- Seed-to-seed standard deviation of the random-init single read-out at s = ${sT}: ${(100 * noise).toFixed(1)} pts over ${seedsOf('random')} seeds — the yardstick for differences between different models (static vs random init); read-outs of the same models are compared paired, against the spread of the per-seed differences (Statistics above).`,
    );
  }

  const runsTable = markdownTable(
    ['init', 'seed', 'best step', 'val solved (best)', `test single @${sT}`, `test single @${sMax}`, 'train s', ...cpuHeader(res.runs)],
    res.runs.map((r) => [r.init, r.seed, r.bestStep, pct(r.bestValSolved), pct(at(r.test.sweep, 'single', 1, sT) ?? NaN), pct(at(r.test.sweep, 'single', 1, sMax) ?? NaN), r.trainSeconds.toFixed(0), ...cpuCell(res.runs, r)]),
  );
  const t = res.timing;
  const stats = await expAStats(res);
  Object.assign(files, stats?.files ?? {});
  const md = [
    `# Exp A — random latent inits and best-of-k read-outs${p.scale.reduced ? ` (${p.scale.name} scale, smaller than the CPU protocol)` : ''}${res.interim ? ' — interim' : ''}`,
    '',
    ...interimBanner(res.interim),
    'Question (blog, experiment A): does breadth — k runs from independent random latent inits, read out by the halting head\'s confidence, per-cell or whole-puzzle majority — help like depth (more supervision steps at test time)?',
    '',
    protocolSection(p, command),
    `- **Selection**: every ${p.scale.evalInterval} optimizer steps (and at the end) the EMA model is scored on the validation split at N_test = ${p.scale.valSteps} with the single read-out (random-init models: one random init per batch); the best checkpoint is kept (k = 1 at validation to save time; the blog validated with k = 3).`,
    `- **Test**: the best checkpoint on the whole test split, N_test up to ${sMax} with steps ${p.scale.testSteps.join(', ')} recorded; random-init models run k = ${any.ks.join(', ')} (k prefixes of ${kMax} lockstep runs, each with its own init), static models k = 1. All read-outs come from the same forward passes.`,
    wallTimeLine(res),
    '',
    '## Results (mean over seeds)',
    '',
    `![solved vs N_sup](exp-a-solved.svg)`,
    '',
    ...(rand ? [`Solved (exact accuracy, %), **random init**, ${rand.rows[0]! / seedsOf('random')} test puzzles per seed:`, '', sweepTable(rand, { metric: 'solved' })] : ['No random-init model has finished yet.', '']),
    ...(stat ? [`Solved (%), **static init** (k = 1; every read-out equals single):`, '', sweepTable(stat, { metric: 'solved' }).split('\n').slice(0, 3).join('\n') + '\n'] : ['No static-init model has finished yet.', '']),
    ...(rand ? [`Cell accuracy (%), random init:`, '', sweepTable(rand, { metric: 'cellAcc' })] : []),
    `![cell accuracy vs N_sup](exp-a-cellacc.svg)`,
    '',
    '## Per run',
    '',
    runsTable,
    ...cpuNote(res.runs),
    '## Read-out cost (issue 5: < 5% of the forward passes)',
    '',
    `Over all test sweeps: forward passes ${(t.forwardMs / 1000).toFixed(1)} s for ${t.rowSteps} row-steps (${(t.forwardMs / t.rowSteps).toFixed(2)} ms per row-step); all read-outs for all k ${(t.readoutMs / 1000).toFixed(2)} s: **${(100 * t.readoutOverhead).toFixed(2)}%** of the forward time.`,
    '',
    ...(stats?.markdown ?? []),
    ...closingSections(findings, BLOG_A),
  ].join('\n');
  return { markdown: md, files };
}

/** The findings computed from the tables, then the blog's own words for comparison. */
function closingSections(findings: string[], blog: string): string[] {
  return ['## Findings (computed from the tables above)', '', ...findings, '', '## The blog, for comparison', '', blog, ''];
}

function pearson(xs: number[], ys: number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i]! - my);
    sxx += (x - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  });
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/** The Exp B report: AA (y, z, predictions) against accuracy per trained model, per-variant means, the scatter. */
export async function experimentBReport(res: ExpBResult, command: string): Promise<ExperimentReport> {
  const p = res.protocol;
  const files: Record<string, string> = { 'exp-b-aa.svg': await alignmentScatterSvg(res.points, { title: 'Exp B: path independence (AA) vs solved, one point per trained model' }) };
  const f3 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(3));
  const byVariant = res.variants.map((v) => {
    const rs = res.runs.filter((r) => r.variant === v.name);
    const m = (f: (r: (typeof rs)[number]) => number | undefined) => mean(rs.map((r) => f(r) ?? NaN));
    return { v, seeds: rs.length, solved: m((r) => r.solved), solvedSd: sd(rs.map((r) => r.solved)), aaY: m((r) => r.alignment.aaY), aaZ: m((r) => r.alignment.aaZ), aaPred: m((r) => r.alignment.aaPred) };
  });
  const variantTable = markdownTable(
    ['variant', 'randomised (half-widths)', 'solved % (mean ± sd)', 'AA_y', 'AA_z', 'AA_pred'],
    byVariant.map((b) => [
      b.v.name,
      `init ${b.v.latentInit}${Object.entries(b.v.randomize ?? {}).filter(([, w]) => w).map(([k, w]) => `, ${k} ±${w}`).join('')}`,
      `${(100 * b.solved).toFixed(1)} ± ${(100 * b.solvedSd).toFixed(1)}`,
      f3(b.aaY),
      f3(b.aaZ),
      f3(b.aaPred),
    ]),
  );
  const modelTable = markdownTable(
    ['variant', 'seed', 'solved %', 'cell acc %', 'AA_y', 'AA_z', 'AA_pred', 'train s', ...cpuHeader(res.runs)],
    res.runs.map((r) => [r.variant, r.seed, (100 * r.solved).toFixed(1), (100 * r.cellAcc).toFixed(1), f3(r.alignment.aaY), f3(r.alignment.aaZ), f3(r.alignment.aaPred), r.trainSeconds.toFixed(0), ...cpuCell(res.runs, r)]),
  );
  const steps = res.runs[0]?.alignment.agreement.steps ?? [];
  const show = steps.filter((s, i) => i === 0 || i === steps.length - 1 || (s & (s - 1)) === 0);
  const curveTable = markdownTable(
    ['variant', ...show.map((s) => `s=${s}`)],
    res.variants.map((v) => {
      const rs = res.runs.filter((r) => r.variant === v.name);
      return [v.name, ...show.map((s) => f3(mean(rs.map((r) => r.alignment.agreement.values[r.alignment.agreement.steps.indexOf(s)]!))))];
    }),
  );
  const solved = res.runs.map((r) => r.solved);
  const r = (f: (x: (typeof res.runs)[number]) => number | undefined) => {
    const v = pearson(res.runs.map((x) => f(x) ?? NaN), solved);
    return Number.isFinite(v) ? signed(v) : 'not computable (no variation)';
  };
  const findings = [
    res.runs.length >= 3
      ? `- Pearson correlation over the ${res.runs.length} trained models between solved and AA_pred: ${r((x) => x.alignment.aaPred)}; AA_z: ${r((x) => x.alignment.aaZ)}; AA_y: ${r((x) => x.alignment.aaY)}.`
      : `- Correlation of AA with solved: not computed (${res.runs.length} trained model${res.runs.length === 1 ? '' : 's'}; at least 3 needed).`,
    `- Mean AA_z ${f3(mean(res.runs.map((r) => r.alignment.aaZ ?? NaN)))} vs mean AA_y ${f3(mean(res.runs.map((r) => r.alignment.aaY ?? NaN)))}.`,
  ];
  const base = byVariant.find((b) => b.v.name === 'baseline');
  const rnd = byVariant.find((b) => b.v.name === 'random init');
  if (base && rnd) findings.push(`- Random init vs baseline (static): solved ${pts(rnd.solved - base.solved)}, AA_pred ${signed(rnd.aaPred - base.aaPred)}, AA_z ${signed(rnd.aaZ - base.aaZ)}.`);
  if (rnd) {
    for (const b of byVariant.filter((x) => x.v.randomize && Object.values(x.v.randomize).some((w) => w))) {
      findings.push(`- ${b.v.name} vs random init: solved ${pts(b.solved - rnd.solved)}, AA_pred ${signed(b.aaPred - rnd.aaPred)}, AA_z ${signed(b.aaZ - rnd.aaZ)}.`);
    }
  }
  const spread = byVariant.filter((b) => b.seeds >= 2);
  findings.push(
    spread.length
      ? `- Seed-to-seed standard deviation of solved within a variant: up to ${(100 * Math.max(...spread.map((b) => b.solvedSd))).toFixed(1)} pts over ${res.interim ? `the finished seeds (${spread.map((b) => `${b.v.name} ${b.seeds}`).join(', ')}; variants with one finished seed left out)` : `${p.seeds.length} seeds`} — the spread between models of one variant; variant comparisons are matched by seed and judged by the spread of the per-seed differences (Statistics above).`
      : '- Seed-to-seed standard deviation of solved within a variant: not computable (no variant has 2 finished seeds).',
  );
  const N = p.scale.alignmentSteps;
  const stats = await expBStats(res);
  Object.assign(files, stats?.files ?? {});
  const md = [
    `# Exp B — training-time randomisation vs path independence${p.scale.reduced ? ` (${p.scale.name} scale, smaller than the CPU protocol)` : ''}${res.interim ? ' — interim' : ''}`,
    '',
    ...interimBanner(res.interim),
    'Question (blog, experiment B): are networks that are path independent (high Asymptotic Alignment) the ones that solve more, and which training-time randomisation (latent init, n, T, N_sup) raises both?',
    '',
    protocolSection(p, command, 'B', res.sharedModels),
    `- **Variants**: ${res.variants.map((v) => v.name).join('; ')}${res.interim ? ' (in this interim report only the variants with a finished model; the unfinished models are listed at the top)' : ''}. Randomised n, T, N_sup are drawn from U{c − w .. c + w}, compute-matched (§10.1); every non-baseline variant also uses random init.`,
    `- **Test**: ${p.scale.stopping ? `the EMA weights of the best validation (trained to plateau, see Statistics; the blog tested the final model); validation = single read-out at N_test = ${p.scale.valSteps} on the validation split with the variant's init` : 'no checkpoint selection — the final EMA model'}; inference with fixed n, T and the variant's init (random-init models get random inits at test, as in the blog). Solved = single read-out at N_test = ${N} on the whole test split${(res.runs[0]?.alignment.rows ?? 0) >= p.splits.test ? " (AA's run 1 covers the whole test split, so its final-step score is the test score)" : ''}.`,
    `- **AA** (§9.1): derangement (roll by one) on the first ${res.runs[0]?.alignment.rows ?? p.scale.alignmentExamples} test puzzles in one batch; run 1 from the default init for ${N} steps, run 2 from another puzzle's final (y, z) for ${N} steps; AA_y, AA_z = mean cosine of the final latents; AA_pred = cell agreement of the two runs' predictions at s = ${N}.`,
    wallTimeLine(res),
    '',
    '## Results',
    '',
    '![AA vs solved](exp-b-aa.svg)',
    '',
    'Per variant (mean over seeds):',
    '',
    variantTable,
    'Per trained model:',
    '',
    modelTable,
    ...cpuNote(res.runs),
    'Prediction agreement between run 1 and run 2 per step (mean over seeds):',
    '',
    curveTable,
    ...(stats?.markdown ?? []),
    ...closingSections(findings, BLOG_B),
  ].join('\n');
  return { markdown: md, files };
}
