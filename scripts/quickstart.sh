#!/usr/bin/env bash
# `pnpm quickstart` (after the build): trains a TRM on 4×4 sudoku for QUICKSTART_MINUTES (default 3) minutes of
# training with a progress bar, saves the model to runs/quickstart, prints the test-time depth curve (exact
# accuracy vs N_sup on the 250 held-out puzzles) and solves a held-out puzzle on screen, step by step.
set -euo pipefail
cd "$(dirname "$0")/.."
trm() { node packages/trm-cli/dist/cli.js "$@"; }
out=${QUICKSTART_OUT:-runs/quickstart}
start=$(date +%s)
trm train --n 4 --minutes "${QUICKSTART_MINUTES:-3}" --test-size 250 --eval-every 100 --backend wasm-threads:2 --out "$out"
echo
trm eval --checkpoint "$out" --ks 1 --readouts single --backend wasm-threads:2
echo
trm solve --checkpoint "$out" --test-puzzle random --seed "$start" --halt-threshold 0.5
echo
echo "quickstart: $(( $(date +%s) - start )) s after the build; the model is in $out (try: node packages/trm-cli/dist/cli.js solve --help)"
