// Reads bench-results/*.jsonl and prints the report: wasm against native and the OpenBLAS ceiling.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const read = (f) => readFileSync(join('bench-results', f), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const native = read('native.jsonl');
const ceiling = read('ceiling.jsonl');
const wasm = read('browser.jsonl');
const key = (o) => `${o.m}×${o.k}×${o.n}`;
const ceil = Object.fromEntries(ceiling.filter((o) => o.kind === 'ceiling').map((o) => [key(o), o.gflops]));
const blas = ceiling.find((o) => o.kind === 'blas');
if (blas) console.log(`Ceiling: ${blas.internal_api} ${blas.version} (${blas.arch}), ${blas.threads} thread(s)`);
console.log('\nMatrix product, GFLOP/s, best of N (fraction of the single-thread OpenBLAS ceiling, also best of N with a preallocated output); medians after the bar');
console.log('shape            variant   ceiling   native          wasm          | median: ceiling native  wasm');
for (const w of wasm.filter((o) => o.kind === 'matmul')) {
  const n = native.find((o) => o.kind === 'matmul' && key(o) === key(w) && o.variant === w.variant);
  const c = ceil[key(w)];
  const f = (g) => `${g.toFixed(1).padStart(6)} (${(100 * g / c).toFixed(0).padStart(3)}%)`;
  const cm = ceiling.find((o) => o.kind === 'ceiling' && key(o) === key(w));
  const med = (g) => (g === undefined ? '—' : g.toFixed(1)).padStart(6);
  console.log(`${key(w).padEnd(16)} ${w.variant.padEnd(8)} ${c.toFixed(1).padStart(7)}  ${f(n.gflops)}  ${f(w.gflops)}  | ${med(cm && cm.median_gflops)} ${med(n.median_gflops)} ${med(w.median_gflops)}`);
}
const tfjs = readdirSync('bench-results').includes('tfjs.jsonl') ? read('tfjs.jsonl') : [];
const xnn = tfjs.find((o) => o.kind === 'tfjs_matmul');
const ours512 = wasm.find((o) => o.kind === 'matmul' && o.m === 512 && o.variant === 'A·B');
if (xnn && ours512) {
  console.log(`512³ A·B in the browser, GFLOP/s best (median): ours ${ours512.gflops.toFixed(1)} (${ours512.median_gflops.toFixed(1)}), TF.js/XNNPACK ${xnn.gflops.toFixed(1)} (${xnn.median_gflops.toFixed(1)}): ${(ours512.gflops / xnn.gflops).toFixed(2)}× (target: ahead)`);
}
const ortho = wasm.find((o) => o.kind === 'orthogonal');
const orthoNative = native.find((o) => o.kind === 'orthogonal');
const qr = ceiling.find((o) => o.kind === 'qr');
if (ortho || orthoNative || qr) {
  const ms = (o) => (o ? `${o.ms.toFixed(0)} ms` : '—');
  const ratio = ortho && qr ? ` (wasm / numpy ${(ortho.ms / qr.ms).toFixed(1)}×)` : '';
  console.log(`\nOrthogonal 1024 × 1024 (Gaussian draws + Householder QR), best: native ${ms(orthoNative)}, wasm ${ms(ortho)}, numpy np.linalg.qr ${ms(qr)}${ratio}`);
}
console.log('\nWhole configuration (build network + forward + backward + statistics), ms, medians; TF.js: its forward + backward alone, best of 3');
console.log('depth×width×batch   native total   wasm init   wasm pass   wasm stats   wasm total   wasm/native   TF.js pass   TF.js/ours (target ≥ 10×)');
for (const w of wasm.filter((o) => o.kind === 'pass')) {
  const n = native.find((o) => o.kind === 'pass' && o.depth === w.depth && o.width === w.width && o.batch === w.batch);
  const t = tfjs.find((o) => o.kind === 'tfjs_pass' && o.depth === w.depth && o.width === w.width && o.batch === w.batch);
  const peer = t ? `${t.ms.toFixed(0).padStart(10)}   ${(t.ms / w.total_ms).toFixed(1).padStart(6)}× (pass alone ${(t.ms / w.pass_ms).toFixed(1)}×)` : '';
  console.log(`${`${w.depth}×${w.width}×${w.batch}`.padEnd(19)} ${n.total_ms.toFixed(0).padStart(12)} ${w.init_ms.toFixed(0).padStart(11)} ${w.pass_ms.toFixed(0).padStart(11)} ${w.report_ms.toFixed(0).padStart(12)} ${w.total_ms.toFixed(0).padStart(12)} ${(w.total_ms / n.total_ms).toFixed(2).padStart(13)}   ${peer}`);
}
const drags = wasm.filter((o) => o.kind === 'drag');
if (drags.length) {
  console.log('\nDragging a slider (20 moves, median of 3 drags): change → first chart, → all charts, longest time without a new chart');
  console.log('targets: default size first < 50 ms, all < 100 ms, a new chart at least every 250 ms; CS231n size all < 600 ms');
  for (const d of drags) console.log(`${d.name.padEnd(16)} first ${d.first_ms.toFixed(0).padStart(5)} ms   all ${d.all_ms.toFixed(0).padStart(5)} ms   longest wait ${d.longest_wait_ms.toFixed(0).padStart(5)} ms   reports ${d.reports}`);
}
const page = wasm.filter((o) => o.kind === 'page');
if (page.length) {
  console.log('\nIn the page: setting changed → result computed (median of 5, ms), by size of the worker pool');
  console.log('depth×width×batch   1 worker    N workers   speed-up   drawing');
  for (const one of page.filter((o) => o.workers === 1)) {
    const many = page.find((o) => o.workers > 1 && o.depth === one.depth && o.width === one.width && o.batch === one.batch);
    const size = `${one.depth}×${one.width}×${one.batch}`;
    if (!many) { console.log(`${size.padEnd(19)} ${one.compute_ms.toFixed(0).padStart(8)}   (one core only)`); continue; }
    console.log(`${size.padEnd(19)} ${one.compute_ms.toFixed(0).padStart(8)}   ${many.compute_ms.toFixed(0).padStart(6)} (${many.used})   ${(one.compute_ms / many.compute_ms).toFixed(2).padStart(6)}×   ${many.draw_ms.toFixed(0).padStart(5)}`);
  }
}
const train = wasm.filter((o) => o.kind === 'train');
if (train.length) {
  console.log('\nTraining throughput, steps per second (single thread; records and evaluations included for ours)');
  console.log('setup     native    wasm    TF.js wasm    wasm / TF.js   (aim: spiral ≥ 2000, digits ≥ 300, ≥ 10× TF.js)');
  for (const w of train) {
    const n = native.find((o) => o.kind === 'train' && o.setup === w.setup);
    const t = tfjs.find((o) => o.kind === 'tfjs' && o.setup === w.setup);
    const ratio = t ? `${(w.steps_per_s / t.steps_per_s).toFixed(1)}×` : '—';
    console.log(`${w.setup.padEnd(8)} ${String(n ? n.steps_per_s : '—').padStart(7)} ${String(w.steps_per_s).padStart(7)} ${String(t ? t.steps_per_s : '—').padStart(12)} ${ratio.padStart(14)}`);
  }
}
const first = wasm.filter((o) => o.kind === 'first_view');
if (first.length) {
  console.log('\nFirst view: navigation to ready (median of 7 fresh pages; target 400 ms for the default view)');
  for (const f of first) console.log(`${f.view.padEnd(8)} ${f.median_ms.toFixed(0).padStart(6)} ms (best ${f.best_ms.toFixed(0)} ms)`);
}
const live = wasm.filter((o) => o.kind === 'live');
if (live.length) {
  console.log('\nThe training view while it plays (3 s): redraws per second (aim ≥ 10), longest main-thread task, steps per second in its worker');
  for (const l of live) console.log(`${l.setup.padEnd(8)} ${l.redraws_per_s.toFixed(1).padStart(6)} /s   ${l.longest_task_ms.toFixed(0).padStart(5)} ms   ${l.steps_per_s.toFixed(0).padStart(7)} steps/s`);
}
const spectra = wasm.filter((o) => o.kind === 'spectrum');
if (spectra.length) {
  console.log('\nJacobian spectrum at depth 100 (best; native in the same run)');
  for (const w of spectra) {
    const n = native.find((o) => o.kind === 'spectrum' && o.width === w.width && o.inputs === w.inputs);
    console.log(`width ${String(w.width).padStart(4)}, ${w.inputs} input(s): wasm ${(w.ms / 1000).toFixed(2)} s${n ? `, native ${(n.ms / 1000).toFixed(2)} s, wasm/native ${(w.ms / n.ms).toFixed(2)}` : ''}`);
  }
}
const bytes = wasm.filter((o) => o.kind === 'bytes');
if (bytes.length) {
  console.log('\nBytes on the wire for a plain visit: before the first paint (the pre-rendered view) and before it is interactive');
  for (const b of bytes) {
    console.log(`${(b.compressed ? 'compressed' : 'uncompressed').padEnd(13)} painted at ${b.first_paint_ms.toFixed(0).padStart(4)} ms after ${(b.before_paint / 1024).toFixed(0).padStart(5)} KiB (${b.before_paint_files.join(', ')}); ready at ${b.ready_ms.toFixed(0)} ms after ${(b.before_ready / 1024).toFixed(0)} KiB`);
  }
}
// The site as a host stores it: every file but the precompressed siblings.
let raw = 0, gz = 0;
for (const f of readdirSync('dist').filter((f) => !f.endsWith('.gz') && !f.endsWith('.br'))) {
  const b = readFileSync(join('dist', f));
  raw += statSync(join('dist', f)).size;
  gz += gzipSync(b, { level: 9 }).length;
}
console.log(`\ndist/: ${(raw / 1024).toFixed(0)} KiB, ${(gz / 1024).toFixed(0)} KiB = ${(gz / 1000).toFixed(0)} kB gzipped (target: under 600 KB compressed)`);
for (const f of readdirSync('dist').filter((f) => f.endsWith('.wasm'))) {
  const b = readFileSync(join('dist', f));
  console.log(`  ${f}: ${(b.length / 1024).toFixed(0)} KiB, ${(gzipSync(b, { level: 9 }).length / 1024).toFixed(0)} KiB gzipped`);
}
