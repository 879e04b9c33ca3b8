/**
 * The first puzzle of the held-out test split of the shipped 4×4 model (`sudokuSplits({ n: 4, seed: 1001 })`, i.e.
 * `--seed 1`) and its solution, as the split stores it; the test checks it against the solver too.
 */
export const KNOWN_4X4 = '..2.\n...1\n.3..\n4.3.';
export const KNOWN_4X4_SOLUTION = '1423324123144132';

/**
 * A generated puzzle (`generatePuzzle(4, 6)`) that the shipped model gets wrong for its first 9 frames (latent
 * recursions) and right from step 5 on: the README's picture of the model thinking.
 */
export const THINKING_4X4 = '...1\n..2.\n4...\n.14.';

/**
 * The first maze of the shipped 9×9 maze model's held-out test split (`mazeTask.build(model.json's data)`, the
 * mazes after the 5,000 training ones) that the model solves exactly (k = 1, static init, 16 steps; the 11th —
 * it solves 3 of the first 50), and its answer; src/engine.test.ts recomputes both.
 */
export const KNOWN_MAZE9 = [
  '#########',
  '#   #   #',
  '### # ###',
  '#   #   #',
  '#S#####G#',
  '#   #   #',
  '### # # #',
  '#     # #',
  '#########',
].join('\n');
export const KNOWN_MAZE9_ANSWER = '##########   #   #### # ####   #   ##S#####G##ooo#ooo####o#o# ##  ooo# ##########';

/**
 * The first puzzle of the shipped 6×6 model's held-out test split (`sudokuSplits({ n: 6, seed: 1001 })`) that the
 * model solves (k = 1, static init, 16 steps; the 1st — it solves 245 of the first 250), and its solution; src/engine.test.ts recomputes both.
 */
export const KNOWN_6X6 = '.5...1\n....2.\n53....\n14.3.2\n.1...3\n.....4';
export const KNOWN_6X6_SOLUTION = '254631361425532146146352415263623514';
