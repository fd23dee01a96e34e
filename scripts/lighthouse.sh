#!/usr/bin/env bash
# Lighthouse on the built site with Debian's Chromium, desktop and mobile presets: prints each
# category's score beside its target. Installs lighthouse (npm) into .lighthouse/ on first use;
# needs dist/ (bash scripts/serve.sh or trunk build --release) and chromium (setup.sh --test).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/index.html ] || { echo "build first: trunk build --release" >&2; exit 1; }
if [ ! -x .lighthouse/node_modules/.bin/lighthouse ]; then
  npm install --prefix .lighthouse --no-audit --no-fund --loglevel=error lighthouse@13.5.0
fi
port=8097
node scripts/serve.mjs dist "$port" / > /dev/null &
server=$!
trap 'kill $server' EXIT
sleep 1
mkdir -p bench-results
flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking --disable-component-update --no-first-run"
for preset in desktop mobile; do
  extra=(); [ "$preset" = desktop ] && extra=(--preset=desktop)
  CHROME_PATH=/usr/bin/chromium .lighthouse/node_modules/.bin/lighthouse "http://localhost:$port/" "${extra[@]}" --quiet \
    --output=json --output-path="bench-results/lighthouse-$preset.json" --chrome-flags="$flags"
  node -e '
    const [preset, file] = process.argv.slice(1);
    const r = require(require("path").resolve(file));
    const target = { performance: preset === "desktop" ? 100 : 95, accessibility: 100, "best-practices": 100, seo: 100 };
    for (const [k, t] of Object.entries(target)) {
      const s = Math.round(r.categories[k].score * 100);
      console.log(`${preset.padEnd(8)} ${k.padEnd(15)} ${String(s).padStart(3)}  (target ${t})${s < t ? "  MISSED" : ""}`);
    }' "$preset" "bench-results/lighthouse-$preset.json"
done
