import { start } from './helpers.mjs';
const env = await start();
const ids = ['toggle-controls', 'controls', 'results', 'status', 'notices', 'lesson-guide', 'verdict', 'theory', 'lab', 'charts', 'chart-weights', 'chart-preact', 'theory-detail', 'formula', 'layer-stats', 'lessons'];
for (const [w, h, mobile] of [[390, 844, true], [1280, 900, false]]) {
  const out = {};
  for (const block of [true, false]) {
    const ctx = await env.browser.newContext({ viewport: { width: w, height: h }, isMobile: mobile, hasTouch: mobile, deviceScaleFactor: 2 });
    const page = await ctx.newPage();
    if (block) await page.route(/\.wasm$/, (r) => r.abort());
    await page.goto(env.base);
    if (block) await page.waitForTimeout(1500); else await page.waitForFunction(() => document.body.dataset.state === 'ready');
    out[block ? 'pre' : 'live'] = await page.evaluate((ids) => ids.map((id) => { const e = document.getElementById(id); if (!e) return [id, null]; const r = e.getBoundingClientRect(); return [id, Math.round(r.top), Math.round(r.height)]; }), ids);
    await ctx.close();
  }
  for (let i = 0; i < ids.length; i++) console.log(w, JSON.stringify(out.pre[i]), JSON.stringify(out.live[i]));
}
await env.stop();
