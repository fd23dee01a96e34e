// The training lab driven by URLs, as a course link would: each initializer's fate, read from
// #train-summary (one <tr data-run> per run, <td data-stat> cells), comparisons in both views,
// and play / pause / step / reset from the keyboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, open, ready, table, canvasInfo, SHOTS } from './helpers.mjs';
import { join } from 'node:path';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

/// The summary as [{run, init, act, step, train_loss, ...}], numbers where the cell is one.
async function summary(page) {
  return page.$$eval('#train-summary tbody tr', (rows) => rows.map((tr) => {
    const o = { run: Number(tr.dataset.run) };
    for (const td of tr.querySelectorAll('td[data-stat]')) {
      const t = td.textContent.trim();
      o[td.dataset.stat] = t === '' || Number.isNaN(Number(t)) ? t : Number(t);
    }
    return o;
  }));
}

/// A screenshot of the viewport after scrolling `selector` to the top (what a user sees there).
async function view(page, selector, name) {
  await page.$eval(selector, (el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

const LN2 = Math.log(2);

test('zero init with ReLU on the spiral: the loss does not move in 200 steps', async () => {
  const page = await open(env, '?mode=train&input=spiral&depth=3&width=16&init=zeros&bias=zeros&act=relu&batch=32&opt=sgd&lr=0.1&steps=200');
  const [r] = await summary(page);
  assert.equal(r.run, 1);
  assert.equal(r.step, 200);
  // A network whose hidden activations are all 0 outputs its bias: on two balanced classes the
  // best it can do is p = ½ for each, a loss of ln 2.
  assert.ok(Math.abs(r.train_loss - LN2) < 2e-3, `train loss ${r.train_loss}`);
  assert.equal(r.diverged, 0);
  assert.match(await page.textContent('#train-message'), /weight gradient is exactly 0/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('constant init with sigmoid on XOR: one distinct neuron per layer after 500 steps, near chance', async () => {
  const page = await open(env, '?mode=train&input=xor&depth=2&width=8&init=constant&scale=0.5&bias=same&act=sigmoid&batch=32&opt=sgd&lr=0.5&steps=500');
  const [r] = await summary(page);
  assert.equal(r.step, 500);
  assert.equal(r.distinct_min, 1);
  assert.ok(r.train_acc >= 0.35 && r.train_acc <= 0.65, `accuracy ${r.train_acc}`);
  assert.match(await page.textContent('#train-message'), /1 distinct neuron of 8/);
  await page.context().close();
});

test('He with ReLU (depth 6, width 32, Adam 0.01) learns the spiral: ≥ 95% training accuracy in 3,000 steps', async () => {
  const page = await open(env, '?mode=train&input=spiral&noise=0&depth=6&width=32&init=he_normal&act=relu&batch=32&opt=adam&lr=0.01&steps=3000',
    { viewport: { width: 1280, height: 900 } });
  const [r] = await summary(page);
  assert.equal(r.step, 3000);
  assert.ok(r.train_acc >= 0.95, `training accuracy ${r.train_acc}`);
  assert.equal(r.diverged, 0);
  for (const id of ['chart-loss', 'chart-classes', 'chart-gradnorm', 'chart-update', 'chart-wbands', 'chart-gbands']) {
    const c = await canvasInfo(page, id);
    assert.ok(c.ink > c.total * 0.02, `${id} is nearly empty`);
  }
  // The initialization view's charts follow the last step: its table is the trained network's.
  const trained = await table(page);
  assert.equal(trained.length, 6);
  await view(page, '#lab', 'train-spiral-he');
  await view(page, '#chart-classes', 'train-spiral-he-boundary');
  // Scrub back to step 0: the table shows the network as initialized, the same numbers as the
  // initialization view of the same link computes on its own.
  await page.$eval('#train-at', (el) => { el.value = '0'; el.dispatchEvent(new Event('input', { bubbles: true })); });
  await ready(page);
  assert.equal(await page.textContent('#train-at-value'), 'step 0');
  const atZero = await table(page);
  const init = await open(env, '?mode=init&input=spiral&noise=0&depth=6&width=32&init=he_normal&act=relu&batch=32');
  const initTable = await table(init);
  for (let l = 0; l < 6; l++) assert.equal(atZero[l].weight_std, initTable[l].weight_std, `layer ${l + 1}`);
  assert.notEqual(trained[0].weight_std, atZero[0].weight_std);
  await init.context().close();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('large init (N(0, 3²)) with ReLU at depth 20: diverged, with the step and the layer', async () => {
  const page = await open(env, '?mode=train&input=spiral&depth=20&width=32&init=normal&scale=3&act=relu&batch=32&opt=sgd&lr=0.01&steps=300');
  const [r] = await summary(page);
  assert.equal(r.diverged, 1);
  assert.ok(r.step < 300);
  assert.match(await page.textContent('#train-message'), /diverged at step \d+/);
  // Nothing prints NaN as a number.
  assert.doesNotMatch(await page.textContent('#train-summary'), /NaN|inf/i);
  await page.context().close();
});

test('digits with He/ReLU: ≥ 90% test accuracy within 1,500 steps, and a confusion matrix', async () => {
  const page = await open(env, '?mode=train&input=digits&depth=3&width=128&init=he_normal&act=relu&batch=64&opt=adam&lr=0.001&steps=1500',
    { viewport: { width: 1280, height: 900 } });
  const [r] = await summary(page);
  assert.equal(r.step, 1500);
  assert.ok(r.test_acc >= 0.9, `test accuracy ${r.test_acc}`);
  const c = await canvasInfo(page, 'chart-classes');
  assert.ok(c.ink > c.total * 0.03, `confusion matrix ink ${c.ink} of ${c.total}`);
  assert.match(await page.textContent('#lab .credit'), /Alpaydin.*CC BY 4\.0/);
  await view(page, '#chart-classes', 'train-digits');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a four-way comparison completes in both views', async () => {
  const runs = 'compare=he_normal,xavier_normal,normal,zeros';
  const base = 'input=spiral&depth=6&width=32&act=relu&batch=32';
  const init = await open(env, `?mode=init&${base}&${runs}`, { viewport: { width: 1280, height: 900 } });
  let rows = await summary(init);
  assert.deepEqual(rows.map((r) => r.init), ['he_normal', 'xavier_normal', 'normal', 'zeros']);
  assert.ok(rows.every((r) => r.step === 0));
  // The status line says what is on the screen, not the progress line it showed while computing.
  assert.equal(await init.textContent('#status'), '4 runs compared at initialization, each in a worker; drawn.');
  const cmp = await canvasInfo(init, 'chart-compare');
  assert.ok(cmp.ink > cmp.total * 0.02, 'comparison chart is empty');
  await view(init, '#chart-compare', 'compare-init');
  await init.context().close();
  const train = await open(env, `?mode=train&${base}&steps=500&${runs}`, { viewport: { width: 1280, height: 900 } });
  rows = await summary(train);
  assert.equal(rows.length, 4);
  assert.ok(rows.every((r) => r.step === 500), JSON.stringify(rows));
  // He trains furthest; zeros stays a single neuron per layer.
  assert.ok(rows[0].train_loss < rows[3].train_loss);
  assert.equal(rows[3].distinct_min, 1);
  await view(train, '#lab', 'compare-train');
  await view(train, '#chart-classes', 'compare-train-boundaries');
  assert.deepEqual(train.problems, []);
  await train.context().close();
});

test('play, pause, one step and reset from the keyboard', async () => {
  const page = await open(env, '?mode=train&input=moons&depth=2&width=16&batch=32&steps=1&init=he_normal&act=relu', { viewport: { width: 1280, height: 900 } });
  // steps=1: the link trained one step and stopped.
  assert.equal((await summary(page))[0].step, 1);
  // One step past the configured steps with S.
  await page.focus('body');
  await page.keyboard.press('s');
  await ready(page);
  assert.equal((await summary(page))[0].step, 2);
  await page.keyboard.press('.');
  await ready(page);
  assert.equal((await summary(page))[0].step, 3);
  // Reset: back to step 0.
  await page.keyboard.press('r');
  await ready(page);
  assert.equal((await summary(page))[0].step, 0);
  // A long run: play with K, pause with Space; it stops where it was.
  await page.goto(env.base + '?mode=train&input=moons&depth=2&width=16&batch=32&steps=100000&init=he_normal&act=relu');
  await page.waitForFunction(() => Number(document.querySelector('#train-summary td[data-stat="step"]')?.textContent) > 0);
  await page.focus('body');
  await page.keyboard.press(' ');
  await ready(page);
  const paused = (await summary(page))[0].step;
  assert.ok(paused > 0 && paused < 100000);
  await page.waitForTimeout(300);
  assert.equal((await summary(page))[0].step, paused, 'kept training after pause');
  assert.equal(await page.textContent('#train-play'), 'Play');
  await page.keyboard.press('k');
  await page.waitForFunction((p) => Number(document.querySelector('#train-summary td[data-stat="step"]').textContent) > p, paused);
  await page.keyboard.press('k');
  await ready(page);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a training view on a phone: no sideways scroll, controls and charts in the viewport', async () => {
  const page = await open(env, '?mode=train&input=spiral&depth=4&width=16&batch=32&steps=300&compare=he_normal,xavier_normal',
    { viewport: { width: 390, height: 844 }, dpr: 3 });
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(sw <= 390, `scroll width ${sw}`);
  for (const id of ['train-play', 'train-step', 'train-reset']) {
    const b = await page.$eval(`#${id}`, (el) => { const r = el.getBoundingClientRect(); return { w: r.width, h: r.height, right: r.right }; });
    assert.ok(b.w >= 44 && b.h >= 44 && b.right <= 390, `${id}: ${JSON.stringify(b)}`);
  }
  await view(page, '#lab', 'train-phone');
  await view(page, '#chart-classes', 'train-phone-boundaries');
  await page.context().close();
});

test('every training lesson shows the fate its text claims', async () => {
  const page = await open(env, '?mode=train&steps=1&depth=2&width=8&input=moons');
  const names = await page.$$eval('#lessons-training a', (as) => as.map((a) => a.textContent));
  const claims = {
    'Zero init never learns': ([r]) => Math.abs(r.train_loss - LN2) < 2e-3,
    'Constant init stays one neuron': ([r]) => r.distinct_min === 1 && r.train_acc < 0.65,
    'Small init vanishes, Xavier trains': ([small, xavier]) => small.train_acc < 0.6 && xavier.train_acc > 0.95,
    'Large init saturates': ([r]) => r.train_acc < 0.6,
    'Large init explodes': ([r]) => r.diverged === 1,
    'He, Xavier and small init with ReLU': ([he, xa, small]) => he.train_loss < xa.train_loss && xa.train_loss < small.train_loss,
    'Activations compared': ([relu, tanh, sigmoid]) => relu.train_acc > sigmoid.train_acc && tanh.train_acc > sigmoid.train_acc,
    'Handwritten digits': ([r]) => r.test_acc >= 0.95,
  };
  assert.deepEqual(names.sort(), Object.keys(claims).sort());
  for (const name of names) {
    await page.click(`#lessons-training a >> text="${name}"`);
    await ready(page);
    const rows = await summary(page);
    assert.ok(rows.every((r) => r.step > 0), `${name}: not trained`);
    assert.ok(claims[name](rows), `${name}: ${JSON.stringify(rows)}`);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

/// `compare=norm:` (issue 21): small Gaussian weights at depth 20 vanish without a norm; batch,
/// layer and RMS norm each hold every layer's activations at one scale.
test('a normalization comparison at initialization', async () => {
  const page = await open(env, '?depth=20&width=128&init=normal&scale=0.05&act=tanh&compare=norm:none,batch,layer,rms', { viewport: { width: 1280, height: 900 } });
  const rows = await summary(page);
  assert.equal(rows.length, 4);
  assert.deepEqual(await page.$$eval('#train-summary tbody tr th', (th) => th.map((t) => t.textContent.trim())), ['none', 'batch', 'layer', 'rms']);
  assert.equal(await page.textContent('#status'), '4 runs compared at initialization, each in a worker; drawn.');
  await view(page, '#chart-compare', 'compare-norm-init');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});
