#!/usr/bin/env bash
# Installs what initviz needs, idempotently: each step checks first and is quick when done.
#   scripts/setup.sh          build tools: wasm32 target, trunk 0.21, wasm-bindgen-cli (= Cargo.lock), npm tools
#   scripts/setup.sh --test   also Debian's chromium and chromium-driver for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."
want_browser=0
[ "${1:-}" = "--test" ] && want_browser=1
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

command -v cargo >/dev/null || { echo "cargo not found: install Rust with rustup first" >&2; exit 1; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# rustfmt and clippy (the test command checks formatting and lints); the machine's toolchain has them.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  say "adding rustfmt and clippy"
  rustup component add rustfmt clippy
fi

# trunk: the 0.21 line (0.22 needs rustc >= 1.96.1; this toolchain is older). ~14 min to build once.
if ! trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.'; then
  say "installing trunk 0.21 (builds from source, about 14 minutes on 2 cores)"
  cargo install trunk --version '^0.21' --locked
fi

# wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock. Without --locked: the registry lacks
# one of its locked dependencies' versions.
[ -f Cargo.lock ] || cargo generate-lockfile
wb=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb\$" || ! command -v wasm-bindgen-test-runner >/dev/null; then
  say "installing wasm-bindgen-cli $wb (about 4 minutes)"
  cargo install wasm-bindgen-cli --version "=$wb" --force
fi

# npm tools from the committed lock: binaryen's wasm-opt (Debian's 108 breaks the output),
# playwright-core and axe-core for the end-to-end suite.
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  command -v npm >/dev/null || { say "installing Node.js and npm"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
  say "installing npm tools (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$want_browser" = 1 ] && { ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; }; then
  say "installing Debian's chromium and chromium-driver"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# nginx: the end-to-end suite serves dist/ from a real web server with a strict CSP header
# (started and stopped by the test itself, on a loopback port; the system service is not used).
if [ "$want_browser" = 1 ] && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  say "installing Debian's nginx"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi
say "ready"
