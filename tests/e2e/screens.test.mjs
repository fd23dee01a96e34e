// Every screen: phones (with touch), a tablet and desktops, in the viewport a user sees: no
// sideways scroll, canvases drawn at their own size, controls reachable and big enough to tap,
// the first screen of a phone showing results, and a tap on a ridge giving that layer's numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, open, ready, table, SHOTS } from './helpers.mjs';
import { join } from 'node:path';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

const SCREENS = [
  { name: 'phone-360', viewport: { width: 360, height: 740 }, dpr: 3, touch: true },
  { name: 'phone-390', viewport: { width: 390, height: 844 }, dpr: 3, touch: true },
  { name: 'tablet-768', viewport: { width: 768, height: 1024 }, dpr: 2, touch: true },
  { name: 'desktop-1280', viewport: { width: 1280, height: 900 }, dpr: 1, touch: false },
];

async function openOn(screen, query, colorScheme = 'light') {
  const context = await env.browser.newContext({
    viewport: screen.viewport, deviceScaleFactor: screen.dpr, hasTouch: screen.touch, isMobile: screen.touch && screen.viewport.width < 500, colorScheme,
  });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(e.message));
  await page.goto(env.base + query);
  await ready(page);
  return page;
}

for (const screen of SCREENS) {
  test(`${screen.name}: no sideways scroll, canvases at their size, controls reachable`, async () => {
    for (const [view, query] of [['init', '?depth=10&width=256&act=relu&init=he_normal'], ['train', '?mode=train&input=spiral&depth=4&width=16&batch=32&steps=200&compare=he_normal,xavier_normal']]) {
      const page = await openOn(screen, query, view === 'train' ? 'dark' : 'light');
      const sw = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(sw <= screen.viewport.width, `${view}: scroll width ${sw} > ${screen.viewport.width}`);
      // Each visible canvas holds exactly its CSS box × the device pixel ratio: drawn for the size it has.
      const canvases = await page.$$eval('canvas', (cs) => cs.filter((c) => c.offsetParent !== null).map((c) => ({
        id: c.id, w: c.width, h: c.height, cw: c.clientWidth, ch: c.clientHeight, right: c.getBoundingClientRect().right,
      })));
      assert.ok(canvases.length >= 5, `${view}: ${canvases.length} canvases`);
      for (const c of canvases) {
        assert.equal(c.w, Math.round(c.cw * screen.dpr), `${view} ${c.id}: canvas ${c.w} px for a ${c.cw} CSS px box`);
        assert.ok(c.right <= screen.viewport.width + 0.5, `${view} ${c.id} runs to x = ${c.right}`);
      }
      // The ridgelines' σ labels are drawn in the right part of each canvas, inside it.
      if (view === 'init') {
        for (const id of ['chart-weights', 'chart-act', 'chart-grad']) {
          const ink = await page.evaluate(([id, dpr]) => {
            const c = document.getElementById(id);
            const w = Math.round(60 * dpr);
            const d = c.getContext('2d').getImageData(c.width - w, 0, w, c.height).data;
            const bg = c.getContext('2d').getImageData(0, 0, 1, 1).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] !== bg[0] || d[i + 1] !== bg[1] || d[i + 2] !== bg[2]) n++;
            return n;
          }, [id, screen.dpr]);
          assert.ok(ink > 50 * screen.dpr * screen.dpr, `${id}: nothing drawn in its right 60 px (${ink} px)`);
        }
      }
      const phone = screen.viewport.width <= 760;
      if (phone) {
        // Settings folded: the first screen shows results, with one button to open them.
        assert.equal(await page.getAttribute('#toggle-controls', 'aria-expanded'), 'false');
        assert.match(await page.textContent('#toggle-controls'), /Settings: \d+ × \d+/);
        assert.equal(await page.isVisible('#depth'), false);
        const firstChart = await page.$eval(view === 'train' ? '#chart-loss' : '#chart-weights', (c) => c.getBoundingClientRect().top);
        assert.ok(firstChart < screen.viewport.height, `${view}: the first chart starts at y = ${firstChart}, below the first screen`);
        await page.screenshot({ path: join(SHOTS, `screen-${screen.name}-${view}-first.png`) });
        await page.tap('#toggle-controls');
        assert.equal(await page.getAttribute('#toggle-controls', 'aria-expanded'), 'true');
        assert.equal(await page.isVisible('#depth'), true);
      }
      // Every visible control is reachable (inside the page's width) and, on touch screens, at least 44 px tall.
      const controls = await page.$$eval('#controls select, #controls input, #controls button, .lab-controls button', (els) => els
        .filter((e) => e.offsetParent !== null && e.type !== 'checkbox')
        .map((e) => { const r = e.getBoundingClientRect(); return { id: e.id, h: r.height, right: r.right }; }));
      for (const c of controls) {
        assert.ok(c.right <= screen.viewport.width + 0.5, `${view} #${c.id} runs to x = ${c.right}`);
        if (screen.touch) assert.ok(c.h >= 44, `${view} #${c.id} is ${c.h} px tall`);
      }
      await page.screenshot({ path: join(SHOTS, `screen-${screen.name}-${view}.png`) });
      assert.deepEqual(page.problems, []);
      await page.context().close();
    }
  });
}

test('a tap on a ridge shows that layer\'s numbers; the arrow keys move through the layers', async () => {
  const page = await openOn(SCREENS[1], '?depth=6&width=64&act=tanh&init=xavier_normal');
  const t = await table(page);
  // The bottom ridge is the last layer: tap just above the x axis.
  const box = await page.$eval('#chart-act', (c) => { const r = c.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });
  await page.tap('#chart-act', { position: { x: box.w / 2, y: box.h - 30 } });
  const text = await page.textContent('#readout-chart-act');
  assert.match(text, /^Layer 6 of 6: σ = /);
  // The σ shown is the table's activation std of that layer (one number format on the page).
  const sigma = Number(text.match(/σ = ([^,]+),/)[1]);
  assert.equal(sigma, t[5].act_std);
  await page.focus('#chart-act');
  await page.keyboard.press('ArrowUp');
  assert.match(await page.textContent('#readout-chart-act'), /^Layer 5 of 6/);
  await page.context().close();
});

test('a lesson opened from its link says what to look at, with the previous and next lessons', async () => {
  const page = await openOn(SCREENS[3], '?depth=10&width=500&init=normal&scale=0.01&act=tanh&batch=1000');
  assert.equal(await page.isVisible('#lesson-guide'), true);
  const guide = await page.textContent('#lesson-guide');
  assert.match(guide, /Lesson 5 of \d+: Small random \(0\.01\), tanh/);
  assert.match(guide, /each layer multiplies the signal by 0\.01·√500/);
  // Beside the charts: above the first chart, in the first screen.
  const y = await page.$eval('#lesson-guide', (e) => e.getBoundingClientRect().bottom);
  assert.ok(y < 900, `guide ends at y = ${y}`);
  await page.click('#lesson-guide a >> text=/^Next:/');
  await ready(page);
  assert.match(await page.textContent('#lesson-guide'), /Lesson 6 of \d+: Large random \(1\.0\), tanh/);
  assert.equal(new URL(page.url()).searchParams.get('scale'), '1');
  // A setting moved away from the lesson: the guide goes.
  await page.selectOption('#act', 'relu');
  await ready(page);
  assert.equal(await page.isVisible('#lesson-guide'), false);
  await page.context().close();
});

test('a tap on the std chart gives that layer\'s σ of every quantity; ← → move', async () => {
  const page = await openOn(SCREENS[1], '?depth=5&width=64&act=tanh&init=xavier_normal');
  const cell = (await page.textContent('#layer-stats tr[data-layer="5"] td[data-stat="act_std"]')).trim();
  const box = await page.$eval('#chart-std', (c) => { const r = c.getBoundingClientRect(); return { w: r.width, h: r.height }; });
  // The last layer's column is 14 CSS px from the right edge.
  await page.tap('#chart-std', { position: { x: box.w - 14, y: box.h / 2 } });
  const text = await page.textContent('#readout-chart-std');
  assert.match(text, /^Layer 5 of 5: σ of z /);
  assert.ok(text.includes(`of a ${cell} `), `${text} vs the table's ${cell}`);
  await page.focus('#chart-std');
  await page.keyboard.press('ArrowLeft');
  assert.match(await page.textContent('#readout-chart-std'), /^Layer 4 of 5/);
  await page.context().close();
});

test('a tap on the network diagram gives a unit\'s mean activation or an edge\'s value', async () => {
  // The notes' 2-2-1 network with zero init and sigmoid: every hidden unit outputs σ(0) = 0.5.
  const page = await openOn(SCREENS[1], '?depth=1&width=2&init=zeros&bias=zeros&act=sigmoid');
  const box = await page.$eval('#chart-net', (c) => { const r = c.getBoundingClientRect(); return { w: r.width, h: r.height }; });
  // The hidden layer is the middle column; its unit 1 is a quarter of the plot from the top.
  const at = { x: 24 + (box.w - 48) / 2, y: 34 + (box.h - 68) * 0.25 };
  await page.tap('#chart-net', { position: at });
  assert.match(await page.textContent('#readout-chart-net'), /^Layer 1, unit 1: mean activation over the batch 0\.5/);
  // Midway along the edge from that unit to the output: a zero weight.
  await page.tap('#chart-net', { position: { x: (at.x + box.w - 24) / 2, y: (at.y + box.h / 2) / 2 } });
  assert.match(await page.textContent('#readout-chart-net'), /^W from layer 1 unit 1 to output 1: 0/);
  await page.context().close();
});
