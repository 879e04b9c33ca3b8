#!/usr/bin/env node
import { main } from './program.js';
import { exitQuietlyOnEpipe } from './pipes.js';

exitQuietlyOnEpipe(process.stdout);
exitQuietlyOnEpipe(process.stderr);

process.exitCode = await main(process.argv.slice(2));
