// The review page: a virtualised gallery over /api/items, an item view, edits.
// No framework: the DOM is built with textContent only (nothing the data holds is parsed as HTML).
'use strict';

const CELL = 176;       // px, as --cell in app.css
const PAGE = 200;       // items per request
const $ = (id) => document.getElementById(id);
const csrf = document.querySelector('meta[name="csrf-token"]').content;

const state = {
  total: 0, all: 0,
  pages: new Map(),     // page number -> items, or a promise while it loads
  selected: new Set(),  // item ids
  lastClicked: -1,
  pos: -1,              // the open item's place in the list
  detail: null,         // the open item as /api/items/ID gave it
  tags: [],             // its tags as edited here: {name, source, confidence}
  chosen: -1,           // the chip new tags go after
  generation: 0,        // bumped when the filter changes; late answers are dropped
};

// ---- talking to the server ----

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
    body: JSON.stringify(body),
  };
  const res = await fetch(path, init);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || `${res.status} ${res.statusText}`);
  return data;
}

// A message at the bottom; `lasting` keeps it up until the next one (work in progress).
function show(message, isError, lasting) {
  const s = $('status');
  s.textContent = message;
  s.className = 'shown' + (isError ? ' error' : '');
  clearTimeout(show.timer);
  if (!lasting) show.timer = setTimeout(() => { s.className = ''; }, isError ? 6000 : 2000);
}

function queryString() {
  const p = new URLSearchParams();
  if ($('f-flagged').checked) p.set('flagged', '1');
  if ($('f-errors').checked) p.set('errors', '1');
  if ($('f-duplicates').checked) p.set('duplicates', '1');
  if ($('f-low-quality').checked) p.set('quality', 'low');
  if ($('f-below').value !== '') p.set('below', $('f-below').value);
  if ($('f-nsfw').value !== '') p.set('nsfw', $('f-nsfw').value);
  if ($('f-tag').value.trim() !== '') p.set('tag', $('f-tag').value.trim());
  p.set('sort', $('f-sort').value);
  return p.toString();
}

// ---- the gallery ----

function columns() { return Math.max(1, Math.floor($('gallery').clientWidth / CELL)); }

function loadPage(page) {
  if (state.pages.has(page)) return state.pages.get(page);
  const generation = state.generation;
  const promise = api(`/api/items?${queryString()}&offset=${page * PAGE}&limit=${PAGE}`).then((data) => {
    if (generation !== state.generation) return null;
    state.pages.set(page, data.items);
    setTotal(data.total, data.all);
    render();
    return data.items;
  }).catch((e) => { state.pages.delete(page); show(e.message, true); return null; });
  state.pages.set(page, promise);
  return promise;
}

function itemAt(pos) {
  const page = state.pages.get(Math.floor(pos / PAGE));
  return Array.isArray(page) ? page[pos % PAGE] : undefined;
}

async function itemAtLoaded(pos) {
  if (pos < 0 || pos >= state.total) return undefined;
  await loadPage(Math.floor(pos / PAGE));
  return itemAt(pos);
}

function setTotal(total, all) {
  state.total = total;
  state.all = all;
  $('spacer').style.height = `${Math.ceil(total / columns()) * CELL}px`;
  $('count').textContent = `${total.toLocaleString()} of ${all.toLocaleString()} items`;
}

function cellFor(pos, item) {
  const el = document.createElement('div');
  el.className = 'cell';
  el.dataset.pos = pos;
  if (item) {
    el.dataset.id = item.id;
    const img = document.createElement('img');
    img.alt = item.name;
    img.src = item.thumb;
    img.addEventListener('error', () => { el.classList.add('no-preview'); img.remove(); });
    el.appendChild(img);
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = item.score === null ? item.name : `${item.score.toFixed(2)}`;
    el.appendChild(badge);
    if (item.flagged || item.approved) {
      const mark = document.createElement('span');
      mark.className = item.approved ? 'ok' : 'flag';
      mark.textContent = item.approved ? 'approved' : 'review';
      el.appendChild(mark);
    }
    if (item.copy) {
      const mark = document.createElement('span');
      mark.className = 'copy';
      mark.textContent = item.chosen ? 'chosen' : item.copy === 'kept' ? 'kept' : 'copy';
      el.appendChild(mark);
    }
    el.title = item.name;
    if (state.selected.has(item.id)) el.classList.add('selected');
    if (pos === state.pos) el.classList.add('current');
  }
  return el;
}

// The cells of the rows on screen and two rows either side; a cell already
// there is kept (its image is not asked for again), the rest are made.
function render() {
  const g = $('gallery');
  const cols = columns();
  const top = Math.floor(g.scrollTop / CELL);
  const bottom = Math.ceil((g.scrollTop + g.clientHeight) / CELL);
  const first = Math.max(0, (top - 2) * cols);
  const last = Math.min(state.total, (bottom + 2) * cols);
  const spacer = $('spacer');
  const kept = new Map();
  for (const el of [...spacer.children]) {
    const pos = Number(el.dataset.pos);
    const item = itemAt(pos);
    const same = item && el.dataset.id === String(item.id) && el.dataset.cols === String(cols) &&
                 el.dataset.stamp === stamp(item, pos);
    if (pos >= first && pos < last && same) kept.set(pos, el);
    else el.remove();
  }
  for (let pos = first; pos < last; ++pos) {
    if (kept.has(pos)) continue;
    const item = itemAt(pos);
    if (!item) loadPage(Math.floor(pos / PAGE));
    const el = cellFor(pos, item);
    const row = Math.floor(pos / cols);
    el.dataset.cols = cols;
    if (item) el.dataset.stamp = stamp(item, pos);
    el.style.left = `${(pos % cols) * CELL + 4}px`;
    el.style.top = `${row * CELL + 4}px`;
    // What is on screen first; the rows either side after.
    const img = el.querySelector('img');
    if (img && (row < top || row >= bottom)) img.fetchPriority = 'low';
    spacer.appendChild(el);
  }
}

// What a cell shows besides its image: when it changes, the cell is made again.
function stamp(item, pos) {
  return [item.score, item.flagged, item.approved, item.copy, item.chosen, state.selected.has(item.id),
          pos === state.pos].join();
}

function refilter() {
  clearTimeout(refilter.timer);
  state.generation++;
  state.pages.clear();
  state.pos = -1;
  $('gallery').scrollTop = 0;
  loadPage(0);
}

function updateSummary(detail) {
  for (const page of state.pages.values()) {
    if (!Array.isArray(page)) continue;
    for (const item of page) {
      if (item.id !== detail.id) continue;
      item.score = detail.score ? detail.score.overall : item.score;
      item.flagged = !!detail.flagged;
      item.approved = detail.approved;
    }
  }
  render();
}

function reloadAll() {
  state.generation++;
  state.pages.clear();
  loadPage(Math.floor(Math.max(state.pos, 0) / PAGE));
}

// ---- the item view ----

async function open(pos) {
  const item = await itemAtLoaded(pos);
  if (!item) return;
  state.pos = pos;
  const detail = await api(`/api/items/${item.id}`).catch((e) => { show(e.message, true); return null; });
  if (!detail) return;
  showDetail(detail);
  const g = $('gallery');
  const top = Math.floor(pos / columns()) * CELL;
  if (top < g.scrollTop || top + CELL > g.scrollTop + g.clientHeight) g.scrollTop = top - CELL;
  render();
}

function showDetail(d) {
  state.detail = d;
  state.tags = (d.tags || []).map((t) => ({ ...t }));
  state.chosen = -1;
  $('item').hidden = false;
  $('item-name').textContent = d.path;
  $('item-name').title = (d.placed || []).join('\n');
  $('image').src = `/api/items/${d.id}/image`;
  drawBoxes(d.aseg);
  const badges = $('badges');
  badges.replaceChildren();
  const badge = (text, cls) => {
    const s = document.createElement('span');
    s.textContent = text;
    if (cls) s.className = cls;
    badges.appendChild(s);
  };
  if (d.approved) badge('approved', 'approved');
  else if (d.flagged) badge('flagged for review', 'flagged');
  if (d.nsfw !== undefined) badge(`nsfw ${Number(d.nsfw).toFixed(2)}`);
  if (d.quality) {
    const q = d.quality;
    const bars = q.bars.some((b) => b > 0) ? `, bars ${q.bars.join('/')}` : '';
    badge(`sharpness ${q.sharpness}, luma ${q.luma_mean}±${q.luma_spread}, ${q.width}x${q.height}` +
          `${q.scale > 1 ? `, upscaled ~${q.scale}x` : ''}${bars}`);
    for (const fault of q.faults) badge(fault, 'flagged');
  }
  if (d.source) badge(`frame of ${d.source}`);
  if (d.edited && (d.edited.tags || d.edited.caption)) badge('edited here');
  $('approve').textContent = d.approved ? 'Unapprove' : 'Approve';
  renderCopies(d.copies);
  $('caption').value = d.caption || '';
  $('caption-source').textContent = d.caption_source ? `(${d.caption_source})` : '';
  renderTags();
  renderScore(d.score, d.aseg ? d.aseg.checks : []);
  const problems = $('problems');
  problems.replaceChildren();
  for (const [stage, message] of Object.entries(d.errors || {})) {
    const p = document.createElement('p');
    p.textContent = `${stage}: ${message}`;
    problems.appendChild(p);
  }
}

// The item's group of copies side by side: which the last run kept, and a button to keep another.
function renderCopies(copies) {
  $('copies').hidden = !copies;
  const list = $('copy-list');
  list.replaceChildren();
  const anyChosen = (copies || []).some((c) => c.chosen);
  for (const c of copies || []) {
    const fig = document.createElement('figure');
    fig.className = 'copy' + (c.id === state.detail.id ? ' current' : '');
    const img = document.createElement('img');
    img.src = c.thumb;
    img.alt = c.path;
    const cap = document.createElement('figcaption');
    const name = document.createElement('span');
    name.textContent = c.path;
    cap.appendChild(name);
    const note = document.createElement('b');
    note.textContent = c.chosen ? 'kept next run' : c.kept ? (anyChosen ? 'kept until the next run' : 'kept') : 'set aside';
    cap.appendChild(note);
    fig.append(img, cap);
    if (!c.chosen) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Keep this one';
      b.addEventListener('click', () => keep(c.id));
      fig.appendChild(b);
    }
    list.appendChild(fig);
  }
}

async function keep(id) {
  const d = state.detail;
  if (!d) return;
  try {
    await api(`/api/items/${id}/keep`, {});
    showDetail(await api(`/api/items/${d.id}`));
    reloadAll();
    show('chosen: the next run keeps it');
  } catch (e) { show(e.message, true); }
}

function drawBoxes(aseg) {
  const svg = $('boxes');
  svg.replaceChildren();
  if (!aseg || !aseg.width) return;
  svg.setAttribute('viewBox', `0 0 ${aseg.width} ${aseg.height}`);
  const colours = { person: '#6cb6ff', face: '#f0b72f', head: '#56d364', hand: '#ff7b72' };
  const ns = 'http://www.w3.org/2000/svg';
  const unit = Math.max(aseg.width, aseg.height) / 36;  // labels in image pixels, so sized to the image
  svg.style.fontSize = `${unit}px`;
  for (const b of aseg.boxes) {
    const [x0, y0, x1, y1] = b.box;
    const r = document.createElementNS(ns, 'rect');
    r.setAttribute('x', x0); r.setAttribute('y', y0);
    r.setAttribute('width', x1 - x0); r.setAttribute('height', y1 - y0);
    r.setAttribute('stroke', colours[b.label] || '#d2a8ff');
    svg.appendChild(r);
    const t = document.createElementNS(ns, 'text');
    t.setAttribute('x', x0 + unit / 4); t.setAttribute('y', y0 + unit * 1.1);
    t.textContent = `${b.label} ${b.score.toFixed(2)}`;
    svg.appendChild(t);
  }
}

function renderTags() {
  const list = $('tags');
  list.replaceChildren();
  state.tags.forEach((t, i) => {
    const li = document.createElement('li');
    li.className = t.source + (i === state.chosen ? ' chosen' : '');
    li.draggable = true;
    li.dataset.index = i;
    li.title = t.source === 'tagger' ? `tagger, confidence ${t.confidence.toFixed(3)}`
      : t.source === 'edited' ? 'added here' : 'from the input or a check';
    li.appendChild(document.createTextNode(t.name));
    if (t.confidence !== undefined) {
      const c = document.createElement('span');
      c.className = 'conf';
      c.textContent = t.confidence.toFixed(2);
      li.appendChild(c);
    }
    const x = document.createElement('button');
    x.type = 'button';
    x.textContent = '×';
    x.title = `remove ${t.name}`;
    x.addEventListener('click', (e) => { e.stopPropagation(); state.tags.splice(i, 1); state.chosen = -1; renderTags(); });
    li.appendChild(x);
    li.addEventListener('click', () => { state.chosen = state.chosen === i ? -1 : i; renderTags(); });
    li.addEventListener('dragstart', (e) => { e.dataTransfer.setData('text/plain', String(i)); });
    li.addEventListener('dragover', (e) => e.preventDefault());
    li.addEventListener('drop', (e) => {
      e.preventDefault();
      const from = Number(e.dataTransfer.getData('text/plain'));
      const [moved] = state.tags.splice(from, 1);
      state.tags.splice(i, 0, moved);
      state.chosen = -1;
      renderTags();
    });
    list.appendChild(li);
  });
}

function renderScore(score, checks) {
  const table = $('score');
  table.replaceChildren();
  const row = (name, value) => {
    const tr = table.insertRow();
    tr.insertCell().textContent = name;
    tr.insertCell().textContent = value;
  };
  // The tags held against the pixels (hair and eye colours, people counted), after the score.
  const showChecks = () => {
    for (const k of checks) row(`check ${k.tag || k.what}`, `${k.measured}: ${k.verdict}${k.action !== 'none' ? `, ${k.action}` : ''}`);
  };
  if (!score) return showChecks();
  const num = (v) => (v === null || v === undefined ? '—' : Number(v).toFixed(3));
  const list = (v) => (v && v.length ? v.join(', ') : '—');
  row('overall', num(score.overall));
  row('tag inclusion', num(score.tag_inclusion));
  row('English similarity', num(score.english_similarity));
  row('segmentation', num(score.segmentation));
  row('missing', list(score.missing));
  row('contradicted', list(score.contradicted));
  row('extra', list(score.extra));
  row('quality tags', list(score.quality_tags));
  showChecks();
}

function addTag(name) {
  name = name.trim();
  if (!name || state.tags.some((t) => t.name === name)) return;
  const at = state.chosen >= 0 ? state.chosen + 1 : state.tags.length;
  state.tags.splice(at, 0, { name, source: 'edited' });
  if (state.chosen >= 0) state.chosen = at;
  renderTags();
}

async function save() {
  const d = state.detail;
  if (!d) return;
  try {
    const body = { caption: $('caption').value };
    if (d.tags) body.tags = state.tags.map((t) => t.name);
    const next = await api(`/api/items/${d.id}`, body);
    showDetail(next);
    updateSummary(next);
    show('saved');
  } catch (e) { show(e.message, true); }
}

async function approve() {
  const d = state.detail;
  if (!d) return;
  try {
    const next = await api(`/api/items/${d.id}/approve`, { approved: !d.approved });
    showDetail(next);
    updateSummary(next);
    show(next.approved ? 'approved' : 'approval taken back');
  } catch (e) { show(e.message, true); }
}

async function undo() {
  try {
    const r = await api('/api/undo', {});
    if (!r.undone.length) return show('nothing to undo');
    show(`undone (${r.undone.length} item${r.undone.length === 1 ? '' : 's'})`);
    reloadAll();
    if (state.detail && r.undone.includes(state.detail.id)) {
      showDetail(await api(`/api/items/${state.detail.id}`));
    }
  } catch (e) { show(e.message, true); }
}

// ---- autocomplete ----

const suggest = { items: [], active: -1, timer: 0 };

function renderSuggestions() {
  const ul = $('suggestions');
  ul.replaceChildren();
  ul.hidden = suggest.items.length === 0;
  suggest.items.forEach((t, i) => {
    const li = document.createElement('li');
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', String(i === suggest.active));
    const name = document.createElement('span');
    name.textContent = t.name;
    const posts = document.createElement('span');
    posts.className = 'posts';
    posts.textContent = `${t.category} · ${t.posts.toLocaleString()}`;
    li.append(name, posts);
    li.addEventListener('mousedown', (e) => { e.preventDefault(); pickSuggestion(i); });
    ul.appendChild(li);
  });
}

function pickSuggestion(i) {
  addTag(suggest.items[i].name);
  $('tag-input').value = '';
  suggest.items = [];
  renderSuggestions();
}

$('tag-input').addEventListener('input', () => {
  clearTimeout(suggest.timer);
  const q = $('tag-input').value.trim();
  suggest.timer = setTimeout(async () => {
    if (!q) { suggest.items = []; renderSuggestions(); return; }
    try {
      const r = await api(`/api/tags?q=${encodeURIComponent(q)}`);
      if ($('tag-input').value.trim() !== q) return;
      suggest.items = r.tags;
      suggest.active = r.tags.length ? 0 : -1;
      renderSuggestions();
    } catch (e) { show(e.message, true); }
  }, 120);
});

$('tag-input').addEventListener('keydown', (e) => {
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    if (!suggest.items.length) return;
    e.preventDefault();
    const n = suggest.items.length;
    suggest.active = (suggest.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
    renderSuggestions();
  } else if (e.key === 'Enter') {
    e.preventDefault();
    if (suggest.active >= 0 && suggest.items.length) pickSuggestion(suggest.active);
    else { addTag($('tag-input').value); $('tag-input').value = ''; }
  } else if (e.key === 'Escape') {
    suggest.items = [];
    renderSuggestions();
  }
});

// ---- selection and batches ----

function updateSelection() {
  const n = state.selected.size;
  $('selection').textContent = n ? `${n.toLocaleString()} selected` : 'nothing selected';
  render();
}

const splitTags = (text) => text.split(',').map((t) => t.trim()).filter(Boolean);

$('b-apply').addEventListener('click', async () => {
  if (!state.selected.size) return show('select items first (Ctrl+click, Shift+click, or Select all shown)', true);
  const body = { ids: [...state.selected], add: splitTags($('b-add').value), remove: splitTags($('b-remove').value),
                 replace: [] };
  if ($('b-from').value.trim() && $('b-to').value.trim()) body.replace.push([$('b-from').value.trim(), $('b-to').value.trim()]);
  try {
    // About 0.6 ms an item (each sidecar is written and synced): say so while it runs.
    show(`changing ${state.selected.size.toLocaleString()} items…`, false, true);
    const r = await api('/api/batch', body);
    show(`${r.changed} item${r.changed === 1 ? '' : 's'} changed`);
    reloadAll();
    if (state.detail) showDetail(await api(`/api/items/${state.detail.id}`));
  } catch (e) { show(e.message, true); }
});

$('select-all').addEventListener('click', async () => {
  try {
    const r = await api(`/api/ids?${queryString()}`);
    state.selected = new Set(r.ids);
    updateSelection();
  } catch (e) { show(e.message, true); }
});
$('select-none').addEventListener('click', () => { state.selected.clear(); updateSelection(); });

// ---- wiring ----

$('gallery').addEventListener('scroll', () => requestAnimationFrame(render));
window.addEventListener('resize', () => { setTotal(state.total, state.all); render(); });
$('spacer').addEventListener('click', async (e) => {
  const cell = e.target.closest('.cell');
  if (!cell || cell.dataset.id === undefined) return;
  const pos = Number(cell.dataset.pos);
  const id = Number(cell.dataset.id);
  if (e.ctrlKey || e.metaKey) {
    state.selected.has(id) ? state.selected.delete(id) : state.selected.add(id);
  } else if (e.shiftKey && state.lastClicked >= 0) {
    const [a, b] = [Math.min(state.lastClicked, pos), Math.max(state.lastClicked, pos)];
    for (let p = a; p <= b; ++p) {
      const item = await itemAtLoaded(p);
      if (item) state.selected.add(item.id);
    }
  } else {
    state.lastClicked = pos;
    return open(pos);
  }
  state.lastClicked = pos;
  updateSelection();
});
for (const id of ['f-flagged', 'f-errors', 'f-duplicates', 'f-low-quality', 'f-sort']) $(id).addEventListener('change', refilter);
for (const id of ['f-below', 'f-nsfw', 'f-tag']) {
  $(id).addEventListener('input', () => { clearTimeout(refilter.timer); refilter.timer = setTimeout(refilter, 250); });
}
$('filters').addEventListener('submit', (e) => e.preventDefault());
$('next').addEventListener('click', () => open(state.pos + 1));
$('prev').addEventListener('click', () => open(state.pos - 1));
$('close').addEventListener('click', () => { $('item').hidden = true; state.detail = null; });
$('save').addEventListener('click', save);
$('approve').addEventListener('click', approve);
$('undo').addEventListener('click', undo);

document.addEventListener('keydown', (e) => {
  const typing = e.target.matches('input, textarea, select');
  if ((e.ctrlKey || e.metaKey) && e.key === 's') { e.preventDefault(); save(); return; }
  if (typing) { if (e.key === 'Escape') e.target.blur(); return; }
  if ((e.ctrlKey || e.metaKey) && e.key === 'z') { e.preventDefault(); undo(); return; }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === 'j' || e.key === 'ArrowRight') { e.preventDefault(); open(state.pos + 1); }
  else if (e.key === 'k' || e.key === 'ArrowLeft') { e.preventDefault(); open(Math.max(0, state.pos - 1)); }
  else if (e.key === 'a') approve();
  else if (e.key === 'u') undo();
  else if (e.key === 'Escape') $('close').click();
});

// ---- the last run's stages ----

// Each stage the last run timed: images/s and the device it ran on (OUT/.tagforge/stages.json).
async function loadRunFigures() {
  const res = await fetch('/api/run');
  if (!res.ok) return;  // no run has recorded them yet
  const doc = await res.json();
  const body = $('run-stages').tBodies[0];
  body.textContent = '';
  for (const [stage, f] of Object.entries(doc.stages || {})) {
    if (f.images_per_busy_second === undefined) continue;
    const row = body.insertRow();
    row.dataset.stage = stage;
    for (const text of [stage, String(f.computed), f.images_per_busy_second.toFixed(2), f.device]) {
      row.insertCell().textContent = text;
    }
  }
  $('run').hidden = body.rows.length === 0;
}

loadPage(0);
loadRunFigures();
