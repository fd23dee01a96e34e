#!/usr/bin/env bash
# Sets up, builds the static site into dist/ and serves it: prints the URL to open.
#   scripts/serve.sh [port]     (default 8080)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
trunk build --release
exec node scripts/serve.mjs dist "${1:-8080}" /
