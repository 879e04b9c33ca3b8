import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lines, runCli } from '../testing.js';
import { roughProjection } from './experiment.js';

const dir = mkdtempSync(join(tmpdir(), 'trm-cli-exp-'));

describe('--status: rough projection', () => {
  it('guesses from the finished models: mean steps × CPU s per step over the models still to train (hand-computed)', () => {
    // Mean steps (2000 + 2400) / 2 = 2200; CPU s per step (2400 + 2880) / 4400 = 1.2; still to train: two not
    // started (2200 steps each) and one at step 1000 (1200 more) = 5600 steps × 1.2 s = 6720 s = 1.87 h; 0.93 h on two.
    const line = roughProjection([{ steps: 2000, cpuSeconds: 2400 }, { steps: 2400, cpuSeconds: 2880 }], [0, 0, 1000]);
    expect(line).toContain('the 2 models trained to the end here took 2200 steps on average at 1.20 CPU s per step');
    expect(line).toContain('if the 3 still to train (1 under way) take as many, they need ≈ 1.9 CPU hours (≈ 0.9 h on two workers with a core each)');
    // A model already past the mean adds nothing; nothing finished or nothing left: no line.
    expect(roughProjection([{ steps: 100, cpuSeconds: 100 }], [150])).toContain('≈ 0.0 CPU hours');
    expect(roughProjection([], [0])).toBeNull();
    expect(roughProjection([{ steps: 100, cpuSeconds: 100 }], [])).toBeNull();
  });
});

describe('trm experiment (end to end, smoke scale)', () => {
  it.each(['a', 'b'])('runs Exp %s and writes result.json, report.md and plots; --rebuild re-renders them', async (which) => {
    const out = join(dir, which);
    const r = await runCli('experiment', which, '--scale', 'smoke', '--workers', '1', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.leaked).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.experiment).toBe(which.toUpperCase());
    expect(result.command).toBe(`trm experiment ${which} --scale smoke --workers 1 --out ${out}`);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/^# /);
    const again = await runCli('experiment', which, '--out', out, '--rebuild');
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
  });

  it('--stack trains the models as one stack and scores as the sequential run does', async () => {
    const seq = join(dir, 'a'); // written by the test above (same scale, same seeds)
    const out = join(dir, 'a-stack');
    const r = await runCli('experiment', 'a', '--scale', 'smoke', '--stack', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.leaked).toBe(0);
    type Runs = { runs: { bestStep: number; bestValSolved: number }[] };
    const stacked = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as Runs;
    const sequential = JSON.parse(readFileSync(join(seq, 'result.json'), 'utf8')) as Runs;
    expect(stacked.runs.length).toBe(sequential.runs.length);
    stacked.runs.forEach((run, i) => {
      expect(run.bestStep).toBe(sequential.runs[i]!.bestStep);
      expect(Math.abs(run.bestValSolved - sequential.runs[i]!.bestValSolved)).toBeLessThanOrEqual(1e-3); // float order of the stacked products
    });
  });

  it('trained to plateau: a run stopped after a snapshot resumes to the same result as an uninterrupted run; finished jobs are skipped', async () => {
    const whole = join(dir, 'plateau-whole');
    const cut = join(dir, 'plateau-cut');
    const args = ['experiment', 'b', '--scale', 'smoke-plateau', '--seeds', '1', '--workers', '1'];
    const r1 = await runCli(...args, '--out', whole);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.leaked).toBe(0);
    // Stop after the 5th snapshot: the first job (3 validations) is done, the second holds a snapshot at step 4.
    process.env.TRM_EXPERIMENT_STOP_AFTER_SAVES = '5';
    let r2: Awaited<ReturnType<typeof runCli>>;
    try {
      r2 = await runCli(...args, '--out', cut);
    } finally {
      delete process.env.TRM_EXPERIMENT_STOP_AFTER_SAVES;
    }
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toMatch(/stopped after 5 snapshots/);
    expect(existsSync(join(cut, 'result.json'))).toBe(false);
    expect(readdirSync(join(cut, 'jobs')).sort()).toEqual(['B-baseline-seed-1.json', 'B-baseline-seed-1.snapshot', 'B-random-init-seed-1.snapshot']);
    const st = await runCli(...args, '--out', cut, '--status');
    expect(st.code, st.stderr).toBe(0);
    const firstDone = JSON.parse(readFileSync(join(cut, 'jobs', 'B-baseline-seed-1.json'), 'utf8')) as { stoppedBy: string; steps: number };
    expect(lines(st.stdout)).toEqual([
      expect.stringMatching(new RegExp(`^B baseline seed 1: done, stopped by ${firstDone.stoppedBy} at step ${firstDone.steps}, best validation \\d+\\.\\d% at step \\d+$`)),
      expect.stringMatching(/^B random init seed 1: training, step 4 of at most 6, best validation \d+\.\d% at step [24], [0-2]\/2 validations without a ≥ 1\.0-pt rise$/),
      'B rand T w1 seed 1: not started',
      'B rand n w2 seed 1: not started',
      'B rand N_sup w4 seed 1: not started',
      `1 of 5 jobs done, 1 in training, 0 trained with the test to run, 3 not started (${join(cut, 'jobs')})`,
      expect.stringMatching(/^Rough projection: the 1 model trained to the end here took \d+ steps on average at \d+\.\d\d CPU s per step \(training \+ validation\); if the 4 still to train \(1 under way\) take as many, they need ≈ \d+\.\d CPU hours/),
    ]);
    const r3 = await runCli(...args, '--out', cut);
    expect(r3.code, r3.stderr).toBe(0);
    expect(r3.stderr).toMatch(/1 of 5 jobs already done/);
    expect(r3.stderr).toMatch(/B random init seed 1: resumed at step 4 \(2 validations so far\)/);
    type Run = { variant: string; solved: number; stoppedBy: string; bestStep: number; validation: { step: number; solved: number }[]; perPuzzle: unknown; alignment: { aaPred: number; perRow: unknown } };
    const a = JSON.parse(readFileSync(join(whole, 'result.json'), 'utf8')) as { runs: Run[] };
    const b = JSON.parse(readFileSync(join(cut, 'result.json'), 'utf8')) as { runs: Run[] };
    const strip = (r: Run) => ({ variant: r.variant, solved: r.solved, stoppedBy: r.stoppedBy, bestStep: r.bestStep, validation: r.validation.map((v) => [v.step, v.solved]), perPuzzle: r.perPuzzle, alignment: [r.alignment.aaPred, r.alignment.perRow] });
    expect(b.runs.map(strip)).toEqual(a.runs.map(strip));
    expect(a.runs.every((r) => r.stoppedBy === 'plateau' || r.stoppedBy === 'step cap')).toBe(true);
    // A finished job keeps its final snapshot (to continue under a raised cap, or to be shared with Exp B).
    expect(readdirSync(join(cut, 'jobs')).filter((f) => f.endsWith('.snapshot')).length).toBe(readdirSync(join(cut, 'jobs')).filter((f) => f.endsWith('.json')).length);
    expect(readFileSync(join(cut, 'report.md'), 'utf8')).toMatch(/^# /);
    // The resumed run's wall time is its last invocation's, and the report says so; the uninterrupted one's is not marked.
    expect((b as { resumed?: unknown }).resumed).toEqual({ jobs: 2, total: 5 }); // one finished, one in training
    expect((a as { resumed?: unknown }).resumed).toBeUndefined();
    expect(readFileSync(join(cut, 'report.md'), 'utf8')).toMatch(/Total wall time\*\*: \d+\.\d min with 1 worker process — \*\*of the last invocation only\*\*: 2 of 5 models had finished or started in earlier invocations/);
    expect(readFileSync(join(whole, 'report.md'), 'utf8')).not.toMatch(/of the last invocation only/);
  });

  it('a raised step cap (--steps) applies to a saved job: it resumes to the same result as a run started with that cap', async () => {
    const whole = join(dir, 'cap-whole');
    const cut = join(dir, 'cap-cut');
    const args = ['experiment', 'b', '--scale', 'smoke-plateau', '--seeds', '1', '--workers', '1'];
    const r1 = await runCli(...args, '--steps', '10', '--out', whole);
    expect(r1.code, r1.stderr).toBe(0);
    process.env.TRM_EXPERIMENT_STOP_AFTER_SAVES = '5'; // the second job holds a snapshot at step 4, saved under the cap of 6
    try {
      expect((await runCli(...args, '--out', cut)).code).not.toBe(0);
    } finally {
      delete process.env.TRM_EXPERIMENT_STOP_AFTER_SAVES;
    }
    const r3 = await runCli(...args, '--steps', '10', '--out', cut);
    expect(r3.code, r3.stderr).toBe(0);
    expect(r3.leaked).toBe(0);
    expect(r3.stderr).toMatch(/B random init seed 1: resumed at step 4/);
    type Run = { variant: string; solved: number; stoppedBy: string; steps: number; bestStep: number; validation: { step: number; solved: number }[] };
    const pick = (d: string) => (JSON.parse(readFileSync(join(d, 'result.json'), 'utf8')) as { runs: Run[] }).runs.find((r) => r.variant === 'random init')!;
    const a = pick(whole);
    const b = pick(cut);
    expect(b.validation.map((v) => [v.step, v.solved])).toEqual(a.validation.map((v) => [v.step, v.solved]));
    expect([b.solved, b.stoppedBy, b.steps, b.bestStep]).toEqual([a.solved, a.stoppedBy, a.steps, a.bestStep]);
    expect(b.validation.at(-1)!.step, 'trained past the old cap of 6 or stopped by the rule').toSatisfy((s: number) => s > 6 || b.stoppedBy === 'plateau');
  });

  it('--reuse-models: Exp B takes the baseline and random-init models of a finished Exp A run, tests them, and says so; a snapshot of other settings is refused', async () => {
    const a = join(dir, 'share-a');
    const b = join(dir, 'share-b');
    const ra = await runCli('experiment', 'a', '--scale', 'smoke-plateau', '--workers', '1', '--out', a); // seed 11
    expect(ra.code, ra.stderr).toBe(0);
    const rb = await runCli('experiment', 'b', '--scale', 'smoke-plateau', '--seeds', '11', '--workers', '1', '--reuse-models', a, '--out', b);
    expect(rb.code, rb.stderr).toBe(0);
    expect(rb.leaked).toBe(0);
    expect(rb.stderr).toMatch(/B baseline seed 11: the model of A static seed 11/);
    expect(rb.stderr).toMatch(/B random init seed 11: the model of A random seed 11/);
    expect(rb.stderr).not.toMatch(/B rand T w1 seed 11: the model/);
    type Curve = { validation: { step: number; solved: number }[]; bestStep: number; stoppedBy: string };
    const runsA = (JSON.parse(readFileSync(join(a, 'result.json'), 'utf8')) as { runs: (Curve & { init: string })[] }).runs;
    const resB = JSON.parse(readFileSync(join(b, 'result.json'), 'utf8')) as { runs: (Curve & { variant: string })[]; sharedModels: { job: string; from: string }[] };
    for (const [variant, init] of [['baseline', 'static'], ['random init', 'random']]) {
      const x = runsA.find((r) => r.init === init)!;
      const y = resB.runs.find((r) => r.variant === variant)!;
      expect(y.validation.map((v) => [v.step, v.solved]), variant).toEqual(x.validation.map((v) => [v.step, v.solved]));
      expect([y.bestStep, y.stoppedBy]).toEqual([x.bestStep, x.stoppedBy]);
    }
    // Process CPU seconds of each model's training and validation (Node reports them), in the runs and the per-run table.
    const cpuA = (JSON.parse(readFileSync(join(a, 'result.json'), 'utf8')) as { runs: { cpuSeconds?: number; trainSeconds: number }[] }).runs;
    for (const r of cpuA) expect(r.cpuSeconds).toBeGreaterThan(0);
    expect(readFileSync(join(a, 'report.md'), 'utf8')).toMatch(/\| train s \| CPU s \(train \+ val\) \|/);
    expect(resB.sharedModels).toEqual([{ job: 'B baseline seed 11', from: 'A static seed 11' }, { job: 'B random init seed 11', from: 'A random seed 11' }]);
    expect(readFileSync(join(b, 'report.md'), 'utf8')).toMatch(/Shared with Exp A\*\*: B baseline seed 11 is the model of A static seed 11; B random init seed 11 is the model of A random seed 11/);

    // --status names shared models; a shared model not yet tested counts as trained with its test to run.
    const sb = await runCli('experiment', 'b', '--scale', 'smoke-plateau', '--seeds', '11', '--out', b, '--status');
    expect(sb.code, sb.stderr).toBe(0);
    expect(lines(sb.stdout)[0]).toMatch(/^B baseline seed 11 \(the model of A static seed 11, shared\): done, stopped by /);
    const e = join(dir, 'share-e');
    mkdirSync(join(e, 'jobs'), { recursive: true });
    copyFileSync(join(a, 'jobs', 'A-static-seed-11.snapshot'), join(e, 'jobs', 'B-baseline-seed-11.snapshot'));
    writeFileSync(join(e, 'jobs', 'B-baseline-seed-11.shared'), 'A static seed 11');
    const se = await runCli('experiment', 'b', '--scale', 'smoke-plateau', '--seeds', '11', '--out', e, '--status');
    expect(se.code, se.stderr).toBe(0);
    expect(lines(se.stdout)[0]).toMatch(/^B baseline seed 11 \(the model of A static seed 11, shared\): trained \(stopped by (plateau|step cap) at step \d+, best validation .*\), its test not finished$/);
    expect(lines(se.stdout).at(-1)).toMatch(/^0 of 5 jobs done, 0 in training, 1 trained with the test to run, 4 not started /);

    // An Exp A job finished without its snapshot (older builds deleted them): Exp B trains that model itself and says why.
    const a2 = join(dir, 'share-a2');
    cpSync(a, a2, { recursive: true });
    rmSync(join(a2, 'jobs', 'A-random-seed-11.snapshot'));
    const rd = await runCli('experiment', 'b', '--scale', 'smoke-plateau', '--seeds', '11', '--workers', '1', '--reuse-models', a2, '--out', join(dir, 'share-d'));
    expect(rd.code, rd.stderr).toBe(0);
    expect(rd.stderr).toMatch(/B random init seed 11: A random seed 11 has no snapshot \(finished by a build that deleted finished snapshots\) in .*share-a2; trained here/);
    expect(rd.stderr).toMatch(/B baseline seed 11: the model of A static seed 11/);

    // A random-init snapshot under the baseline's name: refused when it loads, naming the setting that differs.
    const c = join(dir, 'share-c');
    mkdirSync(join(c, 'jobs'), { recursive: true });
    copyFileSync(join(a, 'jobs', 'A-random-seed-11.snapshot'), join(c, 'jobs', 'B-baseline-seed-11.snapshot'));
    const rc = await runCli('experiment', 'b', '--scale', 'smoke-plateau', '--seeds', '11', '--workers', '1', '--out', c);
    expect(rc.code).not.toBe(0);
    expect(rc.stderr).toMatch(/B baseline seed 11: the saved snapshot was trained with other settings \(latentInit: saved "random", this job "static"\)/);
  });

  it('--interim: a report of the finished models only, labelled interim, in <out>/interim; the run is not touched', async () => {
    // Exp A and Exp B of the test above, finished; copies with some jobs "not finished" (their results removed).
    const a = join(dir, 'interim-a');
    const b = join(dir, 'interim-b');
    cpSync(join(dir, 'share-a'), a, { recursive: true });
    cpSync(join(dir, 'share-b'), b, { recursive: true });
    rmSync(join(a, 'jobs', 'A-static-seed-11.json'));
    for (const f of ['B-rand-T-w1-seed-11.json', 'B-rand-n-w2-seed-11.json', 'B-rand-N-sup-w4-seed-11.json', 'B-baseline-seed-11.json']) rmSync(join(b, 'jobs', f));
    const before = readFileSync(join(a, 'report.md'), 'utf8');
    const ra = await runCli('experiment', 'a', '--scale', 'smoke-plateau', '--out', a, '--interim');
    expect(ra.code, ra.stderr).toBe(0);
    expect(ra.stdout).toMatch(/wrote .*interim\/report\.md from 1 of 2 finished models/);
    expect(readFileSync(join(a, 'report.md'), 'utf8')).toBe(before);
    const ia = JSON.parse(readFileSync(join(a, 'interim', 'result.json'), 'utf8')) as { interim: { done: number; total: number; pending: string[] }; runs: { init: string }[]; mean: { init: string }[] };
    expect([ia.interim.done, ia.interim.total, ia.interim.pending]).toEqual([1, 2, ['A static seed 11']]);
    expect(ia.runs.map((r) => r.init)).toEqual(['random']);
    expect(ia.mean.map((m) => m.init)).toEqual(['random']);
    const mdA = readFileSync(join(a, 'interim', 'report.md'), 'utf8');
    expect(mdA).toMatch(/^# Exp A .* — interim\n/);
    expect(mdA).toMatch(/Interim report, not the experiment's result\*\*: assembled at .* from the 1 of 2 models finished so far; not finished: A static seed 11\./);
    expect(mdA).toMatch(/No static-init model has finished yet\./);
    expect(mdA).not.toMatch(/NaN/);
    expect(existsSync(join(a, 'interim', 'exp-a-solved.svg'))).toBe(true);

    const rb = await runCli('experiment', 'b', '--scale', 'smoke-plateau', '--seeds', '11', '--out', b, '--interim');
    expect(rb.code, rb.stderr).toBe(0);
    const ib = JSON.parse(readFileSync(join(b, 'interim', 'result.json'), 'utf8')) as { interim: { done: number }; variants: { name: string }[]; sharedModels: { job: string }[] };
    expect(ib.interim.done).toBe(1);
    expect(ib.variants.map((v) => v.name)).toEqual(['random init']);
    expect(ib.sharedModels).toEqual([{ job: 'B random init seed 11', from: 'A random seed 11' }]);
    const mdB = readFileSync(join(b, 'interim', 'report.md'), 'utf8');
    expect(mdB).toMatch(/not finished: B baseline seed 11, B rand T w1 seed 11, B rand n w2 seed 11, B rand N_sup w4 seed 11\./);
    expect(mdB).not.toMatch(/NaN/);
    expect(mdB).toMatch(/- \*\*Variants\*\*: random init \(in this interim report only the variants with a finished model; the unfinished models are listed at the top\)\./);

    // Nothing finished: exit 2 naming the folder. A damaged or foreign job result: one line naming the job.
    const none = await runCli('experiment', 'a', '--scale', 'smoke-plateau', '--out', join(dir, 'interim-none'), '--interim');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--interim: no finished job in .*interim-none\/jobs yet/);
    writeFileSync(join(a, 'jobs', 'A-random-seed-11.json'), '{"seed": 11, "init": "random", "test"');
    const bad = await runCli('experiment', 'a', '--scale', 'smoke-plateau', '--out', a, '--interim');
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)).toHaveLength(1);
    expect(bad.stderr).toMatch(/A random seed 11: job result .*A-random-seed-11\.json: not valid JSON/);
    writeFileSync(join(a, 'jobs', 'A-random-seed-11.json'), JSON.stringify({ seed: 12, init: 'random', test: { sweep: {} } }));
    const foreign = await runCli('experiment', 'a', '--scale', 'smoke-plateau', '--out', a, '--status');
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/A random seed 11: job result .*: expected seed 11, got 12/);
    writeFileSync(join(a, 'jobs', 'A-random-seed-11.json'), JSON.stringify({ seed: 11, init: 'random', test: { sweep: {} }, cpuSeconds: 'lots' }));
    const cpu = await runCli('experiment', 'a', '--scale', 'smoke-plateau', '--out', a, '--status');
    expect(cpu.code).toBe(2);
    expect(cpu.stderr).toMatch(/A random seed 11: job result .*: expected cpuSeconds to be absent or a number >= 0, got "lots"/);
  });

  it('--reuse-models needs experiment b, a scale trained to plateau and an Exp A folder', async () => {
    for (const [args, re] of [
      [['a', '--scale', 'smoke-plateau', '--reuse-models', dir], /--reuse-models: expected experiment b/],
      [['b', '--scale', 'smoke', '--reuse-models', dir], /--reuse-models: expected a scale trained to plateau/],
      [['b', '--scale', 'smoke-plateau', '--reuse-models', join(dir, 'nowhere')], /--reuse-models: expected an Exp A output folder with a jobs\/ folder/],
    ] as [string[], RegExp][]) {
      const r = await runCli('experiment', ...args, '--out', join(dir, 'unused'));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
    }
  });

  it('--status refuses a damaged job file with one line naming the job', async () => {
    const out = join(dir, 'status-damaged');
    mkdirSync(join(out, 'jobs'), { recursive: true });
    writeFileSync(join(out, 'jobs', 'A-random-seed-11.snapshot'), new Uint8Array([200, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]));
    const r = await runCli('experiment', 'a', '--scale', 'smoke-plateau', '--out', out, '--status');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/A random seed 11: saved progress: expected a trainer snapshot of 200 bytes, got 3/);
  });

  it('bad flags: one line, exit 2', async () => {
    for (const [args, pattern] of [
      [['c'], /trm experiment: <which>: expected one of a, b, A, B, got 'c'/],
      [['a', '--scale', 'huge'], /--scale: expected one of cpu30, cpu6, cpu, smoke, smoke-plateau, got 'huge'/],
      [['a', '--seeds', '1,x', '--scale', 'smoke'], /--seeds: expected a comma list of integers, got '1,x'/],
      [['b', '--workers', '0'], /--workers: expected an integer >= 1, got '0'/],
      [['a', '--stack', '--workers', '2', '--scale', 'smoke'], /--stack and --workers: expected one of them/],
      [['a', '--time-cap', '5', '--scale', 'smoke'], /--time-cap: expected a scale trained to plateau \(cpu6, smoke-plateau\), got 'smoke'/],
      [['b', '--variants', 'all'], /--variants: expected one of scale, grid, got 'all'/],
    ] as [string[], RegExp][]) {
      const r = await runCli('experiment', ...args);
      expect(r.code, r.stderr).toBe(2);
      expect(lines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(pattern);
    }
  });
});
