/**
 * End to end, as a user gets it: `vite build` of the app (the packages' dist/), `vite preview` (with the COOP/COEP
 * headers), headless Debian Chromium through playwright-core — once on wasm and once on WebGPU over SwiftShader.
 * Solves a held-out puzzle with the shipped 4×4 checkpoint and checks the displayed grid against its solution,
 * steps back and forth, runs a k-vote, loads a bad checkpoint file, and saves screenshots to test-results/.
 *
 * Needs /usr/bin/chromium (or $TRM_CHROMIUM); never downloads a browser. TRM_SKIP_BROWSER=1 skips it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildAndPreview, ensureDist, launchChromium, requireChromium, SKIP_BROWSER as skip, type Browser, type Served } from '@trm-ts/example-browser/harness';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_4X4, KNOWN_4X4_SOLUTION, KNOWN_6X6, KNOWN_6X6_SOLUTION, KNOWN_MAZE9, KNOWN_MAZE9_ANSWER, THINKING_4X4 } from './fixtures.js';
import * as tf from '@tensorflow/tfjs-core';
import { useWasmBackend } from '@trm-ts/backend-wasm';
import { loadModel, solve } from '../src/engine.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MODELS = fileURLToPath(new URL('../public/models/', import.meta.url));
const shipped = (id: string) => existsSync(`${MODELS}${id}/model.safetensors`);
const ARTIFACTS = fileURLToPath(new URL('../test-results/', import.meta.url));
if (skip) console.warn('examples/web: TRM_SKIP_BROWSER=1, so the headless-Chromium tests are skipped.');

describe.skipIf(skip)('examples/web in headless Chromium', () => {
  let served: Served | undefined;

  beforeAll(async () => {
    requireChromium();
    ensureDist('trm-core', 'trm-backend-wasm', 'trm-backend-webgpu', 'trm-data', 'trm-eval');
    served = await buildAndPreview(ROOT);
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await served?.server.close();
  });

  it('bundles the packages from dist/, never their src/', () => {
    const ids = served!.moduleIds;
    for (const pkg of ['trm-core', 'trm-data', 'trm-eval', 'trm-backend-wasm', 'trm-backend-webgpu']) {
      expect(ids.some((id) => id.includes(`packages/${pkg}/dist/`)), pkg).toBe(true);
    }
    expect(ids.filter((id) => /packages\/trm-[^/]+\/src\//.test(id))).toEqual([]);
  });

  for (const backend of ['wasm', 'webgpu'] as const) {
    describe(`on ${backend}`, () => {
      let browser: Browser | undefined;
      let page: Page;
      const timings: Record<string, number> = {};

      beforeAll(async () => {
        browser = await launchChromium({ webgpu: backend === 'webgpu' });
        page = browser.page;
        await page.goto(`${served!.url}?backend=${backend}`);
        await page.waitForSelector('#backend[data-ready="1"], #error:not([hidden])', { timeout: 120_000 });
        await page.waitForSelector('#model-status[data-ready="1"], #error:not([hidden])', { timeout: 120_000 });
      }, 300_000);

      afterAll(async () => {
        writeFileSync(`${ARTIFACTS}timings-${backend}.json`, `${JSON.stringify(timings, null, 2)}\n`);
        await browser?.close();
      });

      const fail = async () => `page error: ${await page.textContent('#error')}\nconsole:\n${browser!.console.join('\n')}`;

      async function solvePuzzle(text: string): Promise<void> {
        await page.fill('#puzzle', text);
        await page.click('#solve');
        await page.waitForSelector('#grid[data-state="done"], #error:not([hidden])', { timeout: 240_000 });
        expect(await page.isHidden('#error'), await fail()).toBe(true);
      }

      it(`runs on ${backend} and loads the shipped 4×4 model`, async () => {
        expect(await page.isHidden('#error'), await fail()).toBe(true);
        expect(await page.getAttribute('#backend', 'data-name')).toBe(backend);
        if (backend === 'wasm') {
          // vite preview sends COOP/COEP, so the page is cross-origin isolated and wasm runs threaded.
          expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
          expect(await page.getAttribute('#backend', 'data-multithread')).toBe('true');
        } else {
          expect(await page.textContent('#backend')).toMatch(/swiftshader/i);
        }
        expect(await page.getAttribute('#model-status', 'data-n')).toBe('4');
      });

      it('solves a held-out puzzle: the displayed grid is its solution, marked correct', async () => {
        await solvePuzzle(KNOWN_4X4);
        expect(await page.getAttribute('#grid', 'data-values')).toBe(KNOWN_4X4_SOLUTION);
        expect(await page.getAttribute('#grid', 'data-step')).toBe('16');
        expect(await page.getAttribute('#verdict', 'data-correct')).toBe('true');
        expect(await page.locator('#grid .cell').count()).toBe(16);
        expect(await page.textContent('#timing')).toMatch(/steps\/s/);
        Object.assign(timings, await page.evaluate(() => (globalThis as { __trm?: Record<string, number> }).__trm ?? {}));
        timings.stepsPerSecond = Number(await page.getAttribute('#backend', 'data-steps-per-second'));
      });

      it('steps back and forth through the supervision steps', async () => {
        const step = async () => [await page.getAttribute('#grid', 'data-step'), await page.getAttribute('#step-label', 'data-index')];
        await page.click('#prev');
        expect(await step()).toEqual(['15', '14']);
        await page.click('#first');
        expect(await step()).toEqual(['1', '0']);
        await page.click('#next');
        expect(await step()).toEqual(['2', '1']);
        await page.screenshot({ path: `${ARTIFACTS}${backend}-step2.png`, fullPage: true });
        await page.click('#last');
        expect(await step()).toEqual(['16', '15']);
        expect(await page.getAttribute('#grid', 'data-values')).toBe(KNOWN_4X4_SOLUTION);
      });

      it('runs k = 4 random inits side by side and votes', async () => {
        await page.fill('#k', '4');
        await page.selectOption('#init', 'random');
        await page.selectOption('#readout', 'cellMode');
        await solvePuzzle(KNOWN_4X4);
        expect(await page.locator('#candidates .mini.run').count()).toBe(4);
        expect(await page.getAttribute('#candidates .mini.vote', 'data-values')).toBe(KNOWN_4X4_SOLUTION);
        expect(await page.getAttribute('#grid', 'data-values')).toBe(KNOWN_4X4_SOLUTION);
        // Mid-solve: step 3 of 16, cells still changing.
        await page.click('#first');
        await page.click('#next');
        await page.click('#next');
        await page.screenshot({ path: `${ARTIFACTS}${backend}-k4-mid-solve.png`, fullPage: true });
        await page.fill('#k', '1');
        await page.selectOption('#init', 'static');
        await page.selectOption('#readout', 'single');
      });

      it.runIf(backend === 'wasm')('shows the latent recursions inside a step, the AA view, and trains in the tab', async () => {
        // The latent recursions inside each step: T = 2 frames per supervision step.
        await page.check('#inner');
        await solvePuzzle(KNOWN_4X4);
        expect(await page.getAttribute('#grid', 'data-values')).toBe(KNOWN_4X4_SOLUTION);
        await page.click('#first');
        expect(await page.textContent('#step-label')).toMatch(/^step 1 of 16 · inside it, after latent recursion 1 of 2 \(frame 1\/32\)/);
        // The README's picture: a puzzle the model needs a few recursions for, stopped mid-solve (frame 3).
        await solvePuzzle(THINKING_4X4);
        await page.click('#first');
        await page.click('#next');
        await page.click('#next');
        await page.screenshot({ path: `${ARTIFACTS}readme-mid-solve.png`, clip: { x: 0, y: 0, width: 1280, height: 760 } });
        await page.uncheck('#inner');

        await page.click('#aa-run');
        await page.waitForSelector('#aa-summary[data-cos-y], #error:not([hidden])', { timeout: 60_000 });
        expect(await page.isHidden('#error'), await fail()).toBe(true);
        for (const a of ['data-cos-y', 'data-cos-z']) expect(Math.abs(Number(await page.getAttribute('#aa-summary', a)))).toBeLessThanOrEqual(1 + 1e-9);
        expect(await page.locator('#aa-chart path').count()).toBe(3);

        await page.fill('#train-seconds', '5');
        // Dispatched in the page: the click starts seconds of synchronous puzzle generation, and page.click would
        // wait on the busy main thread to acknowledge the input event.
        await page.evaluate(() => document.getElementById('train-start')!.click());
        await page.waitForSelector('#train-start:enabled', { timeout: 120_000 });
        expect(Number(await page.getAttribute('#train-status', 'data-step'))).toBeGreaterThan(0);
        expect(await page.textContent('#train-status')).toMatch(/held-out exact accuracy/);
        await page.click('#train-use');
        await page.waitForSelector('#model-status:text-matches("^trained in this tab")', { timeout: 30_000 });
        expect(await page.getAttribute('#model-status', 'data-ready')).toBe('1');
        await page.screenshot({ path: `${ARTIFACTS}${backend}-aa-train.png`, fullPage: true });
        await page.selectOption('#model-select', 'sudoku4');
        await page.waitForSelector('#model-status:text-matches("^shipped sudoku4")', { timeout: 30_000 });
      });

      it('a bad checkpoint file gives a readable message and keeps the model', async () => {
        await page.setInputFiles('#model-file', { name: 'bad.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('this is not a checkpoint') });
        await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
        const msg = (await page.textContent('#error'))!;
        expect(msg).toMatch(/^SafetensorsError: bad\.safetensors: safetensors header/);
        expect(msg).toMatch(/expected .*, got /);
        expect(await page.getAttribute('#model-status', 'data-ready')).toBe('1');
        expect(await page.textContent('#model-status')).toMatch(/^shipped sudoku4/);
        await page.screenshot({ path: `${ARTIFACTS}${backend}-bad-checkpoint.png` });
      });

      it.runIf(shipped('maze9'))('the maze model: a held-out maze solved, wall/S/G cells drawn, a bad maze gives a readable message', async () => {
        await page.selectOption('#model-select', 'maze9');
        await page.waitForSelector('#model-status:text-matches("^shipped maze9: 9×9 maze")', { timeout: 60_000 });
        expect(await page.getAttribute('#model-status', 'data-task')).toBe('maze');
        // Selecting the model generated a maze in the # SG form.
        expect(await page.inputValue('#puzzle')).toMatch(/^([# SG]{9}\n){8}[# SG]{9}$/);
        await solvePuzzle(KNOWN_MAZE9);
        expect(await page.getAttribute('#grid', 'data-values')).toBe(KNOWN_MAZE9_ANSWER);
        expect(await page.getAttribute('#verdict', 'data-correct')).toBe('true');
        expect(await page.locator('#grid .cell').count()).toBe(81);
        expect(await page.locator('#grid .cell.wall').count()).toBe([...KNOWN_MAZE9].filter((c) => c === '#').length);
        expect(await page.textContent('#grid .cell.start')).toBe('S');
        expect(await page.textContent('#grid .cell.goal')).toBe('G');
        expect(await page.locator('#grid .cell[style*="234, 88, 12"]').count()).toBe([...KNOWN_MAZE9_ANSWER].filter((c) => c === 'o').length);
        await page.click('#first');
        expect(await page.getAttribute('#grid', 'data-step')).toBe('1');
        await page.screenshot({ path: `${ARTIFACTS}${backend}-maze-step1.png`, fullPage: true });
        await page.click('#last');
        expect(await page.getAttribute('#grid', 'data-values')).toBe(KNOWN_MAZE9_ANSWER);

        await page.fill('#puzzle', KNOWN_MAZE9.replace('S', 'x'));
        await page.click('#solve');
        await page.waitForSelector('#error:not([hidden])', { timeout: 30_000 });
        expect(await page.textContent('#error')).toMatch(/^ConfigError: maze: row \d, column \d is "x": expected '#' \(wall\)/);
      });

      it.runIf(backend === 'wasm' && shipped('maze9'))('a generated maze: the page shows what the model computes in Node, right exactly when it is the generator\'s answer', async () => {
        await page.click('#generate');
        const text = await page.inputValue('#puzzle');
        await solvePuzzle(text);
        const shown = await page.getAttribute('#grid', 'data-values');
        // The same model and maze through engine.ts in Node (wasm backend).
        await useWasmBackend();
        const model = loadModel(readFileSync(`${MODELS}maze9/model.safetensors`), readFileSync(`${MODELS}maze9/model.json`, 'utf8'), 'maze9');
        const puzzle = model.task.parse(text);
        const before = tf.memory().numTensors;
        const r = await solve(model, puzzle, { steps: 16, k: 1, readout: 'single', init: 'static', seed: 0 });
        expect(tf.memory().numTensors).toBe(before);
        model.net.dispose();
        const expected = model.task.text(r.frames.at(-1)!.vote);
        expect(shown).toBe(expected);
        const answer = model.task.text(model.task.solution(puzzle)!);
        expect(await page.getAttribute('#verdict', 'data-correct')).toBe(String(expected === answer));
      });

      it.runIf(shipped('sudoku6'))('the 6×6 model loads and solves a held-out puzzle', async () => {
        await page.selectOption('#model-select', 'sudoku6');
        await page.waitForSelector('#model-status:text-matches("^shipped sudoku6: 6×6 sudoku")', { timeout: 60_000 });
        await solvePuzzle(KNOWN_6X6);
        expect(await page.getAttribute('#grid', 'data-values')).toBe(KNOWN_6X6_SOLUTION);
        expect(await page.getAttribute('#verdict', 'data-correct')).toBe('true');
        expect(await page.locator('#grid .cell').count()).toBe(36);
        await page.screenshot({ path: `${ARTIFACTS}${backend}-sudoku6.png`, fullPage: true });
      });

      it.runIf(backend === 'webgpu')('left to choose, picks wasm over a software WebGPU adapter and says why', async () => {
        await page.goto(served!.url);
        await page.waitForSelector('#backend[data-ready="1"], #error:not([hidden])', { timeout: 120_000 });
        expect(await page.getAttribute('#backend', 'data-name')).toBe('wasm');
        expect(await page.textContent('#backend')).toMatch(/not WebGPU: its adapter is software \(.*swiftshader.*\), slower than wasm/i);
      });
    });
  }
});
