import { describe, expect, it } from 'vitest';
import { DataError } from './errors.js';
import { arcGridFromTokens, arcGridToTokens, drawSudoku, mazeFromTokens, mazeToTokens, sudokuFromTokens, sudokuToTokens } from './tokens.js';

describe('sudoku string ↔ tokens', () => {
  it('encodes digit + 1 and blank (. or 0) as 1, inferring n from the length', () => {
    expect(Array.from(sudokuToTokens('1.3.0200........'))).toEqual([2, 1, 4, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(sudokuFromTokens(sudokuToTokens('1.3.0200........'))).toBe('1.3..2..........');
  });
  it('ignores whitespace and drawn box lines', () => {
    expect(Array.from(sudokuToTokens('12|34\n--+--\n34|12\n21|43\n43|21'))).toEqual([2, 3, 4, 5, 4, 5, 2, 3, 3, 2, 5, 4, 5, 4, 3, 2]);
  });
  it('round-trips a 9×9 string', () => {
    const s = '.'.repeat(40) + '123456789' + '.'.repeat(32);
    expect(sudokuFromTokens(sudokuToTokens(s))).toBe(s);
  });
  it('draws boxes (2×3 for 6×6)', () => {
    expect(drawSudoku('123456' + '.'.repeat(30)).split('\n')[0]).toBe(' 1 2 3 | 4 5 6 ');
    expect(drawSudoku('1234' + '.'.repeat(12))).toBe([' 1 2 | 3 4 ', ' . . | . . ', '-----+-----', ' . . | . . ', ' . . | . . '].join('\n'));
  });
  it('rejects a wrong length or a digit above n with one readable DataError', () => {
    expect(() => sudokuToTokens('123')).toThrow(/expected 16, 36, 81 cells, got 3/);
    expect(() => sudokuToTokens('5...............')).toThrow(DataError);
    expect(() => sudokuFromTokens([9, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])).toThrow(DataError);
  });
});

describe('maze rows ↔ tokens', () => {
  it('encodes # SGo as 1..5 and decodes to rows', () => {
    expect(Array.from(mazeToTokens(['#S', 'Go']))).toEqual([1, 3, 4, 5]);
    expect(Array.from(mazeToTokens('# \nSG'))).toEqual([1, 2, 3, 4]);
    expect(mazeFromTokens([1, 3, 4, 5])).toEqual(['#S', 'Go']);
  });
  it('rejects non-square mazes and unknown characters', () => {
    expect(() => mazeToTokens('###')).toThrow(/square number/);
    expect(() => mazeToTokens(['#x', '  '])).toThrow(DataError);
  });
});

describe('ARC grid ↔ tokens', () => {
  it('writes colour + 2 on the 30×30 canvas with EOS below and to the right', () => {
    const t = arcGridToTokens([[0, 1], [2, 3]]);
    expect(t.length).toBe(900);
    expect([t[0], t[1], t[2], t[30], t[31], t[32], t[60], t[61], t[62]]).toEqual([2, 3, 1, 4, 5, 1, 1, 1, 0]);
    expect(arcGridFromTokens(t)).toEqual([[0, 1], [2, 3]]);
  });
  it('returns null for a canvas with no colour at the top-left and rejects bad grids', () => {
    expect(arcGridFromTokens(new Int32Array(900))).toBeNull();
    expect(() => arcGridToTokens([[0, 10]])).toThrow(/colour 0-9/);
  });
});
