#!/usr/bin/env bash
# compare.sh -- compare two results of bench/run.sh:
#
#   bench/compare.sh OLD.json NEW.json
#
# For each program and column present in both, prints the median seconds
# of each file and NEW/OLD (below 1.00 means NEW is faster), and per column
# the geometric mean of NEW/OLD.  Cells whose run failed in either file
# show the status instead.  Needs node (NODE, default node).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: bench/compare.sh OLD.json NEW.json" >&2; exit 2; }
exec "${NODE:-node}" --input-type=module - "$1" "$2" <<'JS'
import { readFileSync } from 'node:fs';
const [aPath, bPath] = process.argv.slice(2);
const a = JSON.parse(readFileSync(aPath, 'utf8'));
const b = JSON.parse(readFileSync(bPath, 'utf8'));
const cols = a.columns.map((c) => c.name).filter((n) => b.columns.some((c) => c.name === n));
const byName = new Map(b.programs.map((p) => [p.name, p]));
const progs = a.programs.filter((p) => byName.has(p.name));
const nameW = Math.max(8, ...progs.map((p) => p.name.length));
const W = 22;
console.log(`OLD ${aPath} (${a.date}, ${a.commit})`);
console.log(`NEW ${bPath} (${b.date}, ${b.commit})`);
console.log('cells: OLD s -> NEW s (NEW/OLD)\n');
console.log('program'.padEnd(nameW) + cols.map((c) => c.padStart(W)).join(''));
const logs = Object.fromEntries(cols.map((c) => [c, []]));
for (const pa of progs) {
  const pb = byName.get(pa.name);
  let row = pa.name.padEnd(nameW);
  for (const c of cols) {
    const x = pa.columns[c], y = pb.columns[c];
    let cell = '-';
    if (x && y) {
      if (x.status !== 'ok' || y.status !== 'ok') {
        cell = `${x.status}/${y.status}`;
      } else {
        const r = y.median_s / x.median_s;
        logs[c].push(Math.log(r));
        cell = `${x.median_s.toFixed(2)}->${y.median_s.toFixed(2)} (${r.toFixed(2)})`;
      }
    }
    row += cell.padStart(W);
  }
  console.log(row);
}
console.log('geomean'.padEnd(nameW) + cols.map((c) => {
  const l = logs[c];
  return (l.length ? Math.exp(l.reduce((s, v) => s + v, 0) / l.length).toFixed(2) : '-').padStart(W);
}).join(''));
JS
