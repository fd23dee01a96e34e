// The first view is in the HTML (src/bin/prerender.rs): before the wasm has arrived (its requests
// blocked here) a phone shows the default view's text, controls and charts, and once the wasm has
// drawn, the same picture, with no box moved and no text rewritten. Any other link hides the
// pre-rendered numbers until its own are computed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, SHOTS } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/// A page whose .wasm requests fail (`wasm: false`): what a student sees while it downloads.
async function visit(query, { wasm = true, colorScheme = 'light', device = PHONE } = {}) {
  const context = await env.browser.newContext({ ...device, colorScheme });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(e.message));
  if (!wasm) await page.route(/\.wasm$/, (r) => r.abort());
  // Every layout shift and every change to the pre-rendered text, from the first byte on.
  await page.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__shifts.push(e.value); })
      .observe({ type: 'layout-shift', buffered: true });
    window.__rewritten = [];
    document.addEventListener('DOMContentLoaded', () => {
      for (const id of ['verdict', 'theory', 'theory-detail', 'formula', 'layer-stats-body']) {
        const el = document.getElementById(id);
        new MutationObserver(() => window.__rewritten.push(id)).observe(el, { childList: true, subtree: true, characterData: true });
      }
    });
  });
  await page.goto(env.base + query);
  if (wasm) {
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, { timeout: 60000 });
  } else {
    await page.waitForLoadState('load');
  }
  return { page, context };
}

/// What the page says, as text: the parts a student reads first.
const words = (page) => page.evaluate(() => ({
  verdict: document.getElementById('verdict').innerText,
  theory: document.getElementById('theory').innerText,
  detail: document.getElementById('theory-detail').innerText,
  formula: document.getElementById('formula').innerText,
  // Cell by cell (innerText skips the table: it is content-visibility: auto, off screen).
  table: [...document.querySelectorAll('#layer-stats-body tr')].map((tr) => [...tr.cells].map((c) => c.textContent).join(' ')),
  head: [...document.querySelectorAll('#layer-stats-head th')].map((c) => c.textContent),
  controls: [...document.querySelectorAll('#controls select, #controls input, #controls output')]
    .map((e) => `${e.id}=${e.tagName === 'OUTPUT' ? e.textContent : e.type === 'checkbox' ? e.checked : e.value}${e.disabled ? ' (disabled)' : ''}`),
  toggle: document.getElementById('toggle-controls').textContent,
  memory: document.getElementById('memory-note').textContent,
  code: document.getElementById('code-pytorch').textContent,
}));

/// Fraction of pixels of two same-sized PNGs that differ by more than `tol` in a channel.
async function pixelDifference(page, a, b, tol = 48) {
  return page.evaluate(async ([a, b, tol]) => {
    const load = async (b64) => createImageBitmap(await (await fetch(`data:image/png;base64,${b64}`)).blob());
    const [x, y] = [await load(a), await load(b)];
    const read = (img) => {
      const c = new OffscreenCanvas(img.width, img.height);
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      return g.getImageData(0, 0, img.width, img.height).data;
    };
    if (x.width !== y.width || x.height !== y.height) return 1;
    const [p, q] = [read(x), read(y)];
    let differ = 0;
    for (let i = 0; i < p.length; i += 4) {
      if (Math.abs(p[i] - q[i]) > tol || Math.abs(p[i + 1] - q[i + 1]) > tol || Math.abs(p[i + 2] - q[i + 2]) > tol) differ++;
    }
    return differ / (p.length / 4);
  }, [a.toString('base64'), b.toString('base64'), tol]);
}

test('before the wasm: the default view is on a phone, the same as after, light and dark', async (t) => {
  for (const colorScheme of ['light', 'dark']) {
    const pre = await visit('', { wasm: false, colorScheme });
    const live = await visit('', { colorScheme });
    assert.equal(await pre.page.evaluate(() => document.body.dataset.state), 'loading', 'the wasm was not blocked');
    const [a, b] = [await words(pre.page), await words(live.page)];
    assert.ok(a.table.length === 10 && a.verdict.length > 40, `nothing pre-rendered: ${JSON.stringify(a).slice(0, 300)}`);
    assert.deepEqual(a, b, 'the pre-rendered text or controls differ from what the wasm shows');
    assert.deepEqual(await live.page.evaluate(() => window.__rewritten), [], 'the wasm rewrote pre-rendered text that was already right');
    assert.equal(await live.page.$$eval('.pre', (p) => p.length), 0, 'a pre-rendered chart is left over the canvas');
    const status = [await pre.page.textContent('#status'), await live.page.textContent('#status')];
    assert.equal(status[0], status[1].replace(/, drawn in \d+ ms\.$/, '.'), `status: ${status}`);
    const shifts = await live.page.evaluate(() => window.__shifts.reduce((s, v) => s + v, 0));
    assert.ok(shifts < 0.02, `layout shift ${shifts} while the wasm took over`);
    // The first screen, and the charts after scrolling: the same picture.
    for (const [where, y] of [['top', 0], ['charts', 700]]) {
      const shots = [];
      for (const [name, p] of [['before-wasm', pre.page], ['after-wasm', live.page]]) {
        await p.evaluate((y) => window.scrollTo(0, y), y);
        await p.waitForTimeout(100);
        const png = await p.screenshot();
        writeFileSync(join(SHOTS, `first-view-390-${colorScheme}-${where}-${name}.png`), png);
        shots.push(png);
      }
      const d = await pixelDifference(live.page, shots[0], shots[1]);
      t.diagnostic(`${colorScheme} ${where}: ${(100 * d).toFixed(3)}% of the pixels differ before and after the wasm; layout shift ${shifts}`);
      assert.ok(d < 0.01, `${colorScheme} ${where}: ${(100 * d).toFixed(2)}% of the pixels differ before and after the wasm`);
    }
    assert.deepEqual([...pre.page.problems.filter((m) => !/fetch|wasm|WebAssembly/i.test(m)), ...live.page.problems], []);
    await pre.context.close();
    await live.context.close();
  }
});

test('the pre-rendered charts have the sizes the page gives their canvases', async () => {
  for (const device of [PHONE, { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 }]) {
    const { page, context } = await visit('', { wasm: false, device });
    // Lazy pictures below the screen are fetched now.
    await page.$$eval('.pre img', (imgs) => imgs.forEach((i) => { i.loading = 'eager'; }));
    await page.waitForFunction(() => [...document.querySelectorAll('.pre img')].every((i) => i.complete && i.naturalWidth > 0));
    const sizes = await page.$$eval('.pre', (pres) => pres.map((pre) => {
      const canvas = pre.nextElementSibling;
      const img = pre.querySelector('img');
      return { id: canvas.id, canvas: [canvas.clientWidth, canvas.clientHeight], svg: [img.naturalWidth, img.naturalHeight], src: img.currentSrc };
    }));
    assert.equal(sizes.length, 8, JSON.stringify(sizes));
    const layout = device.viewport.width <= 760 ? '-phone-light-' : '-desk-light-';
    for (const s of sizes) {
      assert.deepEqual(s.svg, s.canvas, `${device.viewport.width} px: ${s.id}`);
      assert.ok(s.src.includes(layout), `${device.viewport.width} px: ${s.id} shows ${s.src}`);
    }
    await context.close();
  }
});

test('a link to another view does not show the default view\'s numbers before its own', async () => {
  const { page, context } = await visit('?act=relu&depth=20', { wasm: false });
  const hidden = await page.evaluate(() => [...document.querySelectorAll('.pre, [data-pre]')]
    .filter((e) => getComputedStyle(e).visibility !== 'hidden').map((e) => e.id || e.className));
  assert.deepEqual(hidden, [], 'pre-rendered parts visible');
  assert.equal(await page.textContent('#status'), 'Loading the WebAssembly module…');
  await context.close();
  // Once computed, the link's own view, with nothing of the default left.
  const live = await visit('?act=relu&depth=20');
  assert.equal(await live.page.$$eval('#layer-stats-body tr', (r) => r.length), 20);
  assert.equal(await live.page.$$eval('[data-pre]', (r) => r.length), 0);
  assert.equal(await live.page.$$eval('.pre', (r) => r.length), 0);
  await live.context.close();
  // theme= of the system's theme is the default view, pre-rendered in that theme; the other
  // theme waits for the wasm (the pictures follow the system's).
  const dark = await visit('?theme=dark', { wasm: false, colorScheme: 'dark' });
  assert.equal(await dark.page.evaluate(() => document.documentElement.classList.contains('theme-dark')), true);
  assert.equal(await dark.page.evaluate(() => document.documentElement.classList.contains('not-default')), false);
  const shown = await dark.page.$$eval('.pre img', (s) => s.filter((x) => x.currentSrc).map((x) => x.currentSrc.match(/-(light|dark)-/)[1]));
  assert.ok(shown.length > 0 && shown.every((t) => t === 'dark'), `themes shown: ${shown}`);
  await dark.context.close();
  const light = await visit('?theme=light', { wasm: false, colorScheme: 'dark' });
  assert.equal(await light.page.evaluate(() => document.documentElement.className), 'theme-light not-default');
  await light.context.close();
});
