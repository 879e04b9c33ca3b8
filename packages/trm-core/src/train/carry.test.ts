import { describe, expect, it } from 'vitest';
import { createCarry, fillRows, runningRows, shouldHalt } from './carry.js';

describe('carry (§4.2) and halting rule (§4.4)', () => {
  it('fillRows copies the flagged rows of a fresh batch and starts them at step 0', () => {
    const carry = createCarry(3, 2, { latentSteps: 1, recursions: 1 });
    carry.steps.set([5, 5, 5]);
    const fresh = { batchSize: 3, seqLen: 2, inputs: Int32Array.from([1, 2, 3, 4, 5, 6]), labels: Int32Array.from([7, 8, 9, 10, 11, 12]), puzzleIds: Int32Array.from([0, 1, 2]) };
    fillRows(carry, fresh, Uint8Array.from([1, 0, 1]));
    expect(Array.from(carry.inputs)).toEqual([1, 2, 0, 0, 5, 6]);
    expect(Array.from(carry.labels)).toEqual([7, 8, 0, 0, 11, 12]);
    expect(Array.from(carry.puzzleIds)).toEqual([0, 0, 2]);
    expect(Array.from(carry.steps)).toEqual([0, 5, 0]);
    expect(Array.from(carry.halted)).toEqual([0, 1, 0]);
    expect(Array.from(runningRows(carry))).toEqual([1, 0, 1]);
  });

  it('halts at the cap, by q_halt > 0 (or > q_continue) once past the exploration veto, never by q at cap 1', () => {
    const carry = createCarry(1, 1, { latentSteps: 1, recursions: 1 });
    const rule = { byQ: true, qContinue: false };
    const at = (steps: number, cap: number, minSteps: number) => {
      carry.steps[0] = steps;
      carry.caps[0] = cap;
      carry.minSteps[0] = minSteps;
    };
    at(3, 3, 0);
    expect(shouldHalt(carry, 0, -1, 0, rule)).toBe(true); // cap reached
    at(1, 3, 0);
    expect(shouldHalt(carry, 0, 0.1, 0, rule)).toBe(true);
    expect(shouldHalt(carry, 0, -0.1, 0, rule)).toBe(false);
    expect(shouldHalt(carry, 0, 0.1, 0, { byQ: false, qContinue: false })).toBe(false);
    at(1, 3, 2);
    expect(shouldHalt(carry, 0, 0.1, 0, rule)).toBe(false); // exploration veto
    at(2, 3, 2);
    expect(shouldHalt(carry, 0, 0.1, 0, rule)).toBe(true);
    at(0, 1, 0);
    expect(shouldHalt(carry, 0, 5, 0, rule)).toBe(false); // steps 0 < cap 1, and q is ignored at cap 1
    at(1, 3, 0);
    expect(shouldHalt(carry, 0, 0.1, 0.2, { byQ: true, qContinue: true })).toBe(false);
    expect(shouldHalt(carry, 0, 0.3, 0.2, { byQ: true, qContinue: true })).toBe(true);
  });
});
