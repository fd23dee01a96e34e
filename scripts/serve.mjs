// A static file server for dist/ with no dependencies: `node scripts/serve.mjs [dir] [port] [prefix]`.
// Serves `dir` under `prefix` (default "/"), with the right MIME type for .wasm, and prints the URL.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.json': 'application/json', '.csv': 'text/csv', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
};

export function serve(dir, port = 0, prefix = '/') {
  const root = resolve(dir);
  if (!prefix.endsWith('/')) prefix += '/';
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === prefix.slice(0, -1)) { res.writeHead(301, { Location: prefix }); return res.end(); }
    if (!path.startsWith(prefix)) { res.writeHead(404); return res.end('not found'); }
    let file = normalize(join(root, path.slice(prefix.length)));
    if (!file.startsWith(root)) { res.writeHead(403); return res.end(); }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache' });
      res.end(body);
    } catch {
      res.writeHead(404); res.end('not found');
    }
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = 'dist', port = '8080', prefix = '/'] = process.argv.slice(2);
  const server = await serve(dir, Number(port), prefix);
  const url = `http://localhost:${server.address().port}${prefix.endsWith('/') ? prefix : prefix + '/'}`;
  console.log(`initviz is served at ${url}  (Ctrl-C to stop)`);
}
