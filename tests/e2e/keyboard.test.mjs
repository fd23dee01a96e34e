// Keyboard only: every control is reached with Tab, shows a visible focus ring, and works from
// the keyboard; reduced motion turns the page's transitions off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, open, ready, query } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

test('Tab reaches every control, each with a visible focus ring', async () => {
  const page = await open(env, '?depth=3&width=8&input=moons');
  const controls = await page.$$eval('#controls input, #controls select, #controls button, .export button, #chart-phase, #diagram',
    (els) => els.filter((e) => !e.disabled && e.offsetParent !== null).map((e) => e.id));
  assert.ok(controls.length >= 18, `${controls}`);
  const reached = new Map();
  for (let i = 0; i < 120 && reached.size < controls.length; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const e = document.activeElement;
      const s = getComputedStyle(e);
      return { id: e.id, ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 };
    });
    if (f.id && controls.includes(f.id)) reached.set(f.id, f.ring);
  }
  const missed = controls.filter((id) => !reached.has(id));
  assert.deepEqual(missed, [], 'not reachable with Tab');
  const noRing = [...reached].filter(([, ring]) => !ring).map(([id]) => id);
  assert.deepEqual(noRing, [], 'no visible focus ring');
  await page.context().close();
});

test('sliders, selects and checkboxes work from the keyboard', async () => {
  const page = await open(env, '?depth=3&width=8&input=moons');
  await page.focus('#depth');
  await page.keyboard.press('ArrowRight');
  await ready(page);
  assert.equal(query(page).get('depth'), '4');
  await page.focus('#act');
  await page.keyboard.press('ArrowDown');
  await ready(page);
  assert.notEqual(query(page).get('act'), 'tanh');
  await page.focus('#norm');
  await page.keyboard.press('ArrowDown');
  await ready(page);
  assert.equal(query(page).get('norm'), 'batch');
  await page.focus('#new-seed');
  const seed = query(page).get('seed');
  await page.keyboard.press('Enter');
  await ready(page);
  assert.notEqual(query(page).get('seed'), seed);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('reduced motion: no transitions', async () => {
  const context = await env.browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.goto(env.base);
  await ready(page);
  const t = await page.$eval('#charts', (c) => getComputedStyle(c).transitionDuration);
  assert.match(t, /^0s/);
  await context.close();
});
