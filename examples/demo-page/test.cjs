// Click test of the catlib demo page in headless Chromium (Playwright-core, the system's
// /usr/bin/chromium; no browser download), in either build of index.html.
//
//   NODE_PATH=DIR/node_modules node examples/demo-page/test.cjs SITE_DIR HTTP_PORT WS_PORT SHOT.png [worker|jspi]
//
// SITE_DIR holds index.html and the build of MODE (worker, the default: catlib-demo-page .js
// and .wasm; jspi: catlib-jspi.js and catlib-page-jspi .js and .wasm). The page is served from
// 127.0.0.1 with COOP/COEP (serve.cjs). The test waits for catlib, clicks each button, checks
// the results, and asserts that the main-thread counter kept moving during each blocking call:
// its ticks' timestamps, kept by the page, show at least MIN_RATE ticks per second and no gap
// over MAX_GAP_MS between two ticks from the call's start line to its result line, and samples
// taken from here every 100 ms (each needs the page's main thread) never stall. In jspi mode
// also: the page's warm-up at load succeeds (the counter keeps moving, gaps up to
// WARM_UP_MAX_GAP_MS), two fetch clicks in a row both succeed (the wrapper queues the second),
// and a raw unqueued call made while one is suspended is refused at once with
// CATLIB_ERR_WOULD_BLOCK.
// Saves a screenshot and ends with a line "N passed, N failed"; exit status 0 iff nothing
// failed. `bash ci/catlib.sh demo-page demo-page-jspi` runs it.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const { serve } = require('./serve.cjs');

const [SITE, HTTP_PORT, WS_PORT, SHOT, MODE = 'worker'] = process.argv.slice(2);
if (!SITE || !HTTP_PORT || !WS_PORT || !SHOT || !['worker', 'jspi'].includes(MODE)) {
  console.log('usage: test.cjs SITE_DIR HTTP_PORT WS_PORT SHOT.png [worker|jspi]');
  console.log('0 passed, 1 failed');
  process.exit(2);
}
// The least rate the 10 ms counter must keep during a blocking call (ideal: 100/s), and the
// largest gap allowed between two of its ticks.
const MIN_RATE = 40;
const MAX_GAP_MS = 50;
// The same for the jspi page's warm-up at load (first calls compile code on the main thread).
const WARM_UP_MAX_GAP_MS = 150;
// How the page's start line of a blocking call says where it blocks.
const BLOCKING = MODE === 'jspi' ? 'is suspending the main thread' : 'is blocking the worker';
// FNV-1a 64 of the page's 64 KiB (byte i = i * 7 mod 256) repeated 2000 times, computed
// outside catlib (a plain C loop, gcc -O2).
const HASH_2000 = '8b50cabd44922325';

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`test ${name} ... ${ok ? 'ok' : 'FAILED'}${detail ? (ok ? ` (${detail})` : `: ${detail}`) : ''}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The page's log records: {t (performance.now()), count, text}.
function pageLog(page) {
  return page.evaluate(() => logLines);
}

async function waitForLine(page, re, timeoutMs, from = 0) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const hit = (await pageLog(page)).slice(from).find((l) => re.test(l.text));
    if (hit || Date.now() > end) return hit || null;
    await sleep(50);
  }
}

// The counter between page times `a` and `b`: ticks strictly inside, and the largest gap
// between two consecutive ticks from the last one at or before `a` to the first at or after
// `b` (waits for that one), and where it began relative to `a`.
function tickStats(page, a, b) {
  return page.evaluate(async ([a, b]) => {
    while (!ticks.length || ticks[ticks.length - 1] < b) await new Promise((r) => setTimeout(r, 10));
    const first = ticks.findIndex((t) => t > a);
    const last = ticks.findIndex((t) => t >= b);
    let maxGap = 0, at = 0;
    for (let k = Math.max(1, first); k <= last; k++) {
      if (ticks[k] - ticks[k - 1] > maxGap) [maxGap, at] = [ticks[k] - ticks[k - 1], ticks[k - 1] - a];
    }
    return { ticks: ticks.slice(first, last).filter((t) => t < b).length, maxGap, at };
  }, [a, b]);
}

// Sample the counter from here every 100 ms until `until()` is true or 60 s pass (each sample
// needs the page's main thread: a frozen page stalls them). Returns the number of samples and
// how many did not advance.
async function sampleCounter(page, until) {
  const samples = [];
  const end = Date.now() + 60000;
  while (Date.now() < end) {
    samples.push(await page.evaluate(() => count));
    if (await until()) break;
    await sleep(100);
  }
  return { samples: samples.length, stalls: samples.filter((v, i) => i > 0 && v <= samples[i - 1]).length };
}

// Check the counter during one blocking call, from its start line to its result line.
async function checkCounter(page, name, start, done, minMs, sampled) {
  const ms = Math.round(done.t - start.t);
  const s = await tickStats(page, start.t, done.t);
  const rate = (s.ticks * 1000) / Math.max(1, ms);
  check(`counter_advanced_while_${name}_blocked`,
    ms >= minMs && rate >= MIN_RATE && s.maxGap <= MAX_GAP_MS && sampled.stalls === 0,
    `${s.ticks} ticks in ${ms} ms (at least ${minMs}) = ${rate.toFixed(1)}/s (min ${MIN_RATE}); `
    + `largest gap ${s.maxGap.toFixed(1)} ms (max ${MAX_GAP_MS}) from ${s.at.toFixed(0)} ms; ${sampled.stalls} stalled of ${sampled.samples} samples`);
}

// Click `button`, wait for the result line of `what` ("WHAT: ok|error ..."), check it against
// `okRe` and the counter during the call (when `minMs` is given). Returns the result line.
async function clickAndWatch(page, what, button, okRe, minMs) {
  const before = (await pageLog(page)).length;
  const doneRe = new RegExp(`^${what}: (ok|error)`);
  let done = null;
  await page.click(button);
  const sampled = await sampleCounter(page, async () => {
    done = (await pageLog(page)).slice(before).find((l) => doneRe.test(l.text));
    return !!done;
  });
  const start = (await pageLog(page)).slice(before).find((l) => l.text.startsWith(`${what}: `) && l.text.includes(BLOCKING));
  check(`${what}_logs_start`, !!start, start ? start.text : `no "${BLOCKING}" line`);
  check(`${what}_result`, !!done && okRe.test(done.text), done ? done.text : 'no result within 60 s');
  if (start && done && minMs !== undefined) await checkCounter(page, what, start, done, minMs, sampled);
  return done;
}

// jspi: the page's warm-up at load (one call of each kind, so that Chromium's lazy compilation
// of their wasm code happens before the first click) succeeds, and the counter keeps moving
// during it, with a looser gap limit: first calls hold the main thread longer.
async function checkWarmUp(page) {
  const lines = await pageLog(page);
  const start = lines.find((l) => /^warm-up: one call/.test(l.text));
  const done = lines.find((l) => /^warm-up: (done|error)/.test(l.text));
  check('warm_up_done', !!start && !!done && /^warm-up: done in \d+ ms$/.test(done.text), done ? done.text : 'no warm-up lines');
  if (!start || !done) return;
  const s = await tickStats(page, start.t, done.t);
  check('counter_kept_moving_during_warm_up', s.maxGap <= WARM_UP_MAX_GAP_MS,
    `${s.ticks} ticks in ${Math.round(done.t - start.t)} ms; largest gap ${s.maxGap.toFixed(1)} ms (max ${WARM_UP_MAX_GAP_MS}) from ${s.at.toFixed(0)} ms`);
}

// jspi: two fetch clicks in a row; the wrapper queues the second, so both succeed.
async function fetchTwice(page) {
  const before = (await pageLog(page)).length;
  const doneRe = /^fetch: (ok|error)/;
  let results = [];
  await page.click('#fetch');
  await page.click('#fetch');
  const sampled = await sampleCounter(page, async () => {
    results = (await pageLog(page)).slice(before).filter((l) => doneRe.test(l.text));
    return results.length >= 2;
  });
  const lines = (await pageLog(page)).slice(before);
  const starts = lines.filter((l) => /^fetch: /.test(l.text) && l.text.includes(BLOCKING));
  const waited = lines.find((l) => /^fetch: .* waits for 1 call\(s\) before it$/.test(l.text));
  check('fetch_twice_both_succeed', results.length === 2 && results.every((l) => /^fetch: ok in \d+ ms: delayed$/.test(l.text)),
    results.map((l) => l.text).join(' | ') || 'no result within 60 s');
  check('fetch_twice_second_was_queued',
    !!waited && starts.length === 2 && results.length === 2 && starts[1].t >= results[0].t,
    waited && starts.length === 2 && results.length === 2
      ? `second started ${Math.round(starts[1].t - results[0].t)} ms after the first's result`
      : `${starts.length} start lines, ${results.length} results, queue line ${waited ? 'seen' : 'missing'}`);
  if (starts.length === 2 && results.length === 2) await checkCounter(page, 'fetch_twice', starts[0], results[1], 1800, sampled);
}

// jspi: an unqueued call while a queued one is suspended gets the typed refusal at once, and
// the suspended call still completes. Run in the page; a hang fails after 15 s.
async function unqueuedRefusal(page) {
  const run = page.evaluate(async () => {
    const first = catlib.fetchText(HTTP_BASE + '/delay/1000');
    await new Promise((r) => setTimeout(r, 200)); // the first is suspended by now
    const outcome = async (p) => {
      const t = performance.now();
      try {
        return { ok: await p, ms: performance.now() - t };
      } catch (e) {
        return { status: e.status, code: e.code, message: e.message, isError: e instanceof Error, ms: performance.now() - t };
      }
    };
    const second = await outcome(catlib.unqueued.fetchText(HTTP_BASE + '/delay/10'));
    return { second, first: await outcome(first) };
  });
  const r = await Promise.race([run, sleep(15000).then(() => null)]);
  if (!r) {
    check('unqueued_second_call_is_refused', false, 'no answer within 15 s (hang)');
    return;
  }
  const s = r.second;
  check('unqueued_second_call_is_refused',
    s.isError && s.status === 5 && s.code === 'CATLIB_ERR_WOULD_BLOCK' && /another block_on is suspended/.test(s.message) && s.ms < 100,
    `${s.code || JSON.stringify(s.ok)} (status ${s.status}) in ${s.ms.toFixed(1)} ms: ${s.message}`);
  check('suspended_call_completes_after_the_refusal', r.first.ok === 'delayed',
    r.first.ok !== undefined ? `${JSON.stringify(r.first.ok)} after ${Math.round(r.first.ms)} ms` : `${r.first.code}: ${r.first.message}`);
}

(async () => {
  const server = await serve(SITE);
  const url = `http://127.0.0.1:${server.address().port}/index.html?mode=${MODE}&http=${HTTP_PORT}&ws=${WS_PORT}`;
  console.log(`demo-page (${MODE}): serving ${SITE} at ${url}`);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 720 } });
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
    await page.goto(url);
    check('page_has_cross_origin_isolation', await page.evaluate(() => self.crossOriginIsolated), '');
    const ready = await waitForLine(page, /^ready:/, 90000);
    check('catlib_ready', !!ready, ready ? ready.text : 'no "ready:" line within 90 s');
    if (ready && MODE === 'jspi') await checkWarmUp(page);
    if (ready) {
      await clickAndWatch(page, 'fetch', '#fetch', /^fetch: ok in \d+ ms: delayed$/, 900);
      await clickAndWatch(page, 'ws', '#ws', /^ws: ok in \d+ ms: hello from the page$/, 400);
      await page.fill('#rounds', '2000');
      await clickAndWatch(page, 'hash', '#hash', new RegExp(`^hash: ok in \\d+ ms: ${HASH_2000}$`), 100);
      const before = (await pageLog(page)).length;
      await page.click('#bad');
      const bad = await waitForLine(page, /^bad: (ok|error)/, 10000, before);
      check('bad_input_is_an_error_code', !!bad && /^bad: error 1 in \d+ ms: catlib_fetch_text: `url` must not be NULL/.test(bad.text), bad ? bad.text : 'no line');
      if (MODE === 'jspi') {
        await fetchTwice(page);
        await unqueuedRefusal(page);
      }
      // One more blocking call in flight for the screenshot, so it shows catlib busy.
      const n = (await pageLog(page)).length;
      await page.click('#fetch');
      await waitForLine(page, new RegExp(BLOCKING), 5000, n);
      await sleep(300);
    }
    fs.mkdirSync(path.dirname(SHOT), { recursive: true });
    await page.screenshot({ path: SHOT });
    console.log(`demo-page: screenshot saved to ${SHOT}`);
    console.log('demo-page log:\n' + (await page.$eval('#log', (e) => e.textContent)).replace(/^/gm, '  '));
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})().catch((e) => {
  console.log(`demo-page: ${e.stack || e}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
