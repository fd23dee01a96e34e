#!/usr/bin/env bash
# One command for every benchmark: native core, the single-thread OpenBLAS ceiling (numpy), and the
# built wasm in headless Chromium, in the same run. Writes bench-results/*.jsonl and prints a report
# with each wasm figure as a fraction of the ceiling.
set -euo pipefail
cd "$(dirname "$0")/.."
# --against REV: also the native pass here against commit REV, in the same run (bench/against.sh).
against=""
if [ "${1:-}" = "--against" ]; then against=${2:?--against needs a commit}; fi
bash scripts/setup.sh --test
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
mkdir -p bench-results
if ! python3 -c 'import numpy, threadpoolctl' 2>/dev/null; then
  python3 -m pip install --quiet numpy threadpoolctl
fi
# The peer for training throughput: TensorFlow.js 4.22 with its wasm backend, from npm (bench only:
# not part of the test set-up), served locally by bench/tfjs.mjs.
if [ ! -f bench/.tfjs/node_modules/@tensorflow/tfjs/dist/tf.min.js ]; then
  mkdir -p bench/.tfjs
  npm install --prefix bench/.tfjs --no-save --no-audit --no-fund @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0 >/dev/null
fi
echo "== building"
# The shipped page (its size is reported, and the page-level figures are taken on it), and a copy
# with the benchmark entry points (feature `bench`, window.wasmBindings.bench_*) in bench/.dist.
trunk build --release >/dev/null
trunk build --release --features bench --dist bench/.dist >/dev/null
cargo bench --bench native --no-run -q 2>/dev/null || true
echo "== native core"
cargo bench -q --bench native | tee bench-results/native.jsonl
echo "== ceiling: numpy/OpenBLAS sgemm, one thread"
# OPENBLAS_CORETYPE/L2_SIZE are set on some machines here for old OpenBLAS builds and slow a
# current one: unset them for this command only, and print which kernel runs.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 python3 bench/ceiling.py | tee bench-results/ceiling.jsonl
echo "== wasm in headless Chromium"
node bench/browser.mjs | tee bench-results/browser.jsonl
echo "== TensorFlow.js (wasm backend) training the same networks"
node bench/tfjs.mjs | tee bench-results/tfjs.jsonl
echo "== report"
node bench/report.mjs
if [ -n "$against" ]; then
  echo "== the native pass against $against"
  bash bench/against.sh "$against"
fi
