// console.test.mjs -- the web console in headless Chromium (puppeteer-core),
// against a real wasmhostd that run-console.sh started.
//
//   node console.test.mjs MODE BASE WASMDIR OUTDIR [TOKEN]
//
// MODE single: a daemon without tenants; upload through the file input,
// list, signatures, invoke (ok, i64, trap, timeout, bad call), WASI,
// invalid and too large modules, status and its chart, persistent
// instances (create, list, calls that keep state, a trap, a bad call, a
// start that traps: 422, a timeout: 410, delete with confirmation, one
// deleted elsewhere: 404), delete, keyboard, a narrow window, and the
// screenshot OUTDIR/console.png.
// MODE token: a daemon with a tenant whose token is TOKEN (and instances
// dropped after 3 s unused): the Token field at load, a wrong token, then
// the right one, kept over a reload; an instance that expired: 404.
//
// Controls are found by their accessible names (the labels), as a screen
// reader finds them.  Any console error the step did not expect (an error
// status it provoked), any page error and any request to a host other than
// 127.0.0.1 fails the test.  Prints TAP-like lines and "N passed, N failed".
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [mode, base, wasmDir, outDir, token] = process.argv.slice(2);
// calc.wasm's short id (its SHA-256's first 8 hex digits) and size, read
// from the file: the fixture grows with the daemon's tests.
const calcBytes = fs.readFileSync(path.join(wasmDir, 'calc.wasm'));
const calcId = crypto.createHash('sha256').update(calcBytes).digest('hex').slice(0, 8);
const require = createRequire(process.env.PUPPETEER_DIR + '/');
const puppeteer = require('puppeteer-core');

let passed = 0;
let failed = 0;
function ok(what) { passed++; console.log(`ok - ${what}`); }
function bad(what) { failed++; console.log(`FAIL - ${what}`); }
function check(cond, what, detail) {
  if (cond) ok(what);
  else bad(detail === undefined ? what : `${what}: ${String(detail).slice(0, 400)}`);
}

const problems = [];      // unexpected console errors, page errors, outside requests
let allowed = new Set();  // HTTP statuses the current step provokes

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wasmhost-chromium-'));
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  userDataDir: profile,
  args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--no-first-run',
    '--disable-extensions', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage();
page.setDefaultTimeout(15000);
await page.setViewport({ width: 1100, height: 900 });
page.on('console', (m) => {
  if (m.type() !== 'error') return;
  const s = /status of (\d+)/.exec(m.text());
  if (s && allowed.has(Number(s[1]))) return;
  problems.push(`console error: ${m.text()} (${m.location().url || ''})`);
});
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
await page.setRequestInterception(true);
page.on('request', (req) => {
  const u = new URL(req.url());
  if (u.protocol !== 'data:' && u.hostname !== '127.0.0.1') {
    problems.push(`a request left 127.0.0.1: ${req.url()}`);
    req.abort();
    return;
  }
  req.continue();
});
page.on('requestfailed', (req) => {
  if (new URL(req.url()).hostname === '127.0.0.1')
    problems.push(`request failed: ${req.url()} ${req.failure() && req.failure().errorText}`);
});

// A step: runs fn with `expect` statuses allowed, then checks that nothing
// unexpected happened meanwhile.
async function step(what, statuses, fn) {
  allowed = new Set(statuses);
  const before = problems.length;
  try {
    await fn();
  } catch (e) {
    bad(`${what}: ${e.message.split('\n')[0]}`);
  }
  await new Promise((r) => setTimeout(r, 50));
  allowed = new Set();
  if (problems.length > before) bad(`${what}: ${problems.slice(before).join('; ')}`);
}

const byName = async (name, role) => {
  const h = await page.$(`aria/${name}${role ? `[role="${role}"]` : ''}`);
  if (!h) throw new Error(`no control named "${name}"${role ? ` (${role})` : ''}`);
  return h;
};
const text = (sel) => page.$eval(sel, (e) => e.textContent);
const waitText = (sel, s) => page.waitForFunction((sel, s) => {
  const e = document.querySelector(sel);
  return e && e.textContent.includes(s);
}, {}, sel, s);

async function setField(name, value, role = 'textbox') {
  const h = await byName(name, role);
  await h.evaluate((e) => { e.value = ''; });
  if (value) await h.type(value);
}

async function uploadFile(file) {
  const input = await page.$('#file');
  const label = await input.evaluate((e) => e.labels[0] && e.labels[0].textContent);
  if (label !== 'Module file') throw new Error(`the file input's label is "${label}"`);
  await input.uploadFile(file);
  await (await byName('Upload', 'button')).click();
  await page.waitForFunction(() => {
    const t = document.querySelector('#upload-msg').textContent;
    return t && !t.startsWith('Uploading');
  });
  return text('#upload-msg');
}

async function chooseModule(idPrefix) {
  const sel = await byName('Module', 'combobox');
  const id = await sel.evaluate((s, p) => [...s.options].map((o) => o.value)
    .find((v) => v.startsWith(p)), idPrefix);
  if (!id) throw new Error(`module ${idPrefix} is not in the Module select`);
  await sel.select(id);
  await page.waitForFunction(() => document.querySelector('#function').options.length > 0);
}

// Invoke through the form; answers the text of the role=status element.
async function invoke(fn, args, limits = {}) {
  await (await byName('Function', 'combobox')).select(fn);
  await setField('Arguments', args);
  await setField('Timeout (ms)', limits.timeout || '');
  await (await byName('Invoke', 'button')).click();
  await page.waitForFunction(() => {
    const r = document.querySelector('#result');
    return !r.hasAttribute('aria-busy') && r.textContent && !r.textContent.startsWith('Invoking');
  }, { timeout: 20000 });
  return text('#result[role="status"]');
}

// A control inside the element sel (the Instances section's own Module,
// say, beside the Invoke form's).
async function within(sel, name, role) {
  const h = await (await page.$(sel)).$(`aria/${name}${role ? `[role="${role}"]` : ''}`);
  if (!h) throw new Error(`no control named "${name}" in ${sel}`);
  return h;
}

// Uploads the counter (tests/sandbox/fixtures/sb_counter.wat); answers the
// first 8 digits of its id.
async function uploadCounter() {
  const msg = await uploadFile(path.join(wasmDir, 'counter.wasm'));
  const m = /Uploaded counter\.wasm: ([0-9a-f]{8})/.exec(msg);
  if (!m) throw new Error(`the counter was not uploaded: ${msg}`);
  await waitText('#module-list', 'counter.wasm');   // listed after the message
  return m[1];
}

// Clicks the button h that makes an instance; answers the new instance's
// id, which the console then selects in the Invoke form.
async function madeBy(h) {
  const before = await page.$eval('#instance', (s) => s.value);
  await h.click();
  await page.waitForFunction((b) => {
    const v = document.querySelector('#instance').value;
    return v && v !== b;
  }, {}, before);
  await waitText('#instances-msg', 'Made instance');
  return page.$eval('#instance', (s) => s.value);
}

// "New instance" on the module's row.
async function newInstance(label) {
  return madeBy(await byName(`New instance of ${label}`, 'button'));
}

const shortIid = (iid) => iid.slice(iid.lastIndexOf('~') + 1).slice(0, 10);
// The cells of the Instances row of iid (by its whole id), or null.
const instanceRow = (iid) => page.$$eval('#instance-list tbody tr', (rows, iid) => {
  const r = rows.find((x) => x.querySelector('code.full') && x.querySelector('code.full').textContent === iid);
  return r ? [...r.cells].map((c) => c.textContent) : null;
}, iid);

async function load() {
  await page.goto(base + '/', { waitUntil: 'networkidle0' });
}

if (mode === 'single') {
  await step('the page loads without a token, no Token field', [], async () => {
    const resp = await page.goto(base + '/', { waitUntil: 'networkidle0' });
    const h = resp.headers();
    check(/script-src 'self'/.test(h['content-security-policy'] || '') &&
      /connect-src 'self'/.test(h['content-security-policy']), 'the page has a strict CSP',
      h['content-security-policy']);
    check(h['x-content-type-options'] === 'nosniff', 'the page has nosniff');
    check(await page.$eval('#auth', (e) => e.hidden), 'no Token field in single-user mode');
    await waitText('#modules-msg', '0 modules');
    ok('the empty module list');
  });

  await step('upload through the file input', [], async () => {
    const msg = await uploadFile(path.join(wasmDir, 'calc.wasm'));
    check(msg.includes(`Uploaded calc.wasm: ${calcId}`), 'upload: the status names the file and id', msg);
    await waitText('#module-list', 'calc.wasm');
    const li = await text('#module-list');
    check(li.includes(calcId) && li.includes(`${calcBytes.length} bytes`) && /\d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(li),
      'the list shows name, id, size and date', li);
    await page.$eval('#module-list details', (d) => { d.open = true; });
    await waitText('#module-list', 'add(i32, i32) → i32');
    const sigs = await text('#module-list');
    check(sigs.includes('add64(i64, i64) → i64') && sigs.includes('memory: memory') &&
      sigs.includes('Imports (0)'), 'imports and exports with their signatures', sigs);
  });

  await step('invoke add 2, 3', [], async () => {
    await chooseModule(calcId);
    const names = await page.$eval('#function', (s) => [...s.options].map((o) => o.value));
    check(names.includes('add') && names.includes('spin') && !names.includes('memory'),
      'the Function select has the exported functions only', names);
    const r = await invoke('add', '2, 3');
    check(r.includes('Outcome: ok') && r.includes('Results: 5'), 'add 2, 3 shows ok and 5', r);
    check(r.includes('Wall time') && r.includes('Functions in the interpreter') &&
      r.includes('Compile time'), 'the stats table: wall time, tiers, compile time', r);
  });

  await step('i64 beyond 2^53, in brackets', [], async () => {
    const r = await invoke('add64', '[9007199254740993, 1]');
    check(r.includes('Results: 9007199254740994'), 'add64 is exact', r);
  });

  await step('a trap', [], async () => {
    const r = await invoke('div_s', '1, 0');
    check(r.includes('Outcome: trap') && r.includes('integer_divide_by_zero') &&
      r.includes('integer divide by zero') && r.includes('in div_s') && /at offset \d+/.test(r),
      'div_s 1, 0: trap kind, message, function and offset', r);
  });

  await step('a timeout', [], async () => {
    const t0 = Date.now();
    const r = await invoke('spin', '', { timeout: '200' });
    check(r.includes('Outcome: timeout') && r.includes('in spin'), 'spin with timeout_ms 200: timeout', r);
    check(Date.now() - t0 < 10000, 'the timeout came in time');
  });

  await step('a bad call shows the API message', [400], async () => {
    const r = await invoke('add', '1');
    check(r.includes('add takes 2 arguments') && r.includes('bad_call'), 'add 1: the API says why', r);
    await setField('Timeout (ms)', '');
  });

  await step('Enter in Arguments invokes (keyboard)', [], async () => {
    await (await byName('Function', 'combobox')).select('add');
    await setField('Arguments', '40, 2');
    await page.keyboard.press('Enter');
    await waitText('#result', 'Results: 42');
    ok('Enter submits the call');
    await (await byName('Function', 'combobox')).focus();
    await page.keyboard.press('Tab');
    check(await page.evaluate(() => document.activeElement.id) === 'args', 'Tab goes from Function to Arguments');
  });

  await step('an invalid module', [400], async () => {
    const msg = await uploadFile(path.join(wasmDir, 'garbage.wasm'));
    check(msg.includes('magic header not detected') && msg.includes('invalid_module'),
      'the API\'s message for an invalid module', msg);
  });

  await step('a module too large', [413], async () => {
    const msg = await uploadFile(path.join(wasmDir, 'big.wasm'));
    check(msg.includes('413') && msg.includes('the limit is'), 'the API\'s message for a module too large', msg);
  });

  await step('a WASI program: argv, env, stdin, stdout, stderr', [], async () => {
    const msg = await uploadFile(path.join(wasmDir, 'wasi_echo.wasm'));
    check(msg.includes('Uploaded wasi_echo.wasm'), 'upload the WASI program', msg);
    await chooseModule('34d0b6aa');
    await page.waitForFunction(() => !document.querySelector('#wasi').hidden);
    await setField('argv', 'prog\nhello');
    await setField('env', 'COLOR=blue');
    await setField('stdin', 'from stdin');
    const r = await invoke('_start', '');
    check(r.includes('Outcome: exit') && r.includes('Exit code: 2') && r.includes('from stdin') &&
      r.includes('prog␀hello␀COLOR=blue␀'), 'exit code, stdout and stderr', r);
  });

  await step('status: metrics and the chart', [], async () => {
    // The next reads after the calls above (every 2 s).
    await page.waitForFunction(() => /timeout\s*1/.test(document.querySelector('#metrics').textContent),
      { timeout: 10000 }).catch(() => {});
    const m = await text('#metrics');
    check(m.includes('Workers') && m.includes('live') && m.includes('Queue') &&
      m.includes('Compiled by tier') && /trap\s*1/.test(m) && /timeout\s*1/.test(m),
      'workers, queue, outcomes, compile counts', m);
    await page.waitForFunction(() => document.querySelector('#chart polyline'), { timeout: 10000 });
    const label = await page.$eval('#chart', (e) => e.getAttribute('aria-label'));
    check(/Requests per second: [\d.]+ now/.test(label), 'the chart is drawn and labelled', label);
  });

  let counter = '';   // the counter's id, its first 8 digits
  let iid = '';
  await step('instances: New instance with a limit', [], async () => {
    counter = await uploadCounter();
    await waitText('#instances-msg', '0 instances');
    const sel = await within('#instances', 'Module', 'combobox');
    const id = await sel.evaluate((s, p) => [...s.options].map((o) => o.value)
      .find((v) => v.startsWith(p)), counter);
    await sel.select(id);
    check(await page.$eval('#inst-wasi', (e) => e.hidden), 'no WASI fields for the counter');
    await (await within('#instances', 'Memory (pages)', 'textbox')).type('4');
    await (await within('#instances', 'Create instance', 'button')).click();
    await waitText('#instances-msg', 'Made instance');
    check((await text('#instances-msg')).includes('1 instance, 1 live'), 'the section counts it',
      await text('#instances-msg'));
    iid = await page.$eval('#instance', (s) => s.value);
    check(/^([\w.:-]+~)?i-[0-9a-f]{32}$/.test(iid), 'the new instance is selected in Invoke', iid);
    const row = await instanceRow(iid);
    check(row && row[0].startsWith(shortIid(iid)) && row[1] === `counter.wasm (${counter})` &&
      row[2].startsWith('live, dropped after 300 s unused') && row[3] === '0' &&
      row[4] === '64.0 KiB (1 page of at most 4)' && /\d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(row[5]),
    'the list: id, module, state, calls, memory and its cap, created', row);
    check(await page.$eval('#wasi', (e) => e.hidden), 'no WASI fields in Invoke for a call on an instance');
  });

  await step('instances: calls keep the state, a module invoke does not', [], async () => {
    let r = await invoke('incr', '');
    check(r.includes('Outcome: ok') && r.includes('Results: 1') && r.includes(`Instance ${shortIid(iid)}: 1 call so far`),
      'the first incr: 1, one call', r);
    r = await invoke('incr', '');
    check(r.includes('Results: 2') && r.includes('2 calls so far'), 'the second incr: 2, two calls', r);
    r = await invoke('mem', '');
    check(r.includes('Results: 2') && r.includes('3 calls so far'), 'its memory kept the count too', r);
    check((await instanceRow(iid))[3] === '3', 'the list counts 3 calls', await instanceRow(iid));
    await (await byName('Instance', 'combobox')).select('');
    r = await invoke('incr', '');
    check(r.includes('Results: 1') && !r.includes('so far'), 'a module invoke starts fresh', r);
    await (await byName(`Select instance ${shortIid(iid)} for Invoke`, 'button')).click();
    check(await page.$eval('#instance', (s) => s.value) === iid, 'Select puts the instance back in Invoke');
  });

  await step('instances: a trap leaves the instance as it was', [], async () => {
    let r = await invoke('crash', '');
    check(r.includes('Outcome: trap') && r.includes('unreachable') && r.includes('4 calls so far'),
      'crash traps', r);
    r = await invoke('incr', '');
    check(r.includes('Results: 3'), 'the next incr goes on from there: 3', r);
  });

  await step('instances: a bad call shows the API message', [400], async () => {
    const r = await invoke('incr', '1');
    check(r.includes('incr: not run') && r.includes('(400 bad_call'), 'incr 1: the API says why', r);
  });

  await step('instances: a start that traps: 422', [422], async () => {
    const msg = await uploadFile(path.join(wasmDir, 'start_trap.wasm'));
    const m = /Uploaded start_trap\.wasm: ([0-9a-f]{8})/.exec(msg);
    check(m, 'upload start_trap', msg);
    await waitText('#module-list', 'start_trap.wasm');
    await (await byName(`New instance of start_trap.wasm (${m[1]})`, 'button')).click();
    await waitText('#instances-msg', 'No instance');
    const t = await text('#instances-msg');
    check(t.includes('No instance of start_trap.wasm') && t.includes('422 instantiate_failed') &&
      t.includes('unreachable') && await page.$eval('#instances-msg', (e) => e.classList.contains('bad')),
    'the API\'s message, as an error', t);
    check((await page.$$('#instance-list code.full')).length === 1, 'no instance was listed');
  });

  await step('instances: a timeout ends the instance; then 410', [410], async () => {
    await chooseModule(counter);
    await (await byName('Instance', 'combobox')).select(iid);
    let r = await invoke('spin', '', { timeout: '500' });
    check(r.includes('Outcome: timeout') && r.includes(`Instance ${shortIid(iid)} has ended`) &&
      r.includes('deadline'), 'the timeout, and that it ended the instance', r);
    const row = await instanceRow(iid);
    check(row && row[2].startsWith('ended: ') && row[2].includes('timeout'), 'the list says it ended and why', row);
    r = await invoke('incr', '');
    check(r.includes('incr: not run') && r.includes('(410 instance_gone') && r.includes('has ended'),
      'a call on it: 410, clearly', r);
    await setField('Timeout (ms)', '');
  });

  await step('instances: delete asks first', [], async () => {
    const name = `Delete instance ${shortIid(iid)}`;
    page.once('dialog', (d) => d.dismiss());
    await (await byName(name, 'button')).click();
    await new Promise((r) => setTimeout(r, 300));
    check(await instanceRow(iid), 'Cancel keeps it');
    let asked = '';
    page.once('dialog', (d) => { asked = d.message(); d.accept(); });
    await (await byName(name, 'button')).click();
    await waitText('#instances-msg', 'Deleted instance');
    check(asked.includes(shortIid(iid)) && asked.includes('counter.wasm'), 'the question names it', asked);
    check(!(await instanceRow(iid)), 'the list no longer has it');
    check(!(await page.$eval('#instance', (s, i) => [...s.options].some((o) => o.value === i), iid)),
      'nor the Instance select');
  });

  await step('instances: one deleted elsewhere: 404', [404], async () => {
    const gone = await newInstance(`counter.wasm (${counter})`);
    const st = await page.evaluate(async (i) => {
      const r = await fetch('/v1/instances/' + encodeURIComponent(i), { method: 'DELETE' });
      await r.text();
      return r.status;
    }, gone);
    check(st === 204, 'deleted behind the console\'s back', st);
    const r = await invoke('incr', '');
    check(r.includes('(404 instance_not_found') && r.includes('no longer exists'), 'a call on it: 404, clearly', r);
    check(!(await instanceRow(gone)), 'the list dropped it');
    iid = await newInstance(`counter.wasm (${counter})`);   // for the screenshot
    check((await invoke('incr', '')).includes('Results: 1'), 'a new one starts at 1');
  });

  await step('instances: a WASI program keeps the argv and env it was made with', [], async () => {
    const sel = await within('#instances', 'Module', 'combobox');
    const id = await sel.evaluate((s) => [...s.options].map((o) => o.value)
      .find((v) => v.startsWith('34d0b6aa')));
    await sel.select(id);
    await page.waitForFunction(() => !document.querySelector('#inst-wasi').hidden);
    ok('the New instance form shows WASI fields for a WASI program');
    await (await within('#instances', 'argv', 'textbox')).type('prog\nhi');
    await (await within('#instances', 'env', 'textbox')).type('A=b');
    const wiid = await madeBy(await within('#instances', 'Create instance', 'button'));
    check(await page.$eval('#wasi', (e) => e.hidden), 'Invoke hides its own WASI fields for it');
    const r = await invoke('_start', '');
    check(r.includes('Outcome: exit') && r.includes('prog␀hi␀A=b␀') && !r.includes('hello'),
      'its _start sees the argv and env of its making, not the Invoke form\'s', r);
    check((await instanceRow(wiid))[3] === '1', 'one call counted');
  });

  await step('screenshot', [], async () => {
    await chooseModule(calcId);
    await page.$eval('#module-list details', (d) => { d.open = true; });
    for (let i = 0; i < 6; i++) {   // some traffic for the chart
      await invoke(i % 2 ? 'add64' : 'count', i % 2 ? '[9007199254740993, 1]' : String(1000 * i));
      await new Promise((r) => setTimeout(r, 300 * i));
    }
    await invoke('add', '2, 3');
    await new Promise((r) => setTimeout(r, 2500));
    const file = path.join(outDir, 'console.png');
    await page.screenshot({ path: file, fullPage: true });
    check(fs.statSync(file).size > 10000, `screenshot ${file}`);
  });

  await step('delete a module', [], async () => {
    page.once('dialog', (d) => d.accept());
    await (await byName('Delete wasi_echo.wasm (34d0b6aa)', 'button')).click();
    await waitText('#modules-msg', 'Deleted wasi_echo.wasm');
    check(!(await text('#module-list')).includes('wasi_echo'), 'the list no longer has it');
  });

  await step('a narrow window', [], async () => {
    await page.setViewport({ width: 360, height: 800 });
    await load();
    await waitText('#module-list', 'calc.wasm');
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    check(w <= 360, 'no horizontal scrolling at 360 px', w);
    await page.screenshot({ path: path.join(outDir, 'console-narrow.png'), fullPage: true });
  });
} else if (mode === 'token') {
  await step('the Token field at load', [401], async () => {
    await load();
    const field = await byName('Token', 'textbox');
    check(await field.evaluate((e) => e.type === 'password' && !e.closest('[hidden]')),
      'a password field named Token is shown');
    await waitText('#auth-msg', 'needs a token');
    ok('the page says a token is needed');
  });

  await step('a wrong token', [401], async () => {
    await (await byName('Token', 'textbox')).type('wrong-token');
    await waitText('#auth-msg', 'refused this token');
    ok('a wrong token is reported, without Enter');
  });

  await step('the right token', [], async () => {
    await setField('Token', token);
    await waitText('#auth-msg', 'Token accepted');
    await waitText('#modules-msg', '0 modules');
    ok('the right token lists the tenant\'s modules');
    check(await page.evaluate(() => sessionStorage.getItem('wasmhost.token')) === token,
      'the token is kept in sessionStorage');
    const msg = await uploadFile(path.join(wasmDir, 'calc.wasm'));
    check(msg.includes('Uploaded calc.wasm'), 'upload with the token', msg);
    await chooseModule(calcId);
    const r = await invoke('add', '2, 3');
    check(r.includes('Results: 5'), 'invoke with the token', r);
  });

  await step('the token survives a reload', [], async () => {
    await load();
    await waitText('#module-list', 'calc.wasm');
    check(await page.$eval('#token', (e) => e.value) === token, 'the field holds the token');
    await waitText('#metrics', 'Workers');
    ok('metrics read with the token');
  });

  await step('instances with the token; one idle too long: 404', [404], async () => {
    await waitText('#instances-msg', '0 instances');
    const counter = await uploadCounter();
    const iid = await newInstance(`counter.wasm (${counter})`);
    check((await instanceRow(iid))[2].includes('dropped after 3 s unused'), 'the list shows the idle limit');
    let r = await invoke('incr', '');
    check(r.includes('Results: 1') && r.includes('1 call so far'), 'a call with the token', r);
    await new Promise((res) => setTimeout(res, 6000));
    r = await invoke('incr', '');
    check(r.includes('(404 instance_not_found') && r.includes('no longer exists') &&
      r.includes('idle limit'), 'after 3 s unused: 404, and why it may be', r);
    check(!(await instanceRow(iid)), 'the list dropped it');
  });
}

await browser.close();
fs.rmSync(profile, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
