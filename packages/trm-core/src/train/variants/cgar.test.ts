import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.js';
import { createCarry } from '../carry.js';
import { CGAR_CURRICULUM, cgarCurriculum, cgarStepWeights, curriculumDepth, hierarchicalStepWeights } from './cgar.js';
import { Rng } from '../../random.js';

describe('CGAR curriculum (§10.4)', () => {
  it('switches (n, T) at 30% and 60% of training', () => {
    expect(curriculumDepth(0)).toEqual({ latentSteps: 2, recursions: 1 });
    expect(curriculumDepth(0.2999)).toEqual({ latentSteps: 2, recursions: 1 });
    expect(curriculumDepth(0.3)).toEqual({ latentSteps: 4, recursions: 2 });
    expect(curriculumDepth(0.5999)).toEqual({ latentSteps: 4, recursions: 2 });
    expect(curriculumDepth(0.6)).toEqual({ latentSteps: 6, recursions: 3 });
    expect(curriculumDepth(1)).toEqual({ latentSteps: 6, recursions: 3 });
    expect(curriculumDepth(1.2)).toEqual({ latentSteps: 6, recursions: 3 });
  });

  it('averages 12.3 of 21 network applications per step over a run (41.4% fewer FLOPs)', () => {
    const steps = 100000;
    let cost = 0;
    for (let i = 0; i < steps; i++) {
      const { latentSteps: n, recursions: T } = curriculumDepth(i / steps);
      cost += T * (n + 1);
    }
    expect(cost / steps).toBeCloseTo(0.3 * 3 + 0.3 * 10 + 0.4 * 21, 3);
    expect(1 - cost / steps / 21).toBeCloseTo(0.414, 3);
  });

  it('takes a custom curriculum and validates it', () => {
    const c = { thresholds: [0.5], stages: [{ latentSteps: 1, recursions: 1 }, { latentSteps: 3, recursions: 2 }] };
    expect(curriculumDepth(0.49, c)).toEqual({ latentSteps: 1, recursions: 1 });
    expect(curriculumDepth(0.5, c)).toEqual({ latentSteps: 3, recursions: 2 });
    expect(() => curriculumDepth(0.1, { thresholds: [0.5, 0.4], stages: [...c.stages, c.stages[0]!] })).toThrow(ConfigError);
    expect(() => curriculumDepth(0.1, { thresholds: [0.5], stages: c.stages.slice(0, 1) })).toThrow(ConfigError);
    expect(() => curriculumDepth(0.1, { thresholds: [0.5], stages: [c.stages[0]!, { latentSteps: 0, recursions: 1 }] })).toThrow(ConfigError);
    expect(() => curriculumDepth(-0.1)).toThrow(ConfigError);
    expect(CGAR_CURRICULUM.thresholds).toEqual([0.3, 0.6]);
  });

  it('weights supervision step t by 0.7^(t−1)/Z with Z = 3.322 for N_sup = 16', () => {
    const w = hierarchicalStepWeights(16);
    const z = (1 - 0.7 ** 16) / (1 - 0.7); // geometric series
    expect(z).toBeCloseTo(3.322, 3);
    expect(w.length).toBe(16);
    expect(w[0]).toBeCloseTo(1 / 3.3222, 4);
    for (let t = 1; t < 16; t++) expect(w[t]! / w[t - 1]!).toBeCloseTo(0.7, 12);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(Array.from(hierarchicalStepWeights(1))).toEqual([1]);
    expect(() => hierarchicalStepWeights(0)).toThrow(ConfigError);
  });
});

describe('CGAR as policy slots', () => {
  it('the curriculum schedule uses progress (step − 1) / totalSteps, T − 1 untaped', () => {
    const s = cgarCurriculum(10);
    const carry = createCarry(1, 1, { latentSteps: 1, recursions: 1 });
    const rng = new Rng(0);
    expect(s.at(1, rng, carry)).toEqual({ latentSteps: 2, recursions: 1, untaped: 0, taped: 1 });
    expect(s.at(4, rng, carry)).toEqual({ latentSteps: 4, recursions: 2, untaped: 1, taped: 1 }); // ρ = 0.3
    expect(s.at(10, rng, carry)).toEqual({ latentSteps: 6, recursions: 3, untaped: 2, taped: 1 });
  });

  it("step weights multiply a running row's weight by w_t of its own step; halted rows keep theirs", () => {
    const carry = createCarry(3, 1, { latentSteps: 1, recursions: 1 });
    carry.halted.set([0, 0, 1]);
    carry.steps.set([0, 2, 9]);
    const w = Float32Array.from([1, 1, 0]);
    cgarStepWeights(4).apply(w, carry);
    const z = 1 + 0.7 + 0.49 + 0.343;
    expect(w[0]).toBeCloseTo(1 / z, 6);
    expect(w[1]).toBeCloseTo(0.49 / z, 6);
    expect(w[2]).toBe(0);
  });
});
