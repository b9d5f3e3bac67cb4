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
// Prints the tables to stdout, writes RESULTS_DIR/<date>.json and exits 1
// if any run failed or printed the wrong checksum.
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
const names = columns.map((c) => c.name);
const json = {
  date: meta.date, commit: meta.commit, machine: meta.machine, node: meta.node,
  cc: meta.cc, clang: meta.clang, wasm_opt: meta.wasm_opt, runs: Number(meta.runs),
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
    if (bad) failed = true;
    if (!bad && nativeS) o.ratio = o.median_s / nativeS;
    out.columns[name] = o;
  }
  json.programs.push(out);
}

for (const name of names) {
  const ratios = json.programs.map((p) => p.columns[name]?.ratio).filter((r) => r > 0);
  json.geomean_ratio[name] = ratios.length === json.programs.length && ratios.length
    ? Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length) : null;
}

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
console.log(padr('program', nameW) + names.map((n) => pad(n, cellW)).join(''));
for (const p of json.programs)
  console.log(padr(p.name, nameW) + names.map((n) => pad(timeCell(p.columns[n]), cellW)).join(''));
console.log(padr('geomean', nameW) + names.map((n) => {
  const g = json.geomean_ratio[n];
  return pad(g === null ? '-' : `${g.toFixed(2)}x`, cellW);
}).join(''));

// Startup and size: time to first instruction = load (decode, validate,
// compile or pre-decode as the engine does it up front) + instantiate.
const engines = names.filter((n) => n !== 'native');
const kb = (b) => (Number.isFinite(b) && b !== null ? (b / 1024).toFixed(1) : '-');
console.log('');
console.log('Startup: module sizes (KiB; pre-decoded = the interpreter\'s code for the functions the run reached,');
console.log('and its ratio to their wasm bytes) and time to first instruction (ms, load + instantiate, median)');
const ttfiW = 14;
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

const path = `${resultsDir}/${json.date}.json`;
writeFileSync(path, JSON.stringify(json, null, 2) + '\n');
console.log(`\nresults: ${path}`);
if (failed) {
  console.log('some runs failed or printed a wrong checksum (see above)');
  process.exit(1);
}
