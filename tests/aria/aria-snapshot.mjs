// Playwright's aria snapshot of pages, for tests/src/bin/snapshot-bench.rs.
//
//   node aria-snapshot.mjs --cdp http://127.0.0.1:PORT   attach to a running Chromium (the bench's own)
//   node aria-snapshot.mjs --launch                       start /usr/bin/chromium, 1280x900, headless
//
// Reads one URL per line on stdin and answers one JSON line per URL on stdout:
//   {"url": ..., "mode": "same-browser" | "second-browser", "aria": "<locator('body').ariaSnapshot()>", "ms": ...}
// or {"url": ..., "error": "..."}. In --cdp mode the page already open at that URL in the attached
// browser is used as it is (same DOM, same window); a new tab is opened only if there is none.
import readline from 'node:readline';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const cdp = args[0] === '--cdp' ? args[1] : null;
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--force-device-scale-factor=1', '--window-size=1280,900'];

const send = (o) => process.stdout.write(JSON.stringify(o) + '\n');

let browser, mode, spare = null;
try {
  if (cdp) {
    browser = await chromium.connectOverCDP(cdp);
    mode = 'same-browser';
  } else {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
    mode = 'second-browser';
  }
} catch (e) {
  send({ fatal: String(e && e.message || e) });
  process.exit(1);
}
send({ ready: true, mode, version: browser.version() });

async function pageFor(url) {
  if (cdp) {
    for (const ctx of browser.contexts()) for (const p of ctx.pages()) if (p.url() === url) return p;
  }
  if (!spare) {
    const ctx = cdp ? browser.contexts()[0] : await browser.newContext({ viewport: { width: 1280, height: 900 } });
    spare = await ctx.newPage();
  }
  await spare.goto(url, { waitUntil: 'load', timeout: 30000 });
  return spare;
}

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const url = line.trim();
  if (!url) continue;
  try {
    const page = await pageFor(url);
    const t0 = performance.now();
    const aria = await page.locator('body').ariaSnapshot({ timeout: 60000 });
    send({ url, mode: page === spare ? (cdp ? 'same-browser-new-tab' : mode) : mode, aria, ms: Math.round((performance.now() - t0) * 10) / 10 });
  } catch (e) {
    send({ url, error: String(e && e.message || e) });
  }
}
// Attached over CDP: detach only, never close the bench's browser.
if (!cdp) await browser.close();
process.exit(0);
