import { ShapeError } from '@trm-ts/core';
import { describe, expect, it } from 'vitest';
import { IGNORE_LABEL } from '@trm-ts/core';
import { scorePredictions } from './metrics.js';

describe('scorePredictions (§8.1)', () => {
  const labels = Int32Array.from([1, 2, 3, 1, IGNORE_LABEL, 2, IGNORE_LABEL, IGNORE_LABEL, IGNORE_LABEL]);
  const pred = Int32Array.from([1, 2, 0, 1, 9, 2, 5, 5, 5]);
  it('averages per-row cell accuracy, ignores −100 cells and rows without labels', () => {
    // row 0: 2/3, not solved; row 1: 2/2 (the ignored cell is wrong), solved; row 2: no labels → not counted
    const s = scorePredictions(pred, labels, 3);
    expect(s.rows).toBe(2);
    expect(s.solved).toBeCloseTo(0.5, 12);
    expect(s.cellAcc).toBeCloseTo((2 / 3 + 1) / 2, 12);
  });
  it('excludes masked (padding) rows', () => {
    const s = scorePredictions(pred, labels, 3, [1, 0, 1]);
    expect(s.rows).toBe(1);
    expect(s.solved).toBe(0);
    expect(s.cellAcc).toBeCloseTo(2 / 3, 12);
  });
  it('rejects mismatched lengths and masks', () => {
    expect(() => scorePredictions(pred.subarray(1), labels, 3)).toThrow(ShapeError);
    expect(() => scorePredictions(pred, labels, 3, [1, 1])).toThrow(ShapeError);
  });
});
