/** The grid as HTML: one function for sudoku and maze, the page's main grid and the k candidates alike. */
import { MAZE_PATH, type PuzzleKind } from './puzzle.js';

/**
 * One grid, sudoku or maze, with the same marks: each cell's colour is the probability of the shown value (sudoku:
 * every cell, blue; maze: the predicted path cells, orange — walls are dark, S and G marked), an orange ring on
 * the cells that changed since `prev`, red on the cells that differ from `solution`.
 */
export function gridHtml(task: PuzzleKind, values: Uint8Array, conf: Float32Array | null, puzzle: Uint8Array, prev: Uint8Array | null, solution: Uint8Array | null, id = ''): string {
  const n = task.n;
  const maze = task.kind === 'maze';
  const [br, bc] = maze ? [n, n] : n === 4 ? [2, 2] : n === 6 ? [2, 3] : [3, 3]; // sudoku box rows × box columns
  const chars = task.text(values);
  let html = `<div class="grid ${task.kind}" ${id ? `id="${id}"` : ''} style="grid-template-columns: repeat(${n}, auto)">`;
  for (let i = 0; i < n * n; i++) {
    const r = Math.floor(i / n);
    const c = i % n;
    const cls = ['cell'];
    if (c > 0 && c % bc === 0) cls.push('bl');
    if (r > 0 && r % br === 0) cls.push('bt');
    if (maze) cls.push(['wall', 'open', 'start', 'goal'][puzzle[i]!] ?? 'open');
    else if (puzzle[i]) cls.push('given');
    if (prev && prev[i] !== values[i]) cls.push('changed');
    if (solution && values[i] !== solution[i]) cls.push('wrong');
    const p = conf ? conf[i]! : 1;
    const a = (0.08 + 0.8 * p).toFixed(3);
    const bg = !maze ? `rgba(37, 99, 235, ${a})` : values[i] === MAZE_PATH ? `rgba(234, 88, 12, ${a})` : '';
    const text = maze ? (puzzle[i] === 2 || puzzle[i] === 3 ? chars[i] : '') : values[i] || '';
    html += `<div class="${cls.join(' ')}" data-p="${p.toFixed(3)}"${bg ? ` style="background: ${bg}"` : ''} title="p = ${p.toFixed(3)}">${text}</div>`;
  }
  return `${html}</div>`;
}
