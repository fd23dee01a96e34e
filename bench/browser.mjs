// Times the built wasm (dist/) in headless Chromium through the exported bench_* functions.
// Prints JSON lines; bench/run.sh puts them beside the native figures.
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';
import { drag } from '../tests/e2e/drag.mjs';

// The bench_* entry points come from the build with the `bench` feature (bench/.dist); everything
// measured as a user meets it (first view, drags, training view, the page's own path) from the
// shipped dist/.
const server = await serve('dist', 0, '/');
const benchServer = await serve('bench/.dist', 0, '/');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${benchServer.address().port}/`);
await page.waitForFunction(() => window.wasmBindings && document.body.dataset.state === 'ready', null, { timeout: 60000 });
const out = [];
for (const [m, k, n] of [[512, 512, 512], [256, 256, 256], [1000, 500, 500], [1000, 1000, 1000]]) {
  for (const v of [0, 1, 2]) {
    const reps = m * k * n > 3e8 ? 5 : 10;
    const [ms, med] = await page.evaluate(([m, k, n, v, r]) => Array.from(window.wasmBindings.bench_matmul(m, k, n, v, r)), [m, k, n, v, reps]);
    out.push({ kind: 'matmul', variant: ['A·B', 'Aᵀ·B', 'A·Bᵀ'][v], m, k, n, ms, gflops: 2 * m * k * n / ms / 1e6, median_ms: med, median_gflops: 2 * m * k * n / med / 1e6 });
  }
}
// Orthogonal initialization of one 1024 × 1024 layer (the draws and the QR), against numpy's
// np.linalg.qr in bench/ceiling.py.
{
  const n = 1024;
  const [ms, med] = await page.evaluate(([n]) => Array.from(window.wasmBindings.bench_orthogonal(n, 3)), [n]);
  out.push({ kind: 'orthogonal', n, ms, median_ms: med });
}
for (const [depth, width, batch] of [[10, 256, 256], [10, 500, 1000], [5, 1000, 1000]]) {
  const q = `depth=${depth}&width=${width}&batch=${batch}`;
  const [init, pass, report] = await page.evaluate(([q]) => Array.from(window.wasmBindings.bench_pass(q, 3)), [q]);
  out.push({ kind: 'pass', depth, width, batch, init_ms: init, pass_ms: pass, report_ms: report, total_ms: init + pass + report });
}
// The Jacobian spectrum (issue 24): 4 inputs at width 256 and depth 100, and 1 input at width
// 1024 (the page's 4 take four times as long), the spectrum panel's computation in its worker.
for (const [width, batch, reps] of [[256, 256, 3], [1024, 1, 1]]) {
  const q = `depth=100&width=${width}&batch=${batch}&init=orthogonal&act=tanh&spectrum=batch`;
  const [ms, med] = await page.evaluate(([q, r]) => Array.from(window.wasmBindings.bench_spectrum(q, r)), [q, reps]);
  out.push({ kind: 'spectrum', depth: 100, width, inputs: Math.min(4, batch), ms, median_ms: med });
}
// First view: navigation to the first frame whose data-state is "ready", for a plain visit (the
// default view) and a lesson link (computed live), median of 7 fresh pages.
for (const [view, q] of [['default', ''], ['lesson', '?depth=10&width=500&init=xavier_normal&act=tanh&batch=1000']]) {
  const t = [];
  for (let i = 0; i < 7; i++) {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(`http://127.0.0.1:${server.address().port}/${q}`);
    await p.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60000 });
    t.push(await p.evaluate(() => performance.now()));
    await ctx.close();
  }
  t.sort((a, b) => a - b);
  out.push({ kind: 'first_view', view, median_ms: t[3], best_ms: t[0] });
}
// Bytes on the wire for a plain visit over a slow phone's link (Lighthouse's mobile throttling:
// 1.6 Mbit/s down, 150 ms round trips, the CPU 4× slower), with the server sending the
// precompressed files and without: those that arrived before the first paint (the pre-rendered
// view) and before the page is interactive (data-state "ready": the wasm and the rest). Chromium's
// encodedDataLength is what came over the network for each response, headers included.
for (const compress of [true, false]) {
  const srv = await serve('dist', 0, '/', { compress });
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  const cdp = await ctx.newCDPSession(p);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const done = [];
  const urls = new Map();
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e) => done.push({ t: e.timestamp, bytes: e.encodedDataLength, url: urls.get(e.requestId) || '' }));
  await p.goto(`http://127.0.0.1:${srv.address().port}/`);
  await p.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 120000 });
  const paint = await p.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0);
  const ready = await p.evaluate(() => performance.now());
  // CDP timestamps are monotonic seconds; map them onto the page's clock by the navigation's start.
  const nav = await p.evaluate(() => performance.getEntriesByType('navigation')[0].startTime);
  const first = Math.min(...done.map((d) => d.t));
  const at = (d) => (d.t - first) * 1000 + nav;
  const sum = (f) => done.filter(f).reduce((s, d) => s + d.bytes, 0);
  out.push({
    kind: 'bytes', compressed: compress, first_paint_ms: paint, ready_ms: ready,
    before_paint: sum((d) => at(d) <= paint), before_ready: sum((d) => at(d) <= ready),
    before_paint_files: done.filter((d) => at(d) <= paint).map((d) => d.url.split('/').pop() || 'index.html'),
  });
  await ctx.close();
  srv.close();
}
// Dragging a slider with the mouse, 20 moves ~40 ms apart (tests/e2e/drag.mjs): from each change
// to its first chart (the weights, from the worker's preview) and to its last chart, medians over
// the changes that were drawn; the longest the screen went without a new chart while the slider
// moved. Three drags each, the median of each figure.
for (const [name, q, id] of [
  ['default (scale)', '?init=normal&scale=0.01&act=tanh', 'scale'],
  ['default (depth)', '', 'depth'],
  ['cs231n (scale)', '?depth=10&width=500&batch=1000&init=normal&scale=0.01&act=tanh', 'scale'],
]) {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const p = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await p.goto(`http://127.0.0.1:${server.address().port}/${q}`);
    await p.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60000 });
    await p.waitForTimeout(300);
    runs.push(await drag(p, id, { moves: 20, gapMs: 40 }));
    await p.close();
  }
  const med = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[1];
  out.push({ kind: 'drag', name, first_ms: med('first_median_ms'), all_ms: med('all_median_ms'), longest_wait_ms: med('longest_wait_ms'), reports: med('reports') });
}
// Training throughput of the lab's trainer (single thread, as one lab worker runs it), best of 3;
// the same setups as benches/native.rs and bench/tfjs.mjs.
for (const [setup, q] of [
  ['spiral', 'mode=train&input=spiral&depth=6&width=32&batch=32&init=he_normal&act=relu&opt=adam&lr=0.01&steps=3000'],
  ['digits', 'mode=train&input=digits&depth=3&width=128&batch=64&init=he_normal&act=relu&opt=adam&lr=0.001&steps=1000'],
]) {
  const stepsPerS = await page.evaluate((q) => window.wasmBindings.bench_train(q, 3), q);
  out.push({ kind: 'train', setup, steps_per_s: Math.round(stepsPerS) });
}
// The training view while it plays: how often the counter and charts are redrawn, the longest
// main-thread task (a frozen page shows as a long one), and steps per second with its workers.
for (const [setup, q] of [
  ['spiral', 'mode=train&input=spiral&depth=6&width=32&batch=32&init=he_normal&act=relu&opt=adam&lr=0.01&steps=100000'],
  ['digits', 'mode=train&input=digits&depth=3&width=128&batch=64&init=he_normal&act=relu&opt=adam&lr=0.001&steps=100000'],
]) {
  const p = await browser.newPage();
  await p.addInitScript(() => {
    window.__long = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask', buffered: true });
  });
  await p.goto(`http://127.0.0.1:${server.address().port}/?${q}`);
  await p.waitForFunction(() => Number(document.querySelector('#train-summary td[data-stat="step"]')?.textContent) > 0, null, { timeout: 60000 });
  await p.waitForTimeout(500);
  const r = await p.evaluate(() => new Promise((done) => {
    window.__long = [];
    const cell = () => Number(document.querySelector('#train-summary td[data-stat="step"]').textContent);
    const t0 = performance.now(), s0 = cell();
    let last = document.getElementById('train-counter').textContent, changes = 0;
    const tick = () => {
      const now = document.getElementById('train-counter').textContent;
      if (now !== last) { changes++; last = now; }
      if (performance.now() - t0 < 3000) requestAnimationFrame(tick);
      else done({ redraws_per_s: changes / ((performance.now() - t0) / 1000), steps_per_s: (cell() - s0) / ((performance.now() - t0) / 1000), longest_task_ms: Math.max(0, ...window.__long) });
    };
    requestAnimationFrame(tick);
  }));
  out.push({ kind: 'live', setup, ...r });
  await p.close();
}
// The page's own path (slider → result computed), with the worker pool limited to 1 and to the
// machine's cores: the speed-up of splitting the batch across workers.
const cores = await page.evaluate(() => navigator.hardwareConcurrency);
for (const workers of [...new Set([1, Math.min(cores, 4)])]) {
  const ctx = await browser.newContext();
  await ctx.addInitScript((n) => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n }), workers);
  const p = await ctx.newPage();
  for (const [depth, width, batch] of [[10, 256, 256], [10, 500, 1000], [5, 1000, 1000]]) {
    await p.goto(`http://127.0.0.1:${server.address().port}/?depth=${depth}&width=${width}&batch=${batch}`);
    await p.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 120000 });
    const compute = [], draw = [];
    for (let i = 0; i < 5; i++) {
      await p.focus('#seed');
      await p.keyboard.press('ArrowUp');
      await p.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 120000 });
      compute.push(Number(await p.evaluate(() => document.body.dataset.computeMs)));
      draw.push(Number(await p.evaluate(() => document.body.dataset.drawMs)));
    }
    const med = (v) => v.sort((a, b) => a - b)[v.length >> 1];
    const used = Number(await p.evaluate(() => document.body.dataset.workers));
    out.push({ kind: 'page', workers, used, depth, width, batch, compute_ms: med(compute), draw_ms: med(draw) });
  }
  await ctx.close();
}
for (const o of out) console.log(JSON.stringify(o));
await browser.close();
server.close();
benchServer.close();
