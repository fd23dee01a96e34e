// The Jacobian spectrum panel (issue 24): `spectrum=fixed|batch` measures the singular values of
// ∂a_L/∂x in its own worker and shows them as two charts, sentences and #jacobian-summary.
// Expected values are the papers' (Pennington, Schoenholz & Ganguli 2017): at the edge of chaos
// with a small q*, orthogonal weights keep s near 1 and Gaussian ones spread it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, open, canvasInfo, spectrumSummary as summary } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

// tanh at the edge of chaos for σ_b² = 1e-5: σ_w² = 1.0395 (χ* = 1), q* = 0.0203.
const EDGE = `act=tanh&gain=${Math.sqrt(1.0395211)}&bias=normal:${Math.sqrt(1e-5)}&spectrum=fixed`;


test('orthogonal against Gaussian at the edge of chaos: the spectrum, its charts and its numbers', async () => {
  const orth = await open(env, `?depth=50&width=128&init=orthogonal&${EDGE}`, { viewport: { width: 1280, height: 900 } });
  assert.equal(await orth.isHidden('#spectrum-panel'), false);
  const [o] = await summary(orth);
  assert.ok(o.share_near_1 > 0.9 && o.sd_log10_s < 1, `orthogonal: ${JSON.stringify(o)}`);
  // Free probability's E[λ] at χ = 1 is 1, and its Var[λ] is beside the measured one.
  assert.ok(Math.abs(o.pred_mean_lambda - 1) < 0.01 && o.pred_var_lambda > 0, JSON.stringify(o));
  assert.match(await orth.textContent('#spectrum-sentences'), /Dynamical isometry: \d+% of the singular values are within a factor 2 of 1/);
  for (const id of ['chart-spectrum', 'chart-spectrum-depth']) {
    assert.ok((await canvasInfo(orth, id)).ink > 500, `${id} is drawn`);
    assert.match(await orth.getAttribute(`#${id}`, 'aria-label'), /singular values/);
  }
  await orth.locator('#spectrum-panel').scrollIntoViewIfNeeded();
  await orth.screenshot({ path: 'test-results/screenshots/spectrum-orthogonal-desktop.png' });
  assert.deepEqual(orth.problems, []);
  await orth.context().close();

  const gauss = await open(env, `?depth=50&width=128&init=xavier_normal&${EDGE}`, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  const [g] = await summary(gauss);
  assert.ok(g.sd_log10_s > 2 && g.share_near_1 < 0.2, `Gaussian: ${JSON.stringify(g)}`);
  assert.match(await gauss.textContent('#spectrum-sentences'), /Not isometric/);
  // A phone: nothing scrolls sideways but the table's own region.
  assert.ok(await gauss.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll');
  await gauss.locator('#chart-spectrum').scrollIntoViewIfNeeded();
  await gauss.screenshot({ path: 'test-results/screenshots/spectrum-gaussian-phone-dark.png' });
  await gauss.context().close();
});

test('the spectrum follows the settings, says why it cannot be measured, and is off by default', async () => {
  const page = await open(env, '?depth=4&width=32&spectrum=batch');
  const first = await summary(page);
  assert.equal(first.length, 1);
  // A new setting measures again (the row says L = depth).
  await page.focus('#depth');
  for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => /L = 6/.test(document.querySelector('#jacobian-summary-body')?.textContent || ''), null, { timeout: 60000 });
  assert.match(page.url(), /spectrum=batch/);
  // Batch norm couples the samples: no Jacobian of one input, and the page says so.
  await page.selectOption('#norm', 'batch');
  await page.waitForFunction(() => /could not be computed: with batch norm/.test(document.querySelector('#spectrum-status').textContent), null, { timeout: 60000 });
  // Off: the panel goes, and the link no longer asks for it.
  await page.selectOption('#spectrum', 'off');
  await page.waitForFunction(() => document.querySelector('#spectrum-panel').hidden);
  assert.doesNotMatch(page.url(), /spectrum=/);
  await page.context().close();
  const plain = await open(env, '');
  assert.equal(await plain.isHidden('#spectrum-panel'), true);
  await plain.context().close();
});

test('compare=orthogonal,xavier_normal: both spectra in one chart, a row each, and the CSV', async () => {
  const page = await open(env, '?depth=50&width=128&act=tanh&compare=orthogonal,xavier_normal&spectrum=batch', { viewport: { width: 1024, height: 768 } });
  const rows = await summary(page);
  assert.equal(rows.length, 2);
  const names = await page.$$eval('#jacobian-summary-body th', (t) => t.map((x) => x.textContent));
  assert.deepEqual(names, ['orthogonal', 'xavier_normal']);
  // Both at σ_w² = 1, σ_b = 0 (their default gains) from inputs of variance 1: E[λ] shrinks alike
  // as q falls (measured 0.016 each, predicted 0.0157), but orthogonal weights keep the values
  // together (measured: 0.51 decades) and Gaussian ones spread them (3.3).
  assert.ok(rows[0].sd_log10_s < 1 && rows[1].sd_log10_s > 2, JSON.stringify(rows));
  assert.ok(Math.abs(rows[0].mean_lambda / rows[0].pred_mean_lambda - 1) < 0.1, JSON.stringify(rows[0]));
  assert.match(await page.getAttribute('#chart-spectrum', 'aria-label'), /orthogonal: .*; xavier_normal: /);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-spectrum-csv')]);
  assert.match(download.suggestedFilename(), /-spectrum\.csv$/);
  const csv = (await (await import('node:fs/promises')).readFile(await download.path(), 'utf8')).trim().split('\n');
  assert.match(csv[0], /^run,depth,mean_lambda,pred_mean_lambda,var_lambda,pred_var_lambda,share_near_1,sd_log10_s,condition,/);
  // A line per run and depth measured: the distinct round(50^(i/11)), i = 0…11 (11 depths: 1
  // comes twice), for each of the 2 runs.
  const depths = new Set(Array.from({ length: 12 }, (_, i) => Math.round(50 ** (i / 11))));
  assert.equal(csv.length, 1 + 2 * depths.size);
  assert.ok(csv.slice(1).every((l) => /^(orthogonal|xavier_normal),\d+,/.test(l)));
  await page.locator('#spectrum-panel').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screenshots/spectrum-compare-laptop.png' });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('an embed can show the spectrum alone (show=spectrum)', async () => {
  const page = await open(env, '?depth=4&width=32&spectrum=batch&embed=1&show=spectrum', { viewport: { width: 800, height: 600 } });
  assert.equal(await page.isVisible('#spectrum-panel'), true);
  assert.equal(await page.isVisible('#chart-act'), false);
  assert.equal((await spectrumSummaryRows(page)), 1);
  const other = await open(env, '?depth=4&width=32&spectrum=batch&embed=1&show=act');
  assert.equal(await other.isVisible('#spectrum-panel'), false, 'left out by show=');
  for (const p of [page, other]) await p.context().close();
});

const spectrumSummaryRows = (page) => page.$$eval('#jacobian-summary-body tr', (r) => r.length);
