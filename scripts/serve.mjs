// A static file server for dist/ with no dependencies:
//   node scripts/serve.mjs [dir] [port] [prefix] [--no-compress]
// Serves `dir` under `prefix` (default "/"), with the right MIME type for .wasm, and prints the URL.
// Like nginx's gzip_static/brotli_static, it sends a file's precompressed sibling (`name.br`, else
// `name.gz`, written by scripts/precompress.mjs) with Content-Encoding when the request's
// Accept-Encoding allows it, so what the benchmark and Lighthouse measure is what a
// well-configured host sends. `--no-compress` or INITVIZ_COMPRESS=0 sends every file as it is.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.json': 'application/json', '.csv': 'text/csv', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
  '.gz': 'application/gzip', '.br': 'application/octet-stream',
};

// The codings this server has files for, in its order of preference when the client's q-values tie.
const CODINGS = [['br', '.br'], ['gzip', '.gz']];

/// The q-value the Accept-Encoding header gives each of br, gzip and identity (RFC 9110 §12.5.3):
/// names are case-insensitive, `x-gzip` is gzip, `*` covers the codings not named, `q=0` refuses.
/// With no header any coding is acceptable, but old clients send none: they get identity.
export function acceptedCodings(header) {
  const q = { br: 0, gzip: 0, identity: 1 };
  if (header === undefined) return q;
  const named = {};
  let star;
  for (const part of String(header).split(',')) {
    const [name, ...params] = part.trim().split(';').map((s) => s.trim());
    if (!name) continue;
    let v = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([0-9.]+)$/i.exec(p);
      if (m) v = Math.min(1, Math.max(0, Number(m[1]) || 0));
    }
    const n = name.toLowerCase() === 'x-gzip' ? 'gzip' : name.toLowerCase();
    if (n === '*') star = v;
    else named[n] = Math.max(named[n] ?? 0, v);
  }
  for (const c of ['br', 'gzip']) q[c] = named[c] ?? star ?? 0;
  // Identity is acceptable unless refused by name or by `*;q=0`; unnamed, it ranks below any
  // coding the client asked for.
  q.identity = named.identity ?? (star === 0 ? 0 : 0.001);
  return q;
}

/// Which coding to send: the acceptable coding with the highest q that has a file, br before gzip
/// on a tie, identity when none does or when the client ranks identity higher. Identity is also
/// the answer when the client refused everything (RFC 9110: send it without a coding then).
export function chooseCoding(header, available) {
  const q = acceptedCodings(header);
  let best = 'identity';
  for (const [c] of CODINGS) {
    if (!available.includes(c) || q[c] === 0) continue;
    if (q[c] > q[best] || (best === 'identity' && q[c] === q[best])) best = c;
  }
  return best;
}

async function regularFile(path) {
  try { return (await stat(path)).isFile(); } catch { return false; }
}

export function serve(dir, port = 0, prefix = '/', opts = {}) {
  const root = resolve(dir);
  const compress = opts.compress ?? process.env.INITVIZ_COMPRESS !== '0';
  if (!prefix.endsWith('/')) prefix += '/';
  const server = createServer(async (req, res) => {
    let path;
    try { path = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { res.writeHead(400); return res.end(); }
    if (path === prefix.slice(0, -1)) { res.writeHead(301, { Location: prefix }); return res.end(); }
    if (!path.startsWith(prefix)) { res.writeHead(404); return res.end('not found'); }
    let file = normalize(join(root, path.slice(prefix.length)));
    if (file !== root && !file.startsWith(root + sep)) { res.writeHead(403); return res.end(); }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const headers = { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache' };
      let body;
      if (compress) {
        // A sibling that is missing (or a directory) is never sent: the original is.
        const available = [];
        for (const [c, ext] of CODINGS) if (await regularFile(file + ext)) available.push(c);
        const coding = chooseCoding(req.headers['accept-encoding'], available);
        headers.Vary = 'Accept-Encoding';
        if (coding !== 'identity') {
          body = await readFile(file + CODINGS.find(([c]) => c === coding)[1]);
          headers['Content-Encoding'] = coding;
        }
      }
      body ??= await readFile(file);
      headers['Content-Length'] = body.length;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404); res.end('not found');
    }
  });
  server.compress = compress;
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const noCompress = args.includes('--no-compress');
  const [dir = 'dist', port = '8080', prefix = '/'] = args.filter((a) => a !== '--no-compress');
  const server = await serve(dir, Number(port), prefix, noCompress ? { compress: false } : {});
  const url = `http://localhost:${server.address().port}${prefix.endsWith('/') ? prefix : prefix + '/'}`;
  const mode = server.compress ? 'sending precompressed .br/.gz files when the browser accepts them' : 'compression off';
  console.log(`initviz is served at ${url}  (${mode}; Ctrl-C to stop)`);
}
