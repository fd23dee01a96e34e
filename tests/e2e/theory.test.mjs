// Theory beside the measurement: predicted lines and cells, q*, χ* and the depth scale beside the
// verdict, and the phase diagram set by click and by keyboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, open, ready, table, query, shot } from './helpers.mjs';

let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

const stat = (page, name) => page.textContent(`#theory [data-stat="${name}"]`);

test('tanh with Xavier: predictions beside the measurement, ordered phase near the edge', async () => {
  // Batch 64 ≤ width/4: every line is drawn, ∂L/∂W's too; at width 1024 the finite-width scatter of
  // the backward recursion is small (natively 1.08–1.22 over the layers; at width 256, 0.83–1.39).
  const page = await open(env, '?depth=10&width=1024&init=xavier_normal&act=tanh&batch=64');
  const t = await table(page);
  for (const r of t) {
    assert.ok(r.pred_preact_std > 0 && r.pred_act_std > 0 && r.pred_grad_std > 0, `layer ${r.layer}: no prediction`);
    assert.ok(Math.abs(r.act_std / r.pred_act_std - 1) < 0.2, `layer ${r.layer}: measured ${r.act_std}, predicted ${r.pred_act_std}`);
    assert.ok(Math.abs(r.grad_std / r.pred_grad_std - 1) < 0.25, `layer ${r.layer}: ∂L/∂W measured ${r.grad_std}, predicted ${r.pred_grad_std}`);
  }
  const chi = Number(await stat(page, 'chi'));
  // Xavier at equal fans: σ_w² = 1, and tanh′² < 1 away from 0, so χ* ≤ 1.
  assert.ok(chi > 0 && chi <= 1.0001, `χ* ${chi}`);
  assert.ok(Number(await stat(page, 'q_star')) >= 0);
  assert.ok((await stat(page, 'depth_scale')).length > 0);
  assert.match(await page.textContent('#theory-detail'), /z, a, ∂L\/∂a and ∂L\/∂W follows the prediction/);
  await page.$eval('#chart-std', (c) => c.scrollIntoView());
  await shot(page, 'theory-tanh-xavier');
  // At batch 256 = width the batch's mean gradient is not small: no ∂L/∂W line, and the page says why.
  await page.goto(env.base + '?depth=10&width=256&init=xavier_normal&act=tanh&batch=256');
  await ready(page);
  assert.ok((await table(page)).every((r) => Number.isNaN(r.pred_grad_std)), 'a ∂L/∂W prediction is shown at batch = width');
  assert.match(await page.textContent('#theory-detail'), /∂L\/∂W's is not drawn: with a batch larger than a quarter of the width/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('ReLU with He sits at the edge of chaos; width 8 parts from the theory and says why', async () => {
  const page = await open(env, '?depth=20&width=512&init=he_normal&act=relu&batch=256');
  assert.ok(Math.abs(Number(await stat(page, 'chi')) - 1) < 1e-3);
  assert.match(await page.textContent('#theory'), /edge of chaos/);
  await page.goto(env.base + '?depth=20&width=8&init=xavier_normal&act=tanh&batch=1024');
  await ready(page);
  assert.match(await page.textContent('#theory-detail'), /part from layer \d+.*narrow layers/s);
  await shot(page, 'theory-width-8');
  await page.context().close();
});

test('the phase diagram sets the initializer by click and by keyboard', async () => {
  const page = await open(env, '?depth=10&width=256&init=xavier_normal&act=tanh');
  const box = await (await page.$('#chart-phase')).boundingBox();
  // Right and low in the diagram: large σ_w, small σ_b — the chaotic side (scrolled into view).
  await page.click('#chart-phase', { position: { x: box.width * 0.8, y: box.height * 0.75 } });
  await ready(page);
  assert.equal(query(page).get('init'), 'normal');
  assert.match(query(page).get('bias'), /^normal:/);
  const sw = Number(query(page).get('scale')) * Math.sqrt(256);
  assert.ok(sw > 2.5 && sw < 3.5, `σ_w ${sw}`);
  assert.match(await page.textContent('#theory'), /chaotic/);
  // Keyboard: focus, two steps left, Enter.
  await page.focus('#chart-phase');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Enter');
  await ready(page);
  const sw2 = Number(query(page).get('scale')) * Math.sqrt(256);
  assert.ok(Math.abs(sw2 - (sw - 0.2)) < 0.02, `σ_w ${sw} → ${sw2}`);
  await page.context().close();
});
