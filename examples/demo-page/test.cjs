// Click test of the catlib demo page in headless Chromium (Playwright-core, the system's
// /usr/bin/chromium; no browser download).
//
//   NODE_PATH=DIR/node_modules node examples/demo-page/test.cjs SITE_DIR HTTP_PORT WS_PORT SHOT.png
//
// SITE_DIR holds index.html and the worker build of catlib-demo-page (.js, .wasm). The page is
// served from 127.0.0.1 with COOP/COEP (pthreads need SharedArrayBuffer). The test waits for the
// worker, clicks each button, checks the log, asserts that the main-thread counter kept
// advancing while catlib blocked the worker, and saves a screenshot. Ends with a line
// "N passed, N failed" and exit status 0 iff nothing failed. `bash ci/catlib.sh` runs it.
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [SITE, HTTP_PORT, WS_PORT, SHOT] = process.argv.slice(2);
if (!SITE || !HTTP_PORT || !WS_PORT || !SHOT) {
  console.log('usage: test.cjs SITE_DIR HTTP_PORT WS_PORT SHOT.png');
  console.log('0 passed, 1 failed');
  process.exit(2);
}
// The least rate the 10 ms counter must keep while the worker blocks (ideal: 100/s).
const MIN_RATE = 40;

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

function serve(root) {
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
    const file = path.join(root, name || 'index.html');
    if (!file.startsWith(path.resolve(root)) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) passed++;
  else failed++;
  console.log(`test ${name} ... ${ok ? 'ok' : 'FAILED'}${detail ? (ok ? ` (${detail})` : `: ${detail}`) : ''}`);
}

// Log lines look like "[#COUNT SECONDSs] text".
function parseLog(text) {
  return text.split('\n').filter(Boolean).map((l) => {
    const m = /^\[#(\d+) ([\d.]+)s\] (.*)$/.exec(l);
    return m ? { count: +m[1], secs: +m[2], text: m[3] } : { count: NaN, secs: NaN, text: l };
  });
}

async function logText(page) {
  return page.$eval('#log', (e) => e.textContent);
}

async function waitForLine(page, re, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const lines = parseLog(await logText(page));
    const hit = lines.find((l) => re.test(l.text));
    if (hit) return hit;
    if (Date.now() > end) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Click `button`, then, until the result line appears, sample the counter every 100 ms
// (page.evaluate needs the main thread: a blocked page would stall these samples).
async function clickAndWatch(page, name, button, startRe, doneRe, okRe) {
  const before = parseLog(await logText(page)).length;
  await page.click(button);
  const samples = [];
  const end = Date.now() + 60000;
  let done = null;
  while (!done && Date.now() < end) {
    samples.push(await page.evaluate(() => count));
    await new Promise((r) => setTimeout(r, 100));
    done = parseLog(await logText(page)).slice(before).find((l) => doneRe.test(l.text));
  }
  const lines = parseLog(await logText(page)).slice(before);
  const start = lines.find((l) => startRe.test(l.text));
  check(`${name}_logs_start`, !!start, start ? start.text : 'no start line');
  check(`${name}_result`, !!done && okRe.test(done.text), done ? done.text : 'no result within 60 s');
  if (start && done) {
    const ms = +(/in (\d+) ms/.exec(done.text) || [0, 0])[1];
    const ticks = done.count - start.count;
    const rate = (ticks * 1000) / Math.max(1, (done.secs - start.secs) * 1000);
    const stalls = samples.filter((v, i) => i > 0 && v <= samples[i - 1]).length;
    return { ms, ticks, rate, stalls, samples: samples.length };
  }
  return null;
}

(async () => {
  const server = await serve(SITE);
  const url = `http://127.0.0.1:${server.address().port}/index.html?http=${HTTP_PORT}&ws=${WS_PORT}`;
  console.log(`demo-page: serving ${SITE} at ${url}`);
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
    check('worker_ready', !!ready, ready ? ready.text : 'no "ready:" line within 90 s');
    if (ready) {
      const f = await clickAndWatch(page, 'fetch', '#fetch', /^fetch: catlib_fetch_text/, /^fetch: (ok|error)/, /^fetch: ok in \d+ ms: delayed$/);
      if (f) {
        check('counter_advanced_while_fetch_blocked', f.ms >= 900 && f.rate >= MIN_RATE && f.stalls === 0,
          `${f.ticks} ticks during a ${f.ms} ms blocking fetch = ${f.rate.toFixed(1)}/s (min ${MIN_RATE}); ${f.stalls} stalled of ${f.samples} samples`);
      }
      await clickAndWatch(page, 'ws', '#ws', /^ws: catlib_ws_roundtrip/, /^ws: (ok|error)/, /^ws: ok in \d+ ms: hello from the page$/);
      const h = await clickAndWatch(page, 'hash', '#hash', /^hash: catlib_hash_blocking/, /^hash: (ok|error)/, /^hash: ok in \d+ ms: [0-9a-f]{16}$/);
      if (h) {
        check('counter_advanced_while_hash_blocked', h.ms >= 200 && h.rate >= MIN_RATE && h.stalls === 0,
          `${h.ticks} ticks during a ${h.ms} ms blocking hash = ${h.rate.toFixed(1)}/s (min ${MIN_RATE}); ${h.stalls} stalled of ${h.samples} samples`);
      }
      await page.click('#bad');
      const bad = await waitForLine(page, /^bad: /, 10000);
      check('bad_input_is_an_error_code', !!bad && /^bad: error 1 in \d+ ms: catlib_fetch_text: `url` must not be NULL/.test(bad.text), bad ? bad.text : 'no line');
      // One more blocking call in flight for the screenshot, so it shows the worker busy.
      await page.click('#fetch');
      await waitForLine(page, /is blocking the worker/, 5000);
      await new Promise((r) => setTimeout(r, 300));
    }
    fs.mkdirSync(path.dirname(SHOT), { recursive: true });
    await page.screenshot({ path: SHOT });
    console.log(`demo-page: screenshot saved to ${SHOT}`);
    console.log('demo-page log:\n' + (await logText(page)).replace(/^/gm, '  '));
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
