#!/usr/bin/env bash
# Lighthouse on the built site with Debian's Chromium, desktop and mobile presets: prints each
# category's score beside its target. Installs lighthouse (npm) into .lighthouse/ on first use;
# needs dist/ (bash scripts/serve.sh or trunk build --release) and chromium (setup.sh --test).
#   bash scripts/lighthouse.sh                 scripts/serve.mjs sends the precompressed .br/.gz files
#   bash scripts/lighthouse.sh --no-compress   it sends every file as it is (a host without compression)
set -euo pipefail
mode=compressed; serve_flag=(); suffix=
case "${1:-}" in
  "") ;;
  --no-compress) mode=uncompressed; serve_flag=(--no-compress); suffix=-no-compress ;;
  *) echo "usage: bash scripts/lighthouse.sh [--no-compress]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
[ -f dist/index.html ] || { echo "build first: trunk build --release" >&2; exit 1; }
if [ ! -x .lighthouse/node_modules/.bin/lighthouse ]; then
  npm install --prefix .lighthouse --no-audit --no-fund --loglevel=error lighthouse@13.5.0
fi
port=8097
ls dist/*.br > /dev/null 2>&1 || [ "$mode" = uncompressed ] || { echo "dist/ has no .br files: rebuild (trunk build --release)" >&2; exit 1; }
echo "Lighthouse with scripts/serve.mjs sending $mode files"
node scripts/serve.mjs dist "$port" / "${serve_flag[@]}" > /dev/null &
server=$!
trap 'kill $server' EXIT
sleep 1
mkdir -p bench-results
flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking --disable-component-update --no-first-run"
for preset in desktop mobile; do
  extra=(); [ "$preset" = desktop ] && extra=(--preset=desktop)
  CHROME_PATH=/usr/bin/chromium .lighthouse/node_modules/.bin/lighthouse "http://localhost:$port/" "${extra[@]}" --quiet \
    --output=json --output-path="bench-results/lighthouse-$preset$suffix.json" --chrome-flags="$flags"
  node -e '
    const [preset, file, mode] = process.argv.slice(1);
    const r = require(require("path").resolve(file));
    const target = { performance: preset === "desktop" ? 100 : 95, accessibility: 100, "best-practices": 100, seo: 100 };
    for (const [k, t] of Object.entries(target)) {
      const s = Math.round(r.categories[k].score * 100);
      console.log(`${preset.padEnd(8)} ${k.padEnd(15)} ${String(s).padStart(3)}  (target ${t})${s < t ? "  MISSED" : ""}`);
    }
    const a = r.audits;
    const ms = (id) => `${(a[id].numericValue / 1000).toFixed(2)} s`;
    console.log(`${preset.padEnd(8)} ${mode}: ${Math.round(a["total-byte-weight"].numericValue / 1024)} KiB transferred, FCP ${ms("first-contentful-paint")}, LCP ${ms("largest-contentful-paint")}, TBT ${Math.round(a["total-blocking-time"].numericValue)} ms`);
  ' "$preset" "bench-results/lighthouse-$preset$suffix.json" "$mode"
done
