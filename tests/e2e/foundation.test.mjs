// Issue 2's slice: the built dist/ under a sub-path, a control moved, the chart redrawn.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, open, ready, table, query, canvasInfo, shot } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

test('the page loads under a sub-path, draws, and logs no error', async () => {
  const page = await open(env);
  const act = await canvasInfo(page, 'chart-act');
  assert.ok(act.ink > act.total * 0.05, `activation chart nearly empty: ${act.ink}/${act.total}`);
  assert.equal((await table(page)).length, 10);
  assert.equal(query(page).get('depth'), '10');
  assert.deepEqual(page.problems, []);
  await shot(page, 'default-desktop');
  await page.context().close();
});

test('moving the depth slider with the keyboard updates URL, table and chart', async () => {
  const page = await open(env);
  const before = await canvasInfo(page, 'chart-act');
  await page.focus('#depth');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  await ready(page);
  assert.equal(query(page).get('depth'), '15');
  assert.equal((await table(page)).length, 15);
  assert.equal(await page.textContent('#depth-value'), '15 layers');
  const after = await canvasInfo(page, 'chart-act');
  assert.notEqual(after.hash, before.hash, 'the chart did not change');
  assert.ok(after.ink > after.total * 0.05);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('canvases are sharp on HiDPI screens (device pixels = CSS pixels × devicePixelRatio)', async () => {
  const page = await open(env, '?depth=4&width=8', { viewport: { width: 390, height: 844 }, dpr: 3 });
  for (const id of ['chart-act', 'chart-std', 'chart-net']) {
    const c = await page.$eval(`#${id}`, (el) => ({ w: el.width, h: el.height, cw: el.clientWidth, ch: el.clientHeight }));
    assert.equal(c.w, Math.round(c.cw * 3), `${id}: ${JSON.stringify(c)}`);
    assert.equal(c.h, Math.round(c.ch * 3), `${id}: ${JSON.stringify(c)}`);
  }
  await page.context().close();
});

test('no request leaves the origin, and the favicon and lang are there', async () => {
  const page = await open(env);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  const icon = await page.getAttribute('link[rel=icon]', 'href');
  assert.ok(icon && !icon.startsWith('/') && !icon.includes('//'), `icon href ${icon}`);
  const res = await page.request.get(new URL(icon, page.url()).href);
  assert.equal(res.status(), 200);
  assert.deepEqual(page.problems.filter((p) => p.startsWith('other origin')), []);
  await page.context().close();
});
