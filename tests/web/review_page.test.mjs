// The review page in real headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core): a real run's output, `tagforge serve` started
// as a user would, then filter, open, edit a caption, add a tag through the
// autocomplete, approve, undo, step with the keyboard, a batch over a
// selection; every change checked in the files on disk.
//
// The run has the tiny test tagger and detector (tests/models) and the real
// NSFW classifier, so the page shows confidences, boxes and NSFW scores; one
// image is damaged, so one item has stage errors. A second output of 3,000
// items shows the gallery virtualised and paged.
//
// Environment: TAGFORGE_BIN (the CLI), TAGFORGE_NODE_MODULES (playwright-core,
// pngjs), TAGFORGE_SOURCE_DIR, TAGFORGE_NSFW_DIR, TAGFORGE_SHOTS (where screenshots go; optional).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.env.TAGFORGE_NODE_MODULES, 'x.js'));
const { chromium } = require('playwright-core');
const { PNG } = require('pngjs');

const bin = process.env.TAGFORGE_BIN;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tagforge-review-page-'));
const input = path.join(root, 'in');
const out = path.join(root, 'out');
const work = path.join(out, '.tagforge', 'work');
let server, url, browser, page;

// The pictures here are flat colours, which the quality gate would file into low_quality_N:
// they are measured and shown, not moved.
const kFlatPictures = ['--quality-action', 'none'];

function png(file, [r, g, b], size = 96) {
  const p = new PNG({ width: size, height: size });
  for (let i = 0; i < size * size; ++i) {
    const x = i % size;
    p.data.set([x < size / 2 ? r : 255 - r, g, b, 255], i * 4);
  }
  fs.writeFileSync(file, PNG.sync.write(p));
}

const read = (file) => fs.readFileSync(file, 'utf8');

// `tagforge serve DIR` as a user starts it; resolves to the address it prints.
async function serve(dir) {
  const child = spawn(bin, ['serve', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const address = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const m = text.match(/open (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`tagforge serve exited with ${code}`)));
  });
  return { server: child, url: address };
}

before(async () => {
  fs.mkdirSync(input);
  const items = [
    ['amber', [230, 150, 20], '1girl, solo, blonde_hair, red_eyes, smile', 'A photograph of a dog on a beach.'],
    ['blue', [20, 60, 220], '1girl, solo, blue_hair, smile, long_hair'],
    ['cedar', [30, 120, 40], 'no_humans, tree, outdoors, scenery'],
    ['dusk', [120, 40, 140], '1boy, solo, black_hair, jacket'],
    ['ember', [200, 40, 30], '1girl, solo, red_hair, dress'],
  ];
  for (const [name, colour, tags, caption] of items) {
    png(path.join(input, `${name}.png`), colour);
    fs.writeFileSync(path.join(input, `${name}.txt`), tags);
    if (caption) fs.writeFileSync(path.join(input, `${name}.caption`), caption);
  }
  // A PNG whose compressed pixels are damaged: it scans as whole, but no stage can decode it.
  png(path.join(input, 'flawed.png'), [9, 9, 9]);
  const bytes = fs.readFileSync(path.join(input, 'flawed.png'));
  bytes.fill(0xff, bytes.indexOf('IDAT') + 8, bytes.indexOf('IDAT') + 14);
  fs.writeFileSync(path.join(input, 'flawed.png'), bytes);

  const models = path.join(root, 'models');
  execFileSync('/usr/bin/python3', [path.join(process.env.TAGFORGE_SOURCE_DIR, 'tests/models/make_test_models.py'), models]);
  const run = spawnSync(bin, ['run', input, '--out', out, '-q', ...kFlatPictures, '--tagger', path.join(models, 'wd_v3'),
                              '--detectors', path.join(models, 'detector'), '--nsfw', process.env.TAGFORGE_NSFW_DIR]);
  assert.equal(run.status, 1, `exit 1 for the damaged image: ${run.stderr}`);

  ({ server, url } = await serve(out));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.on('pageerror', (e) => { throw e; });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  fs.rmSync(root, { recursive: true, force: true });
});

async function shot(name, p = page) {
  if (process.env.TAGFORGE_SHOTS) {
    fs.mkdirSync(process.env.TAGFORGE_SHOTS, { recursive: true });
    await p.screenshot({ path: path.join(process.env.TAGFORGE_SHOTS, `${name}.png`) });
  }
}

const count = () => page.textContent('#count');
const itemName = () => page.textContent('#item-name');

test('the gallery shows every item with its thumbnail and filters them', async () => {
  await page.goto(url);
  await page.waitForFunction(() => document.querySelectorAll('.cell[data-id]').length === 6);
  assert.equal(await count(), '6 of 6 items');
  // Every thumbnail but the damaged image's decoded (made for it, then cached).
  await page.waitForFunction(() => [...document.querySelectorAll('.cell img')].filter((i) => i.complete && i.naturalWidth > 0).length === 5);
  await page.waitForSelector('.cell.no-preview');
  assert.equal(fs.readdirSync(path.join(out, '.tagforge', 'thumbs')).length > 0, true);
  await shot('gallery');

  await page.check('#f-flagged');
  await page.waitForFunction(() => document.getElementById('count').textContent === '1 of 6 items');
  assert.equal(await page.textContent('.cell .flag'), 'review');
  await page.uncheck('#f-flagged');
  // The one cell left, once the list has changed (the count alone may read the same).
  const only = (name) => page.waitForFunction((n) => document.getElementById('count').textContent === '1 of 6 items' &&
    document.querySelector('.cell[data-pos="0"]')?.title === n, name);
  await page.fill('#f-tag', 'Blue Hair');
  await only('blue.png');
  await page.fill('#f-tag', '');
  await page.check('#f-errors');
  await only('flawed.png');
  await page.click('.cell[data-pos="0"]');
  await page.waitForFunction(() => /tagger: .*cannot be decoded|tagger: .*damaged/.test(document.getElementById('problems').textContent));
  await page.click('#close');
  await page.uncheck('#f-errors');
  await page.fill('#f-nsfw', '0');  // every item the classifier scored
  await page.waitForFunction(() => document.getElementById('count').textContent === '5 of 6 items');
  await page.fill('#f-nsfw', '');
  // Flat colours 96 px wide: every one that decodes is below the quality gate (measured, not moved).
  await page.check('#f-low-quality');
  await page.waitForFunction(() => document.getElementById('count').textContent === '5 of 6 items');
  await page.uncheck('#f-low-quality');
  await page.selectOption('#f-sort', 'score');
  await page.waitForFunction(() => document.getElementById('count').textContent === '6 of 6 items');
  // Worst first: the flagged one leads.
  assert.equal(await page.getAttribute('.cell[data-pos="0"] img', 'alt'), 'amber.png');
});

test('the last run says how fast each model stage ran and on which device', async () => {
  await page.goto(url);
  await page.waitForSelector('#run:not([hidden])');
  await page.click('#run summary');
  const rows = await page.$$eval('#run-stages tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  const byStage = Object.fromEntries(rows.map((r) => [r[0], r]));
  for (const stage of ['tagger', 'detect', 'nsfw']) {
    assert.ok(byStage[stage], `a row for ${stage}: ${JSON.stringify(rows)}`);
    assert.equal(byStage[stage][3], 'cpu');
    assert.ok(Number(byStage[stage][2]) > 0, `${stage}: ${byStage[stage]}`);
  }
  assert.equal(byStage.tags, undefined);  // no model, no pixels: not timed
  // The figures the run kept in its output.
  const kept = JSON.parse(read(path.join(out, '.tagforge', 'stages.json')));
  assert.equal(byStage.tagger[1], String(kept.stages.tagger.computed));
  assert.equal(byStage.nsfw[2], kept.stages.nsfw.images_per_busy_second.toFixed(2));
  await shot('run-figures');
});

test('an item is edited, approved and undone, and the files follow', async () => {
  await page.click('.cell[data-pos="0"]');
  await page.waitForFunction(() => document.getElementById('item-name').textContent === 'amber.png');
  assert.match(await page.textContent('#badges'), /flagged for review/);
  assert.match(await page.textContent('#badges'), /nsfw 0\.\d\d/);
  assert.match(await page.textContent('#badges'), /small \(short side 96 px < 256\)/);
  assert.match(await page.textContent('#badges'), /sharpness [\d.]+, luma [\d.]+±[\d.]+, 96x96/);
  assert.equal(await page.inputValue('#caption'), 'A photograph of a dog on a beach.');
  const chips = await page.$$eval('#tags li', (lis) => lis.map((li) => li.firstChild.textContent));
  assert.deepEqual(chips.slice(0, 5), ['1girl', 'solo', 'blonde_hair', 'red_eyes', 'smile']);
  // The input's tags, then the tagger's with their confidence.
  assert.equal(await page.getAttribute('#tags li:first-child', 'class'), 'input');
  const tagger = await page.$$eval('#tags li.tagger .conf', (els) => els.map((e) => Number(e.textContent)));
  assert.ok(tagger.length > 0 && tagger.every((c) => c > 0 && c <= 1), String(tagger));
  // The detector's boxes from the .aseg (its person box first), over the image.
  await page.waitForFunction(() => document.getElementById('image').complete);
  const labels = await page.$$eval('#boxes text', (t) => t.map((e) => e.textContent));
  const aseg = read(path.join(out, 'review_1', 'amber.aseg'));
  assert.equal(labels.length, aseg.split('\n').filter((l) => /^\d+\tdetector\t/.test(l)).length);
  assert.equal(labels[0], 'person 0.90');
  assert.equal(await page.getAttribute('#boxes', 'viewBox'), '0 0 96 96');
  // The scorer's breakdown, and the count check against the detector's persons.
  const breakdown = await page.$$eval('#score tr', (rows) => rows.map((r) => r.textContent));
  assert.ok(breakdown.some((r) => /^overall0\.\d{3}$/.test(r)), String(breakdown));
  assert.ok(breakdown.includes('check solo1 persons: agrees'), String(breakdown));
  await shot('item');

  // The caption, and a tag from the autocomplete.
  await page.fill('#caption', 'A smiling blonde girl with red eyes and long hair.');
  // Inserted after the chip picked (smile), not at the end.
  await page.click('#tags li:nth-child(5)');
  await page.fill('#tag-input', 'long_ha');
  await page.waitForSelector('#suggestions li');
  assert.equal(await page.textContent('#suggestions li span'), 'long_hair');
  await page.press('#tag-input', 'Enter');
  assert.equal(await page.textContent('#tags li:nth-child(6)'), 'long_hair×');
  await page.keyboard.press('Control+s');
  await page.waitForFunction(() => document.getElementById('caption-source').textContent === '(edited)');
  const placedCaption = path.join(out, 'review_1', 'amber.caption');
  const placedTags = path.join(out, 'review_1', 'amber.txt');
  assert.equal(read(path.join(work, 'amber.caption')), 'A smiling blonde girl with red eyes and long hair.');
  assert.equal(read(placedCaption), 'A smiling blonde girl with red eyes and long hair.');
  assert.match(read(placedTags), /^1girl, solo, blonde_hair, red_eyes, smile, long_hair, /);
  assert.equal(fs.statSync(placedTags).ino, fs.statSync(path.join(work, 'amber.txt')).ino);

  // Approve with the keyboard (focus off the fields).
  await page.click('#item-name');
  await page.keyboard.press('a');
  await page.waitForFunction(() => document.getElementById('approve').textContent === 'Unapprove');
  assert.match(read(placedTags), /auto_best_caption, accuracy_90_up$/);
  assert.doesNotMatch(read(placedTags), /needs_review/);
  assert.match(await page.textContent('#badges'), /approved/);

  // Undo the approval, then the edit.
  await page.keyboard.press('u');
  await page.waitForFunction(() => document.getElementById('approve').textContent === 'Approve');
  assert.doesNotMatch(read(placedTags), /auto_best_caption/);
  await page.click('#undo');
  await page.waitForFunction(() => document.getElementById('caption').value === 'A photograph of a dog on a beach.');
  assert.equal(read(placedCaption), 'A photograph of a dog on a beach.');
  assert.doesNotMatch(read(placedTags), /long_hair/);
  assert.match(read(placedTags), /needs_review/);
});

test('j and k step through the items; tags are removed and reordered', async () => {
  const first = await itemName();
  await page.keyboard.press('j');
  await page.waitForFunction((f) => document.getElementById('item-name').textContent !== f, first);
  const second = await itemName();
  await page.keyboard.press('k');
  await page.waitForFunction((f) => document.getElementById('item-name').textContent === f, first);
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((s) => document.getElementById('item-name').textContent === s, second);

  const name = second.replace('.png', '');
  const before = await page.$$eval('#tags li', (lis) => lis.map((li) => li.firstChild.textContent));
  await page.click('#tags li:first-child button');
  await page.dragAndDrop('#tags li:last-child', '#tags li:first-child');
  const edited = await page.$$eval('#tags li', (lis) => lis.map((li) => li.firstChild.textContent));
  const expected = before.slice(1);
  expected.unshift(expected.pop());
  assert.deepEqual(edited, expected);
  await page.click('#save');
  await page.waitForFunction(() => document.getElementById('status').textContent === 'saved');
  assert.ok(read(path.join(work, `${name}.txt`)).startsWith(expected.join(', ')));
});

test('a batch adds and replaces tags over a selection', async () => {
  await page.click('#select-all');
  await page.waitForFunction(() => document.getElementById('selection').textContent === '6 selected');
  await page.fill('#b-add', 'mychar');
  await page.fill('#b-from', 'solo');
  await page.fill('#b-to', 'solo_focus');
  await page.click('#b-apply');
  await page.waitForFunction(() => /items? changed/.test(document.getElementById('status').textContent));
  for (const name of ['amber', 'blue', 'cedar', 'dusk', 'ember']) {
    const tags = read(path.join(work, `${name}.txt`));
    assert.match(tags, /mychar/, name);
    assert.doesNotMatch(tags, /(^|, )solo(,|$)/, name);
  }
  assert.match(read(path.join(work, 'dusk.txt')), /solo_focus/);
  await page.click('#undo');
  await page.waitForFunction(() => /undone \(5 items\)/.test(document.getElementById('status').textContent));
  assert.doesNotMatch(read(path.join(work, 'cedar.txt')), /mychar/);
});

test('a long list is paged and only what is on screen is in the page', async () => {
  const bigIn = path.join(root, 'big');
  const bigOut = path.join(root, 'big-out');
  fs.mkdirSync(bigIn);
  for (let i = 0; i < 3000; ++i) {
    const name = `img_${String(i).padStart(4, '0')}`;
    png(path.join(bigIn, `${name}.png`), [i % 256, (i * 7) % 256, 90], 8);
    fs.writeFileSync(path.join(bigIn, `${name}.txt`), i % 3 ? '1girl, solo, smile' : 'no_humans, tree');
  }
  const run = spawnSync(bin, ['run', bigIn, '--out', bigOut, '-q', '--bucket-size', '1000', ...kFlatPictures]);
  assert.equal(run.status, 0, String(run.stderr));
  const { server: big, url: bigUrl } = await serve(bigOut);
  try {
    const p = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    const asked = [];
    p.on('request', (r) => asked.push(new URL(r.url())));
    await p.goto(bigUrl);
    await p.waitForFunction(() => document.getElementById('count').textContent === '3,000 of 3,000 items');
    await p.waitForSelector('.cell[data-pos="0"][data-id]');
    const cells = await p.$$eval('.cell', (c) => c.length);
    assert.ok(cells > 0 && cells < 150, `cells in the page: ${cells}`);
    const offsets = () => asked.filter((u) => u.pathname === '/api/items').map((u) => Number(u.searchParams.get('offset')));
    assert.deepEqual(offsets(), [0]);
    const thumbs = () => asked.filter((u) => u.pathname.endsWith('/thumb')).length;
    assert.ok(thumbs() <= cells, `thumbnails asked: ${thumbs()}`);

    // To the end: the last page is asked for, and the last item shows.
    await p.$eval('#gallery', (g) => { g.scrollTop = g.scrollHeight; });
    await p.waitForSelector('.cell[data-pos="2999"][data-id]');
    assert.equal(await p.getAttribute('.cell[data-pos="2999"]', 'title'), 'img_2999.png');
    assert.ok(offsets().includes(2800), String(offsets()));
    assert.ok(!offsets().includes(1400), 'the pages between were never asked for');
    assert.ok((await p.$$eval('.cell', (c) => c.length)) < 150);
    await p.waitForFunction(() => [...document.querySelectorAll('.cell img')].every((i) => i.complete));
    await shot('gallery-3000-end', p);
    await p.close();
  } finally {
    big.kill('SIGTERM');
  }
});

test('copies are shown side by side and another one is chosen to be kept', async () => {
  const copiesIn = path.join(root, 'copies');
  const copiesOut = path.join(root, 'copies-out');
  fs.mkdirSync(path.join(copiesIn, 'b'), { recursive: true });
  png(path.join(copiesIn, 'a.png'), [200, 120, 40]);
  fs.writeFileSync(path.join(copiesIn, 'a.txt'), '1girl, solo, smile');
  fs.copyFileSync(path.join(copiesIn, 'a.png'), path.join(copiesIn, 'b', 'a copy.png'));
  png(path.join(copiesIn, 'c.png'), [20, 200, 220]);
  fs.writeFileSync(path.join(copiesIn, 'c.txt'), 'no_humans, sky');
  const first = spawnSync(bin, ['run', copiesIn, '--out', copiesOut, '-q', ...kFlatPictures]);
  assert.equal(first.status, 0, String(first.stderr));
  // The tagged one is kept: the copy of the same size has no words to score.
  assert.ok(fs.existsSync(path.join(copiesOut, 'duplicates_1', 'a copy.png')));
  assert.ok(fs.existsSync(path.join(copiesOut, 'images_1', 'a.png')));

  const { server: copies, url: copiesUrl } = await serve(copiesOut);
  try {
    const p = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    p.on('pageerror', (e) => { throw e; });
    await p.goto(copiesUrl);
    await p.waitForFunction(() => document.getElementById('count').textContent === '3 of 3 items');
    await p.check('#f-duplicates');
    await p.waitForFunction(() => document.getElementById('count').textContent === '2 of 3 items');
    await p.waitForSelector('.cell[data-pos="1"][data-id]');
    assert.equal(await p.textContent('.cell[data-pos="0"] .copy'), 'kept');
    assert.equal(await p.getAttribute('.cell[data-pos="0"]', 'title'), 'a.png');
    assert.equal(await p.textContent('.cell[data-pos="1"] .copy'), 'copy');
    await p.click('.cell[data-pos="1"]');
    await p.waitForFunction(() => document.getElementById('item-name').textContent === 'b/a copy.png');
    assert.equal(await p.isVisible('#copies'), true);
    assert.deepEqual(await p.$$eval('#copy-list figcaption span', (s) => s.map((x) => x.textContent)), ['a.png', 'b/a copy.png']);
    await shot('copies', p);
    await p.click('#copy-list figure.current button');
    await p.waitForFunction(() => /chosen/.test(document.getElementById('status').textContent));
    await p.waitForFunction(() => document.querySelector('#copy-list figure.current b')?.textContent === 'kept next run');
    await p.waitForFunction(() => document.querySelector('.cell[data-pos="1"] .copy')?.textContent === 'chosen');
    await p.close();
  } finally {
    copies.kill('SIGTERM');
  }
  // The next run keeps the person's pick and sets the other aside, its sidecars with it.
  const second = spawnSync(bin, ['run', copiesIn, '--out', copiesOut, '-q', ...kFlatPictures]);
  assert.equal(second.status, 0, String(second.stderr));
  assert.ok(fs.existsSync(path.join(copiesOut, 'missing_tags_1', 'a copy.png')), fs.readdirSync(copiesOut).join());
  assert.ok(fs.existsSync(path.join(copiesOut, 'duplicates_1', 'a.png')));
  assert.ok(fs.existsSync(path.join(copiesOut, 'duplicates_1', 'a.txt')));
  assert.ok(!fs.existsSync(path.join(copiesOut, 'images_1', 'a.png')));
});
