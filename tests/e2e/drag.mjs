// A drag of a slider with the mouse, as a user does it, and what the page drew meanwhile, read
// from `window.initvizDraws` (src/web/trace.rs): for each report shown, when the change that asked
// for it happened, when its first chart and its last chart were drawn. Shared by the end-to-end
// test (tests/e2e/speed.test.mjs) and the benchmark (bench/browser.mjs).

/// Drags slider `id` by `moves` steps to the right (one step per mouse move, `gapMs` apart), waits
/// until the page is ready, and returns the latencies of the reports drawn for the drag's changes.
export async function drag(page, id, { moves = 20, gapMs = 40 } = {}) {
  const el = page.locator(`#${id}`);
  await el.scrollIntoViewIfNeeded();
  const box = await el.boundingBox();
  const [min, max, value] = await el.evaluate((e) => [Number(e.min), Number(e.max), Number(e.value)]);
  // The thumb's centre for a value: Chromium's thumb is 16 px wide unless the page styles it.
  const thumb = await el.evaluate((e) => parseFloat(getComputedStyle(e).getPropertyValue('--thumb')) || 16);
  const x = (v) => box.x + thumb / 2 + ((v - min) / (max - min)) * (box.width - thumb);
  const y = box.y + box.height / 2;
  const t0 = await page.evaluate(() => performance.now());
  await page.mouse.move(x(value), y);
  await page.mouse.down();
  const values = [];
  for (let i = 1; i <= moves; i++) {
    await page.mouse.move(x(Math.min(max, value + i)), y);
    values.push(Number(await el.inputValue()));
    await page.waitForTimeout(gapMs);
  }
  const released = await page.evaluate(() => performance.now());
  await page.mouse.up();
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 120000 });
  const draws = await page.evaluate((t0) => (window.initvizDraws || []).filter((d) => d.asked >= t0), t0);
  return summarize(draws, t0, released, values);
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

/// Latency of each shown report from its change to its first and to its last chart; the longest
/// wait between one chart update and the next while the drag went on; the end's wait.
export function summarize(draws, start, released, values) {
  const first = draws.filter((d) => d.first !== undefined).map((d) => d.first - d.asked);
  const all = draws.filter((d) => d.all !== undefined).map((d) => d.all - d.asked);
  // Chart updates during the drag: the start and each report's first chart before the release.
  const marks = [start, ...draws.map((d) => d.first).filter((t) => t !== undefined && t <= released)].sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < marks.length; i++) gap = Math.max(gap, marks[i] - marks[i - 1]);
  gap = Math.max(gap, released - marks[marks.length - 1]);
  const last = draws[draws.length - 1];
  return {
    reports: draws.length,
    first_median_ms: median(first),
    all_median_ms: median(all),
    longest_wait_ms: gap,
    end_ms: last && last.all !== undefined ? last.all - released : NaN,
    values,
  };
}
