// console.js -- the wasmhost web console: upload, list, invoke, persistent
// instances, status.
//
// Plain JavaScript, no library.  Everything the page shows comes from the
// daemon's own API on this origin (the Content-Security-Policy allows
// nothing else).  Text from the API goes into the page as text nodes only
// (el() below), never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'wasmhost.token';      // sessionStorage: this tab only
const NAMES_KEY = 'wasmhost.names';      // localStorage: id -> file name
const METRICS_EVERY_MS = 2000;
const CHART_POINTS = 60;

const state = {
  modules: [],              // listing entries (full or summaries)
  instances: [],            // GET /v1/instances entries, newest first
  details: new Map(),       // id -> full entry (imports, exports)
  authShown: false,
  tokenBad: false,          // the last call with this token was a 401
  rates: [],                // requests per second, oldest first
  lastTotal: null,          // {t, total} of the previous /metrics read
};

// el('p', {class: 'x'}, 'text', child...): an element; strings are text.
function el(tag, attrs, ...kids) {
  const svg = tag.startsWith('svg:');
  const e = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
                : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids.flat()) {
    if (k === null || k === undefined || k === false) continue;
    e.append(typeof k === 'string' || typeof k === 'number' ? String(k) : k);
  }
  return e;
}

function names() {
  try { return JSON.parse(localStorage.getItem(NAMES_KEY) || '{}'); } catch { return {}; }
}
function rememberName(id, name) {
  const n = names();
  n[id] = name;
  try { localStorage.setItem(NAMES_KEY, JSON.stringify(n)); } catch { /* full or off */ }
}
function moduleLabel(m) {
  const n = names()[m.id];
  return n ? `${n} (${m.id.slice(0, 8)})` : m.id.slice(0, 8);
}

// ---- the API -----------------------------------------------------------

// Calls the API with the token as typed in the Token field.  Answers
// {status, ok, json, text, headers}; status 0 when the daemon could not be
// reached.  A 401 shows the Token field and says why.
async function api(method, path, opts = {}) {
  const headers = {};
  const token = $('token').value;
  if (token) headers.Authorization = 'Bearer ' + token;
  if (opts.type) headers['Content-Type'] = opts.type;
  let resp;
  try {
    resp = await fetch(path, { method, headers, body: opts.body, cache: 'no-store',
      credentials: 'omit', redirect: 'error' });
  } catch (e) {
    return { status: 0, ok: false, json: null, text: '', error: 'the daemon cannot be reached' };
  }
  const text = await resp.text();
  let json = null;
  if ((resp.headers.get('Content-Type') || '').startsWith('application/json')) {
    try { json = JSON.parse(text); } catch { json = null; }
  }
  const r = { status: resp.status, ok: resp.ok, json, text, headers: resp.headers };
  if (resp.status === 401) {
    state.tokenBad = true;
    if (!opts.noAuthUi) showAuth(token ? 'wrong' : 'needed');
  } else if (resp.ok && !opts.isPublic) {
    state.tokenBad = false;
    if (opts.authCheck) showAuth('accepted');
  }
  return r;
}

// The API's own words for a failed call.
function apiMessage(r) {
  if (r.status === 0) return r.error;
  const e = r.json && r.json.error;
  if (!e) return `HTTP ${r.status}`;
  let m = `${e.message} (${r.status} ${e.code}`;
  if (e.field) m += `, ${e.field}`;
  if (e.offset !== undefined) m += `, at byte ${e.offset}`;
  return m + ')';
}

// ---- auth ----------------------------------------------------------------

function showAuth(why) {
  const box = $('auth');
  const msg = $('auth-msg');
  if (why === 'accepted') {
    if (state.authShown) msg.textContent = 'Token accepted.';
    return;
  }
  const first = !state.authShown;
  state.authShown = true;
  box.hidden = false;
  msg.textContent = why === 'wrong'
    ? 'The daemon refused this token (401 unauthorized): check it.'
    : 'The daemon needs a token for this.';
  msg.classList.add('bad');
  if (first) $('token').focus();
}

let tokenTimer = 0;
function onTokenInput() {
  const t = $('token').value;
  try {
    if (t) sessionStorage.setItem(TOKEN_KEY, t); else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage off: the field still works */ }
  clearTimeout(tokenTimer);
  state.tokenBad = true;   // until checked: no polling with half a token
  // Checked as typed, a moment after the last key: no Enter needed.
  tokenTimer = setTimeout(async () => {
    $('auth-msg').classList.remove('bad');
    $('auth-msg').textContent = 'Checking the token…';
    const ok = await loadModules(true);
    if (ok) {
      loadInstances();
      refreshStatus();
    }
  }, 300);
}

// ---- modules ---------------------------------------------------------------

function sig(f) {
  if (f.kind && f.kind !== 'func') return `${f.module ? f.module + '.' : ''}${f.name}: ${f.kind}`;
  const res = f.results || [];
  return `${f.module ? f.module + '.' : ''}${f.name}(${(f.params || []).join(', ')})` +
    (res.length ? ` → ${res.join(', ')}` : '');
}

function funcs(d) {
  return (d.exports || []).filter((e) => (e.kind || 'func') === 'func');
}

function usesWasi(d) {
  return (d.imports || []).some((i) => /^wasi_(snapshot_preview1|unstable)$/.test(i.module));
}

// The full entry (imports, exports) of a module: from the listing when it
// has them, else GET /v1/modules/{id} (a listing of summaries).
async function details(id) {
  if (state.details.has(id)) return state.details.get(id);
  const r = await api('GET', '/v1/modules/' + encodeURIComponent(id));
  if (!r.ok || !r.json) return null;
  state.details.set(id, r.json);
  return r.json;
}

function fmtDate(s) {
  if (!s) return '';
  const d = new Date(s);
  return isNaN(d) ? s : d.toISOString().replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

function fmtBytes(n) {
  if (typeof n !== 'number') return '';
  if (n < 10240) return `${n} bytes`;
  if (n < 10485760) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1048576).toFixed(1)} MiB`;
}

function sigList(title, list) {
  return [el('h4', {}, `${title} (${list.length})`),
    list.length ? el('ul', { class: 'sigs' }, list.map((f) => el('li', {}, el('code', {}, sig(f)))))
      : el('p', { class: 'hint' }, 'none')];
}

function renderSigs(box, d) {
  box.replaceChildren(...sigList('Imports', d.imports || []), ...sigList('Exports', d.exports || []));
}

function renderModules() {
  const list = $('module-list');
  list.replaceChildren();
  for (const m of state.modules) {
    const d = state.details.get(m.id);
    const nimp = d ? (d.imports || []).length : m.import_count;
    const nexp = d ? (d.exports || []).length : m.export_count;
    const label = moduleLabel(m);
    const sigs = el('div', { class: 'sigbox' });
    if (d) renderSigs(sigs, d);
    else sigs.append(el('p', { class: 'hint' }, 'loading the signatures…'));
    const det = el('details', {},
      el('summary', {},
        el('span', { class: 'mname' }, label), ' ',
        el('span', { class: 'meta' },
          [fmtBytes(m.size), fmtDate(m.created),
            nimp !== undefined ? `${nimp} imports` : null,
            nexp !== undefined ? `${nexp} exports` : null].filter(Boolean).join(' · '))),
      el('p', { class: 'mid' }, el('code', {}, m.id)),
      sigs);
    det.addEventListener('toggle', async () => {
      if (!det.open || state.details.has(m.id)) return;
      const full = await details(m.id);
      if (full) renderSigs(sigs, full);
      else sigs.replaceChildren(el('p', { class: 'bad' }, 'the signatures could not be read'));
    });
    const use = el('button', { type: 'button', 'aria-label': `Select ${label} for Invoke` }, 'Select');
    use.addEventListener('click', async () => {
      $('module').value = m.id;
      await moduleChosen();
      $('function').focus();
    });
    const inst = el('button', { type: 'button', 'aria-label': `New instance of ${label}` }, 'New instance');
    inst.addEventListener('click', () => createInstance(m.id, {}));
    const del = el('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${label}` }, 'Delete');
    del.addEventListener('click', () => removeModule(m, label));
    list.append(el('li', {}, det, el('div', { class: 'actions' }, use, inst, del)));
  }
  if (!state.modules.length) list.append(el('li', { class: 'hint' }, 'No modules yet: upload one.'));
  renderModuleSelect();
}

// The Invoke form's Module select and the New instance form's.
function renderModuleSelect() {
  for (const sel of [$('module'), $('inst-module')]) {
    const keep = sel.value;
    sel.replaceChildren(...state.modules.map((m) => el('option', { value: m.id }, moduleLabel(m))));
    if (state.modules.some((m) => m.id === keep)) sel.value = keep;
  }
  moduleChosen();
  instModuleChosen();
}

// GET /v1/modules, page after page (a listing with next_cursor), or one
// answer with every entry.  false when it failed.
async function loadModules(authCheck) {
  const all = [];
  let cursor = null;
  for (let page = 0; page < 1000; page++) {
    const q = '/v1/modules?limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
    const r = await api('GET', q, { authCheck });
    if (!r.ok || !r.json || !Array.isArray(r.json.modules)) {
      $('modules-msg').textContent = r.status === 401 ? 'A token is needed to list the modules.'
        : 'The modules could not be listed: ' + apiMessage(r);
      return false;
    }
    all.push(...r.json.modules);
    cursor = r.json.next_cursor;
    if (!cursor) break;
  }
  for (const m of all) if (Array.isArray(m.exports)) state.details.set(m.id, m);
  state.modules = all;
  $('modules-msg').textContent = `${all.length} module${all.length === 1 ? '' : 's'}.`;
  renderModules();
  return true;
}

async function removeModule(m, label) {
  if (!window.confirm(`Delete ${label}?`)) return;
  const r = await api('DELETE', '/v1/modules/' + encodeURIComponent(m.id));
  state.details.delete(m.id);
  await loadModules();
  $('modules-msg').textContent = r.ok ? `Deleted ${label}.` : `${label} was not deleted: ${apiMessage(r)}`;
  $('refresh').focus();
}

// ---- upload ----------------------------------------------------------------

async function upload(file) {
  const msg = $('upload-msg');
  msg.classList.remove('bad');
  if (!file) {
    msg.textContent = 'Choose a module file first.';
    return;
  }
  msg.textContent = `Uploading ${file.name}…`;
  const r = await api('POST', '/v1/modules', { body: file, type: 'application/wasm' });
  let id = null;
  if (r.status === 201 && r.json) {
    id = r.json.id;
    state.details.set(id, r.json);
    msg.textContent = `Uploaded ${file.name}: ${id.slice(0, 8)}, ${fmtBytes(r.json.size)}, ` +
      `${funcs(r.json).length} exported functions.`;
  } else if (r.status === 409) {
    const loc = r.headers.get('Location') || '';
    id = loc.split('/').pop() || null;
    msg.textContent = `${file.name} is there already${id ? ': ' + id.slice(0, 8) : ''}.`;
  } else {
    msg.classList.add('bad');
    msg.textContent = `${file.name} was not uploaded: ${apiMessage(r)}`;
    return;
  }
  if (id) rememberName(id, file.name);
  await loadModules();
  if (id && state.modules.some((m) => m.id === id)) {
    $('module').value = id;
    await moduleChosen();
  }
}

// ---- invoke ----------------------------------------------------------------

async function moduleChosen() {
  const id = $('module').value;
  const fsel = $('function');
  const keep = fsel.value;
  renderInstanceSelect();
  if (!id) {
    fsel.replaceChildren();
    $('wasi').hidden = true;
    return;
  }
  const d = await details(id);
  if ($('module').value !== id) return;   // chosen again meanwhile
  const fs = d ? funcs(d) : [];
  fsel.replaceChildren(...fs.map((f) => el('option', { value: f.name }, sig(f))));
  if (fs.some((f) => f.name === keep)) fsel.value = keep;
  instanceChosen();
}

// WASI fields for a module invoke of a WASI program; an instance's were
// fixed when it was made.
function instanceChosen() {
  const d = state.details.get($('module').value);
  $('wasi').hidden = !(d && usesWasi(d)) || $('instance').value !== '';
}

// "2, 3" or "[2, 3]" into tokens; quotes keep commas.
function splitArgs(text) {
  let s = text.trim();
  if (s.startsWith('[')) {
    if (!s.endsWith(']')) throw new Error('a [ without its ]');
    s = s.slice(1, -1).trim();
  }
  if (s === '') return [];
  const out = [];
  let cur = '';
  let quote = null;
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = null;
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (quote) throw new Error('a quote without its end');
  out.push(cur.trim());
  if (out.some((t) => t === '')) throw new Error('an empty value between commas');
  return out;
}

// One token as the API takes it for a parameter of this type: i64 as a
// decimal string (exact beyond 2^53), plain i32 and float literals as
// numbers, anything else (inf, nan, 0x10, -0, an i32 past 2^53) as written.
function argValue(tok, type) {
  const q = /^(["'])(.*)\1$/.exec(tok);
  if (q) return q[2];
  if (tok === 'null') return null;
  const int = /^[+-]?\d+$/.test(tok);
  const dec = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(tok);
  if (type === 'i64') return int ? tok.replace(/^\+/, '') : tok;
  const n = Number(tok);
  if (int && Number.isSafeInteger(n) && !Object.is(n, -0) && type !== 'f32' && type !== 'f64') return n;
  if (dec && (type === 'f32' || type === 'f64') && Number.isFinite(n) && !Object.is(n, -0)) return n;
  if (dec && !type && Number.isFinite(n) && !Object.is(n, -0) && (!int || Number.isSafeInteger(n))) return n;
  return tok;
}

function lines(text) {
  return text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
}

function limitValue(id, what) {
  const t = $(id).value.trim();
  if (t === '') return undefined;
  if (!/^\d+$/.test(t)) throw new Error(`${what}: a whole number`);
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : t;
}

// argv, env and stdin of a WASI program into body, from the fields
// PREFIX + argv, env, stdin (the Invoke form's, or their copies in the New
// instance form); throws with a message for the user.
function addWasi(body, prefix) {
  const argv = lines($(prefix + 'argv').value);
  if (argv.length) body.argv = argv;
  const env = {};
  for (const l of lines($(prefix + 'env').value)) {
    const eq = l.indexOf('=');
    if (eq <= 0) throw new Error(`env: "${l}" is not NAME=value`);
    env[l.slice(0, eq)] = l.slice(eq + 1);
  }
  if (Object.keys(env).length) body.env = env;
  if ($(prefix + 'stdin').value !== '') body.stdin = $(prefix + 'stdin').value;
}

// body.limits from the fields PREFIX + timeout, fuel, memory, if any is
// filled in; throws like addWasi.
function addLimits(body, prefix) {
  const limits = {};
  const lt = limitValue(prefix + 'timeout', 'Timeout (ms)');
  const lf = limitValue(prefix + 'fuel', 'Fuel');
  const lm = limitValue(prefix + 'memory', 'Memory (pages)');
  if (lt !== undefined) limits.timeout_ms = lt;
  if (lf !== undefined) limits.fuel = lf;
  if (lm !== undefined) limits.memory_pages = lm;
  if (Object.keys(limits).length) body.limits = limits;
}

// The request body from the Invoke form, for a module invoke or, when
// onInstance, a call on a persistent instance (no WASI members: the
// instance has its own); throws with a message for the user.
function invokeBody(d, onInstance) {
  const fn = $('function').value;
  const f = d ? funcs(d).find((x) => x.name === fn) : null;
  const wasi = d && usesWasi(d) && !onInstance;
  const body = { function: fn };
  const argText = $('args').value;
  let toks;
  try { toks = splitArgs(argText); } catch (e) { throw new Error('Arguments: ' + e.message); }
  if (toks.length || !(fn === '_start' && wasi)) {
    body.args = toks.map((t, i) => argValue(t, f && f.params ? f.params[i] : undefined));
  }
  if (wasi) addWasi(body, '');
  addLimits(body, '');
  return body;
}

function showValue(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

// Captured output with NULs and other controls visible.
function showText(s) {
  return s.replace(/\0/g, '␀');
}

const STAT_NAMES = {
  interp_funcs: 'Functions in the interpreter',
  baseline_funcs: 'Functions compiled by the baseline JIT',
  opt_funcs: 'Functions compiled by the optimizing JIT',
  bailed_funcs: 'Functions the JIT left to the interpreter',
  baseline_code_bytes: 'JIT code (bytes)',
  compile_us: 'Compile time (µs)',
  osr_entries: 'OSR entries',
};

function statsTable(st) {
  const rows = [];
  if (typeof st.wall_us === 'number') rows.push(['Wall time', `${(st.wall_us / 1000).toFixed(3)} ms`]);
  if (st.tier) rows.push(['Tier', st.tier]);
  for (const [k, v] of Object.entries(st.tiers || {})) rows.push([STAT_NAMES[k] || k, showValue(v)]);
  for (const [k, v] of Object.entries(st)) {
    if (!['wall_us', 'tier', 'tiers'].includes(k) && typeof v !== 'object') rows.push([k, showValue(v)]);
  }
  return el('table', { class: 'stats' }, el('caption', {}, 'Stats'),
    el('tbody', {}, rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v)))));
}

function renderResult(fn, r) {
  const box = $('result');
  box.classList.remove('bad');
  if (!r.ok || !r.json || !r.json.outcome) {
    box.classList.add('bad');
    box.replaceChildren(el('p', {}, `${fn}: not run: ${apiMessage(r)}`));
    return;
  }
  const a = r.json;
  const out = [el('p', { class: 'outcome' }, 'Outcome: ', el('strong', { class: 'o-' + a.outcome }, a.outcome))];
  if (Array.isArray(a.results)) {
    out.push(el('p', {}, 'Results: ', a.results.length
      ? a.results.flatMap((v, i) => [i ? ', ' : '', el('code', { class: 'value' }, showValue(v))])
      : el('span', { class: 'hint' }, 'none')));
  }
  if (a.exit_code !== undefined) out.push(el('p', {}, 'Exit code: ', el('code', {}, String(a.exit_code))));
  if (a.trap) {
    const t = a.trap;
    const where = [];
    if (t.function !== undefined) where.push(`in ${t.function}`);
    if (t.func_index !== undefined) where.push(`(function ${t.func_index})`);
    if (t.offset !== undefined) where.push(`at offset ${t.offset}`);
    out.push(el('p', { class: 'trap' }, 'Trap: ', el('code', {}, t.kind), ` — ${t.message || ''}`,
      where.length ? ` — ${where.join(' ')}` : ''));
  }
  if (a.limit !== undefined) out.push(el('p', {}, 'Limit reached: ', el('code', {}, showValue(a.limit))));
  if (a.signal !== undefined) out.push(el('p', {}, 'Worker killed by ', el('code', {}, a.signal)));
  if (a.exit_status !== undefined) out.push(el('p', {}, `Worker exited with status ${a.exit_status}`));
  if (a.message !== undefined && !a.trap) out.push(el('p', {}, a.message));
  for (const s of ['stdout', 'stderr']) {
    if (a[s] === undefined) continue;
    out.push(el('h3', {}, s + (a[s + '_truncated'] ? ' (truncated)' : '')),
      a[s] === '' ? el('p', { class: 'hint' }, 'empty') : el('pre', { class: 'out' }, showText(a[s])));
  }
  if (a.stats) out.push(statsTable(a.stats));
  box.replaceChildren(...out);
}

// A module invoke, or a call on the instance chosen in the Instance select.
async function invoke() {
  const id = $('module').value;
  const iid = $('instance').value;
  const box = $('result');
  box.classList.remove('bad');
  if (!id) {
    box.replaceChildren(el('p', {}, 'Upload or select a module first.'));
    return;
  }
  const d = await details(id);
  let body;
  try {
    body = invokeBody(d, iid !== '');
  } catch (e) {
    box.classList.add('bad');
    box.replaceChildren(el('p', {}, e.message));
    return;
  }
  box.setAttribute('aria-busy', 'true');
  box.replaceChildren(el('p', {}, `Invoking ${body.function}…`));
  $('invoke-btn').disabled = true;
  const path = iid ? `/v1/instances/${encodeURIComponent(iid)}/invoke`
    : `/v1/modules/${encodeURIComponent(id)}/invoke`;
  const r = await api('POST', path, { body: JSON.stringify(body), type: 'application/json' });
  if (iid) await loadInstances();   // its calls, memory and state after this call
  $('invoke-btn').disabled = false;
  renderResult(body.function, r);
  if (iid) box.append(instanceNote(iid, r));
  box.removeAttribute('aria-busy');
}

// ---- instances -------------------------------------------------------------

// Persistent instances (brief, decision 16; docs/INSTANCES.md): the list
// (GET /v1/instances, one answer, no paging), New instance (POST
// /v1/modules/{id}/instances), Delete; calls go through the Invoke form
// with its Instance select (invoke() above).

// "i-5b201a79" of "node~i-5b201a7999…": enough to tell a tenant's few
// instances apart (limits.instances); the whole id is in the list.
function shortIid(iid) {
  return iid.slice(iid.lastIndexOf('~') + 1).slice(0, 10);
}

function instanceLabel(inst) {
  return `instance ${shortIid(inst.instance)} of ${moduleLabel({ id: inst.module })}`;
}

function pages(bytes) {
  return typeof bytes === 'number' ? Math.round(bytes / 65536) : undefined;
}

function memoryText(inst) {
  const n = pages(inst.memory_bytes);
  return `${fmtBytes(inst.memory_bytes)} (${n} page${n === 1 ? '' : 's'} of at most ${inst.max_memory_pages})`;
}

function stateText(inst) {
  return inst.state === 'gone' ? `ended: ${inst.reason || 'its worker is gone'}`
    : `live, dropped after ${inst.idle_timeout_s} s unused`;
}

// One row of the list: what GET /v1/instances says of it, Select for
// Invoke and Delete.
function instanceRow(inst) {
  const short = shortIid(inst.instance);
  const use = el('button', { type: 'button', 'aria-label': `Select instance ${short} for Invoke`,
    disabled: inst.state === 'gone' }, 'Select');
  use.addEventListener('click', () => selectInstance(inst));
  const del = el('button', { type: 'button', class: 'danger', 'aria-label': `Delete instance ${short}` }, 'Delete');
  del.addEventListener('click', () => removeInstance(inst));
  return el('tr', { class: inst.state === 'gone' ? 'gone' : null },
    el('td', {}, el('code', { class: 'iid' }, short), el('br'), el('code', { class: 'full' }, inst.instance)),
    el('td', {}, moduleLabel({ id: inst.module })),
    el('td', { class: inst.state === 'gone' ? 'bad' : null }, stateText(inst)),
    el('td', {}, String(inst.calls)),
    el('td', {}, memoryText(inst)),
    el('td', {}, fmtDate(inst.created)),
    el('td', {}, fmtDate(inst.last_used)),
    el('td', { class: 'actions' }, use, del));
}

function renderInstances() {
  const body = $('instance-list').tBodies[0];
  body.replaceChildren(...state.instances.map(instanceRow));
  if (!state.instances.length) {
    body.append(el('tr', {}, el('td', { colspan: 8, class: 'hint' },
      'No instances: make one with New instance, here or on a module.')));
  }
  renderInstanceSelect();
}

// The Invoke form's Instance select: none (a module invoke), or one of
// the chosen module's instances.
function renderInstanceSelect() {
  const sel = $('instance');
  const keep = sel.value;
  const mine = state.instances.filter((i) => i.module === $('module').value);
  sel.replaceChildren(el('option', { value: '' }, 'none: a fresh instance for each call'),
    ...mine.map((i) => el('option', { value: i.instance },
      `${shortIid(i.instance)} · ${i.calls} call${i.calls === 1 ? '' : 's'}` +
      (i.state === 'gone' ? ' · ended' : ''))));
  if (mine.some((i) => i.instance === keep)) sel.value = keep;
  instanceChosen();
}

function instancesSummary() {
  const n = state.instances.length;
  const live = state.instances.filter((i) => i.state !== 'gone').length;
  return `${n} instance${n === 1 ? '' : 's'}` + (n ? `, ${live} live.` : '.');
}

// GET /v1/instances; false when it failed.
async function loadInstances() {
  const msg = $('instances-msg');
  const r = await api('GET', '/v1/instances');
  if (!r.ok || !r.json || !Array.isArray(r.json.instances)) {
    msg.classList.add('bad');
    msg.textContent = r.status === 401 ? 'A token is needed to list the instances.'
      : 'The instances could not be listed: ' + apiMessage(r);
    return false;
  }
  state.instances = r.json.instances;
  msg.classList.remove('bad');
  msg.textContent = instancesSummary();
  renderInstances();
  return true;
}

function instancesSay(text, bad) {
  const msg = $('instances-msg');
  msg.classList.toggle('bad', !!bad);
  msg.textContent = text;
}

// POST /v1/modules/{id}/instances with body (limits, WASI members); the
// new instance is then chosen in the Invoke form.
async function createInstance(id, body) {
  const label = moduleLabel({ id });
  instancesSay(`Making an instance of ${label}…`);
  $('instance-create').disabled = true;
  const r = await api('POST', `/v1/modules/${encodeURIComponent(id)}/instances`,
    { body: JSON.stringify(body), type: 'application/json' });
  $('instance-create').disabled = false;
  if (r.status !== 201 || !r.json || !r.json.instance) {
    instancesSay(`No instance of ${label} was made: ${apiMessage(r)}`, true);
    return;
  }
  await loadInstances();
  instancesSay(`Made instance ${shortIid(r.json.instance)} of ${label}; ` +
    'it is selected in Invoke. ' + instancesSummary());
  await selectInstance(r.json, true);
}

// The New instance form: its module, WASI fields and limits.
async function createFromForm() {
  const id = $('inst-module').value;
  if (!id) {
    instancesSay('Upload a module first.', true);
    return;
  }
  const d = await details(id);
  const body = {};
  try {
    if (d && usesWasi(d)) addWasi(body, 'inst-');
    addLimits(body, 'inst-');
  } catch (e) {
    instancesSay(e.message, true);
    return;
  }
  await createInstance(id, body);
}

async function instModuleChosen() {
  const id = $('inst-module').value;
  const d = id ? await details(id) : null;
  if ($('inst-module').value !== id) return;   // chosen again meanwhile
  $('inst-wasi').hidden = !(d && usesWasi(d));
}

// inst in the Invoke form (its module, then it); focus on Function
// unless quiet.
async function selectInstance(inst, quiet) {
  if (!state.modules.some((m) => m.id === inst.module)) {
    instancesSay(`The module of ${instanceLabel(inst)} was deleted: its calls go through ` +
      'the API (POST /v1/instances/{iid}/invoke), not this form.', true);
    return;
  }
  $('module').value = inst.module;
  await moduleChosen();
  $('instance').value = inst.instance;
  instanceChosen();
  if (!quiet) $('function').focus();
}

async function removeInstance(inst) {
  const label = instanceLabel(inst);
  if (!window.confirm(`Delete ${label}? Its memory and globals are lost.`)) return;
  const r = await api('DELETE', '/v1/instances/' + encodeURIComponent(inst.instance));
  await loadInstances();
  if (r.ok) instancesSay(`Deleted ${label}. ${instancesSummary()}`);
  else if (r.status === 404) instancesSay(`${label} was gone already: ${apiMessage(r)}`, true);
  else instancesSay(`${label} was not deleted: ${apiMessage(r)}`, true);
  $('instances-refresh').focus();
}

// What a call did to its instance, under the result: its calls and
// memory now, or why it no longer answers (410: ended; 404: deleted,
// idle too long, or a restart).  state.instances is read after the call.
function instanceNote(iid, r) {
  const inst = state.instances.find((i) => i.instance === iid);
  const short = shortIid(iid);
  if (r.status === 404 || (r.ok && !inst)) {
    return el('p', { class: 'bad' }, `Instance ${short} no longer exists: deleted, dropped after ` +
      'its idle limit unused, or the daemon restarted. Make a new one under Instances.');
  }
  if (!inst) return el('p', {}, `Instance ${short}.`);
  if (inst.state === 'gone') {
    return el('p', { class: 'bad' }, `Instance ${short} has ended (${inst.reason || 'its worker is gone'}): ` +
      'its calls answer 410. Delete it and make a new one.');
  }
  return el('p', { class: 'inst-note' }, `Instance ${short}: ${inst.calls} call${inst.calls === 1 ? '' : 's'} ` +
    `so far, memory ${memoryText(inst)}, last used ${fmtDate(inst.last_used)}.`);
}

// Copies of the Invoke form's fieldset SRC (WASI, Limits) for the New
// instance form, so each field is defined once in index.html: ids, label
// targets and descriptions get PREFIX.
function fieldsetCopy(src, prefix) {
  const c = $(src).cloneNode(true);
  for (const e of [c, ...c.querySelectorAll('[id], [for], [aria-describedby], [name]')]) {
    for (const a of ['id', 'for', 'aria-describedby', 'name']) {
      const v = e.getAttribute(a);
      if (v) e.setAttribute(a, v.split(' ').map((x) => prefix + x).join(' '));
    }
  }
  return c;
}

// ---- status ----------------------------------------------------------------

// Prometheus text: name -> [{labels, value}].
function parseMetrics(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    const x = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!x) continue;
    const labels = {};
    for (const l of (x[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    if (!m.has(x[1])) m.set(x[1], []);
    m.get(x[1]).push({ labels, value: Number(x[3]) });
  }
  return m;
}

function metricTable(caption, rows) {
  rows = rows.filter((r) => r[1] !== undefined);
  if (!rows.length) return null;
  return el('table', { class: 'mt' }, el('caption', {}, caption),
    el('tbody', {}, rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k),
      el('td', {}, typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : v)))));
}

function byLabel(m, name, label) {
  return (m.get(name) || []).map((s) => [s.labels[label] || name, s.value]);
}

function one(m, name) {
  const s = m.get(name);
  return s && s.length ? s[0].value : undefined;
}

function renderMetrics(m) {
  const reqs = (m.get('wasmhost_http_requests_total') || []);
  const total = reqs.reduce((a, s) => a + s.value, 0);
  const comp = one(m, 'wasmhost_jit_compile_seconds_total');
  const tables = [
    metricTable('Workers', [...byLabel(m, 'wasmhost_workers', 'state'),
      ['spare', one(m, 'wasmhost_spare_workers')]]),
    metricTable('Queue', [...byLabel(m, 'wasmhost_queue_depth', 'queue').map(([k, v]) => [`waiting (${k})`, v]),
      ['in flight', one(m, 'wasmhost_invocations_in_flight')]]),
    metricTable('Invocations by outcome', byLabel(m, 'wasmhost_invocations_total', 'outcome')),
    metricTable('Compiled by tier', [...byLabel(m, 'wasmhost_functions_compiled_total', 'tier')
      .map(([k, v]) => [`functions (${k})`, v]),
    ['compile time (ms)', comp === undefined ? undefined : comp * 1000],
    ['JIT code (bytes)', one(m, 'wasmhost_jit_code_bytes_total')],
    ['OSR entries', one(m, 'wasmhost_osr_entries_total')]]),
    metricTable('HTTP', [['requests', total], ['connections', one(m, 'wasmhost_http_connections')],
      ['modules stored', one(m, 'wasmhost_modules')]]),
  ];
  $('metrics').replaceChildren(...tables.filter(Boolean));
}

// Requests per second between two reads, the console's own polls left out.
function noteRate(m) {
  const own = new Set(['/metrics', '/healthz']);
  const total = (m.get('wasmhost_http_requests_total') || [])
    .filter((s) => !own.has(s.labels.route)).reduce((a, s) => a + s.value, 0);
  const t = performance.now();
  if (state.lastTotal && t > state.lastTotal.t) {
    const rate = Math.max(0, total - state.lastTotal.total) / ((t - state.lastTotal.t) / 1000);
    state.rates.push(rate);
    if (state.rates.length > CHART_POINTS) state.rates.shift();
  }
  state.lastTotal = { t, total };
  drawChart();
}

// An SVG line of the last CHART_POINTS rates, scaled to their peak.
function drawChart() {
  const svg = $('chart');
  const W = 320, H = 120, top = 14, bottom = H - 4;
  const pts = state.rates;
  const peak = Math.max(1, ...pts);
  // The newest read at the right edge.
  const x = (i) => W - ((pts.length - 1 - i) * W) / (CHART_POINTS - 1);
  const y = (v) => bottom - ((bottom - top) * v) / peak;
  const kids = [el('svg:title', {}, 'Requests per second')];
  for (const f of [0, 0.5, 1]) {
    kids.push(el('svg:line', { x1: 0, x2: W, y1: y(peak * f), y2: y(peak * f), class: 'grid' }));
  }
  if (pts.length) {
    const line = pts.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    kids.push(el('svg:polygon', { points: `${x(0).toFixed(1)},${bottom} ${line} ${W},${bottom}`, class: 'area' }));
    kids.push(el('svg:polyline', { points: line, class: 'line' }));
  }
  const now = pts.length ? pts[pts.length - 1] : 0;
  svg.replaceChildren(...kids);
  $('rate').textContent = `${now.toFixed(1)} requests/s now, peak ${Math.max(0, ...pts).toFixed(1)} ` +
    `over the last ${pts.length} reads (every ${METRICS_EVERY_MS / 1000} s)`;
  svg.setAttribute('aria-label', `Requests per second: ${now.toFixed(1)} now, ` +
    `peak ${Math.max(0, ...pts).toFixed(1)} over the last ${pts.length} reads`);
}

async function refreshStatus() {
  const h = await api('GET', '/healthz', { noAuthUi: true, isPublic: true });
  const health = $('health');
  health.textContent = h.ok ? 'daemon healthy' : `daemon unhealthy: ${apiMessage(h)}`;
  health.className = 'health ' + (h.ok ? 'good' : 'bad');
  const msg = $('status-msg');
  if (state.tokenBad) {
    msg.textContent = 'The metrics need a valid token.';
    return;
  }
  const r = await api('GET', '/metrics', { noAuthUi: true });
  if (r.status === 401 || r.status === 403) {
    const text = r.status === 401 ? 'The metrics need a token.'
      : 'This token may not read the metrics ("metrics": true in its tenant\'s configuration).';
    if (msg.textContent !== text) msg.textContent = text;
    return;
  }
  if (!r.ok) {
    msg.textContent = 'The metrics could not be read: ' + apiMessage(r);
    return;
  }
  if (msg.textContent) msg.textContent = '';
  const m = parseMetrics(r.text);
  renderMetrics(m);
  noteRate(m);
}

// ---- start -------------------------------------------------------------------

function start() {
  try { $('token').value = sessionStorage.getItem(TOKEN_KEY) || ''; } catch { /* off */ }
  if ($('token').value) {
    $('auth').hidden = false;
    state.authShown = true;
  }
  $('token').addEventListener('input', onTokenInput);
  $('upload-form').addEventListener('submit', (e) => {
    e.preventDefault();
    upload($('file').files[0]);
  });
  const drop = $('upload');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer && e.dataTransfer.files[0];
    if (f) upload(f);
  });
  $('refresh').addEventListener('click', () => loadModules());
  $('module').addEventListener('change', moduleChosen);
  $('invoke-form').addEventListener('submit', (e) => {
    e.preventDefault();
    invoke();
  });
  $('inst-fields').append(fieldsetCopy('wasi', 'inst-'), fieldsetCopy('limits', 'inst-'));
  $('instance').addEventListener('change', instanceChosen);
  $('inst-module').addEventListener('change', instModuleChosen);
  $('instance-form').addEventListener('submit', (e) => {
    e.preventDefault();
    createFromForm();
  });
  $('instances-refresh').addEventListener('click', () => loadInstances());
  renderInstances();
  drawChart();
  loadModules().then((ok) => ok && loadInstances());
  refreshStatus();
  setInterval(() => {
    if (document.visibilityState === 'visible') refreshStatus();
  }, METRICS_EVERY_MS);
}

document.addEventListener('DOMContentLoaded', start);
