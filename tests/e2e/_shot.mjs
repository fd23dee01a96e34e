import { start } from './helpers.mjs';
const env = await start();
for (const scheme of ['light', 'dark']) {
  for (const block of [true, false]) {
    const ctx = await env.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, colorScheme: scheme });
    const page = await ctx.newPage();
    page.on('console', (m) => console.log('console', m.type(), m.text()));
    page.on('pageerror', (e) => console.log('pageerror', e.message));
    if (block) await page.route(/\.wasm$/, (r) => r.abort());
    await page.goto(env.base);
    if (block) await page.waitForTimeout(1500); else await page.waitForFunction(() => document.body.dataset.state === 'ready');
    await page.evaluate(() => window.scrollTo(0, 700));
    await page.waitForTimeout(300);
    await page.screenshot({ path: `/tmp/iv/phone-${scheme}-${block ? 'pre' : 'live'}.png` });
    console.log(scheme, block, await page.$$eval('.pre', (p) => p.length), await page.textContent('#status'));
    await ctx.close();
  }
}
await env.stop();
