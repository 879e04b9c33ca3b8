import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { Rng } from '../../random.js';
import { expectBinomial, mean } from '../testing/draws.js';
import { drawLatentInit } from './latent-init.js';

describe('latent init draws (§8.3)', () => {
  const req = { batch: 4, positions: 10, hidden: 64, training: true };

  it('random: one N(0, 1)·sqrt(1/D) vector [D] per call for y, an independent one for z', () => {
    const rng = new Rng(51);
    const ys: number[] = [];
    let cross = 0;
    let first: Float32Array | undefined;
    const calls = 200;
    for (let i = 0; i < calls; i++) {
      const init = drawLatentInit(rng, 'random', req);
      if (init.kind !== 'vector') throw new Error('expected a vector init');
      expect(init.y.length).toBe(64);
      expect(init.z.length).toBe(64);
      if (i === 0) first = init.y;
      else expect(Array.from(init.y)).not.toEqual(Array.from(first!)); // a fresh draw per forward pass
      ys.push(...init.y);
      for (let k = 0; k < 64; k++) cross += init.y[k]! * init.z[k]!;
    }
    const n = ys.length;
    const scale = Math.sqrt(1 / 64);
    const m = mean(ys);
    const sd = Math.sqrt(ys.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1));
    expect(Math.abs(m)).toBeLessThanOrEqual((5 * scale) / Math.sqrt(n));
    expect(Math.abs(sd / scale - 1)).toBeLessThanOrEqual(5 / Math.sqrt(2 * n));
    // independence of y and z: E[y·z] = 0, sd of the mean product = scale²/sqrt(n)
    expect(Math.abs(cross / n)).toBeLessThanOrEqual((5 * scale * scale) / Math.sqrt(n));
    const unit = drawLatentInit(rng, 'random', { ...req, initScale: 1 });
    if (unit.kind !== 'vector') throw new Error('expected a vector init');
    expect(Math.max(...Array.from(unit.y, Math.abs))).toBeGreaterThan(1); // std 1, not 1/8
  });

  it('mixed: zeros with N(0, 1) on an independent Bernoulli(0.5) half of [B, P, D], zeros at test', () => {
    const rng = new Rng(52);
    const init = drawLatentInit(rng, 'mixed', req);
    if (init.kind !== 'full') throw new Error('expected a full init');
    const size = 4 * 10 * 64;
    expect(init.shape).toEqual([4, 10, 64]);
    expect(init.y.length).toBe(size);
    let ny = 0;
    let both = 0;
    let sq = 0;
    for (let i = 0; i < size; i++) {
      if (init.y[i] !== 0) {
        ny++;
        sq += init.y[i]! ** 2;
      }
      if (init.y[i] !== 0 && init.z[i] !== 0) both++;
    }
    expectBinomial(ny, size, 0.5);
    expectBinomial(both, size, 0.25);
    expect(Math.abs(sq / ny - 1)).toBeLessThanOrEqual(5 * Math.sqrt(2 / ny)); // Var(x²) = 2 for N(0, 1)
    const test = drawLatentInit(rng, 'mixed', { ...req, training: false });
    expect(test).toEqual({ kind: 'vector', y: new Float32Array(64), z: new Float32Array(64) });
  });

  it('zeros and static draw nothing; bad requests are rejected', () => {
    const rng = new Rng(53);
    const state = rng.getState();
    expect(drawLatentInit(rng, 'zeros', req)).toEqual({ kind: 'vector', y: new Float32Array(64), z: new Float32Array(64) });
    expect(drawLatentInit(rng, 'static', req)).toEqual({ kind: 'static' });
    expect(rng.getState()).toEqual(state);
    expect(() => drawLatentInit(rng, 'gaussian' as 'random', req)).toThrow(ConfigError);
    expect(() => drawLatentInit(rng, 'random', { ...req, hidden: 0 })).toThrow(ConfigError);
    expect(() => drawLatentInit(rng, 'random', { ...req, initScale: Number.NaN })).toThrow(ConfigError);
  });
});
