#!/usr/bin/env node
import { main } from './program.js';

// `trm … | head`: a reader that closes the pipe early ends the command quietly, as Unix tools do, instead of
// an unhandled EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2));
