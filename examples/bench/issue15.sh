#!/usr/bin/env bash
# The runs behind docs/benchmarks.md "Stacked models, kernels per step, GFLOP/s": one JSON line per run, each
# preceded by the machine's load (uptime). Needs the built CLI (`pnpm bench --help` builds it). Usage: bash examples/bench/issue15.sh
set -u
cd "$(dirname "$0")"
run() { echo "# $(uptime)"; echo "# node bench.mjs $*"; node bench.mjs --json "$@"; }
run --config sudoku4-cpu-d32 --reps 3 --models 8
run --config sudoku6-cpu-d64 --reps 2 --models 5
run --config sudoku4-cpu-d32 --reps 3 --original-slice
run --config sudoku6-cpu-d128 --reps 2
run --config sudoku4-cpu-d32 --reps 2 --models 8 --backend wasm-threads:2
run --config sudoku4-cpu-d32 --reps 2 --models 8 --stack-matmuls batched
echo "# $(uptime)"
