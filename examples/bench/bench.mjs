#!/usr/bin/env node
// The benchmark's former path, kept because ../shared/reference/side_by_side.sh runs
// `node examples/bench/bench.mjs --json --config NAME --backend B --reps N`: forwards to `trm bench`
// (packages/trm-cli), whose named-config flag is --model (--config is every trm command's JSON option).
// Build first: `pnpm bench --help` (or `pnpm trm --help`) builds the CLI. TRM_BENCH_EXTRA adds flags to every call
// (side_by_side.sh passes only --json/--config/--backend/--reps), e.g. TRM_BENCH_EXTRA=--no-remat.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../packages/trm-cli/dist/cli.js', import.meta.url));
const extra = (process.env.TRM_BENCH_EXTRA ?? '').split(/\s+/).filter(Boolean);
const args = [...process.argv.slice(2).map((a) => (a === '--config' ? '--model' : a)), ...extra];
const r = spawnSync(process.execPath, [cli, 'bench', ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
