import { describe, expect, it } from 'vitest';
import { createCarry } from '../carry.js';
import { aliveNormalisation, batchRestarts, streamRestarts } from './loop.js';

describe('loops (§4.2, §4.3)', () => {
  it('streaming restarts exactly the halted rows, classic only a fully halted batch', () => {
    const some = Uint8Array.from([1, 0, 1, 0]);
    expect(streamRestarts.select(some)).toEqual({ rows: Uint8Array.from([1, 0, 1, 0]), wholeBatch: false });
    expect(streamRestarts.select(new Uint8Array(4))).toBeNull();
    expect(streamRestarts.select(new Uint8Array(4).fill(1))?.wholeBatch).toBe(true);
    expect(batchRestarts.select(some)).toBeNull();
    expect(batchRestarts.select(new Uint8Array(4).fill(1))).toEqual({ rows: new Uint8Array(4).fill(1), wholeBatch: true });
  });

  it("'alive' divides every weight by the number of running rows", () => {
    const carry = createCarry(4, 2, { latentSteps: 1, recursions: 1 });
    carry.halted.set([0, 1, 0, 0]);
    const w = Float32Array.from([1, 0, 0.5, 1]);
    aliveNormalisation.apply(w, carry);
    expect(Array.from(w)).toEqual([1 / 3, 0, Math.fround(0.5 / 3), 1 / 3].map(Math.fround));
  });
});
