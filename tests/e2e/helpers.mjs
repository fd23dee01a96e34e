// Shared set-up of the end-to-end suite: dist/ served under a sub-path, Debian's Chromium driven
// by playwright-core, console errors collected, and readers for the page's contract.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHOTS = join(root, 'test-results', 'screenshots');
export const PREFIX = '/sub/dir/';
mkdirSync(SHOTS, { recursive: true });

export async function start() {
  const server = await serve(join(root, 'dist'), 0, PREFIX);
  const base = `http://127.0.0.1:${server.address().port}${PREFIX}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  return { server, browser, base, async stop() { await browser.close(); server.close(); } };
}

/// A page that records console errors, page errors and failed requests into `page.problems`.
export async function open(env, query = '', opts = {}) {
  const context = await env.browser.newContext({
    viewport: opts.viewport || { width: 1400, height: 1000 },
    deviceScaleFactor: opts.dpr || 1,
    colorScheme: opts.colorScheme || 'light',
  });
  // A script run in the page before its own (e.g. an observer of body[data-state]).
  if (opts.init) await context.addInitScript(opts.init);
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => page.problems.push(`requestfailed: ${r.url()}`));
  page.on('request', (r) => { if (!r.url().startsWith(env.base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) page.problems.push(`other origin: ${r.url()}`); });
  await page.goto(env.base + query);
  await ready(page);
  return page;
}

/// Waits until the page says the current configuration is drawn (or failed).
export async function ready(page, state = 'ready') {
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, { timeout: 60000 });
  const got = await page.evaluate(() => document.body.dataset.state);
  if (got !== state) throw new Error(`state ${got}: ${await page.textContent('#status')}`);
}

/// The statistics table as [{layer, weight_std, ...}] with numbers.
export async function table(page) {
  return page.$$eval('#layer-stats tbody tr', (rows) => rows.map((tr) => {
    const o = { layer: Number(tr.dataset.layer) };
    for (const td of tr.querySelectorAll('td[data-stat]')) o[td.dataset.stat] = Number(td.textContent);
    return o;
  }));
}

/// The Jacobian spectrum's summary (#jacobian-summary) as [{run, mean_lambda, ...}]; ∞ is Infinity.
export async function spectrumSummary(page) {
  return page.$$eval('#jacobian-summary-body tr', (rows) => rows.map((tr) => {
    const o = { run: tr.dataset.run };
    for (const td of tr.querySelectorAll('td[data-stat]')) o[td.dataset.stat] = td.textContent === '∞' ? Infinity : Number(td.textContent);
    return o;
  }));
}

export const query = (page) => new URL(page.url()).searchParams;

/// A fingerprint of a canvas' pixels, and how many differ from its corner (background) colour.
export async function canvasInfo(page, id) {
  return page.evaluate((id) => {
    const c = document.getElementById(id);
    const ctx = c.getContext('2d');
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let ink = 0, h = 2166136261;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) ink++;
      h = Math.imul(h ^ (d[i] + 3 * d[i + 1] + 7 * d[i + 2]), 16777619);
    }
    return { ink, total: d.length / 4, hash: h >>> 0, width: c.width, height: c.height };
  }, id);
}

export async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
