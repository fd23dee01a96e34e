// Trunk post_build step (after strict-csp.mjs): writes `name.gz` (gzip level 9) and `name.br`
// (brotli quality 11) beside every file over 1 kB in the staging dir, for nginx's gzip_static and
// brotli_static, Apache's content negotiation, and scripts/serve.mjs. The originals stay. Node's
// built-in zlib only; the output is deterministic (gzip's header carries mtime 0 and no name).
//   node scripts/precompress.mjs [dir]   (default: $TRUNK_STAGING_DIR, else dist)
// Run by hand on a dir, it also removes .gz/.br left beside files that are gone or now ≤ 1 kB.
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const MIN_BYTES = 1024; // files of this size or less are sent as they are
// Already compressed: a second pass gains nothing.
const SKIP = new Set(['.gz', '.br', '.png', '.jpg', '.jpeg', '.gif', '.webp', '.avif', '.woff2', '.zip']);
const TEXT = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.csv', '.txt', '.map', '.xml', '.md']);

export function compressed(buf, ext) {
  const gz = gzipSync(buf, { level: 9 });
  const br = brotliCompressSync(buf, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: TEXT.has(ext) ? constants.BROTLI_MODE_TEXT : constants.BROTLI_MODE_GENERIC,
      [constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
    },
  });
  return { gz, br };
}

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile()) yield p;
  }
}

export function precompress(dir) {
  const totals = { raw: 0, gz: 0, br: 0, files: 0 };
  for (const file of files(dir)) {
    const ext = extname(file);
    if (ext === '.gz' || ext === '.br') {
      // A leftover from an earlier run: its original is gone or too small now.
      const orig = file.slice(0, -3);
      if (!existsSync(orig) || statSync(orig).size <= MIN_BYTES || SKIP.has(extname(orig))) unlinkSync(file);
      continue;
    }
    const buf = readFileSync(file);
    totals.raw += buf.length;
    if (buf.length <= MIN_BYTES || SKIP.has(ext)) {
      totals.gz += buf.length;
      totals.br += buf.length;
      continue;
    }
    const { gz, br } = compressed(buf, ext);
    writeFileSync(`${file}.gz`, gz);
    writeFileSync(`${file}.br`, br);
    totals.gz += gz.length;
    totals.br += br.length;
    totals.files++;
    if (ext === '.wasm') console.log(`precompress: ${relative(dir, file)} ${buf.length} B, gzip ${gz.length} B, brotli ${br.length} B`);
  }
  return totals;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR || 'dist';
  const t = precompress(dir);
  console.log(`precompress: ${t.files} files over ${MIN_BYTES} B; the site is ${t.raw} B raw, ${t.gz} B with gzip, ${t.br} B with brotli`);
}
