import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { ConfigError, Rng, resolveTrainConfig, type TaskBatch } from '@trm-ts/core';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLeaksEachTest } from '@trm-ts/testing';
import { experimentAReport, experimentBReport } from './experiment-report.js';
import { expAStats, expBStats } from './experiment-stats.js';
import { CPU6_SCALE, EXP_B_GRID, EXP_B_VARIANTS, experimentAJobs, experimentBJobs, experimentProtocol, trainConfig, runExperimentA, runExperimentJobsStacked, runExperimentB, runExperimentJob, type ExpARun, type ExpBRun, type ExperimentData, type ExperimentDataset, type ExperimentJobResult, type ExperimentScale } from './experiments.js';
import { fractionOf } from './puzzle-record.js';

beforeAll(async () => {
  await useWasmBackend();
});
checkLeaksEachTest();

const L = 4;
const V = 5;
/** A toy task (label = (input + 1) mod 4 + 1) with the trm-data batching contract: seeded = endless shuffled stream, else stored order. */
function toyDataset(n: number, seed: number): ExperimentDataset {
  const rng = new Rng(seed);
  const inputs = Int32Array.from({ length: n * L }, () => rng.int(1, 4));
  const labels = inputs.map((x) => (x % 4) + 1);
  return {
    seqLen: L,
    vocabSize: V,
    numPuzzleIdentifiers: 1,
    numExamples: n,
    batches({ batchSize, seed: s }) {
      const r = s === undefined ? null : new Rng(s);
      let pos = 0;
      const it: Iterator<TaskBatch> & Iterable<TaskBatch> = {
        next(): IteratorResult<TaskBatch> {
          if (!r && pos >= n) return { done: true, value: undefined };
          const b: TaskBatch = { batchSize, seqLen: L, inputs: new Int32Array(batchSize * L), labels: new Int32Array(batchSize * L).fill(-100), puzzleIds: new Int32Array(batchSize), valid: new Uint8Array(batchSize) };
          for (let i = 0; i < batchSize; i++) {
            const e = r ? r.int(0, n - 1) : pos++;
            if (e >= n) continue; // padding row
            b.inputs.set(inputs.subarray(e * L, (e + 1) * L), i * L);
            b.labels.set(labels.subarray(e * L, (e + 1) * L), i * L);
            b.valid![i] = 1;
          }
          return { done: false, value: b };
        },
        [Symbol.iterator]() {
          return it;
        },
      };
      return it;
    },
  };
}

const TINY: ExperimentScale = {
  name: 'test',
  reduced: true,
  model: { mixer: 'mlp', numLayers: 1, hiddenSize: 16, latentSteps: 2, recursions: 2, supervisionSteps: 3, puzzleEmbLen: 1, lossType: 'softmax' },
  train: { loop: 'batch', lossNorm: 'alive', explorationDraw: 'perSample', globalBatchSize: 8, totalSteps: 6, lr: 3e-3, lrWarmupSteps: 1, emaRate: 0.5 },
  seeds: [1],
  evalInterval: 2,
  valSteps: 2,
  testSteps: [1, 2, 4],
  ks: [1, 2],
  alignmentSteps: 2,
  alignmentExamples: 5,
  evalBatch: 4,
};

const evalSet = toyDataset(6, 9);
const data: ExperimentData = { train: toyDataset(40, 1), val: evalSet, test: evalSet, description: 'toy' };

describe('runExperimentA', () => {
  it('trains both inits, validates every interval, tests the best checkpoint over the N_sup × k grid, and reports', async () => {
    const res = await runExperimentA(data, { scale: TINY });
    expect(res.runs.map((r) => [r.init, r.seed])).toEqual([['static', 1], ['random', 1]]);
    for (const r of res.runs) {
      expect(r.validation.map((v) => v.step)).toEqual([2, 4, 6]);
      expect(r.bestValSolved).toBe(Math.max(...r.validation.map((v) => v.solved)));
      expect(r.validation.find((v) => v.step === r.bestStep)!.solved).toBe(r.bestValSolved);
      expect(r.test.sweep.steps).toEqual([1, 2, 4]);
      expect(r.test.sweep.rows).toEqual([6, 6, 6]);
    }
    // Val = test and static init: the tested weights are the selected checkpoint iff test solved @valSteps equals the best val score.
    const stat = res.runs[0]!;
    expect(stat.test.sweep.curves.single!.solved[0]![1]).toBe(stat.bestValSolved);
    expect(stat.test.sweep.ks).toEqual([1]);
    expect(res.runs[1]!.test.sweep.ks).toEqual([1, 2]);
    expect(res.mean.map((m) => m.init)).toEqual(['static', 'random']);
    expect(res.timing.forwardSteps).toBe(2 * 2 * 4); // 2 models × 2 test batches × 4 steps
    expect(res.protocol.model.hiddenSize).toBe(16);
    expect(res.protocol.train.totalSteps).toBe(6);
    expect(JSON.parse(JSON.stringify(res))).toEqual(res);

    const report = await experimentAReport(res, 'experiment A --scale test');
    expect(report.markdown).toContain('# Exp A — random latent inits and best-of-k read-outs (test scale, smaller than the CPU protocol)');
    expect(report.markdown).toContain('Command: `experiment A --scale test`');
    expect(report.markdown).toMatch(/\| confidence \| 2 \|/);
    expect(report.markdown).toContain('of the forward time');
    expect(Object.keys(report.files)).toEqual(['exp-a-solved.svg', 'exp-a-cellacc.svg', 'exp-a-validation.svg', 'exp-a-nsup-ci.svg', 'exp-a-best-of-k.svg', 'exp-a-breadth-depth.svg', 'exp-a-diversity.svg']);
    expect(report.markdown).toContain('## Statistics (issue 14)');
    // The per-puzzle outcomes aggregate to the sweep's own curves (every read-out, k and step).
    for (const run of res.runs) {
      const pp = run.perPuzzle!;
      expect(pp.steps).toEqual(run.test.sweep.steps);
      for (const [name, curves] of Object.entries(run.test.sweep.curves)) {
        curves!.solved.forEach((row, ki) => row.forEach((v, si) => expect(fractionOf(pp.correct[name as 'single']![ki]![si]!)).toBeCloseTo(v, 12)));
      }
      expect(fractionOf(pp.runCorrect[0]![0]!)).toBeCloseTo(run.test.sweep.curves.single!.solved[0]![0]!, 12); // run 0 is the single read-out
    }
    for (const svg of Object.values(report.files)) {
      expect(XMLValidator.validate(svg)).toBe(true);
      expect(new XMLParser().parse(svg).svg).toBeDefined();
    }
  });

  it('breadth vs depth: per-model McNemar and paired t over seeds on the pairs fixed by rule (hand-computed values)', async () => {
    const res = await runExperimentA(data, { scale: TINY }); // steps 1, 2, 4; N_sup 3 → s_N 2, s_max 4; k 1, 2
    const [statT, randT] = res.runs as [ExpARun, ExpARun];
    // Outcomes per seed over the 6 puzzles at s = 1, 2, 4; confidence k = 2 at s = 2 is the breadth point (2 × 2 = 4 passes ≤ 4).
    const rand = (seed: number, single: [string, string, string], conf2: string): ExpARun => ({
      ...randT,
      seed,
      perPuzzle: { ...randT.perPuzzle!, correct: { ...randT.perPuzzle!.correct, single: [single, single], confidence: [single, ['000000', conf2, '000000']] } },
    });
    const stat = (seed: number, single: [string, string, string]): ExpARun => ({ ...statT, seed, perPuzzle: { ...statT.perPuzzle!, correct: { ...statT.perPuzzle!.correct, single: [single] } } });
    const synthetic = {
      ...res,
      runs: [
        stat(1, ['000000', '000000', '110000']),
        stat(2, ['000000', '100000', '110000']),
        rand(1, ['000000', '100000', '110000'], '111100'),
        rand(2, ['000000', '100000', '100000'], '111100'),
        rand(3, ['000000', '000000', '110000'], '111000'),
      ],
    };
    const stats = (await expAStats(synthetic))!;
    const md = stats.markdown.join('\n');
    expect(Object.keys(stats.files)).toContain('exp-a-breadth-depth.svg');
    expect(XMLValidator.validate(stats.files['exp-a-breadth-depth.svg']!)).toBe(true);
    // Breadth − depth per seed: 2/6, 3/6, 1/6 → mean 33.3 pts, sd 16.7, t(2) 4.303 → [−8.1, 74.7].
    const breadth = md.split('\n').find((l) => l.startsWith('| breadth vs depth (random init): confidence k=2 @2 − single @4 | 4 vs 4 |'))!;
    expect(breadth).toContain('seed 1: +33.3 pts');
    expect(breadth).toContain('2/0 discordant, p = 0.50'); // McNemar: 2 discordant pairs, both one way → 2 · 0.5² = 0.5
    expect(breadth).toContain('+33.3 pts [-8.1, 74.7], paired t-test');
    // Depth (random): 1/6, 0, 2/6 → mean 16.7, sd 16.7 → [−24.7, 58.1]; (static): 2/6, 1/6 → 25.0, t(1) 12.71 → [−80.9, 130.9].
    expect(md).toContain('| depth (random init): single @4 − single @2 | 4 vs 2 |');
    expect(md).toContain('+16.7 pts [-24.7, 58.1], paired t-test');
    expect(md).toContain('+25.0 pts [-80.9, 130.9], paired t-test');
    expect(md).toContain("- *Exp A's question: does breadth help like depth?* (exploratory: added after the interim results, see Breadth vs depth) breadth vs depth (random init): confidence k=2 @2 − single @4: **Not resolved at this power**: +33.3 pts [-8.1, 74.7]");
  });

  it('rejects splits that do not match the training data', async () => {
    await expect(runExperimentA({ ...data, val: { ...evalSet, seqLen: 9 } }, { scale: TINY })).rejects.toThrow(ConfigError);
  });
});

describe('runExperimentB', () => {
  it('trains every variant, scores the final EMA model and its derangement AA, and reports the scatter', async () => {
    const variants = [EXP_B_VARIANTS[0]!, EXP_B_VARIANTS[2]!]; // baseline, rand T w1
    const res = await runExperimentB(data, { scale: TINY, variants });
    expect(res.runs.map((r) => r.variant)).toEqual(['baseline', 'rand T w1']);
    for (const r of res.runs) {
      expect(r.alignment.rows).toBe(5);
      expect(r.alignment.agreement.steps).toEqual([1, 2]);
      for (const v of [r.alignment.aaY!, r.alignment.aaZ!, r.solved]) expect(v).toBeGreaterThanOrEqual(-1);
    }
    expect(res.points).toHaveLength(2);
    expect(res.points[1]).toMatchObject({ variant: 'rand T w1', seed: 1 });
    const report = await experimentBReport(res, 'experiment B');
    expect(report.markdown).toContain('Correlation of AA with solved: not computed (2 trained models; at least 3 needed)'); // r over 2 points is always ±1
    expect(report.markdown).toMatch(/\| rand T w1 \| init random, recursions ±1 \|/);
    expect(XMLValidator.validate(report.files['exp-b-aa.svg']!)).toBe(true);
  });
});

describe('Exp B statistics: variants matched by seed', () => {
  it('pairs each variant with its reference over the seeds both have (t CI, p) and keeps Mann–Whitney beside it (hand-computed values)', async () => {
    const res = await runExperimentB(data, { scale: TINY, variants: [EXP_B_VARIANTS[0]!] });
    const t = res.runs[0]!;
    const run = (variant: string, seed: number, solved: number, aaPred: number): ExpBRun => ({ ...t, variant, seed, solved, alignment: { ...t.alignment, aaPred } });
    const synthetic = {
      ...res,
      variants: [EXP_B_VARIANTS[0]!, EXP_B_VARIANTS[1]!, EXP_B_VARIANTS[2]!],
      runs: [
        run('baseline', 1, 0.5, 0.8), run('baseline', 2, 0.6, 0.7), run('baseline', 3, 0.7, 0.9),
        run('random init', 1, 0.55, 0.7), run('random init', 2, 0.66, 0.65), run('random init', 3, 0.77, 0.85),
        run('rand T w1', 1, 0.57, 0.75), run('rand T w1', 2, 0.65, 0.71),
      ],
    };
    const md = (await expBStats(synthetic))!.markdown.join('\n');
    // random init − baseline, by seed: solved +5, +6, +7 pts → mean 6.0, t(2) CI [3.5, 8.5], p = 0.0091 (scipy);
    // AA_pred −0.10, −0.05, −0.05 → −0.067 [−0.138, 0.005], p = 0.057.
    const row = md.split('\n').find((l) => l.startsWith('| random init − baseline | 3 |'))!;
    expect(row).toContain('+6.0 pts [3.5, 8.5], paired t-test p = 0.0091');
    expect(row).toContain('−0.067 [-0.138, 0.005], paired t-test p = 0.057');
    expect(row).toMatch(/difference of means \+6\.0 pts; U = \d+(\.\d+)?, p = /);
    // rand T w1 has seeds 1 and 2 only: paired over those two (+2, −1 pts → +0.5 [−18.6, 19.6], p = 0.80).
    expect(md).toContain('| rand T w1 − random init | 2 | +0.5 pts [-18.6, 19.6], paired t-test p = 0.80');
    expect(md).toContain("- *Blog: random latent inits decrease AA and accuracy.* Random init − baseline: solved **Shown** at this power: random init solves more than baseline, the opposite of the blog's claim (+6.0 pts [3.5, 8.5], p = 0.0091, 3 seeds, paired by seed, t-test");
    expect(md).toContain('AA_pred **Not resolved at this power**: −0.067 [-0.138, 0.005], p = 0.057');
  });
});

describe('Exp B statistics: the blog\'s "largest" for rand T', () => {
  it('compares rand T with every other randomised variant by seed and shows "largest" only when every interval is above 0 (hand-computed values)', async () => {
    const res = await runExperimentB(data, { scale: TINY, variants: [EXP_B_VARIANTS[0]!] });
    const t = res.runs[0]!;
    const run = (variant: string, seed: number, solved: number, aaPred: number): ExpBRun => ({ ...t, variant, seed, solved, alignment: { ...t.alignment, aaPred } });
    const three = (variant: string, solved: number[], aa: number[]) => solved.map((x, i) => run(variant, i + 1, x, aa[i]!));
    const common = [
      ...three('random init', [0.5, 0.6, 0.7], [0.8, 0.8, 0.8]),
      ...three('rand T w1', [0.6, 0.72, 0.79], [0.85, 0.83, 0.86]),
      ...three('rand n w2', [0.55, 0.66, 0.75], [0.8, 0.86, 0.8]),
    ];
    const md = async (nSup: number[]) =>
      (await expBStats({ ...res, variants: [...EXP_B_VARIANTS.slice(1)], runs: [...common, ...three('rand N_sup w4', nSup, [0.84, 0.8, 0.84])] }))!.markdown.join('\n');
    // scipy.stats.ttest_1samp over the per-seed differences: T − n solved +5, +6, +4 pts → +5.0 [2.5, 7.5], p = 0.013;
    // AA +0.05, −0.03, +0.06 → +0.027 [−0.096, 0.149], p = 0.45. T − N_sup (case A) −1, +2, +4 → +1.7 [−4.6, 7.9], p = 0.37;
    // (case B) +8, +6, +7 → +7.0 [4.5, 9.5], p = 0.0067; AA +0.01, +0.03, +0.02 → +0.020 [−0.005, 0.045], p = 0.074.
    const a = await md([0.61, 0.7, 0.75]);
    expect(a).toContain('| rand T w1 − rand n w2 | 3 | +5.0 pts [2.5, 7.5], paired t-test p = 0.013');
    expect(a).toContain('+0.027 [-0.096, 0.149], paired t-test p = 0.45');
    expect(a).toContain('| rand T w1 − rand N_sup w4 | 3 | +1.7 pts [-4.6, 7.9], paired t-test p = 0.37');
    expect(a).toContain('"Largest" is **not shown** at this power');
    const b = await md([0.52, 0.66, 0.72]);
    expect(b).toContain('| rand T w1 − rand N_sup w4 | 3 | +7.0 pts [4.5, 9.5], paired t-test p = 0.0067');
    expect(b).toContain('+0.020 [-0.005, 0.045], paired t-test p = 0.074');
    expect(b).toContain('**Largest accuracy gain shown** at this power');
    // Each direction is read against the blog's claim (rand T above the other randomised variants).
    expect(b).toContain('rand T w1 − rand N_sup w4: solved **Shown** at this power: rand T w1 solves more than rand N_sup w4, as the blog says (+7.0 pts [4.5, 9.5]');
    expect(b).toContain('rand T w1 − rand n w2: solved **Shown** at this power: rand T w1 solves more than rand n w2, as the blog says (+5.0 pts');
    // Against random init rand n makes no claim of the blog's: its direction carries no "blog" remark.
    // rand n − random init solved +5, +6, +5 pts → +5.3 [3.9, 6.8] (t(2) = 4.303 × 0.333).
    expect(b).toContain('rand n w2 − random init: solved **Shown** at this power: rand n w2 solves more than random init (+5.3 pts [3.9, 6.8]');
    // rand n and rand N_sup are not compared with each other (no claim of the blog's), nor with rand T the other way round.
    expect(b).not.toContain('| rand n w2 − rand N_sup w4');
    expect(b).not.toContain('| rand n w2 − rand T w1');
    expect(b).toContain('wider uniforms generally help (with a "blip" at N_sup w = 4).* Not testable in this run: it has one width per randomised setting.');
  });

  it('says "not measured" for a rand T variant with fewer than 2 seeds matched', async () => {
    const res = await runExperimentB(data, { scale: TINY, variants: [EXP_B_VARIANTS[0]!] });
    const t = res.runs[0]!;
    const run = (variant: string, seed: number, solved: number): ExpBRun => ({ ...t, variant, seed, solved });
    const out = (await expBStats({ ...res, variants: [...EXP_B_VARIANTS.slice(1, 4)], runs: [run('random init', 1, 0.5), run('random init', 2, 0.6), run('rand T w1', 1, 0.55), run('rand n w2', 2, 0.5)] }))!.markdown.join('\n');
    expect(out).toContain('rand T w1 − random init: fewer than 2 seeds finished in both: not measured.');
    expect(out).toContain('rand T w1 − rand n w2: fewer than 2 seeds finished in both: not measured');
    expect(out).not.toContain('no rand T variant in this run');
    const grid = (await expBStats({ ...res, variants: [EXP_B_VARIANTS[1]!, EXP_B_VARIANTS[2]!, { name: 'rand T w2', latentInit: 'random', randomize: { recursions: 2 } }], runs: [run('random init', 1, 0.5), run('random init', 2, 0.6)] }))!.markdown.join('\n');
    expect(grid).toContain('no test of a trend over widths is made');
  });
});

describe('Exp B statistics: AA vs solved with the models of one seed as a cluster', () => {
  const make = async (cell: (seed: number, v: number) => [number, number], seeds = 5) => {
    const res = await runExperimentB(data, { scale: TINY, variants: [EXP_B_VARIANTS[0]!] });
    const t = res.runs[0]!;
    const runs: ExpBRun[] = [];
    for (let s = 1; s <= seeds; s++)
      EXP_B_VARIANTS.forEach((v, i) => {
        const [solved, aaPred] = cell(s, i);
        runs.push({ ...t, variant: v.name, seed: s, solved, alignment: { ...t.alignment, aaPred } });
      });
    return (await expBStats({ ...res, variants: [...EXP_B_VARIANTS], runs }))!.markdown.join('\n');
  };
  it('states the correlation when it holds within every seed (both intervals exclude 0)', async () => {
    // solved = 0.5 + 0.3·AA_pred-ish within each seed, small wiggles: r ≈ 1 in the pooled points and in every resample.
    const md = await make((s, v) => [0.5 + 0.05 * v + 0.004 * ((s * 7 + v * 3) % 5), 0.9 + 0.01 * v + 0.001 * ((s + v) % 3)]);
    expect(md).toContain('| AA | Pearson r [95% CI], p | r: bootstrap over seeds, 95% CI | Spearman |');
    // AA_z − AA_y: the fixture's AA_z, AA_y are the same in every model; AA_z is set per seed below in the third test.

    expect(md).toMatch(/Blog: AA correlates with accuracy\.\* \*\*Shown\*\* at this power: AA_pred correlates positively with solved, as the blog says .*bootstrap over 5 seeds \[0\.9\d\d, (0\.9\d\d|1\.000)\] also excludes 0\./);
  });
  it('judges AA_z − AA_y over seeds (each seed averaged over its models), with the test over models beside it (hand-computed)', async () => {
    const res = await runExperimentB(data, { scale: TINY, variants: [EXP_B_VARIANTS[0]!] });
    const t = res.runs[0]!;
    // Per seed s, models v = 0, 1: AA_y 0.9, AA_z 0.9 + d(s) + (v ? 0.002 : −0.002) with d = 0.01, 0.02, 0.03, 0.02, 0.03.
    // Seed means of AA_z − AA_y: 0.01, 0.02, 0.03, 0.02, 0.03 → scipy ttest_1samp: mean 0.022, 95% CI [0.0116, 0.0324], p = 0.0042.
    const d = [0.01, 0.02, 0.03, 0.02, 0.03];
    const runs: ExpBRun[] = [];
    d.forEach((ds, s) => [0, 1].forEach((v) => runs.push({ ...t, variant: EXP_B_VARIANTS[v]!.name, seed: s + 1, alignment: { ...t.alignment, aaY: 0.9, aaZ: 0.9 + ds + (v ? 0.002 : -0.002) } })));
    const md = (await expBStats({ ...res, variants: EXP_B_VARIANTS.slice(0, 2), runs }))!.markdown.join('\n');
    expect(md).toContain('*Blog: z-AA saturates near 1 more than y-AA.* AA_z − AA_y: **Shown** at this power: AA_z > AA_y, as the blog says (0.022 [0.012, 0.032], p = 0.0042, 5 seeds, each seed\'s difference averaged over its models, t-test');
    expect(md).toMatch(/over the 10 models counted as independent: 0\.022 \[0\.\d+, 0\.\d+\], paired t p [=<] /);
    // Mirrored (AA_z = 0.9 − its offset above, i.e. 1.8 − AA_z): the same test with the sign flipped, read as the opposite of the blog's claim.
    const mirrored = runs.map((r) => ({ ...r, alignment: { ...r.alignment, aaZ: 1.8 - r.alignment.aaZ! } }));
    const neg = (await expBStats({ ...res, variants: EXP_B_VARIANTS.slice(0, 2), runs: mirrored }))!.markdown.join('\n');
    expect(neg).toContain("AA_z − AA_y: **Shown** at this power: AA_z < AA_y, the opposite of the blog's claim (-0.022 [-0.032, -0.012], p = 0.0042, 5 seeds");
    // One seed only: no verdict.
    const one = (await expBStats({ ...res, variants: EXP_B_VARIANTS.slice(0, 2), runs: runs.filter((r) => r.seed === 1) }))!.markdown.join('\n');
    expect(one).toContain('AA_z − AA_y: not measured over seeds (1 seed); over the 2 models counted as independent');
  });
  it('needs 5 seeds for the bootstrap over seeds: with 3 the Fisher interval alone states nothing', async () => {
    const md = await make((s, v) => [0.5 + 0.05 * v + 0.004 * ((s * 7 + v * 3) % 5), 0.9 + 0.01 * v + 0.001 * ((s + v) % 3)], 3);
    expect(md).toContain('| fewer than 5 seeds: – |');
    expect(md).toMatch(/Blog: AA correlates with accuracy\.\* \*\*Not resolved\*\*: the Fisher z interval excludes 0 \(0\.9\d+ \[[^\]]+\], p < 0\.001, 15 models\) but it counts the models of one seed as independent, and fewer than 5 seeds allow no bootstrap over seeds\./);
  });
  it('does not state it when one seed carries it (Fisher z excludes 0, the bootstrap over seeds does not)', async () => {
    // Seeds 1–4: solved and AA_pred unrelated within and across seeds; seed 5: far higher on both.
    const md = await make((s, v) => (s === 5 ? [0.95 + 0.001 * v, 0.99 - 0.001 * v] : [0.6 + 0.02 * ((v * 3 + s) % 5), 0.9 + 0.01 * ((v * 2 + s * 3) % 5)]));
    expect(md).toMatch(/Blog: AA correlates with accuracy\.\* \*\*Not resolved at this power\*\*: the Fisher z interval excludes 0 \(0\.\d+ \[0\.\d+, 0\.\d+\], p [=<] [^,]+, 25 models, counted as independent\), but the bootstrap over 5 seeds does not \(\[-0\.\d+, 0\.\d+\]\)\./);
  });
});

describe('experiment jobs', () => {
  it('Exp A lists random-init jobs first (k× the test passes) and reports static → random whatever the order', () => {
    expect(experimentAJobs([1, 2]).map((j) => (j.experiment === 'A' ? `${j.init}${j.seed}` : ''))).toEqual(['random1', 'random2', 'static1', 'static2']);
  });

  it('an executor that runs the jobs in another order gives the same runs as the default sequential one', async () => {
    const variants = [EXP_B_VARIANTS[0]!, { name: 'rand N_sup w2', latentInit: 'random' as const, randomize: { supervisionSteps: 2 } }];
    const scale = { ...TINY, seeds: [1, 2] };
    const seq = await runExperimentB(data, { scale, variants });
    let calls = 0;
    const reversed = await runExperimentB(data, {
      scale,
      variants,
      runJobs: async (jobs) => {
        const out: ExperimentJobResult[] = new Array(jobs.length);
        for (let i = jobs.length - 1; i >= 0; i--) {
          calls++;
          out[i] = await runExperimentJob(data, scale, JSON.parse(JSON.stringify(jobs[i])));
        }
        return out;
      },
    });
    expect(calls).toBe(4);
    // Everything but wall-clock times (keys ending in Ms / Seconds) must be identical.
    const strip = (r: ExpBRun) => JSON.parse(JSON.stringify(r, (k, v) => (/(Ms|Seconds)$/.test(k) ? 0 : v)));
    expect(reversed.runs.map(strip)).toEqual(seq.runs.map(strip));
    expect(reversed.runs.map((r) => `${r.variant}/${r.seed}`)).toEqual(['baseline/1', 'baseline/2', 'rand N_sup w2/1', 'rand N_sup w2/2']);
    expect(reversed.protocol).toEqual(seq.protocol);
  });

  it('stack: Exp A and Exp B trained as one StackedTrainer give the runs of the sequential jobs', async () => {
    const variants = [EXP_B_VARIANTS[0]!, { name: 'rand N_sup w2', latentInit: 'random' as const, randomize: { supervisionSteps: 2 } }];
    const scale = { ...TINY, seeds: [1, 2] };
    const strip = (r: unknown) => JSON.parse(JSON.stringify(r, (k, v) => (/(Ms|Seconds|seconds|Overhead)$/.test(k) ? 0 : v)));
    // On the wasm backend a batched matmul rounds differently from the single one (on cpu the stack is
    // bit-identical, see @trm-ts/core's stack tests): counts and rates must agree, continuous scores within 1e-3.
    const close = (a: unknown, b: unknown, path: string): void => {
      if (typeof a === 'number' && typeof b === 'number') {
        expect(Math.abs(a - b), path).toBeLessThanOrEqual(1e-3);
        return;
      }
      if (a && b && typeof a === 'object') {
        expect(Object.keys(a as object).sort(), path).toEqual(Object.keys(b as object).sort());
        for (const k of Object.keys(a as object)) close((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
        return;
      }
      expect(a, path).toEqual(b);
    };
    const seqB = await runExperimentB(data, { scale, variants });
    const stackB = await runExperimentB(data, { scale, variants, stack: true });
    close(strip(stackB.runs), strip(seqB.runs), 'B');
    expect(stackB.runs.map((r) => r.solved)).toEqual(seqB.runs.map((r) => r.solved));
    const seqA = await runExperimentA(data, { scale: TINY });
    const stackA = await runExperimentA(data, { scale: TINY, stack: true });
    close(strip(stackA.runs), strip(seqA.runs), 'A');
    expect(stackA.runs.map((r) => r.bestStep)).toEqual(seqA.runs.map((r) => r.bestStep));
    expect(await runExperimentJobsStacked(data, scale, [])).toEqual([]);
  });
});

describe('EXP_B_GRID', () => {
  it('every variant of the blog\'s grid resolves against the cpu6 model (the widths that reach 0 train with jaxCompat)', () => {
    const six = { seqLen: 36, vocabSize: 8, numPuzzleIdentifiers: 1, numExamples: 1, batches: () => [][Symbol.iterator]() } as unknown as ExperimentDataset;
    const d6: ExperimentData = { train: six, val: six, test: six, description: '6×6' };
    expect(EXP_B_GRID).toHaveLength(10);
    expect(EXP_B_GRID.filter((v) => v.jaxCompat).map((v) => v.name)).toEqual(['rand T w2 (jax)', 'rand N_sup w8 (jax)', 'rand n w4 (jax)']);
    for (const v of EXP_B_GRID) {
      expect(() => resolveTrainConfig(trainConfig(d6, CPU6_SCALE, 1, v)), v.name).not.toThrow();
      if (v.jaxCompat) expect(() => resolveTrainConfig(trainConfig(d6, CPU6_SCALE, 1, { ...v, jaxCompat: false })), v.name).toThrow(ConfigError);
    }
    const jobs = experimentBJobs(EXP_B_GRID, [1, 2]);
    expect(jobs).toHaveLength(20);
    // Seed-major: every variant of seed 1 before any job of seed 2.
    expect(jobs.map((j) => j.seed)).toEqual([...Array(10).fill(1), ...Array(10).fill(2)]);
    expect(jobs.slice(0, 10).map((j) => (j.experiment === 'B' ? j.variant.name : ''))).toEqual(EXP_B_GRID.map((v) => v.name));
    expect(experimentProtocol(d6, CPU6_SCALE, [1]).model.hiddenSize).toBe(64);
  });
});
