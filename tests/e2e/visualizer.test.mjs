// Issue 4: lessons, controls, links, bad input, accessibility, screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { start, open, ready, table, query, canvasInfo, shot, spectrumSummary } from './helpers.mjs';

const require = createRequire(import.meta.url);
let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

const col = (rows, k) => rows.map((r) => r[k]);

/// Each lesson: its link text, and what the statistics table must show.
const LESSONS = {
  'Zero init, ReLU': (t) => {
    assert.ok(t.every((r) => r.act_std === 0 && r.act_mean === 0), 'activations not all zero');
    assert.ok(t.every((r) => r.grad_std === 0), 'hidden gradients not all zero');
  },
  'Zero init, tanh': (t) => {
    assert.ok(t.every((r) => r.act_std === 0 && r.grad_std === 0));
  },
  'Zero init, sigmoid': (t) => {
    assert.ok(t.every((r) => r.distinct === 1), `distinct ${col(t, 'distinct')}`);
    assert.ok(t.every((r) => Math.abs(r.act_mean - 0.5) < 1e-6));
  },
  'Constant 0.5': (t) => {
    assert.ok(t.every((r) => r.distinct === 1), `distinct ${col(t, 'distinct')}`);
    assert.ok(t.every((r) => r.weight_std === 0));
    // Not the zero-gradient dead end: every hidden layer gets a gradient, but in layers 2 and 3
    // all its entries are equal (σ = 0): the symmetry.
    assert.ok(t.every((r) => r.grad_norm > 0), `grad norm ${col(t, 'grad_norm')}`);
    assert.ok(t.slice(1).every((r) => r.grad_std === 0), `grad σ ${col(t, 'grad_std')}`);
  },
  'Small random (0.01), tanh': (t) => {
    const s = col(t, 'act_std');
    for (let i = 1; i < s.length; i++) assert.ok(s[i] < 0.35 * s[i - 1], `not shrinking at ${i + 1}: ${s}`);
    assert.ok(s[9] < 1e-5, `last std ${s[9]}`);
  },
  'Large random (1.0), tanh': (t) => {
    assert.ok(t.every((r) => r.saturated > 0.85), `saturated ${col(t, 'saturated')}`);
  },
  'Xavier, tanh': (t) => {
    const s = col(t, 'act_std');
    assert.ok(s.every((v) => v > 0.15 && v < 0.8), `${s}`);
    assert.ok(t.every((r) => r.saturated < 0.05));
  },
  'He, ReLU': (t) => {
    const z = col(t, 'preact_std');
    // Var(z) is level from layer 2 on (layer 1 sees the raw Gaussian input).
    for (let i = 1; i < z.length; i++) assert.ok(z[i] / z[1] > 0.6 && z[i] / z[1] < 1.6, `layer ${i + 1}: ${z}`);
  },
  'Xavier, ReLU': (t) => {
    const z = col(t, 'preact_std');
    const f = Math.pow(z[19] / z[1], 1 / 18);
    assert.ok(f > 0.65 && f < 0.76, `per-layer std factor ${f} (theory 1/√2 ≈ 0.707)`);
  },
  'LeCun, SELU': (t) => {
    assert.ok(t.every((r) => Math.abs(r.act_mean) < 0.2 && r.act_std > 0.8 && r.act_std < 1.2), `${col(t, 'act_std')}`);
  },
  'Small random with batch norm': (t) => {
    assert.ok(t.every((r) => Math.abs(r.preact_std - 1) < 0.01), `${col(t, 'preact_std')}`);
  },
  // The spectrum lessons (issue 24): their per-layer claim here, the spectrum's in SPECTRUM.
  'Orthogonal at the edge of chaos': (t) => edgeOfChaos(t),
  'Gaussian at the edge of chaos': (t) => edgeOfChaos(t),
  'ReLU is never isometric': (t) => assert.equal(t.length, 50),
  'Linear and orthogonal: every s is 1': (t) => {
    const a = col(t, 'act_std');
    assert.ok(Math.abs(a[99] / a[0] - 1) < 0.01, `orthogonal keeps every norm: ${a[0]} then ${a[99]}`);
  },
  // The residual lessons (issue 21): the stream's σ per block against the recursion q₀ = 2
  // (He stem on unit-variance input) and q ← q + V_F.
  'Residual, α = 1: the stream grows': (t) => {
    const x = col(t, 'stream_std');
    const f = Math.pow(x[19] / x[0], 2 / 19);
    assert.ok(f > 2.6 && f < 3.4, `the stream's variance per block ×${f} (theory 3): ${x}`);
  },
  "GPT-2's 1/√N": (t) => {
    const x = col(t, 'stream_std');
    const g = Math.pow(x[19] / Math.SQRT2, 2);
    assert.ok(g > 5.7 && g < 7.7, `variance grew ×${g} over 20 blocks (theory 1.1²⁰ ≈ 6.7): ${x}`);
  },
  'Zero-init residual: every block the identity': (t) => {
    const x = col(t, 'stream_std');
    assert.ok(x.every((v) => v === x[0]) && Math.abs(x[0] - Math.SQRT2) < 0.05, `${x}`);
  },
  'Pre-LN: the stream grows linearly': (t) => {
    const x = col(t, 'stream_std');
    for (const l of [9, 19, 39]) assert.ok(Math.abs(x[l] ** 2 / (2 + 2 * (l + 1)) - 1) < 0.1, `block ${l + 1}: ${x[l]}`);
  },
  'Post-LN: the stream is normalized': (t) => {
    assert.ok(col(t, 'stream_std').every((v) => Math.abs(v - 1) < 1e-3), `${col(t, 'stream_std')}`);
  },
};

/// tanh at the edge of chaos (χ* = 1, q* = 0.0203): the batch's z starts at std σ_w·1 ≈ 1.02 and
/// settles towards √q* ≈ 0.14 (slowly: at the edge, q approaches q* as a power of depth).
function edgeOfChaos(t) {
  const z = col(t, 'preact_std');
  assert.ok(Math.abs(z[0] - 1.02) < 0.05 && z[99] > 0.1 && z[99] < 0.2, `z std ${z[0]} … ${z[99]}`);
}

/// What each spectrum lesson's text claims of #jacobian-summary (Pennington et al. 2017).
const SPECTRUM = {
  'Orthogonal at the edge of chaos': (s) => assert.ok(s.share_near_1 > 0.9 && s.sd_log10_s < 0.5, JSON.stringify(s)),
  'Gaussian at the edge of chaos': (s) => assert.ok(Math.abs(s.mean_lambda - 1) < 0.5 && s.sd_log10_s > 3, JSON.stringify(s)),
  // Measured: E[λ] 0.89, 637 of 1,024 values 0 within rounding, the rest 3.0 decades apart.
  'ReLU is never isometric': (s) => assert.ok(Math.abs(s.mean_lambda - 1) < 0.5 && s.sd_log10_s > 2.5 && s.condition === Infinity, JSON.stringify(s)),
  'Linear and orthogonal: every s is 1': (s) => assert.ok(s.share_near_1 === 1 && s.sd_log10_s < 1e-5 && s.condition < 1.0001, JSON.stringify(s)),
};

const VERDICT = {
  'Zero init, ReLU': 'no_signal', 'Zero init, tanh': 'no_signal', 'Zero init, sigmoid': 'symmetry', 'Constant 0.5': 'symmetry',
  'Small random (0.01), tanh': 'vanish', 'Large random (1.0), tanh': 'saturated', 'Xavier, tanh': 'healthy', 'He, ReLU': 'healthy',
  'Xavier, ReLU': 'vanish', 'LeCun, SELU': 'healthy',
};

test('every lesson preset shows its behaviour, at desktop and phone sizes', async () => {
  const page = await open(env);
  const phone = await open(env, '', { viewport: { width: 390, height: 844 }, dpr: 2 });
  const names = await page.$$eval('#lessons-init a', (as) => as.map((a) => a.textContent));
  assert.deepEqual(names.sort(), Object.keys(LESSONS).sort());
  for (const [i, name] of names.entries()) {
    await page.click(`#lessons-init a >> text="${name}"`);
    await ready(page);
    const t = await table(page);
    LESSONS[name](t);
    if (SPECTRUM[name]) {
      const [s] = await spectrumSummary(page);
      SPECTRUM[name](s);
    }
    if (VERDICT[name]) {
      const tags = await page.$$eval('#verdict li', (li) => li.map((l) => l.dataset.tag));
      assert.ok(tags.includes(VERDICT[name]), `${name}: verdict ${tags}`);
    }
    const act = await canvasInfo(page, 'chart-act');
    assert.ok(act.ink > 0.02 * act.total, `${name}: empty activation chart`);
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/-$/, '');
    await shot(page, `lesson-${i + 1}-${slug}-desktop`);
    // Phone: open the lesson's URL directly (a lesson is just a URL).
    await phone.goto(page.url());
    await ready(phone);
    assert.deepEqual(await table(phone), t, `${name}: the phone view differs`);
    await shot(phone, `lesson-${i + 1}-${slug}-phone`);
  }
  assert.deepEqual(page.problems, []);
  assert.deepEqual(phone.problems, []);
  await page.context().close();
  await phone.context().close();
});

/// What is below the table stays where it was when the reader scrolls to it after the table
/// changed off screen: no layout shift under the reader's finger (a `content-visibility: auto`
/// table kept its old rows' height until it was scrolled to, and the lesson links below jumped,
/// so a tap landed between them).
test('the lessons below the table do not move when scrolled to', async () => {
  const page = await open(env);
  for (const name of ['He, ReLU', 'Zero init, sigmoid']) {
    await page.click(`#lessons-init a >> text="${name}"`);
    await ready(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const at = () => page.evaluate(() => Math.round(document.querySelector('#lessons-init').getBoundingClientRect().top + window.scrollY));
    const before = await at();
    await page.evaluate(() => document.querySelector('#lessons-init').scrollIntoView({ block: 'center' }));
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await at(), before, `after ${name}: the lesson list moved when scrolled to`);
  }
  await page.context().close();
});

test('every control changes the URL and the charts', async () => {
  const page = await open(env, '?depth=4&width=16&batch=64');
  // [control id, how to change it, expected URL value]
  const steps = [
    ['depth', async () => { await page.focus('#depth'); await page.keyboard.press('ArrowRight'); }, '5'],
    ['width', async () => { await page.focus('#width'); await page.keyboard.press('ArrowLeft'); }, '12'],
    ['act', () => page.selectOption('#act', 'relu'), 'relu'],
    ['init', () => page.selectOption('#init', 'normal'), 'normal'],
    ['scale', async () => { await page.focus('#scale'); await page.keyboard.press('ArrowRight'); }, '0.015'],
    ['init', () => page.selectOption('#init', 'he_uniform'), 'he_uniform'],
    ['gain', () => page.selectOption('#gain', '2'), '2'],
    ['fan', () => page.selectOption('#fan', 'fan_out'), 'fan_out'],
    ['init', () => page.selectOption('#init', 'he_normal'), 'he_normal'],
    ['trunc', () => page.check('#trunc'), '1'],
    ['bias', () => page.selectOption('#bias', 'same'), 'same'],
    ['norm', () => page.selectOption('#norm', 'layer'), 'layer'],
    ['batch', async () => { await page.focus('#batch'); await page.keyboard.press('ArrowLeft'); }, '32'],
    ['input', () => page.selectOption('#input', 'spiral'), 'spiral'],
    ['noise', async () => { await page.focus('#noise'); await page.keyboard.press('ArrowRight'); }, '0.15'],
    ['act', () => page.selectOption('#act', 'leaky_relu'), 'leaky_relu'],
    ['slope', async () => { await page.focus('#slope'); await page.keyboard.press('ArrowRight'); }, '0.02'],
    ['seed', () => page.fill('#seed', '77'), '77'],
  ];
  for (const [id, change, want] of steps) {
    const before = await canvasInfo(page, 'chart-weights');
    const beforeGrad = await canvasInfo(page, 'chart-grad');
    await change();
    await ready(page);
    assert.equal(query(page).get(id), want, `${id}: URL has ${query(page).get(id)}`);
    const after = await canvasInfo(page, 'chart-weights');
    const afterGrad = await canvasInfo(page, 'chart-grad');
    assert.ok(after.hash !== before.hash || afterGrad.hash !== beforeGrad.hash, `${id}: charts unchanged`);
  }
  // The diagram toggle redraws the diagram only.
  const net = await canvasInfo(page, 'chart-net');
  await page.selectOption('#diagram', 'grads');
  await ready(page);
  assert.equal(query(page).get('diagram'), 'grads');
  assert.notEqual((await canvasInfo(page, 'chart-net')).hash, net.hash);
  // New seed draws a fresh one.
  await page.click('#new-seed');
  await ready(page);
  assert.notEqual(query(page).get('seed'), '77');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a copied link restores the same table, and the embed view is compact', async () => {
  const page = await open(env, '?depth=7&width=48&init=lecun_uniform&act=selu&seed=5');
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.click('#copy-link');
  await page.waitForFunction(() => document.getElementById('export-status').textContent.includes('copied'));
  const link = await page.evaluate(() => navigator.clipboard.readText());
  const t = await table(page);
  const other = await open(env, link.slice(link.indexOf('?')));
  assert.deepEqual(await table(other), t);
  await page.click('#copy-embed');
  await page.waitForFunction(() => document.getElementById('export-status').textContent.includes('Embed'));
  const snippet = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(snippet, /^<iframe src="[^"]*embed=1" title="[^"]+"/);
  assert.match(snippet, / sandbox="allow-scripts allow-same-origin allow-downloads"/);
  const src = snippet.match(/src="([^"]*)"/)[1].replaceAll('&amp;', '&');
  const embed = await open(env, src.slice(src.indexOf('?')), { viewport: { width: 960, height: 720 } });
  assert.equal(await embed.isVisible('#lessons'), false);
  assert.equal(await embed.isVisible('#chart-act'), true);
  assert.deepEqual(await table(embed), t);
  await shot(embed, 'embed-960');
  // CSV download: one line per layer, the same numbers as the table.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
  // A plain CSV: a header and one row per layer, numbers in every statistic column (the settings
  // are the last column); the file name says what it holds.
  assert.equal(download.suggestedFilename(), 'initviz-lecun_uniform-selu-7x48.csv');
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(csv.length, 1 + 7);
  const header = csv[0].split(',');
  const row3 = csv[3].split(',');
  assert.equal(header.at(-1), 'config');
  for (const [i, name] of header.entries()) {
    if (['layer', 'q_star', 'chi', 'depth_scale'].includes(name)) assert.ok(Number.isFinite(Number(row3[i])) || row3[i] === 'inf', `${name}: ${row3[i]}`);
    if (name === 'distinct') assert.match(row3[i], /^\d+$/, 'a count is written as a whole number');
  }
  assert.match(row3.at(-1), /^depth=7&width=48&init=lecun_uniform/);
  assert.ok(Math.abs(Number(row3[header.indexOf('act_std')]) - t[2].act_std) < 1e-4 * Math.max(1, t[2].act_std));
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#download-png')]);
  const bytes = readFileSync(await png.path());
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  assert.ok(bytes.length > 20000, `PNG of ${bytes.length} bytes`);
  for (const p of [page, other, embed]) { assert.deepEqual(p.problems, []); await p.context().close(); }
});

test('bad input gets a clear message, never a blank page', async () => {
  const page = await open(env, '?depth=abc&width=5000&init=magic&act=relu6&scale=-3&zzz=1');
  const notices = await page.textContent('#notices');
  for (const key of ['depth', 'width', 'init', 'act', 'zzz']) assert.ok(notices.includes(key), `no notice for ${key}: ${notices}`);
  assert.equal(query(page).get('width'), '1024');
  assert.equal((await table(page)).length, 10);
  await shot(page, 'bad-input');
  const big = await open(env, '?depth=100&width=1024&batch=4096').catch((e) => e);
  assert.ok(big instanceof Error, 'an over-budget configuration should end in the error state');
  const page2 = await env.browser.newPage();
  await page2.goto(env.base + '?depth=100&width=1024&batch=4096');
  await page2.waitForFunction(() => document.body.dataset.state === 'error');
  assert.match(await page2.textContent('#status'), /MiB/);
  await page2.close();
  await page.context().close();
});

test('axe-core finds no accessibility violation, in light and dark themes, at desktop and phone sizes', async () => {
  const axe = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  for (const [colorScheme, viewport] of [['light', undefined], ['dark', undefined], ['light', { width: 390, height: 844 }], ['dark', { width: 390, height: 844 }]]) {
    // The second view has the spectrum panel open (of zero weights: every singular value 0).
    for (const q of ['', '?depth=3&width=8&init=zeros&act=sigmoid&input=moons&spectrum=batch', '?mode=train&input=spiral&depth=3&width=8&steps=50&compare=he_normal,zeros']) {
      const page = await open(env, q, { colorScheme, viewport });
      await page.addScriptTag({ content: axe });
      const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      const v = result.violations.map((x) => `${x.id} (${x.impact}): ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
      assert.deepEqual(v, [], `${colorScheme} ${viewport ? 'phone' : 'desktop'} ${q}`);
      await shot(page, `theme-${colorScheme}${viewport ? '-phone' : ''}${q.includes('train') ? '-train' : q ? '-small' : ''}`);
      await page.context().close();
    }
  }
});
