// The workers share one download and one compile of their wasm: the page compiles worker_bg.wasm
// once and hands the module to each worker (src/web/worker_module.rs, www/worker_loader.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, ready } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

test('two workers, one download of the worker wasm; both compute', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname.split('/').pop()));
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  // A split request: both workers must have started from the shared module to answer it.
  await page.goto(env.base + '?depth=4&width=64&batch=128&workers=2');
  await ready(page);
  assert.match(await page.textContent('#status'), /in 2 workers/);
  const count = (name) => fetched.filter((f) => f === name).length;
  assert.equal(count('worker_loader.js'), 2, `${fetched}`);
  assert.equal(count('worker_bg.wasm'), 1, `worker_bg.wasm fetched ${count('worker_bg.wasm')} times: ${fetched}`);
  assert.deepEqual(errors, []);
  await context.close();
});
