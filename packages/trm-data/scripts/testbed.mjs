/**
 * Properties of the issue-14 sudoku testbed: for the split the experiments use (seed 42, 2000 train base puzzles
 * × 8 augmentations, 256 val, 1000 test), the canonical classes per split, whether the test puzzles are pairwise
 * distinct by canonical form and disjoint from train / val, the propagation rounds and the hard slice.
 * With `--hard K` (default 1000) also the extra `hardTest` split of K puzzles that propagation cannot solve (sizes
 * whose class space runs out, 4×4, get none). Prints one JSON object. Run after `pnpm build:libs`:
 * `node packages/trm-data/scripts/testbed.mjs [--n 6,4] [--hard 1000]`.
 */
import { canonicalSudokuKey, countClues, decodeSudoku, propagate, solverFor, sudokuSpec, sudokuSplits, testbedProperties } from '@trm-ts/data';

const arg = process.argv.indexOf('--n');
const sizes = arg > 0 ? process.argv[arg + 1].split(',').map(Number) : [6, 4];
const hardArg = process.argv.indexOf('--hard');
const hard = hardArg > 0 ? Number(process.argv[hardArg + 1]) : 1000;
const SPLIT = { seed: 42, train: 2000, val: 256, test: 1000, augmentations: 8 };

/** The puzzles of a dataset; for train only each group's first (unaugmented) puzzle. */
function puzzles(ds, n, baseOnly) {
  const out = [];
  const count = baseOnly ? ds.numGroups : ds.numExamples;
  for (let k = 0; k < count; k++) {
    const example = baseOnly ? ds.puzzleIndices[ds.groupIndices[k]] : k;
    out.push(decodeSudoku(ds.example(example).inputs, n));
  }
  return out;
}

/** Where propagation stops on puzzles it cannot solve: rounds done, blanks left, and the solver's guesses. */
function stuck(ps, spec) {
  if (ps.length === 0) return null;
  const mean = (f) => Number((ps.reduce((a, p) => a + f(p), 0) / ps.length).toFixed(3));
  return {
    meanClues: mean((p) => countClues(p)),
    meanRoundsBeforeStuck: mean((p) => propagate(p, spec).rounds),
    meanBlanksLeft: mean((p) => spec.n * spec.n - countClues(propagate(p, spec).grid)),
    meanSolverGuesses: mean((p) => solverFor(spec).solve(p, { limit: 1 }).guesses),
  };
}

function summary(props) {
  const { puzzles: _per, hardIndices, ...rest } = props;
  return { ...rest, hardSlice: hardIndices.length };
}

const result = { split: SPLIT, sizes: {} };
for (const n of sizes) {
  const spec = sudokuSpec(n);
  const t0 = performance.now();
  const s = sudokuSplits({ n, ...SPLIT });
  const splitSeconds = (performance.now() - t0) / 1000;
  const sets = { train: puzzles(s.train, n, true), val: puzzles(s.val, n, false), test: puzzles(s.test, n, false) };
  let hardSplit = null;
  if (hard > 0 && !s.info.classSpaceExhausted) {
    const t1 = performance.now();
    const withHard = sudokuSplits({ n, ...SPLIT, hardTest: hard });
    const seconds = (performance.now() - t1) / 1000;
    const same = ['train', 'val', 'test'].every((k) => withHard[k].inputs.every((v, i) => v === s[k].inputs[i]));
    hardSplit = { seconds: Number(seconds.toFixed(1)), otherSplitsUnchanged: same };
    sets.hardTest = puzzles(withHard.hardTest, n, false);
  }
  const keys = Object.fromEntries(Object.entries(sets).map(([k, ps]) => [k, ps.map((p) => canonicalSudokuKey(p, spec))]));
  const classSet = (k) => new Set(keys[k]);
  const shared = (a, b) => {
    const other = classSet(b);
    return keys[a].filter((key) => other.has(key)).length;
  };
  const props = Object.fromEntries(Object.entries(sets).map(([k, ps]) => [k, testbedProperties(ps, spec)]));
  const hardTest = props.test.hardIndices.map((i) => keys.test[i]);
  result.sizes[n] = {
    splitSeconds: Number(splitSeconds.toFixed(1)),
    info: s.info,
    testPairwiseClassDistinct: classSet('test').size === keys.test.length,
    testPuzzlesSharingAClassWithTrain: shared('test', 'train'),
    testPuzzlesSharingAClassWithVal: shared('test', 'val'),
    valPuzzlesSharingAClassWithTrain: shared('val', 'train'),
    hardTestSlice: { size: hardTest.length, classes: new Set(hardTest).size, ...stuck(props.test.hardIndices.map((i) => sets.test[i]), spec) },
    ...(hardSplit ? {
      hardTestSplit: {
        ...hardSplit,
        pairwiseClassDistinct: classSet('hardTest').size === keys.hardTest.length,
        puzzlesSharingAClassWithTrainValTest: ['train', 'val', 'test'].reduce((a, k) => a + shared('hardTest', k), 0),
        ...summary(props.hardTest),
        ...stuck(sets.hardTest, spec),
      },
    } : {}),
    train: summary(props.train),
    val: summary(props.val),
    test: summary(props.test),
  };
}
console.log(JSON.stringify(result, null, 2));
