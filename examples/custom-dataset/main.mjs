// A custom dataset for trm-ts: "sort the digits". The input is 8 random digits, the label the same digits in
// ascending order. Tokens: 0 = PAD, digit d → d + 1 (vocab 11), as the official Sudoku encoding does.
// Each group holds one sequence and 3 "augmentations" (the same multiset shuffled differently, all with the same
// sorted label), so the seeded sampler draws one of them per group per epoch (ALGORITHM.md §7.7).
// Run from the repository root: pnpm exec turbo run build --filter=@trm-ts/example-custom-dataset... && node examples/custom-dataset/main.mjs
import { Rng } from '@trm-ts/core';
import { datasetFromExamples } from '@trm-ts/data';

const LENGTH = 8;
const rng = new Rng(1);

function* sortTheDigits(groups) {
  for (let g = 0; g < groups; g++) {
    const digits = Array.from({ length: LENGTH }, () => rng.int(0, 9));
    const labels = [...digits].sort((a, b) => a - b).map((d) => d + 1);
    for (let a = 0; a < 4; a++) {
      const shuffled = a === 0 ? digits : rng.shuffle([...digits]);
      yield { inputs: shuffled.map((d) => d + 1), labels, group: g, puzzle: `${g}/${a}` };
    }
  }
}

const train = datasetFromExamples({ name: 'sort-digits-train', seqLen: LENGTH, vocabSize: 11, examples: sortTheDigits(1000) });
const test = datasetFromExamples({ name: 'sort-digits-test', seqLen: LENGTH, vocabSize: 11, examples: sortTheDigits(10) });
console.log(`${train.name}: ${train.numExamples} examples, ${train.numPuzzles} puzzles, ${train.numGroups} groups, seqLen ${train.seqLen}, vocab ${train.vocabSize}, ${train.numPuzzleIdentifiers} puzzle id(s)`);

const show = (batch, rows) => {
  for (let r = 0; r < rows; r++) {
    const row = (a) => Array.from(a.subarray(r * batch.seqLen, (r + 1) * batch.seqLen)).join(' ').padEnd(3 * LENGTH);
    console.log(`  inputs ${row(batch.inputs)} → labels ${row(batch.labels)} puzzle ${batch.puzzleIds[r]} valid ${batch.valid[r]}`);
  }
};

// Training stream: seeded, drop-last, endless; its cursor is plain JSON that a checkpoint can store.
const stream = train.batches({ batchSize: 32, seed: 7, epochs: Infinity });
show(stream.next().value, 3);
const cursor = JSON.stringify(stream.getState());
const expected = stream.next().value;
const resumed = train.batches({ batchSize: 32, seed: 7, epochs: Infinity, state: JSON.parse(cursor) }).next().value;
console.log(`cursor ${cursor}\nresumed batch identical: ${expected.inputs.every((v, i) => v === resumed.inputs[i])}`);

// Evaluation: stored order, last batch padded (inputs PAD, labels -100, valid 0).
const evalBatches = [...test.batches({ batchSize: 16 })];
console.log(`${test.name}: ${evalBatches.length} batches; last one:`);
show(evalBatches.at(-1), 10);
