// Issue 5's page-level checks: compute runs in the worker, dragging a slider never blocks the
// main thread for long, the newest setting wins, and the heap does not grow without bound.
// Times are recorded and printed, not asserted against wall-clock budgets (machines are shared);
// the long-task bound is asserted because it is what a user feels as a frozen page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, open, ready, table, query } from './helpers.mjs';
import { drag } from './drag.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

test('dragging at the CS231n size: main thread free, latest setting wins', async () => {
  const page = await open(env, '?depth=10&width=500&batch=1000');
  // hardwareConcurrency is 2 here: the batch is split across two workers.
  assert.match(await page.textContent('#status'), /in \d+ workers, each on part of the batch/);
  // Long tasks are observed during one drag of the slider. The page's own work runs in tasks of
  // about 12 ms (compute in the workers), so no task may pass 200 ms (computing on the main thread
  // here takes about a second). The browser's own rendering on a loaded machine can pass 50 ms
  // now and then, so the claim tested (and the README's) is: at most two tasks over 50 ms in a
  // 12-step drag, none over 200 ms. One drag, no retry.
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(e.duration); })
      .observe({ type: 'longtask', buffered: false });
  });
  // Twelve quick steps of the depth slider, faster than one computation.
  await page.focus('#depth');
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(40);
  }
  const t0 = Date.now();
  await ready(page);
  console.log(`drag: newest setting drawn ${Date.now() - t0} ms after the last key press`);
  assert.equal(query(page).get('depth'), '22');
  assert.equal((await table(page)).length, 22, 'the table shows an older setting');
  const long = await page.evaluate(() => window.__long.map(Math.round));
  console.log(`long tasks while dragging (ms): ${JSON.stringify(long)}`);
  assert.ok(long.every((d) => d <= 200), `main thread blocked: ${JSON.stringify(long)}`);
  assert.ok(long.filter((d) => d > 50).length <= 2, `more than two tasks over 50 ms: ${JSON.stringify(long)}`);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a newer setting interrupts a long computation (the worker is restarted)', async () => {
  // Orthogonal init of 1024-wide layers: a QR per layer, many seconds of work in all.
  const page = await open(env, '?depth=2&width=16');
  await page.goto(env.base + '?depth=20&width=1024&init=orthogonal&batch=64');
  await page.waitForFunction(() => document.body.dataset.state === 'computing');
  await page.waitForTimeout(600);
  const t0 = Date.now();
  await page.focus('#width');
  await page.keyboard.press('Home'); // width 2
  await ready(page);
  const waited = Date.now() - t0;
  console.log(`newest setting shown ${waited} ms after the change (the long one was dropped)`);
  assert.equal(query(page).get('width'), '2');
  const t = await table(page);
  assert.equal(t.length, 20);
  // An orthogonal 2 × 2 layer has two different rows: two distinct neurons in every layer.
  assert.ok(t.every((r) => r.distinct === 2), `distinct ${t.map((r) => r.distinct)}`);
  assert.ok(waited < 15000, `waited ${waited} ms: the long computation was not interrupted`);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('slider to redrawn chart at the default size (recorded, median of 7; regression guard 2 s)', async () => {
  const page = await open(env);
  const times = [];
  for (let i = 0; i < 7; i++) {
    await page.focus('#seed');
    const t0 = await page.evaluate(() => performance.now());
    await page.keyboard.press('ArrowUp');
    await ready(page);
    times.push((await page.evaluate(() => performance.now())) - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`default configuration, slider to ready: median ${times[3].toFixed(0)} ms, all ${times.map(Math.round)}`);
  // A loose bound, only to catch a regression (the benchmark measures the target; issue 5 found
  // 180–220 ms on this machine).
  assert.ok(times[3] < 2000, `median ${times[3]} ms`);
  await page.context().close();
});

test('a mouse drag at the default size is answered while it moves (latencies recorded; loose regression guards)', async () => {
  // Normal weights, so the scale slider is live; the default size, 10 × 256 × 256.
  const page = await open(env, '?init=normal&scale=0.01&act=tanh');
  await page.waitForTimeout(300); // the workers start once the first view is drawn
  const r = await drag(page, 'scale', { moves: 20, gapMs: 40 });
  console.log(`drag at the default size: change → first chart median ${r.first_median_ms.toFixed(0)} ms, → all charts ${r.all_median_ms.toFixed(0)} ms; longest wait for a new chart while moving ${r.longest_wait_ms.toFixed(0)} ms; ${r.reports} reports (targets 50, 100, 250 ms: see bench/run.sh)`);
  // The slider moved a step per mouse move, and the page ends on its last value.
  const last = r.values[r.values.length - 1];
  assert.ok(last > r.values[0], `the slider did not move: ${r.values}`);
  const shown = Number(await page.evaluate(() => document.getElementById('scale').value));
  assert.equal(shown, last);
  // Stale-but-recent beats blank: charts changed while the mouse still moved (issue 14 found
  // nothing drawn until after the release), and every record is in order.
  assert.ok(r.reports >= 3, `only ${r.reports} reports drawn during a 20-move drag`);
  const draws = await page.evaluate(() => window.initvizDraws);
  for (const d of draws) {
    if (d.first !== undefined) assert.ok(d.first >= d.asked, JSON.stringify(d));
    if (d.all !== undefined) assert.ok(d.all >= d.first && d.computed >= d.asked, JSON.stringify(d));
  }
  // Loose bounds, only to catch a regression on a loaded machine (measured here: about 50, 180, 170).
  assert.ok(r.first_median_ms < 1000 && r.all_median_ms < 2000 && r.longest_wait_ms < 2000, JSON.stringify(r));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('many slider moves do not grow the worker\'s wasm memory without bound', async () => {
  const page = await open(env, '?depth=20&width=256&batch=256');
  const mem = () => page.evaluate(() => Number(document.body.dataset.workerMemory));
  await page.focus('#depth');
  const sizes = [];
  for (let round = 0; round < 8; round++) {
    // Up and down over the same range: the same working sets again and again.
    for (let i = 0; i < 10; i++) { await page.keyboard.press(i < 5 ? 'ArrowRight' : 'ArrowLeft'); await ready(page); }
    sizes.push(await mem());
  }
  console.log(`worker wasm memory after each round: ${sizes.map((s) => (s / 2 ** 20).toFixed(1))} MiB`);
  assert.ok(sizes.every((s) => s > 0), 'the worker did not report its memory');
  // wasm memory never shrinks, but once the largest working set has been seen it must stop growing.
  assert.equal(sizes[7], sizes[2], `memory kept growing: ${sizes}`);
  await page.context().close();
});
