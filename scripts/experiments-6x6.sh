#!/usr/bin/env bash
# The 6×6 experiments of issue 14 (docs/experiments/README.md), in order: Exp A, then Exp B sharing Exp A's
# baseline and random-init models. Both are resumable: run this again after an interruption and it continues
# (finished jobs are skipped, a model in training resumes from its last validation's snapshot).
# Needs the built CLI (pnpm build). Several hours on a 2-core machine; run it in the background, e.g.
#   nohup bash scripts/experiments-6x6.sh >> runs/experiments-6x6.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
trm() { node packages/trm-cli/dist/cli.js "$@"; }
# Exp A is skipped once its result.json exists (rerunning it would only re-assemble the finished jobs).
[ -f docs/experiments/exp-a-6x6/result.json ] || trm experiment a --scale cpu6 --workers 2 --out docs/experiments/exp-a-6x6
trm experiment b --scale cpu6 --workers 2 --seeds 101,102,103,104,105 --reuse-models docs/experiments/exp-a-6x6 --out docs/experiments/exp-b-6x6
