// run-wasi.mjs -- run a wasm32-wasi program under node's WASI (V8):
//
//   node [V8 FLAGS] run-wasi.mjs [--stats] FILE.wasm [ARGS...]
//
// stdin, stdout and stderr are the process's own; the exit status is the
// program's.  No directories are preopened and no environment is passed.
// With --stats, one line goes to stderr at the end, in the format of
// `wasmhost run --stats`:
//   stats: load_us=N instantiate_us=N run_us=N
// (load = WebAssembly.compile, which in default tiering is Liftoff plus
// background TurboFan; instantiate includes the WASI object.)
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const argv = process.argv.slice(2);
const stats = argv[0] === '--stats';
if (stats) argv.shift();
const [file, ...args] = argv;
if (!file) {
  console.error('usage: node run-wasi.mjs [--stats] FILE.wasm [ARGS...]');
  process.exit(2);
}
const us = (a, b) => Number((b - a) / 1000n);
const bytes = readFileSync(file);
const t0 = process.hrtime.bigint();
const module = await WebAssembly.compile(bytes);
const t1 = process.hrtime.bigint();
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {},
  returnOnExit: true });
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const t2 = process.hrtime.bigint();
const code = wasi.start(instance);
const t3 = process.hrtime.bigint();
if (stats)
  process.stderr.write(`stats: load_us=${us(t0, t1)} instantiate_us=${us(t1, t2)} run_us=${us(t2, t3)}\n`);
process.exitCode = code;
