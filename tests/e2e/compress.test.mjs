// Precompressed assets: the build (scripts/precompress.mjs, a trunk post_build step) leaves .gz and
// .br beside every dist/ file over 1 kB, decompressing to the same bytes and reproducible; the
// project's server (scripts/serve.mjs) negotiates Accept-Encoding as a well-configured host does,
// and the page runs through it in Chromium with the wasm sent compressed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { serve } from '../../scripts/serve.mjs';
import { MIN_BYTES, precompress } from '../../scripts/precompress.mjs';
import { start, open, PREFIX } from './helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Run as root (CI and this machine), nginx's workers would be 'nobody' and could not read a
// checkout in a 0700 folder (mktemp -d): they run as the user that runs the test instead.
const NGINX_USER = process.getuid?.() === 0 ? 'user root;\n' : '';
const dist = join(root, 'dist');
const ALREADY = new Set(['.png', '.jpg', '.jpeg', '.gif', '.webp', '.avif', '.woff2', '.zip']);

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}
const originals = () => walk(dist).filter((f) => !/\.(gz|br)$/.test(f));
const wasmFile = () => readdirSync(dist).find((f) => /^initviz-.*_bg\.wasm$/.test(f));

/// A GET with the given request headers; the body as raw bytes (no decoding), like a browser's wire.
function get(port, path, headers = {}, method = 'GET') {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, headers, method }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

let server, port;
before(async () => {
  server = await serve(dist, 0, PREFIX);
  port = server.address().port;
});
after(() => server?.close());

test('every dist/ file over 1 kB has .gz and .br siblings that decompress to it; none beside the others', () => {
  let big = 0;
  for (const f of originals()) {
    const buf = readFileSync(f);
    const name = relative(dist, f);
    if (buf.length <= MIN_BYTES || ALREADY.has(extname(f))) {
      assert.ok(!existsSync(`${f}.gz`) && !existsSync(`${f}.br`), `${name} (${buf.length} B) should not be precompressed`);
      continue;
    }
    big++;
    assert.ok(existsSync(`${f}.gz`), `${name}.gz is missing`);
    assert.ok(existsSync(`${f}.br`), `${name}.br is missing`);
    const gz = readFileSync(`${f}.gz`), br = readFileSync(`${f}.br`);
    assert.ok(gunzipSync(gz).equals(buf), `${name}.gz does not decompress to ${name}`);
    assert.ok(brotliDecompressSync(br).equals(buf), `${name}.br does not decompress to ${name}`);
    assert.ok(gz.length < buf.length && br.length < buf.length, `${name}: compressed is not smaller`);
    // Deterministic gzip: no modification time, no file name in the header.
    assert.equal(gz.readUInt32LE(4), 0, `${name}.gz has an mtime`);
    assert.equal(gz[3] & 0x08, 0, `${name}.gz carries a file name`);
  }
  // The page's wasm, the worker's wasm, their JS, index.html and the stylesheet at least.
  assert.ok(big >= 5, `only ${big} files over 1 kB`);
  assert.ok(existsSync(join(dist, `${wasmFile()}.br`)));
  assert.ok(existsSync(join(dist, 'index.html.br')), 'index.html (after strict-csp) is not precompressed');
  // No sibling without its original (no .gz.gz, no leftovers).
  for (const f of walk(dist).filter((f) => /\.(gz|br)$/.test(f))) assert.ok(existsSync(f.slice(0, -3)), `${relative(dist, f)} has no original`);
});

test('precompress.mjs is reproducible: run again on a copy of the originals it writes the same bytes', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'initviz-precompress-'));
  try {
    for (const f of originals()) cpSync(f, join(tmp, relative(dist, f)), { recursive: true });
    writeFileSync(join(tmp, 'stale.js.br'), 'left from a file that is gone');
    precompress(tmp);
    assert.ok(!existsSync(join(tmp, 'stale.js.br')), 'a stale .br is kept');
    for (const f of walk(dist).filter((f) => /\.(gz|br)$/.test(f))) {
      assert.ok(readFileSync(f).equals(readFileSync(join(tmp, relative(dist, f)))), `${relative(dist, f)} differs on a second run`);
    }
    assert.equal(walk(tmp).length, walk(dist).length);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('the server sends br, gzip or identity as Accept-Encoding asks, with the original type and the right length', async () => {
  const wasm = wasmFile();
  const raw = readFileSync(join(dist, wasm));
  const cases = [
    ['gzip, deflate, br, zstd', 'br'], // Chromium over HTTPS and localhost
    ['br', 'br'],
    ['gzip, deflate', 'gzip'],
    ['x-gzip', 'gzip'],
    ['gzip;q=1.0, br;q=0.5', 'gzip'], // the client's preference wins
    ['br;q=0.8, gzip;q=0.8', 'br'], // a tie: the smaller file
    ['*', 'br'],
    ['br;q=0, *', 'gzip'],
    ['identity', undefined],
    ['br;q=0, gzip;q=0', undefined],
    ['gzip;q=0.5, identity', undefined],
    ['*;q=0', undefined], // nothing acceptable: sent without a coding (RFC 9110 §12.5.3)
    [undefined, undefined], // no header (curl, old clients)
  ];
  for (const [accept, want] of cases) {
    const r = await get(port, PREFIX + wasm, accept === undefined ? {} : { 'Accept-Encoding': accept });
    const what = `Accept-Encoding: ${accept}`;
    assert.equal(r.status, 200, what);
    assert.equal(r.headers['content-encoding'], want, what);
    assert.equal(r.headers['content-type'], 'application/wasm', what);
    assert.equal(r.headers.vary, 'Accept-Encoding', `${what}: no Vary, a cache would mix the codings`);
    assert.equal(Number(r.headers['content-length']), r.body.length, what);
    const expect = want === 'br' ? readFileSync(join(dist, `${wasm}.br`)) : want === 'gzip' ? readFileSync(join(dist, `${wasm}.gz`)) : raw;
    assert.ok(r.body.equals(expect), `${what}: not the ${want || 'identity'} file`);
    const decoded = want === 'br' ? brotliDecompressSync(r.body) : want === 'gzip' ? gunzipSync(r.body) : r.body;
    assert.ok(decoded.equals(raw), `${what}: does not decode to the wasm`);
  }
  // The directory index negotiates too, and keeps the HTML type.
  const page = await get(port, PREFIX, { 'Accept-Encoding': 'br' });
  assert.equal(page.headers['content-encoding'], 'br');
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.ok(brotliDecompressSync(page.body).equals(readFileSync(join(dist, 'index.html'))));
  // A file of 1 kB or less has no siblings: sent as it is, whatever the browser accepts.
  const small = readdirSync(dist).find((f) => /^start-.*\.js$/.test(f));
  const s = await get(port, PREFIX + small, { 'Accept-Encoding': 'br, gzip' });
  assert.equal(s.headers['content-encoding'], undefined);
  assert.equal(s.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(Number(s.headers['content-length']), statSync(join(dist, small)).size);
  assert.ok(s.body.equals(readFileSync(join(dist, small))));
  // HEAD: the same headers, no body.
  const head = await get(port, PREFIX + wasm, { 'Accept-Encoding': 'br' }, 'HEAD');
  assert.equal(head.headers['content-encoding'], 'br');
  assert.equal(Number(head.headers['content-length']), statSync(join(dist, `${wasm}.br`)).size);
  assert.equal(head.body.length, 0);
});

test('a missing sibling is never served: the original, or the coding that exists, is', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'initviz-serve-'));
  const s = await serve(tmp, 0, '/');
  try {
    const body = Buffer.from('x'.repeat(4000));
    writeFileSync(join(tmp, 'plain.js'), body); // no siblings at all
    writeFileSync(join(tmp, 'gzonly.js'), body);
    writeFileSync(join(tmp, 'gzonly.js.gz'), (await import('node:zlib')).gzipSync(body));
    const p = s.address().port;
    const plain = await get(p, '/plain.js', { 'Accept-Encoding': 'br, gzip' });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(plain.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.ok(plain.body.equals(body));
    const gz = await get(p, '/gzonly.js', { 'Accept-Encoding': 'br, gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(gunzipSync(gz.body).equals(body));
    const onlyBr = await get(p, '/gzonly.js', { 'Accept-Encoding': 'br' });
    assert.equal(onlyBr.headers['content-encoding'], undefined);
    assert.ok(onlyBr.body.equals(body));
    assert.equal((await get(p, '/missing.js', { 'Accept-Encoding': 'br' })).status, 404);
    // A sibling asked for by name is a download, not a coded response.
    const direct = await get(p, '/gzonly.js.gz', { 'Accept-Encoding': 'gzip' });
    assert.equal(direct.headers['content-encoding'], undefined);
    assert.equal(direct.headers['content-type'], 'application/gzip');
  } finally {
    s.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('with compression off (the --no-compress of lighthouse.sh) every file is sent as it is', async () => {
  const s = await serve(dist, 0, PREFIX, { compress: false });
  try {
    const wasm = wasmFile();
    const r = await get(s.address().port, PREFIX + wasm, { 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(r.headers['content-encoding'], undefined);
    assert.equal(r.headers.vary, undefined);
    assert.ok(r.body.equals(readFileSync(join(dist, wasm))));
  } finally {
    s.close();
  }
});

test('the page reaches ready in Chromium through the compressing server, its wasm and JS sent compressed', async () => {
  const env = await start();
  try {
    const page = await open(env, '?depth=6&width=64&init=he_normal&act=relu');
    // Reload with a listener on the context (it sees the workers' requests too), so every
    // response of a load is recorded with its coding.
    const codings = {};
    page.context().on('response', (r) => {
      if (r.url().startsWith(env.base)) codings[new URL(r.url()).pathname.slice(PREFIX.length) || 'index.html'] = r.headers()['content-encoding'];
    });
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60000 });
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
    assert.deepEqual(page.problems, []);
    const wasms = Object.keys(codings).filter((k) => k.endsWith('.wasm'));
    assert.ok(wasms.length >= 2, `the page's and the worker's wasm were not both fetched: ${JSON.stringify(codings)}`);
    for (const [k, coding] of Object.entries(codings)) {
      const size = statSync(join(dist, k)).size;
      // Chromium accepts br on localhost (a secure context) as over HTTPS.
      if (size > MIN_BYTES) assert.equal(coding, 'br', `${k} (${size} B) was sent ${coding || 'uncompressed'}`);
      else assert.equal(coding, undefined, `${k} (${size} B) was sent ${coding}`);
    }
  } finally {
    await env.stop();
  }
});

test("nginx with the README's gzip_static settings sends the .gz siblings with the original type", async () => {
  const free = await new Promise((ok) => { const t = createServer().listen(0, '127.0.0.1', () => { const p = t.address().port; t.close(() => ok(p)); }); });
  const prefix = mkdtempSync(join(tmpdir(), 'initviz-nginx-gz-'));
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
    listen 127.0.0.1:${free};
    location /courses/dl/initviz/ {
      alias ${dist}/;
      gzip_static on;
      gzip_vary on;
    }
  }
}
`);
  const nginx = spawn(existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx', ['-c', conf, '-p', prefix], { stdio: ['ignore', 'inherit', 'inherit'] });
  try {
    const base = '/courses/dl/initviz/';
    for (let i = 0; i < 50; i++) {
      try { if ((await get(free, base)).status === 200) break; } catch { /* starting */ }
      await new Promise((r) => setTimeout(r, 100));
    }
    const wasm = wasmFile();
    const gz = await get(free, base + wasm, { 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers['content-type'], 'application/wasm');
    assert.equal(gz.headers.vary, 'Accept-Encoding');
    assert.ok(gz.body.equals(readFileSync(join(dist, `${wasm}.gz`))), 'nginx did not send the precompressed file');
    const plain = await get(free, base + wasm, { 'Accept-Encoding': 'identity' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.body.equals(readFileSync(join(dist, wasm))));
  } finally {
    nginx.kill('SIGQUIT');
    await new Promise((r) => nginx.once('exit', r));
    rmSync(prefix, { recursive: true, force: true });
  }
});
