// A tour in the link (issue 22): steps with text, locks and questions, the charts hidden until the
// question is answered and the answer graded against the step's own report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { start, open, ready, SHOTS } from './helpers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let env;
before(async () => { env = await start(); });
after(async () => { await env.stop(); });

/// The link form of a tour (src/course/tour.rs `encode`): raw deflate, base64url without padding.
const link = (tour) => deflateRawSync(Buffer.from(JSON.stringify(tour))).toString('base64url');

const TOUR = {
  title: 'Three steps',
  steps: [
    { title: 'Small random weights', view: 'depth=10&width=500&init=normal&scale=0.01&act=tanh&batch=1000', text: 'Each layer multiplies the signal by 0.01·√500.',
      question: { kind: 'choice', quantity: 'activations', layer: 10 } },
    { title: 'Xavier', view: 'depth=10&width=500&init=xavier_normal&act=tanh&batch=1000', lock: ['init'],
      question: { kind: 'number', quantity: 'activations', layer: 10 } },
    { title: 'He, ReLU', view: 'depth=20&width=512&init=he_normal&act=relu', text: 'The variance stays level.' },
  ],
};

const hidden = (page, sel) => page.$eval(sel, (e) => getComputedStyle(e).visibility === 'hidden');

test('a tour: asks, reveals, moves on, keeps its place in the address', async () => {
  const page = await open(env, `?tour=${link(TOUR)}&step=0`, { viewport: { width: 1280, height: 900 } });
  assert.match(await page.textContent('#tour-guide'), /Step 1 of 3: Small random weights/);
  assert.equal(await page.isVisible('#lesson-guide'), false);
  assert.equal(await hidden(page, '#charts'), true, 'the charts show before the answer');
  assert.equal(await hidden(page, '#verdict'), true);
  await page.screenshot({ path: join(SHOTS, 'tour-question-1280.png') });
  await page.click('#tour-guide button[data-answer="vanish"]');
  await page.waitForSelector('#tour-answer .reveal');
  assert.match(await page.textContent('#tour-answer'), /^Right: the activations a vanish by layer 10: σ of the activations a is .* at layer 1 and .* at layer 10\.$/);
  assert.equal(await hidden(page, '#charts'), false, 'the charts are still hidden after the answer');
  await page.screenshot({ path: join(SHOTS, 'tour-revealed-1280.png') });
  // Next: the number question, on a log slider; a wrong guess says by how much.
  await page.click('#tour-guide a[rel="next"]');
  await ready(page);
  assert.match(await page.textContent('#tour-guide'), /Step 2 of 3: Xavier/);
  assert.equal(new URL(page.url()).searchParams.get('step'), '1');
  assert.equal(new URL(page.url()).searchParams.get('init'), 'xavier_normal');
  assert.equal(await page.$eval('#init', (e) => e.disabled), true, 'lock: ["init"] is not locked');
  await page.$eval('#tour-guess', (e) => { e.value = '2'; e.dispatchEvent(new Event('input', { bubbles: true })); });
  assert.equal(await page.textContent('#tour-guess-value'), '100');
  await page.click('#tour-guide button[data-answer="number"]');
  await page.waitForSelector('#tour-answer .reveal.wrong');
  assert.match(await page.textContent('#tour-answer'), /σ of the activations a at layer 10 is .*; you said 100: off by a factor of/);
  // Keys: ← goes back, and the question is asked again.
  await page.keyboard.press('ArrowLeft');
  await ready(page);
  assert.match(await page.textContent('#tour-guide'), /Step 1 of 3/);
  assert.equal(await page.$eval('#init', (e) => e.disabled), false, 'the lock outlived its step');
  assert.equal(await hidden(page, '#charts'), true);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a tour on a phone, and a tour with a bad step', async () => {
  const page = await open(env, `?tour=${link(TOUR)}&step=1`, { viewport: { width: 390, height: 844 }, dpr: 2, colorScheme: 'dark' });
  assert.match(await page.textContent('#tour-guide'), /Step 2 of 3/);
  await page.screenshot({ path: join(SHOTS, 'tour-question-390-dark.png') });
  await page.context().close();
  const bad = { steps: [TOUR.steps[2], { title: 'typo', view: 'dpeth=3' }] };
  const p2 = await open(env, `?tour=${link(bad)}`, { viewport: { width: 1280, height: 900 } });
  assert.match(await p2.textContent('#tour-guide'), /Step 1 of 1: He, ReLU/);
  assert.match(await p2.textContent('#tour-guide .tour-errors'), /step 2 \(“typo”\) is left out: its view's `dpeth`/);
  await p2.context().close();
  const p3 = await open(env, '?tour=not-a-tour', { viewport: { width: 1280, height: 900 } });
  assert.match(await p3.textContent('#tour-guide'), /cannot be read/);
  assert.equal(await p3.$$eval('#layer-stats-body tr', (r) => r.length), 10, 'the page is not blank: the default view shows');
  await p3.context().close();
});

/// `tour=file:` (issue 22): a JSON file beside the page, fetched from the page's own site only.
/// The built-in lessons are one (dist/lessons.json, the file the build writes the lesson lists from).
test('a tour from a file beside the page; a missing file and another site are refused with a message', async () => {
  const lessons = JSON.parse(readFileSync(join(root, 'www', 'lessons.json'), 'utf8'));
  // What the step panel said each time the page said it was ready: a script waiting for "ready"
  // must find the step's view, not the link's own view drawn while the file loaded.
  const watch = () => {
    window.readyWith = [];
    new MutationObserver(() => {
      if (document.body.dataset.state === 'ready') window.readyWith.push(document.querySelector('#tour-guide')?.textContent || '');
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  };
  const page = await open(env, '?tour=file:lessons.json&step=3', { init: watch });
  assert.match(await page.textContent('#tour-guide'), /Step 4 of/, 'ready only once the tour file is read');
  const readyWith = await page.evaluate(() => window.readyWith);
  assert.ok(readyWith.length >= 1 && readyWith.every((t) => /Step 4 of/.test(t)), `ready said while: ${JSON.stringify(readyWith)}`);
  const guide = await page.textContent('#tour-guide');
  assert.match(guide, new RegExp(`Step 4 of ${lessons.steps.length}: ${lessons.steps[3].title}`));
  // The step's own view: Constant 0.5 has 3 layers.
  assert.equal(await page.$$eval('#layer-stats tbody tr', (r) => r.length), 3);
  assert.match(page.url(), /[?&]tour=file:lessons\.json&step=3$/);
  const missing = await open(env, '?tour=file:no-such-tour.json', {});
  await missing.waitForSelector('#tour-guide .tour-errors');
  assert.match(await missing.textContent('#tour-guide'), /the tour file no-such-tour\.json could not be loaded \(HTTP 404/);
  const other = await open(env, '?tour=file:https://example.com/t.json');
  assert.match(await other.textContent('#tour-guide'), /reads a file beside the page only; “https:\/\/example\.com\/t\.json” is on another site/);
  for (const p of [page, missing, other]) {
    // A missing file is one failed request (the 404), nothing else; no other origin is asked.
    assert.deepEqual(p.problems.filter((x) => !x.includes('404')), []);
    await p.context().close();
  }
});
