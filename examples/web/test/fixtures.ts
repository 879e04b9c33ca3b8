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
