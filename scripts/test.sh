#!/usr/bin/env bash
# Sets up and runs every test: formatting and lints, native (cargo test), in headless Chromium
# (wasm-bindgen-test), and end to end against the built dist/ served under a sub-path (playwright-core).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh --test
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver

echo "== 0/3 style: cargo fmt --check, cargo clippy -D warnings (native and wasm32)"
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --target wasm32-unknown-unknown -- -D warnings

echo "== 1/3 native: cargo test"
cargo test --release

echo "== 2/3 browser: wasm-bindgen-test in headless Chromium"
cargo test --release --target wasm32-unknown-unknown --test web

echo "== 3/3 end to end: trunk build, then playwright-core against dist/ under /sub/dir/"
trunk build --release
node --test --test-concurrency=1 tests/e2e/

echo "== all tests passed in $(( $(date +%s) - start )) s"
