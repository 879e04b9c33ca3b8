export * from './maze.js';
