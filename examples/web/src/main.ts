/**
 * The page: wiring between the DOM and engine.ts (which owns every model call). The state the end-to-end
 * tests read is in data-* attributes: #backend[data-name], #model-status[data-ready], #grid[data-state,
 * data-values], #step-label[data-index], #error.
 */
import { drawChart } from './chart.js';
import { startBackend, type BackendChoice } from './backend.js';
import { alignmentRuns, loadModel, solve, TabTrainer, type Frame, type InitMode, type Model, type SolveResult } from './engine.js';
import { gridHtml } from './grid.js';
import type { ReadoutName } from '@trm-ts/eval';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => $<HTMLInputElement>(id);
const svg = (id: string) => document.getElementById(id) as unknown as SVGSVGElement;

/** Checkpoints shipped in public/models/<id>/ (model.safetensors + model.json), see docs/web.md. */
const SHIPPED = [
  { id: 'sudoku4', label: '4×4 sudoku' },
  { id: 'sudoku6', label: '6×6 sudoku' },
  { id: 'maze9', label: '9×9 maze' },
];

interface Run {
  puzzle: Uint8Array;
  solution: Uint8Array | null;
  result: SolveResult;
  k: number;
  readout: ReadoutName;
}

const state = {
  model: null as Model | null,
  run: null as Run | null,
  /** Frames shown so far (filled live while solving). */
  frames: [] as Frame[],
  index: -1,
  busy: false,
  trainer: null as TabTrainer | null,
  firstSolveMs: null as number | null,
  timings: {} as Record<string, number>,
};

function showError(err: unknown): void {
  const e = $('error');
  e.hidden = false;
  e.textContent = err instanceof Error ? `${err.name === 'Error' ? 'Error' : err.name}: ${err.message}` : String(err);
  console.error(err);
}
function clearError(): void {
  $('error').hidden = true;
  $('error').textContent = '';
}

/** Runs an action with the solve/AA buttons off and errors shown in the page. */
async function guarded(fn: () => Promise<void>): Promise<void> {
  if (state.busy) return;
  state.busy = true;
  updateButtons();
  clearError();
  try {
    await fn();
  } catch (err) {
    showError(err);
  } finally {
    state.busy = false;
    updateButtons();
  }
}

function updateButtons(): void {
  const ready = state.model !== null && !state.busy;
  for (const id of ['solve', 'aa-run', 'generate']) ($(id) as HTMLButtonElement).disabled = !ready;
}

// ---- models ----

function setModel(m: Model, shippedId = ''): void {
  if (state.model && state.model !== m) state.model.net.dispose();
  state.model = m;
  $<HTMLSelectElement>('model-select').value = shippedId; // none selected for other models, so picking one reloads it
  const c = m.net.config;
  const acc = m.meta?.result?.exact_accuracy;
  const status = $('model-status');
  status.textContent =
    `${m.name}: ${m.task.label}, hidden ${c.hiddenSize}, ${c.numLayers} layers, n = ${c.latentSteps}, T = ${c.recursions}, N_sup = ${c.supervisionSteps}` +
    (acc !== undefined ? `; test exact accuracy ${(100 * acc).toFixed(1)}% on ${m.meta!.result!.test_puzzles} held-out ${m.task.kind === 'maze' ? 'mazes' : 'puzzles'}` : '');
  status.dataset.ready = '1';
  status.dataset.n = String(m.task.n);
  status.dataset.task = m.task.kind;
  document.body.dataset.task = m.task.kind; // the legend that fits (style.css)
  input('nsup').value = String(c.supervisionSteps);
  // The previous run belongs to the previous model: clear it.
  state.run = null;
  state.frames = [];
  state.index = -1;
  for (const id of ['grid', 'candidates', 'verdict', 'qhalt-chart']) $(id).innerHTML = '';
  $('grid').dataset.state = 'empty';
  $('step-label').textContent = '—';
  $<HTMLTextAreaElement>('puzzle').rows = m.task.n + 1;
  newPuzzle();
  updateButtons();
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`fetch ${url}: expected HTTP 200, got ${r.status}.`);
  return new Uint8Array(await r.arrayBuffer());
}

async function loadShipped(id: string): Promise<void> {
  const base = `${import.meta.env.BASE_URL}models/${id}/`;
  const [weights, json] = await Promise.all([fetchBytes(`${base}model.safetensors`), fetch(`${base}model.json`).then((r) => (r.ok && r.headers.get('content-type')?.includes('json') ? r.text() : null))]);
  setModel(loadModel(weights, json, `shipped ${id}`), id);
}

async function loadFiles(files: FileList): Promise<void> {
  const list = Array.from(files);
  const weights = list.find((f) => !f.name.endsWith('.json'));
  const json = list.find((f) => f.name.endsWith('.json'));
  if (!weights) throw new Error(`load checkpoint: expected a .safetensors file among the ${list.length} picked, got only ${list.map((f) => f.name).join(', ')}. Pick the weights too.`);
  try {
    setModel(loadModel(new Uint8Array(await weights.arrayBuffer()), json ? await json.text() : null, weights.name));
  } catch (err) {
    // Name the file: the user may have picked several.
    if (err instanceof Error) err.message = `${[weights, json].filter(Boolean).map((f) => f!.name).join(' + ')}: ${err.message}`;
    throw err;
  } finally {
    input('model-file').value = ''; // picking the same file again fires 'change' again
  }
}

// ---- puzzles ----

let generated = { text: '', solution: null as Uint8Array | null };
/** Puzzles generated so far: the k-th uses seed·1000 + k, so a page's sequence of puzzles is reproducible. */
let generatedCount = 0;

function newPuzzle(): void {
  const task = state.model!.task;
  const g = task.generate(Number(input('seed').value) * 1000 + generatedCount++);
  const text = task.format(g.puzzle);
  $<HTMLTextAreaElement>('puzzle').value = text;
  generated = { text, solution: g.solution };
}

// ---- solving and stepping ----

async function runSolve(): Promise<void> {
  const m = state.model!;
  const text = $<HTMLTextAreaElement>('puzzle').value;
  const puzzle = m.task.parse(text);
  const solution = text === generated.text ? generated.solution : m.task.solution(puzzle);
  const k = Number(input('k').value);
  const readout = $<HTMLSelectElement>('readout').value as ReadoutName;
  state.frames = [];
  state.run = null;
  $('grid').dataset.state = 'running';
  const partial: Run = { puzzle, solution, k, readout, result: { frames: [], haltStep: null, stepsPerSecond: 0, ms: 0 } };
  const result = await solve(
    m,
    puzzle,
    { steps: Number(input('nsup').value), k, readout, init: $<HTMLSelectElement>('init').value as InitMode, seed: Number(input('seed').value), inner: input('inner').checked },
    async (f) => {
      state.frames.push(f);
      state.run = partial;
      show(state.frames.length - 1);
      await new Promise((r) => requestAnimationFrame(() => r(null))); // paint each step as it arrives
    },
  );
  state.run = { ...partial, result };
  if (state.firstSolveMs === null) {
    state.firstSolveMs = performance.now();
    state.timings.firstSolveMs = state.firstSolveMs;
    state.timings.solveMs = result.ms;
  }
  show(state.frames.length - 1);
  $('grid').dataset.state = 'done';
  const b = $('backend');
  b.dataset.stepsPerSecond = result.stepsPerSecond.toFixed(2);
  $('timing').textContent =
    `Last solve: ${result.frames.filter((f) => f.inner === 0).length} supervision steps × ${k} run${k > 1 ? 's' : ''} in ${result.ms.toFixed(0)} ms = ` +
    `${result.stepsPerSecond.toFixed(1)} steps/s. Page load → first solve: ${(state.firstSolveMs / 1000).toFixed(2)} s.`;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Shows frame `i` of the current run: the read-out grid, changed cells, verdict, q_halt chart, the k candidates. */
function show(i: number): void {
  const run = state.run;
  const frames = state.frames;
  if (!run || frames.length === 0) return;
  i = Math.max(0, Math.min(frames.length - 1, i));
  state.index = i;
  const f = frames[i]!;
  const prev = i > 0 ? frames[i - 1]!.vote : null;
  const task = state.model!.task;
  const L = task.n * task.n;
  const grid = $('grid');
  grid.innerHTML = gridHtml(task, f.vote, f.voteConf, run.puzzle, prev, run.solution);
  grid.dataset.values = task.text(f.vote);
  grid.dataset.step = String(f.step);
  const scrub = input('scrub');
  scrub.max = String(Math.max(0, frames.length - 1));
  scrub.value = String(i);
  const T = state.model!.net.config.recursions;
  const label = $('step-label');
  label.textContent = `step ${f.step} of ${input('nsup').value}` + (f.inner ? ` · inside it, after latent recursion ${f.inner} of ${T}` : '') + ` (frame ${i + 1}/${frames.length})`;
  label.dataset.index = String(i);

  const right = run.solution ? f.vote.reduce((a, d, j) => a + (d === run.solution![j] ? 1 : 0), 0) : null;
  const halt = run.result.haltStep ?? frames.find((g) => g.inner === 0 && g.qHalt[0]! > 0)?.step ?? null;
  const verdict = $('verdict');
  verdict.innerHTML =
    `q_halt (run 1) = <b>${f.qHalt[0]!.toFixed(2)}</b> (P(halt) = ${sigmoid(f.qHalt[0]!).toFixed(2)})<br>` +
    (halt !== null ? `The model would halt at step <b>${halt}</b> (first q_halt > 0).` : 'The model has not chosen to halt yet (q_halt ≤ 0 so far).') +
    '<br>' +
    (right === null
      ? `Correctness unknown: the ${task.kind === 'maze' ? 'maze has no unique shortest path from S to G' : 'puzzle has no unique solution'}.`
      : right === L
        ? `<b style="color:#15803d">Correct</b>: all ${L} cells match the solution.`
        : `<b style="color:#c81e1e">Not yet right</b>: ${right}/${L} cells match the solution.`);
  verdict.dataset.correct = right === null ? 'unknown' : String(right === L);

  const steps = frames.filter((g) => g.inner === 0);
  const series = Array.from({ length: run.k }, (_, r) => ({
    label: run.k > 1 ? `run ${r + 1}` : 'q_halt',
    color: ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4d7c0f', '#be185d'][r % 8]!,
    points: steps.map((g) => [g.step, g.qHalt[r]!] as [number, number]),
    dots: true,
  }));
  const qs = steps.flatMap((g) => [...g.qHalt]);
  drawChart(svg('qhalt-chart'), series.slice(0, 8), {
    yMin: Math.min(-1, ...qs),
    yMax: Math.max(1, ...qs),
    xMin: 1,
    xMax: Math.max(2, Number(input('nsup').value)),
    hlines: [0],
    vlines: [{ x: f.step, label: 'now', color: '#888' }, ...(halt !== null ? [{ x: halt, label: 'halt', color: '#15803d' }] : [])],
    xLabel: 'supervision step',
  });

  const cands = $('candidates');
  if (run.k === 1) {
    cands.innerHTML = '';
    return;
  }
  let html = '';
  for (let r = 0; r < run.k; r++) {
    const d = f.digits.subarray(r * L, (r + 1) * L);
    const ok = run.solution ? d.every((x, j) => x === run.solution![j]) : null;
    html += `<div class="mini run" data-run="${r + 1}"><p>run ${r + 1} · q_halt ${f.qHalt[r]!.toFixed(2)}${ok === null ? '' : ok ? ' ✓' : ' ✗'}</p>${gridHtml(task, d, f.conf.subarray(r * L, (r + 1) * L), run.puzzle, null, run.solution)}</div>`;
  }
  html += `<div class="mini vote" data-values="${task.text(f.vote)}"><p><b>${run.readout}</b> read-out of ${run.k}</p>${gridHtml(task, f.vote, f.voteConf, run.puzzle, null, run.solution)}</div>`;
  cands.innerHTML = html;
}

// ---- AA view ----

async function runAa(): Promise<void> {
  const m = state.model!;
  const puzzle = m.task.parse($<HTMLTextAreaElement>('puzzle').value);
  const steps = Number(input('nsup').value);
  const { points, final } = await alignmentRuns(m, puzzle, steps, Number(input('seed').value));
  drawChart(
    svg('aa-chart'),
    [
      { label: 'cos(y₁, y₂)', color: '#2563eb', points: points.map((p) => [p.step, p.cosY]), dots: true },
      { label: 'cos(z₁, z₂)', color: '#dc2626', points: points.map((p) => [p.step, p.cosZ]), dots: true },
      { label: 'same cell', color: '#16a34a', points: points.map((p) => [p.step, p.agree]) },
    ],
    { yMin: Math.min(0, ...points.map((p) => Math.min(p.cosY, p.cosZ))), yMax: 1, xMin: 1, xMax: Math.max(2, steps), hlines: [1], xLabel: 'supervision step' },
  );
  const last = points.at(-1)!;
  const same = final[0].every((d, i) => d === final[1][i]);
  const s = $('aa-summary');
  s.textContent = `After ${steps} steps: cos(y) = ${last.cosY.toFixed(4)}, cos(z) = ${last.cosZ.toFixed(4)}; the two runs ${same ? 'give the same answer' : 'give different answers'} (${(100 * last.agree).toFixed(0)}% of cells agree).`;
  s.dataset.cosY = String(last.cosY);
  s.dataset.cosZ = String(last.cosZ);
}

// ---- training in the tab ----

async function runTraining(): Promise<void> {
  const seconds = Number(input('train-seconds').value);
  ($('train-start') as HTMLButtonElement).disabled = true;
  ($('train-stop') as HTMLButtonElement).disabled = false;
  const status = $('train-status');
  status.textContent = 'Generating puzzles…';
  await new Promise((r) => setTimeout(r, 0));
  state.trainer?.dispose();
  const t = (state.trainer = new TabTrainer(Number(input('seed').value)));
  const loss: [number, number][] = [];
  const acc: [number, number][] = [];
  let maxLoss = 1;
  try {
    await t.run(seconds, Math.max(5, Math.round(seconds / 10)), (p) => {
      loss.push([p.seconds, p.loss]);
      maxLoss = Math.max(maxLoss, p.loss);
      if (p.testExact !== undefined) acc.push([p.seconds, p.testExact]);
      status.textContent = `step ${p.step}, ${p.seconds.toFixed(0)} s: loss ${p.loss.toFixed(3)}` + (acc.length ? `; held-out exact accuracy ${(100 * acc.at(-1)![1]).toFixed(1)}% (250 puzzles)` : '');
      status.dataset.step = String(p.step);
      drawChart(
        svg('train-chart'),
        [
          { label: 'loss / max', color: '#dc2626', points: loss.map(([x, y]) => [x, y / maxLoss]) },
          { label: 'test exact', color: '#16a34a', points: acc, dots: true },
        ],
        { yMin: 0, yMax: 1, xMin: 0, xMax: Math.max(seconds, 1), xLabel: 'training seconds' },
      );
      ($('train-use') as HTMLButtonElement).disabled = false;
    });
  } finally {
    ($('train-start') as HTMLButtonElement).disabled = false;
    ($('train-stop') as HTMLButtonElement).disabled = true;
  }
}

// ---- start ----

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const sel = $<HTMLSelectElement>('model-select');
  sel.innerHTML = SHIPPED.map((s) => `<option value="${s.id}">${s.label}</option>`).join('');
  sel.addEventListener('change', () => void guarded(() => loadShipped(sel.value)));
  input('model-file').addEventListener('change', () => {
    const files = input('model-file').files;
    if (files && files.length) void guarded(() => loadFiles(files));
  });
  $('generate').addEventListener('click', () => newPuzzle());
  $('solve').addEventListener('click', () => void guarded(runSolve));
  $('aa-run').addEventListener('click', () => void guarded(runAa));
  $('first').addEventListener('click', () => show(0));
  $('prev').addEventListener('click', () => show(state.index - 1));
  $('next').addEventListener('click', () => show(state.index + 1));
  $('last').addEventListener('click', () => show(state.frames.length - 1));
  input('scrub').addEventListener('input', () => show(Number(input('scrub').value)));
  $('train-start').addEventListener('click', () => void runTraining().catch(showError));
  $('train-stop').addEventListener('click', () => state.trainer?.stop());
  $('train-use').addEventListener('click', () => void guarded(async () => setModel(await state.trainer!.toModel())));

  const b = $('backend');
  try {
    const active = await startBackend((params.get('backend') ?? 'auto') as BackendChoice);
    state.timings.backendMs = performance.now();
    b.textContent = `Backend: ${active.label}${globalThis.crossOriginIsolated ? ' · cross-origin isolated' : ''}` + (active.fallback ? ` — not WebGPU: ${active.fallback}` : '');
    b.dataset.name = active.name;
    b.dataset.multithread = String(Boolean((active.info.details as { multithread?: boolean }).multithread));
    b.dataset.ready = '1';
  } catch (err) {
    b.textContent = 'The backend failed to start.';
    showError(err);
    return;
  }
  await guarded(() => loadShipped(params.get('model') ?? sel.value));
  state.timings.modelMs = performance.now();
  (globalThis as { __trm?: unknown }).__trm = state.timings;
}

void main();
