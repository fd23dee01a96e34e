// The extremes of the sliders, read as a student would: the verdict and the table must say what is
// true (underflow, overflow, collapse, batch norm over one sample), and a refused configuration
// must not leave the previous results looking current.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, open, ready, table, shot } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

const tags = (page) => page.$$eval('#verdict li', (li) => li.map((l) => l.dataset.tag));
const finding = (page, tag) => page.textContent(`#verdict li[data-tag="${tag}"]`);

test('underflow to exactly 0 is vanishing, not healthy', async () => {
  const page = await open(env, '?depth=64&width=256&init=normal&scale=0.01&act=tanh&batch=64');
  const t = await table(page);
  assert.equal(t[63].act_std, 0);
  const v = await tags(page);
  assert.ok(v.includes('vanish') && !v.includes('healthy') && !v.includes('dead'), `${v}`);
  assert.match(await finding(page, 'vanish'), /exactly 0 from layer \d+/);
  await shot(page, 'corner-underflow');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('overflow is blamed on its layer, and no cell prints NaN or reads as 0', async () => {
  const page = await open(env, '?depth=40&width=256&init=normal&scale=10&act=linear&batch=64&seed=2');
  const cells = await page.$$eval('#layer-stats td', (td) => td.map((c) => c.textContent));
  assert.ok(!cells.some((c) => /NaN|Infinity/.test(c)), 'a cell prints NaN or Infinity');
  const rows = await page.$$eval('#layer-stats tbody tr', (trs) => trs.map((tr) => ({
    layer: Number(tr.dataset.layer),
    act: tr.querySelector('[data-stat="act_std"]').textContent,
    nonfinite: Number(tr.querySelector('[data-stat="nonfinite"]').textContent),
  })));
  // Every layer has non-finite gradients (the loss is NaN); the forward pass overflows near layer 18
  // (σ ×160 per layer from 160: 160^18 > 3.4e38).
  assert.ok(rows.every((r) => r.nonfinite > 0));
  const first = rows.find((r) => r.act === 'overflow').layer;
  assert.ok(first >= 16 && first <= 20, `first overflowed layer ${first}`);
  assert.ok(rows.filter((r) => r.layer >= first).every((r) => r.act === 'overflow'), 'an overflowed std reads as a number');
  assert.ok(rows.filter((r) => r.layer < first).every((r) => Number(r.act) > 0), 'a finite layer reads as overflow');
  assert.match(await finding(page, 'overflow'), new RegExp(`from layer ${first}\\b`));
  await shot(page, 'corner-overflow');
  await page.context().close();
});

test('digits split across workers: the page assembles the report without the digits', async () => {
  // The page trapped here (src/data.rs: remainder by zero): the theory asked the page, which holds
  // no digits, for their E[x²]. The shards now measure it.
  const page = await open(env, '?input=digits&depth=4&width=64&batch=128&workers=2');
  const status = await page.textContent('#status');
  assert.match(status, /2 workers/, status);
  const t = await table(page);
  assert.equal(t.length, 4);
  assert.ok(t[0].pred_preact_std > 0, `layer 1 predicted σ(z) ${t[0].pred_preact_std}`);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('collapse across samples: sigmoid with small weights forgets its input', async () => {
  const page = await open(env, '?depth=10&width=256&init=normal&scale=0.01&act=sigmoid&batch=256');
  const t = await table(page);
  assert.ok(t[4].act_sample_std < 1e-5 && t[4].act_std > 1e-3, `layer 5: across samples ${t[4].act_sample_std}, pooled ${t[4].act_std}`);
  assert.ok((await tags(page)).includes('collapse'));
  await page.context().close();
});

test('batch norm over one sample is named as the cause', async () => {
  const page = await open(env, '?depth=4&width=16&init=he_normal&act=sigmoid&bn=1&batch=1');
  const t = await table(page);
  assert.ok(t.every((r) => Math.abs(r.act_mean - 0.5) < 1e-6 && r.grad_std === 0));
  const v = await tags(page);
  assert.ok(v.includes('bn_single_sample') && !v.includes('healthy'), `${v}`);
  await page.context().close();
});

test('after a refused configuration the old results are not shown as current', async () => {
  const page = await open(env, '?depth=10&width=256');
  assert.equal((await table(page)).length, 10);
  // In place, as the back button or a lesson link would: no reload.
  await page.evaluate(() => {
    history.pushState(null, '', '?depth=100&width=1024&batch=4096');
    window.dispatchEvent(new PopStateEvent('popstate'));
  });
  await page.waitForFunction(() => document.body.dataset.state === 'error');
  assert.match(await page.textContent('#status'), /MiB/);
  assert.equal(await page.$$eval('#layer-stats tbody tr', (r) => r.length), 0, 'the previous table is still there');
  assert.equal((await page.textContent('#verdict')).trim(), '', 'the previous verdict is still there');
  assert.ok(await page.$eval('#charts', (c) => c.classList.contains('stale')));
  await page.context().close();
});

test('a network too large to keep computes layer by layer: 100 × 1024', async () => {
  // Kept whole its weights and ∂L/∂W alone are 800 MiB; layer by layer it needs width² +
  // depth·batch·width (crate::compute::lean), here about 36 MiB.
  const page = await open(env, '?depth=2&width=8');
  await page.goto(env.base + '?depth=100&width=1024&batch=16');
  // It takes seconds: the status line says how far it is, as the worker reports each layer.
  await page.waitForFunction(() => /layer by layer .*\d+% in [\d.]+ s/.test(document.getElementById('status').textContent), null, { timeout: 60000 });
  console.log(`while computing: ${await page.textContent('#status')}`);
  await ready(page);
  assert.equal((await table(page)).length, 100);
  assert.match(await page.textContent('#status'), /100 layers × 1024 units × 16 samples \(layer by layer, .* kept whole it would need \d+ MiB\)/);
  const memory = Number(await page.evaluate(() => document.body.dataset.workerMemory || 0));
  console.log(`100 × 1024 × 16 layer by layer: ${await page.textContent('#status')}; worker memory ${(memory / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(memory < 256 * 2 ** 20, `worker memory ${memory}`);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

/// A page whose navigator reports `cores` (the pool starts one worker per core, at most 4).
async function withCores(cores, query) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  await context.addInitScript((n) => Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => n }), cores);
  const page = await context.newPage();
  // workers=N as well: the pool splits small batches only when asked to.
  await page.goto(`${env.base}${query}&workers=${cores}`);
  await ready(page);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
  // The numbers, without the last column (the link, which holds workers=N).
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n').map((l) => l.slice(0, l.lastIndexOf(','))).join('\n');
  const status = await page.textContent('#status');
  await context.close();
  return { csv, status };
}

test('the exported numbers do not depend on the number of workers', async () => {
  for (const q of ['?depth=10&width=256&batch=256&seed=9', '?depth=6&width=128&batch=256&act=relu&init=he_normal&input=spiral&seed=3']) {
    const runs = [];
    for (const cores of [1, 2, 4]) runs.push(await withCores(cores, q));
    assert.match(runs[0].status, /in a worker/);
    assert.match(runs[2].status, /in 4 workers/, 'the batch was not split');
    for (const r of runs.slice(1)) assert.equal(r.csv, runs[0].csv, `${q}: the CSV differs with more workers`);
  }
  // Batch norm needs the whole batch's statistics: never split, whatever the cores.
  const bn = await withCores(4, '?depth=6&width=128&batch=256&bn=1');
  assert.match(bn.status, /in a worker/);
});

test('a worker that dies mid-request shows an error, and the next change computes again', async () => {
  const page = await open(env, '?depth=4&width=64&batch=64');
  const workers = page.workers();
  assert.ok(workers.length >= 1, 'no compute worker');
  // A panic traps the worker's wasm, which surfaces as an uncaught error in the worker: the same
  // as a message handler that throws.
  for (const w of workers) await w.evaluate(() => { self.onmessage = () => { throw new Error('simulated panic'); }; });
  await page.focus('#seed');
  await page.keyboard.press('ArrowUp');
  await ready(page, 'error');
  assert.match(await page.textContent('#status'), /compute worker stopped.*simulated panic/);
  // Recovery: the pool was restarted; the next change computes.
  await page.keyboard.press('ArrowUp');
  await ready(page);
  assert.equal((await table(page)).length, 4);
  await page.context().close();
});

test('every kind of bad URL value gets a specific message and falls back for that key only', async () => {
  // [query, key, what the message must contain]
  const cases = [
    ['depth=abc', 'depth', /"abc" is not a number/],
    ['depth=0', 'depth', /outside 1–100/],
    ['depth=2.5', 'depth', /not whole/],
    ['width=5000', 'width', /outside 2–1024.*using 1024/],
    ['batch=-1', 'batch', /outside 1–4096/],
    ['init=magic', 'init', /unknown initializer "magic" \(expected one of: zeros, constant/],
    ['act=relu6', 'act', /unknown activation "relu6"/],
    ['mode=sideways', 'mode', /unknown view "sideways" \(expected one of: init, train\)/],
    ['fan=sideways', 'fan', /unknown fan mode "sideways"/],
    ['opt=rmsprop', 'opt', /unknown optimizer "rmsprop"/],
    ['lr=0', 'lr', /outside 0.00001–10/],
    ['steps=1e9', 'steps', /outside 1–100000/],
    ['compare=he_normal', 'compare', /1 values given; a comparison has 2–4/],
    ['compare=depth:1,2', 'compare', /cannot compare "depth"/],
    ['input=mnist', 'input', /unknown input "mnist"/],
    ['scale=NaN', 'scale', /"NaN" is not a number/],
    ['scale=1e400', 'scale', /"1e400" is not a number/],
    ['scale=100', 'scale', /outside 0.0001–10; using 10/],
    ['gain=inf', 'gain', /is not a number, "auto" or "default"/],
    ['gain=-2', 'gain', /outside 0–10/],
    ['bias=maybe', 'bias', /is not zeros, same, constant, normal:σ or a number/],
    ['bias=normal:-1', 'bias', /outside 0–10/],
    ['slope=7&act=leaky_relu', 'slope', /outside 0–1/],
    ['noise=%E2%88%9E', 'noise', /"∞" is not a number/],
    ['bn=maybe', 'bn', /is not 0 or 1/],
    ['seed=-1', 'seed', /not a whole number 0–4294967295/],
    ['diagram=both', 'diagram', /unknown diagram view "both"/],
    ['zzz=1', 'zzz', /unknown parameter/],
  ];
  const page = await open(env, '?depth=3&width=8');
  for (const [q, key, want] of cases) {
    await page.goto(`${env.base}?depth=3&width=16&batch=64&${q}`);
    await ready(page);
    const items = await page.$$eval('#notices li', (li) => li.map((l) => l.textContent));
    const mine = items.find((t) => t.startsWith(`${key}:`));
    assert.ok(mine && want.test(mine), `${q}: ${JSON.stringify(items)}`);
    console.log(`${q} → ${mine}`);
    // Only that key fell back: the others are as given.
    const p = new URL(page.url()).searchParams;
    if (key !== 'depth') assert.equal(p.get('depth'), '3', q);
    if (key !== 'width') assert.equal(p.get('width'), '16', q);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the default size runs whole in one worker; workers=N sets the pool, whatever the cores', async () => {
  const auto = await open(env, '?depth=10&width=256&batch=256&seed=9');
  assert.match(await auto.textContent('#status'), /in a worker \(/, 'about 1 GFLOP: not split');
  await auto.context().close();
  const q = 'depth=10&width=256&batch=256&seed=9';
  const one = await open(env, `?workers=1&${q}`);
  assert.match(await one.textContent('#status'), /in a worker \(/);
  const csv1 = await one.evaluate(() => document.querySelector('#layer-stats tbody').textContent);
  await one.context().close();
  const two = await open(env, `?workers=2&${q}`);
  assert.match(await two.textContent('#status'), /in 2 workers/);
  assert.equal(await two.evaluate(() => document.querySelector('#layer-stats tbody').textContent), csv1, 'the table differs with 2 workers');
  await two.context().close();
});
