// The peer: TensorFlow.js 4.22 (wasm backend, XNNPACK with SIMD, one thread: no cross-origin
// isolation, as on a course page) training the same networks on the same data, timed in the
// same headless Chromium. Its files come from npm (bench/run.sh installs them into
// bench/.tfjs/node_modules) and are served locally: nothing is fetched from another origin.
// Prints JSON lines {kind: "tfjs", setup, steps, s, steps_per_s}, then {kind: "tfjs_pass", depth,
// width, batch, ms, median_ms} for whole forward + backward passes.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

const modules = join('bench', '.tfjs', 'node_modules', '@tensorflow');
const files = {
  '/tf.min.js': join(modules, 'tfjs', 'dist', 'tf.min.js'),
  '/tf-backend-wasm.min.js': join(modules, 'tfjs-backend-wasm', 'dist', 'tf-backend-wasm.min.js'),
  '/tfjs-backend-wasm.wasm': join(modules, 'tfjs-backend-wasm', 'dist', 'tfjs-backend-wasm.wasm'),
  '/tfjs-backend-wasm-simd.wasm': join(modules, 'tfjs-backend-wasm', 'dist', 'tfjs-backend-wasm-simd.wasm'),
  '/tfjs-backend-wasm-threaded-simd.wasm': join(modules, 'tfjs-backend-wasm', 'dist', 'tfjs-backend-wasm-threaded-simd.wasm'),
};
const page = '<!doctype html><meta charset=utf-8><script src="tf.min.js"></script><script src="tf-backend-wasm.min.js"></script><body>';
const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/') { res.writeHead(200, { 'Content-Type': 'text/html' }); return res.end(page); }
  const f = files[path];
  if (!f) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { 'Content-Type': path.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
  res.end(readFileSync(f));
}).listen(0, '127.0.0.1');
await new Promise((r) => server.on('listening', r));

// The data: digits from the repository's copy; the spiral as src/data.rs draws it (2 classes,
// 1.75 turns, no noise), 800 training points.
const digits = gunzipSync(readFileSync('data/digits/digits.csv.gz')).toString().trim().split('\n').map((l) => l.split(',').map(Number));
const spiral = [];
for (let i = 0; i < 800; i++) {
  const c = i % 2, r = Math.random(), t = 1.75 * 2 * Math.PI * r + Math.PI * c;
  spiral.push([r * Math.cos(t), r * Math.sin(t), c]);
}
const setups = [
  { setup: 'spiral', x: spiral.map((r) => r.slice(0, 2)), y: spiral.map((r) => r[2]), classes: 2, depth: 6, width: 32, batch: 32, lr: 0.01, steps: 1000 },
  { setup: 'digits', x: digits.map((r) => r.slice(0, 64).map((v) => v / 16)), y: digits.map((r) => r[64]), classes: 10, depth: 3, width: 128, batch: 64, lr: 0.001, steps: 300 },
];

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const tab = await browser.newPage();
await tab.goto(`http://127.0.0.1:${server.address().port}/`);
await tab.evaluate(async () => { tf.wasm.setWasmPaths('./'); await tf.setBackend('wasm'); await tf.ready(); });
for (const s of setups) {
  const out = await tab.evaluate(async (s) => {
    const n = s.x.length, dim = s.x[0].length;
    const X = tf.tensor2d(s.x), Y = tf.oneHot(tf.tensor1d(s.y, 'int32'), s.classes);
    const dims = [dim, ...Array(s.depth).fill(s.width), s.classes];
    const params = [];
    for (let l = 0; l + 1 < dims.length; l++) {
      params.push(tf.variable(tf.randomNormal([dims[l], dims[l + 1]], 0, Math.sqrt(2 / dims[l]))), tf.variable(tf.zeros([dims[l + 1]])));
    }
    const opt = tf.train.adam(s.lr);
    // Mini-batches sliced in advance (as our trainer gathers rows), so only training is timed.
    const batches = [];
    for (let b = 0; b + s.batch <= n && batches.length < 64; b += s.batch) batches.push([tf.slice(X, [b, 0], [s.batch, dim]), tf.slice(Y, [b, 0], [s.batch, s.classes])]);
    const step = (k) => {
      const [xb, yb] = batches[k % batches.length];
      const cost = opt.minimize(() => {
        let h = xb;
        for (let l = 0; l < params.length; l += 2) {
          h = tf.add(tf.matMul(h, params[l]), params[l + 1]);
          if (l + 2 < params.length) h = tf.relu(h);
        }
        return tf.losses.softmaxCrossEntropy(yb, h);
      }, true);
      return cost;
    };
    for (let k = 0; k < 20; k++) tf.dispose(step(k)); // warm-up
    let best = Infinity, last = 0;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      for (let k = 0; k < s.steps; k++) {
        const c = step(k);
        if (k === s.steps - 1) last = c.dataSync()[0];
        tf.dispose(c);
      }
      best = Math.min(best, performance.now() - t0);
    }
    return { s: best / 1000, last, backend: tf.getBackend() };
  }, s);
  console.log(JSON.stringify({ kind: 'tfjs', setup: s.setup, backend: out.backend, steps: s.steps, s: out.s, steps_per_s: Math.round(s.steps / out.s), final_loss: out.last }));
}
// Whole configurations: one forward and backward pass (every ∂L/∂W) of the initialization view's
// network on the same shapes as bench/browser.mjs's `pass` rows: Gaussian input, He-normal ReLU
// layers, one linear output, mean squared error against random targets. Best of 3 after a warm-up;
// the weights and data are made before the timing (TF.js's figure is the pass alone).
for (const [depth, width, batch] of [[10, 256, 256], [10, 500, 1000], [5, 1000, 1000]]) {
  const out = await tab.evaluate(async ([depth, width, batch]) => {
    const X = tf.randomNormal([batch, width]), T = tf.randomNormal([batch, 1]);
    const dims = [width, ...Array(depth).fill(width), 1];
    const W = [], B = [];
    for (let l = 0; l + 1 < dims.length; l++) {
      W.push(tf.variable(tf.randomNormal([dims[l], dims[l + 1]], 0, Math.sqrt(2 / dims[l]))));
      B.push(tf.variable(tf.zeros([dims[l + 1]])));
    }
    const pass = () => {
      const { value, grads } = tf.variableGrads(() => {
        let h = X;
        for (let l = 0; l < W.length; l++) {
          h = tf.add(tf.matMul(h, W[l]), B[l]);
          if (l + 1 < W.length) h = tf.relu(h);
        }
        return tf.losses.meanSquaredError(T, h);
      });
      const g = Object.values(grads);
      g[0].dataSync();
      value.dataSync();
      tf.dispose([value, ...g]);
    };
    pass();
    let best = Infinity;
    const all = [];
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      pass();
      const ms = performance.now() - t0;
      all.push(ms);
      best = Math.min(best, ms);
    }
    tf.dispose([X, T, ...W, ...B]);
    all.sort((a, b) => a - b);
    return { best, median: all[1] };
  }, [depth, width, batch]);
  console.log(JSON.stringify({ kind: 'tfjs_pass', depth, width, batch, ms: out.best, median_ms: out.median }));
}
// The matrix product alone at 512³ (XNNPACK's sgemm through tf.matMul), best of 20 and median,
// inputs made beforehand, the result read back inside the timing.
{
  const out = await tab.evaluate(() => {
    const n = 512, a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
    for (let i = 0; i < 3; i++) { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); }
    const t = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      c.dataSync();
      t.push(performance.now() - t0);
      tf.dispose(c);
    }
    tf.dispose([a, b]);
    t.sort((x, y) => x - y);
    return { best: t[0], median: t[10] };
  });
  const flop = 2 * 512 ** 3;
  console.log(JSON.stringify({ kind: 'tfjs_matmul', m: 512, k: 512, n: 512, ms: out.best, gflops: flop / out.best / 1e6, median_gflops: flop / out.median / 1e6 }));
}
await browser.close();
server.close();
