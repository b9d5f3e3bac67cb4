// report.mjs -- turn bench/run.sh's records into the table and the JSON.
//
//   node report.mjs RECORDS.tsv RESULTS_DIR
//
// RECORDS.tsv holds tab-separated lines:
//   meta   KEY VALUE
//   column NAME COMMAND
//   info   PROGRAM KEY VALUE                 (wasm_bytes, checksum, ...)
//   run    PROGRAM COLUMN I WALL_S CPU_S MAXRSS_KB STATUS
//   stat   PROGRAM COLUMN I KEY VALUE        (from `--stats` lines)
//   long   PROGRAM COLUMN I WALL_S CPU_S MAXRSS_KB STATUS
//                                            (a long run: info long_rounds)
// Prints the tables to stdout, writes RESULTS_DIR/<date>.json and exits 1
// if any run of ours (native or wasmhost's) failed or printed the wrong
// checksum; a peer's failure (the node columns: node 20.20.2 crashes after
// printing hashtab's checksum) is shown in the table and named, and its
// geometric means leave that program out (geomeanN).
import { readFileSync, writeFileSync } from 'node:fs';

const [recordsPath, resultsDir] = process.argv.slice(2);
const meta = {}, columns = [], programs = new Map();

function program(name) {
  if (!programs.has(name)) programs.set(name, { name, info: {}, cols: {} });
  return programs.get(name);
}
function cell(p, col) {
  p.cols[col] ??= { runs: [], stats: {} };
  return p.cols[col];
}
function longCell(p, col) {
  p.long ??= {};
  p.long[col] ??= [];
  return p.long[col];
}

for (const line of readFileSync(recordsPath, 'utf8').split('\n')) {
  if (!line) continue;
  const f = line.split('\t');
  switch (f[0]) {
    case 'meta': meta[f[1]] = f[2]; break;
    case 'column': columns.push({ name: f[1], command: f[2] }); break;
    case 'info': program(f[1]).info[f[2]] = f[3]; break;
    case 'run':
      cell(program(f[1]), f[2]).runs.push({
        wall_s: Number(f[4]), cpu_s: Number(f[5]), maxrss_kb: Number(f[6]), status: f[7],
      });
      break;
    case 'long':
      longCell(program(f[1]), f[2]).push({ wall_s: Number(f[4]), status: f[7] });
      break;
    case 'stat': {
      const s = cell(program(f[1]), f[2]).stats;
      (s[f[4]] ??= []).push(Number(f[5]));
      break;
    }
  }
}

const median = (xs) => {
  if (!xs.length) return null;
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

let failed = false;
const peerFailed = new Set();
const isPeer = (name) => name.startsWith('node');
const names = columns.map((c) => c.name);
const json = {
  date: meta.date, commit: meta.commit, machine: meta.machine, node: meta.node,
  cc: meta.cc, clang: meta.clang, wasm_features: meta.wasm_features, wasm_opt: meta.wasm_opt, runs: Number(meta.runs),
  long_runs: meta.long_runs === undefined ? null : Number(meta.long_runs),
  time: 'median whole-process wall time of the runs, seconds; ratio = time / native time',
  columns, programs: [], geomean_ratio: {},
};

for (const p of programs.values()) {
  const out = {
    name: p.name, checksum: p.info.checksum ?? null,
    wasm_bytes: Number(p.info.wasm_bytes), code_section_bytes: Number(p.info.code_section_bytes),
    columns: {},
  };
  // Flags a program adds to -O2 (its bench-cflags lines), when it has any.
  if (p.info.cflags_native) out.cflags_native = p.info.cflags_native;
  if (p.info.cflags_wasm) out.cflags_wasm = p.info.cflags_wasm;
  const native = p.cols.native;
  const nativeOk = native && native.runs.length && native.runs.every((r) => r.status === 'ok');
  const nativeS = nativeOk ? median(native.runs.map((r) => r.wall_s)) : null;
  for (const name of names) {
    const c = p.cols[name];
    if (!c) continue;
    const bad = c.runs.find((r) => r.status !== 'ok');
    const o = {
      status: bad ? bad.status : 'ok',
      runs_s: c.runs.map((r) => r.wall_s),
      median_s: median(c.runs.map((r) => r.wall_s)),
      cpu_s: median(c.runs.map((r) => r.cpu_s)),
      maxrss_kb: Math.max(...c.runs.map((r) => r.maxrss_kb)),
      ratio: null,
      stats: Object.fromEntries(Object.entries(c.stats).map(([k, v]) => [k, median(v)])),
    };
    if (bad && isPeer(name)) peerFailed.add(`${name} on ${p.name}`);
    else if (bad) failed = true;
    if (!bad && nativeS) o.ratio = o.median_s / nativeS;
    out.columns[name] = o;
  }
  // The long run: main repeated long_rounds times (bench/long.c).
  if (p.long) {
    out.long = { rounds: Number(p.info.long_rounds), columns: {} };
    for (const [name, runs] of Object.entries(p.long)) {
      const bad = runs.find((r) => r.status !== 'ok');
      if (bad) failed = true;
      out.long.columns[name] = {
        status: bad ? bad.status : 'ok', runs_s: runs.map((r) => r.wall_s),
        median_s: bad ? null : median(runs.map((r) => r.wall_s)),
      };
    }
  }
  json.programs.push(out);
}

const geomean = (rs) => (rs.length ? Math.exp(rs.reduce((s, r) => s + Math.log(r), 0) / rs.length) : null);
for (const name of names) {
  const ratios = json.programs.map((p) => p.columns[name]?.ratio).filter((r) => r > 0);
  json.geomean_ratio[name] = ratios.length === json.programs.length ? geomean(ratios) : null;
}
// When a column failed on some program (node 20 crashes after printing
// hashtab's result), its geometric mean over all of them is "-"; the
// columns are then also compared over the programs every column ran.
const common = json.programs.filter((p) => names.every((n) => p.columns[n]?.ratio > 0));
json.geomean_common = { programs: common.map((p) => p.name), ratio: {} };
for (const name of names)
  json.geomean_common.ratio[name] = geomean(common.map((p) => p.columns[name].ratio));
const leftOut = json.programs.filter((p) => !common.includes(p)).map((p) => p.name);

// ---- tables -----------------------------------------------------------------

const pad = (s, n) => String(s).padStart(n);
const padr = (s, n) => String(s).padEnd(n);
const nameW = Math.max(8, ...json.programs.map((p) => p.name.length));
const cellW = 16;

function timeCell(o) {
  if (!o) return '-';
  if (o.status !== 'ok') return o.status.toUpperCase();
  return `${o.median_s.toFixed(3)} ${o.ratio === null ? '' : `(${o.ratio.toFixed(2)}x)`}`;
}

console.log(`Run time: median wall seconds of ${json.runs} runs (ratio to native); ${meta.machine}`);
console.log(`wasm built by ${meta.clang} -O2 with features: ${meta.wasm_features}`);
console.log(padr('program', nameW) + names.map((n) => pad(n, cellW)).join(''));
for (const p of json.programs)
  console.log(padr(p.name, nameW) + names.map((n) => pad(timeCell(p.columns[n]), cellW)).join(''));
console.log(padr('geomean', nameW) + names.map((n) => {
  const g = json.geomean_ratio[n];
  return pad(g === null ? '-' : `${g.toFixed(2)}x`, cellW);
}).join(''));
if (leftOut.length && common.length) {
  console.log(padr(`geomean${common.length}`, nameW) + names.map((n) =>
    pad(`${json.geomean_common.ratio[n].toFixed(2)}x`, cellW)).join(''));
  console.log(`(geomean${common.length}: over the ${common.length} programs every column ran; left out: ${leftOut.join(', ')})`);
}

// Startup and size: time to first instruction = load (decode, validate,
// compile or pre-decode as the engine does it up front) + instantiate.
const engines = names.filter((n) => n !== 'native');
const kb = (b) => (Number.isFinite(b) && b !== null ? (b / 1024).toFixed(1) : '-');
console.log('');
console.log('Startup: module sizes (KiB; pre-decoded = the interpreter\'s code for the functions the run reached,');
console.log('and its ratio to their wasm bytes) and time to first instruction (ms, load + instantiate, median)');
const ttfiW = Math.max(14, ...names.map((n) => n.length + 2));
console.log(padr('program', nameW) + pad('wasm', 9) + pad('code', 9) + pad('pre-decoded', 16) +
  engines.map((n) => pad(n, ttfiW)).join(''));
for (const p of json.programs) {
  const interp = p.columns.interp?.stats ?? {};
  let row = padr(p.name, nameW) + pad(kb(p.wasm_bytes), 9) + pad(kb(p.code_section_bytes), 9) +
    pad(interp.compiled_code_bytes === undefined ? '-'
      : `${kb(interp.compiled_code_bytes)} (${(interp.compiled_code_bytes / interp.compiled_wasm_bytes).toFixed(1)}x)`, 16);
  for (const n of engines) {
    const s = p.columns[n]?.stats ?? {};
    const t = s.load_us !== undefined ? (s.load_us + (s.instantiate_us ?? 0)) / 1000 : null;
    row += pad(t === null ? '-' : t.toFixed(2), ttfiW);
  }
  console.log(row);
}
console.log('');
console.log('Peak RSS (MiB, largest of the runs)');
console.log(padr('program', nameW) + names.map((n) => pad(n, ttfiW)).join(''));
for (const p of json.programs)
  console.log(padr(p.name, nameW) + names.map((n) => {
    const o = p.columns[n];
    return pad(o ? (o.maxrss_kb / 1024).toFixed(1) : '-', ttfiW);
  }).join(''));

// Long runs: auto against opt where the tier-up has a second to pay off.
const longOf = (p, col) => (p.long?.columns[col]?.status === 'ok' ? p.long.columns[col].median_s : null);
const withLong = json.programs.filter((p) => p.long);
if (withLong.length) {
  console.log('');
  console.log(`Long runs: each program's main run N times in one process (bench/long.c), N so that opt takes about`);
  console.log(`a second and a half; median wall seconds of ${meta.long_runs} runs (native: one run, its checksums the reference)`);
  console.log(padr('program', nameW) + pad('N', 6) + ['native', 'opt', 'auto', 'auto/opt'].map((n) => pad(n, 10)).join(''));
  for (const p of withLong) {
    const cellOf = (col) => {
      const c = p.long.columns[col];
      return !c ? '-' : c.status !== 'ok' ? c.status.toUpperCase() : c.median_s.toFixed(3);
    };
    const o = longOf(p, 'opt'), a = longOf(p, 'auto');
    console.log(padr(p.name, nameW) + pad(p.long.rounds, 6) + ['native', 'opt', 'auto'].map((c) => pad(cellOf(c), 10)).join('') +
      pad(o && a ? (a / o).toFixed(3) : '-', 10));
  }
}

// ---- compile speed and the goals of issue 14 ----------------------------------
//
// Tier 2's compile speed: wasm bytes it compiled over its compile time,
// summed over the programs (the opt column's --stats: opt_wasm_bytes,
// opt_compile_us; medians of the runs), 10^6 bytes a second.  TurboFan's:
// the node-no-liftoff column's load_us (WebAssembly.compile with eager
// compilation and no Liftoff: TurboFan compiling the whole code section,
// on V8's background threads) over the code section bytes.

function compileSpeed(col, bytesOf, usOf) {
  let bytes = 0, us = 0;
  const left_out = [];
  for (const p of json.programs) {
    const c = p.columns[col];
    if (!c || c.status !== 'ok') {
      left_out.push(p.name);      // a failed run: not counted, named
      continue;
    }
    const b = bytesOf(p, c), t = usOf(c);
    if (!(b >= 0) || !(t >= 0)) return null;
    bytes += b;
    us += t;
  }
  return us > 0 ? { mb_s: bytes / us, bytes, us, left_out } : null;
}
json.compile_speed = {
  what: 'MB of wasm a second (10^6 bytes), summed over the programs',
  opt: compileSpeed('opt', (p, c) => c.stats.opt_wasm_bytes, (c) => c.stats.opt_compile_us),
  turbofan: compileSpeed('node-no-liftoff', (p) => p.code_section_bytes, (c) => c.stats.load_us),
};

const G = json.geomean_ratio;
const time = (p, col) => (p.columns[col]?.status === 'ok' ? p.columns[col].median_s : null);
const fmtX = (x) => (x === null || x === undefined ? '-' : `${x.toFixed(2)}x`);
function goal(text, figure, met) {
  return { goal: text, figure, met };
}
function optVsBaseline() {
  const slower = [];
  for (const p of json.programs) {
    const o = time(p, 'opt'), b = time(p, 'baseline');
    if (o === null || b === null) return goal('no program slower in opt than in baseline', 'no opt or baseline figures', null);
    if (o > b) slower.push(`${p.name} ${o.toFixed(3)} s > ${b.toFixed(3)} s`);
  }
  return goal('no program slower in opt than in baseline',
    slower.length ? `slower: ${slower.join(', ')}` : 'none slower', slower.length === 0);
}
// Over the programs' runs and their long runs (when make bench made
// them): every one where opt or auto took over a second counts.
function autoVsOpt() {
  const text = 'auto within 10% of opt on every program over 1 s';
  const off = [];
  let n = 0, nLong = 0, have = false;
  for (const p of json.programs) {
    for (const [o, a, what] of [[time(p, 'opt'), time(p, 'auto'), ''],
      [longOf(p, 'opt'), longOf(p, 'auto'), ' (long)']]) {
      if (o === null || a === null) continue;
      have = true;
      if (Math.max(o, a) <= 1) continue;
      n++;
      if (what) nLong++;
      if (a > 1.1 * o) off.push(`${p.name}${what} ${(a / o).toFixed(2)}x`);
    }
  }
  if (!have) return goal(text, 'no opt or auto figures', null);
  if (!n) return goal(text, 'no program ran over 1 s in opt or auto (the long runs are off: BENCH_LONG=0?)', null);
  return goal(text, `${n} program run(s) over 1 s, ${nLong} of them long runs; ${
    off.length ? `auto/opt: ${off.join(', ')}` : 'all within 10%'}`, off.length === 0);
}
function geomeanGoal(col, limitText, limit) {
  let g = G[col], l = typeof limit === 'number' ? limit : G[limit], over = '';
  if ((g === null || l === null) && common.length) {
    g = json.geomean_common.ratio[col];
    if (typeof limit !== 'number') l = json.geomean_common.ratio[limit];
    over = ` (over the ${common.length} programs every column ran)`;
  }
  const figure = `${col} ${fmtX(g)} vs ${limitText} ${fmtX(l)}${over}`;
  if (g === null || g === undefined || l === null || l === undefined) return goal(`${col} geomean at or below ${limitText}`, figure, null);
  return goal(`${col} geomean ${typeof limit === 'number' ? 'at or below' : 'below'} ${limitText}`, figure,
    typeof limit === 'number' ? g <= l : g < l);
}
const cs = json.compile_speed.opt;
json.goals = [
  geomeanGoal('auto', '1.3x native', 1.3),
  geomeanGoal('opt', '1.3x native', 1.3),
  geomeanGoal('auto', 'node-no-liftoff', 'node-no-liftoff'),
  geomeanGoal('opt', 'node-no-liftoff', 'node-no-liftoff'),
  optVsBaseline(),
  goal('tier 2 compiles at least 5 MB/s', cs ? `${cs.mb_s.toFixed(2)} MB/s` : 'no opt figures',
    cs ? cs.mb_s >= 5 : null),
  autoVsOpt(),
];

console.log('');
const tf = json.compile_speed.turbofan;
const without = (x) => (x.left_out.length ? `, without ${x.left_out.join(', ')}` : '');
console.log(`Compile speed (MB of wasm a second, summed over the programs): tier 2 ${
  cs ? `${cs.mb_s.toFixed(2)} (${cs.bytes} bytes in ${(cs.us / 1000).toFixed(1)} ms${without(cs)})` : '-'}; TurboFan ${
  tf ? `${tf.mb_s.toFixed(2)} (node --no-liftoff, eager: load time over code section bytes, background threads${without(tf)})` : '-'}`);
console.log('');
console.log('Goals (issue 14), from this run:');
for (const g of json.goals)
  console.log(`  ${padr(g.met === null ? 'n/a' : g.met ? 'met' : 'NOT MET', 8)}${padr(g.goal, 52)}${g.figure}`);

const path = `${resultsDir}/${json.date}.json`;
writeFileSync(path, JSON.stringify(json, null, 2) + '\n');
console.log(`\nresults: ${path}`);
if (peerFailed.size)
  console.log(`peer runs that failed (not counted in their geometric means): ${[...peerFailed].join(', ')}`);
if (failed) {
  console.log('some runs failed or printed a wrong checksum (see above)');
  process.exit(1);
}
