// The review page as a user meets it: from starting `tagforge serve` to the
// first screen of thumbnails drawn in headless Chromium, on an output that
// `bench_serve --keep 1` left behind (100,000 items by default). Prints figures.
//
//   build/bin/bench_serve --keep 1 --dir /tmp/tfbs
//   TAGFORGE_NODE_MODULES=third_party/node_reference/node_modules \
//     node bench/bench_review_page.mjs build/bin/tagforge /tmp/tfbs/out
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.resolve(process.env.TAGFORGE_NODE_MODULES, 'x.js'));
const { chromium } = require('playwright-core');
const [bin, out] = process.argv.slice(2);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, locale: 'en-US' });
const start = performance.now();
const server = spawn(bin, ['serve', out, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve) => {
  let text = '';
  server.stdout.on('data', (chunk) => {
    text += chunk;
    const m = text.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/);
    if (m) resolve(m[1]);
  });
});
const listening = performance.now() - start;
await page.goto(url);
await page.waitForFunction(() => document.querySelectorAll('.cell[data-id]').length > 0);
const listed = performance.now() - start;
// Every cell on screen has its thumbnail decoded.
await page.waitForFunction(() => {
  const g = document.getElementById('gallery').getBoundingClientRect();
  const shown = [...document.querySelectorAll('.cell img')].filter((i) => i.getBoundingClientRect().top < g.bottom);
  return shown.length > 0 && shown.every((i) => i.complete && i.naturalWidth > 0);
});
const drawn = performance.now() - start;
const count = await page.textContent('#count');
// Scrolling to the middle of the list.
const t = performance.now();
await page.$eval('#gallery', (g) => { g.scrollTop = g.scrollHeight / 2; });
await page.waitForFunction(() => {
  const g = document.getElementById('gallery');
  const cells = [...document.querySelectorAll('.cell[data-id]')];
  return cells.some((c) => c.offsetTop >= g.scrollTop && c.offsetTop < g.scrollTop + g.clientHeight);
});
const jumped = performance.now() - t;
console.log(`review page on ${count}:`);
console.log(`  tagforge serve listening      ${listening.toFixed(0)} ms after it started`);
console.log(`  gallery's first cells listed  ${listed.toFixed(0)} ms`);
console.log(`  first screen of thumbnails    ${drawn.toFixed(0)} ms`);
console.log(`  jump to the middle, listed    ${jumped.toFixed(0)} ms`);
await browser.close();
server.kill('SIGTERM');
