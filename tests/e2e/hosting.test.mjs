// Strict hosting: dist/ served by a real nginx (Debian's, started and stopped here on a loopback
// port) under a sub-path, with the strict Content-Security-Policy instructors meet on course
// sites. The lab must run there with no CSP violation, and inside a sandboxed iframe on another
// origin, with no request to any other origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ready, table } from './helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Run as root (CI and this machine), nginx's workers would be 'nobody' and could not read a
// checkout in a 0700 folder (mktemp -d): they run as the user that runs the test instead.
const NGINX_USER = process.getuid?.() === 0 ? 'user root;\n' : '';
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; "
  + "worker-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *";
// The least sandbox the embed needs: scripts (the lab is wasm driven by a module script),
// same-origin (module workers and the wasm fetches are same-origin requests; without it the frame
// is an opaque origin and they fail), downloads (the CSV and PNG buttons).
export const SANDBOX = 'allow-scripts allow-same-origin allow-downloads';

// The README's listener: sizes the iframe that sent the message to its content.
export const LISTENER = "addEventListener('message', (e) => { for (const f of document.querySelectorAll('iframe')) if (f.contentWindow === e.source && e.data && e.data.type === 'initviz-height') f.style.height = e.data.height + 'px'; });";

let nginx, port, browser, parent;
const nginxBin = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

before(async () => {
  port = await freePort();
  const prefix = mkdtempSync(join(tmpdir(), 'initviz-nginx-'));
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, `
${NGINX_USER}daemon off;
pid ${prefix}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    location /courses/dl/initviz/ {
      alias ${join(root, 'dist')}/;
      add_header Content-Security-Policy "${CSP}" always;
    }
  }
}
`);
  nginx = spawn(nginxBin, ['-c', conf, '-p', prefix], { stdio: ['ignore', 'inherit', 'inherit'] });
  for (let i = 0; i < 50; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port}/courses/dl/initviz/`)).ok) break; } catch { /* starting */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  // Another origin, as a course site: it embeds the lab the way the embed snippet does.
  parent = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    if (req.url.startsWith('/slide')) {
      // One figure for a slide: show=, theme=, and the README's one-line height listener.
      res.end(`<!doctype html><title>slide</title><iframe id="lab" title="initviz" width="960" height="300" sandbox="${SANDBOX}"
        src="http://127.0.0.1:${port}/courses/dl/initviz/?depth=6&width=64&act=tanh&init=normal&scale=0.01&embed=1&theme=dark&show=act,std,verdict"></iframe>
        <script>${LISTENER}</script>
        <script>window.lms = []; addEventListener('message', (e) => { if (typeof e.data === 'string') window.lms.push(JSON.parse(e.data)); });</script>`);
      return;
    }
    res.end(`<!doctype html><title>course</title><iframe id="lab" title="initviz" width="960" height="720" sandbox="${SANDBOX}"
      src="http://127.0.0.1:${port}/courses/dl/initviz/?depth=6&width=64&init=he_normal&act=relu&embed=1"></iframe>`);
  }).listen(0, 'localhost');
  await new Promise((r) => parent.once('listening', r));
});

after(async () => {
  await browser?.close();
  parent?.close();
  nginx?.kill('SIGQUIT');
});

/// A page that records CSP violations (reported in the page and in the console), page errors and
/// requests to other origins.
async function strictPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => { if (!r.url().startsWith(`http://127.0.0.1:${port}/`) && !/^(data|blob):/.test(r.url())) page.problems.push(`other origin: ${r.url()}`); });
  return page;
}

test('nginx serves the lab under a sub-path with the strict CSP and application/wasm', async () => {
  const res = await fetch(`http://127.0.0.1:${port}/courses/dl/initviz/`);
  assert.equal(res.headers.get('content-security-policy'), CSP);
  const html = await res.text();
  assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), 'an inline script is left');
  assert.ok(!/\son[a-z]+\s*=\s*["']/i.test(html), 'an inline event handler is left');
  const wasm = readdirSync(join(root, 'dist')).find((f) => /^initviz-.*_bg\.wasm$/.test(f));
  const w = await fetch(`http://127.0.0.1:${port}/courses/dl/initviz/${wasm}`);
  assert.equal(w.headers.get('content-type'), 'application/wasm');
});

test('every lesson runs under the strict CSP with no violation', async () => {
  const page = await strictPage();
  await page.goto(`http://127.0.0.1:${port}/courses/dl/initviz/`);
  await ready(page);
  const names = await page.$$eval('.lessons a', (as) => as.map((a) => a.textContent));
  assert.ok(names.length >= 11);
  for (const name of names) {
    await page.click(`.lessons a >> text="${name}"`);
    await ready(page);
    assert.ok((await table(page)).length > 0, `${name}: no table`);
  }
  // The status line says the work ran in the workers (worker-src 'self' holds).
  assert.match(await page.textContent('#status'), /worker/);
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'CSP violations');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the embed runs in a sandboxed iframe on another origin', async () => {
  const page = await strictPage();
  page.problems = []; // the parent is another origin by design; only the frame's requests matter
  await page.goto(`http://localhost:${parent.address().port}/`);
  const frame = await (await page.waitForSelector('#lab')).contentFrame();
  await frame.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state), null, { timeout: 60000 });
  assert.equal(await frame.evaluate(() => document.body.dataset.state), 'ready', await frame.textContent('#status'));
  assert.equal(await frame.$$eval('#layer-stats tbody tr', (r) => r.length), 6);
  assert.deepEqual(await frame.evaluate(() => window.__csp || []), []);
  await page.context().close();
});

test('an embed for a slide: show= chooses the panels, theme= the colours, and the parent sizes the iframe', async () => {
  const page = await strictPage();
  await page.goto(`http://localhost:${parent.address().port}/slide`);
  const frame = await (await page.waitForSelector('#lab')).contentFrame();
  await frame.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60000 });
  const visible = async (id) => frame.$eval(id, (e) => e.getClientRects().length > 0 && getComputedStyle(e.closest('figure') || e).display !== 'none');
  assert.equal(await visible('#chart-act'), true);
  assert.equal(await visible('#chart-std'), true);
  assert.equal(await visible('#verdict'), true);
  for (const id of ['#chart-preact', '#chart-weights', '#chart-phase', '#formula']) assert.equal(await visible(id), false, `${id} shown`);
  assert.ok(await frame.evaluate(() => document.documentElement.classList.contains('theme-dark')));
  const bg = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(bg, 'rgb(24, 24, 27)', 'theme=dark is not dark');
  // The height message: the iframe grows to its content, so there is no inner scroll bar.
  await page.waitForFunction(() => parseFloat(document.getElementById('lab').style.height) > 300);
  const [inner, outer] = [await frame.evaluate(() => document.documentElement.scrollHeight), await page.$eval('#lab', (f) => f.clientHeight)];
  assert.ok(inner <= outer, `content ${inner} px in a ${outer} px frame`);
  // And the height in the messages LMS pages listen for (Canvas's, the IMS one), as JSON strings.
  const lms = await page.evaluate(() => window.lms);
  for (const subject of ['lti.frameResize', 'org.imsglobal.lti.frameResize']) {
    const m = lms.filter((x) => x.subject === subject);
    assert.ok(m.length > 0 && m.at(-1).height === inner, `${subject}: ${JSON.stringify(lms)} (content ${inner} px)`);
  }
  const link = await frame.$eval('#open-full', (a) => ({ href: a.href, hidden: a.hidden }));
  assert.equal(link.hidden, false);
  assert.ok(!link.href.includes('embed=1') && link.href.includes('theme=dark'), link.href);
  assert.deepEqual(await frame.evaluate(() => window.__csp || []), []);
  await page.context().close();
});
