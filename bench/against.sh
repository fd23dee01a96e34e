#!/usr/bin/env bash
# The native core's figures of this checkout against another commit's, in the same run:
#   bash bench/against.sh REV [ROUNDS]
# builds `cargo bench --bench native` at REV (a temporary worktree) and here, runs them in turn
# ROUNDS times (3 by default: A B A B A B, so a slow minute of the machine hits both), and prints
# for each pass setup the best pass_ms and total_ms of each side and their ratio (here / REV).
# `bash bench/run.sh --against REV` runs it after the usual benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:?usage: bench/against.sh REV [ROUNDS]}
rounds=${2:-3}
export PATH="$HOME/.cargo/bin:$PATH"
base=$(mktemp -d)
trap 'git worktree remove --force "$base" >/dev/null 2>&1 || true' EXIT
git worktree add --detach "$base" "$rev" >/dev/null
target=${CARGO_TARGET_DIR:-$PWD/target}
echo "== building the native bench here and at $(git rev-parse --short "$rev")"
cargo bench --bench native --no-run -q
(cd "$base" && CARGO_TARGET_DIR="$target-against" cargo bench --bench native --no-run -q)
mkdir -p bench-results
: > bench-results/against-head.jsonl
: > bench-results/against-base.jsonl
for r in $(seq "$rounds"); do
  echo "== round $r of $rounds"
  (cd "$base" && CARGO_TARGET_DIR="$target-against" cargo bench -q --bench native) | grep '"kind":"pass"' >> bench-results/against-base.jsonl
  cargo bench -q --bench native | grep '"kind":"pass"' >> bench-results/against-head.jsonl
done
node - "$rev" <<'JS'
const fs = require('fs');
const read = (f) => fs.readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const best = (rows) => {
  const m = new Map();
  for (const r of rows) {
    const k = `${r.depth} × ${r.width}, batch ${r.batch}`;
    const b = m.get(k) || { pass: Infinity, total: Infinity };
    m.set(k, { pass: Math.min(b.pass, r.pass_ms), total: Math.min(b.total, r.total_ms) });
  }
  return m;
};
const head = best(read('bench-results/against-head.jsonl'));
const base = best(read('bench-results/against-base.jsonl'));
console.log(`native pass, best of each side (ms); ratio = this checkout / ${process.argv[2]}`);
console.log('| setup | pass here | pass base | ratio | total here | total base | ratio |');
console.log('|---|---|---|---|---|---|---|');
for (const [k, h] of head) {
  const b = base.get(k);
  if (!b) continue;
  console.log(`| ${k} | ${h.pass.toFixed(2)} | ${b.pass.toFixed(2)} | ${(h.pass / b.pass).toFixed(3)} | ${h.total.toFixed(2)} | ${b.total.toFixed(2)} | ${(h.total / b.total).toFixed(3)} |`);
}
JS
