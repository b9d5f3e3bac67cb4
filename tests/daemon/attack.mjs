// attack.mjs -- the hostile mix of `make loadtest` (tests/daemon/loadtest.sh):
// for SECONDS, from loopback addresses other than 127.0.0.1 (so that the
// per-address cap meets the attackers, not the normal clients), as the
// tenant whose token is TOKEN:
//
//   slow headers   SLOW connections, each sending its request line and
//                  then one header byte every 500 ms until it is cut;
//                  a cut one is opened again 100 ms later
//   stalled bodies STALL uploads declaring 1 MiB and sending 1 KiB, then
//                  nothing; opened again when cut
//   garbage        GARBAGE connections a second sending bytes that are not
//                  HTTP (a TLS ClientHello's first bytes, random bytes)
//   hang-ups       HANGUP invocations a second of a call that spins, whose
//                  client closes its socket 20 ms after sending it
//   traps          TRAPS calls at a time that fill 64 MiB of memory and trap
//   spinners       SPIN calls at a time that spin until a 100 ms deadline
//   crashes        CRASH times a second, a worker of the hostile module is
//                  SIGKILLed from outside while it runs a call (no module
//                  can make its worker die: the sandbox kills only past a
//                  deadline, and the engine checks deadlines in bulk
//                  operations too; this stands in for a crash)
//
// Everything is bounded: the counts above at a time, the rates, and the
// time.  Prints one JSON line of counts at the end.
//
//   node attack.mjs PORT TOKEN HOSTILE_ID SECONDS [KEY=VALUE...]
//   (SLOW=200 STALL=20 GARBAGE=50 HANGUP=50 TRAPS=2 SPIN=2 CRASH=2
//    PROTECT=pid,pid: workers never to kill, ZYGOTE=pid)
import net from 'node:net';
import { readFileSync } from 'node:fs';

const [port, token, hostile, seconds, ...rest] = process.argv.slice(2);
const opt = { SLOW: 200, STALL: 20, GARBAGE: 50, HANGUP: 50, TRAPS: 2,
  SPIN: 2, CRASH: 2, PROTECT: '', ZYGOTE: '' };
for (const kv of rest) {
  const i = kv.indexOf('=');
  opt[kv.slice(0, i)] = kv.slice(i + 1);
}
const end = Date.now() + Number(seconds) * 1000;
const live = () => Date.now() < end;
const counts = { slow_opened: 0, stall_opened: 0, stall_refused_503: 0,
  garbage: 0, hangups: 0, traps: 0, spins: 0, spin_timeouts: 0,
  killed_workers: 0, killed_outcomes: 0, errors: 0 };
let nextAddr = 0;
// 127.0.0.2 .. 127.0.0.9 in turn
const addr = () => `127.0.0.${2 + (nextAddr++ % 8)}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sockets = new Set();

function connect() {
  const s = net.connect({ port: Number(port), host: '127.0.0.1',
    localAddress: addr() });
  sockets.add(s);
  s.on('error', () => {});
  s.on('close', () => sockets.delete(s));
  return s;
}

// One connection that sends its headers a byte at a time.
async function slowHeaders() {
  while (live()) {
    const s = connect();
    counts.slow_opened++;
    const closed = new Promise((r) => s.on('close', r));
    s.write(`POST /v1/modules/${hostile}/invoke HTTP/1.1\r\nHost: x\r\n`);
    const text = 'X-Slow: ' + 'a'.repeat(4000);
    let i = 0;
    const t = setInterval(() => {
      if (!live() || s.destroyed) return;
      s.write(text[i++ % text.length]);
    }, 500);
    await Promise.race([closed, sleep(end - Date.now())]);
    clearInterval(t);
    s.destroy();
    await sleep(100);
  }
}

async function stalledBody() {
  while (live()) {
    const s = connect();
    counts.stall_opened++;
    let answer = '';
    s.on('data', (d) => { answer += d; });
    const closed = new Promise((r) => s.on('close', r));
    s.write('POST /v1/modules HTTP/1.1\r\nHost: x\r\n' +
      `Authorization: Bearer ${token}\r\n` +
      'Content-Type: application/wasm\r\nContent-Length: 1048576\r\n\r\n');
    s.write(Buffer.alloc(1024, 0x61));
    await Promise.race([closed, sleep(end - Date.now())]);
    if (answer.startsWith('HTTP/1.1 503')) counts.stall_refused_503++;
    s.destroy();
    await sleep(100);
  }
}

const hello = Buffer.from('160301020001000200030300', 'hex');

async function garbage() {
  const every = 1000 / Math.max(1, Number(opt.GARBAGE));
  while (live()) {
    const s = connect();
    counts.garbage++;
    const bytes = counts.garbage % 2 ? hello :
      Buffer.from(Array.from({ length: 300 }, () => Math.random() * 256 | 0));
    s.write(bytes);
    setTimeout(() => s.destroy(), 2000);
    await sleep(every);
  }
}

const callBody = (fn, timeout) => JSON.stringify({ function: fn,
  limits: { timeout_ms: timeout } });

function request(body) {
  return 'POST /v1/modules/' + hostile + '/invoke HTTP/1.1\r\nHost: x\r\n' +
    `Authorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n` +
    body;
}

async function hangups() {
  const every = 1000 / Math.max(1, Number(opt.HANGUP));
  while (live()) {
    const s = connect();
    counts.hangups++;
    s.write(request(callBody('spin', 2000)));
    setTimeout(() => s.destroy(), 20);
    await sleep(every);
  }
}

// One call at a time, answered; returns the answer's text.
function call(fn, timeout) {
  return new Promise((resolve) => {
    const s = connect();
    let answer = '';
    s.on('data', (d) => { answer += d; });
    s.on('close', () => resolve(answer));
    s.write(request(callBody(fn, timeout)));
    setTimeout(() => s.destroy(), timeout + 5000);
  });
}

async function trapper() {
  while (live()) {
    const a = await call('hog', 2000);
    counts.traps++;
    if (a.includes('"outcome":"killed"')) counts.killed_outcomes++;
    else if (!a.includes('"outcome":"trap"')) counts.errors++;
  }
}

async function spinner() {
  while (live()) {
    const a = await call('spin', 100);
    counts.spins++;
    if (a.includes('"outcome":"timeout"')) counts.spin_timeouts++;
    else if (a.includes('"outcome":"killed"')) counts.killed_outcomes++;
    else counts.errors++;
  }
}

// The hostile module's workers: the zygote's children not protected.
function victims() {
  const kids = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .split(' ').filter(Boolean).map(Number);
    } catch { return []; }
  };
  const protect = new Set(opt.PROTECT.split(',').filter(Boolean).map(Number));
  return kids(Number(opt.ZYGOTE)).filter((p) => !protect.has(p));
}

async function crasher() {
  const every = 1000 / Math.max(1, Number(opt.CRASH));
  while (live() && opt.ZYGOTE) {
    const busy = victims().filter((p) => {
      try {   // a running worker: state R
        return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1][0] === 'R';
      } catch { return false; }
    });
    if (busy.length) {
      try {
        process.kill(busy[counts.killed_workers % busy.length], 'SIGKILL');
        counts.killed_workers++;
      } catch { /* gone already */ }
    }
    await sleep(every);
  }
}

const tasks = [];
for (let i = 0; i < Number(opt.SLOW); i++) tasks.push(slowHeaders());
for (let i = 0; i < Number(opt.STALL); i++) tasks.push(stalledBody());
if (Number(opt.GARBAGE)) tasks.push(garbage());
if (Number(opt.HANGUP)) tasks.push(hangups());
for (let i = 0; i < Number(opt.TRAPS); i++) tasks.push(trapper());
for (let i = 0; i < Number(opt.SPIN); i++) tasks.push(spinner());
if (Number(opt.CRASH)) tasks.push(crasher());
setTimeout(() => { for (const s of sockets) s.destroy(); },
  Number(seconds) * 1000 + 100).unref();
await Promise.all(tasks);
for (const s of sockets) s.destroy();
console.log(JSON.stringify(counts));
process.exit(0);
