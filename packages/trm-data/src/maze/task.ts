import { joinPath, requireIO, type DataIO, type TaskDefinition, type TaskSplits } from '../io.js';
import { generateMazes, mazeDataset, parseMazeCsv, type MazeRecord } from './maze.js';

export interface MazeTaskOptions {
  seed: number;
  /** A folder with Maze-Hard `train.csv` and `test.csv`; without it mazes are generated. */
  dir?: string;
  side?: number;
  train?: number;
  test?: number;
  minPathLength?: number;
  loopFraction?: number;
  /** The 8 dihedral versions of each train maze in one group (official flag `aug`, off by default). */
  augment?: boolean;
}

export const mazeTask: TaskDefinition<MazeTaskOptions> = {
  name: 'maze',
  description: 'shortest path through a maze: Maze-Hard CSV files or generated n×n mazes',
  options: {
    seed: 'seed of generation',
    dir: 'folder with Maze-Hard train.csv and test.csv',
    side: 'generated: side (default 30)',
    train: 'generated: train mazes (default 1000)',
    test: 'generated: test mazes (default 1000)',
    minPathLength: 'generated: minimum moves from S to G (paper: > 110 on 30×30)',
    loopFraction: 'generated: fraction of inner walls removed',
    augment: 'add the 8 dihedral versions of each train maze',
  },
  async build(options: MazeTaskOptions, io?: DataIO): Promise<TaskSplits> {
    let train: MazeRecord[];
    let test: MazeRecord[];
    if (options.dir !== undefined) {
      const fs = requireIO(io, 'maze');
      const read = async (f: string) => {
        const file = joinPath(options.dir!, f);
        return parseMazeCsv(new TextDecoder().decode(await fs.readFile(file)), { file });
      };
      train = await read('train.csv');
      test = await read('test.csv');
    } else {
      const { train: nTrain = 1000, test: nTest = 1000 } = options;
      const gen = generateMazes({ side: options.side ?? 30, seed: options.seed, minPathLength: options.minPathLength, loopFraction: options.loopFraction });
      const seen = new Set<string>();
      const all: MazeRecord[] = [];
      for (const m of gen) {
        if (all.length === nTrain + nTest) break;
        if (seen.has(m.question)) continue;
        seen.add(m.question);
        all.push(m);
      }
      train = all.slice(0, nTrain);
      test = all.slice(nTrain);
    }
    return { train: mazeDataset(train, { name: 'maze-train', augment: options.augment }), test: mazeDataset(test, { name: 'maze-test' }) };
  },
};
