// run-wasi.mjs -- run a wasm32-wasi program under node's WASI (V8):
//
//   node [--liftoff-only] run-wasi.mjs FILE.wasm [ARGS...]
//
// stdin, stdout and stderr are the process's own; the exit status is the
// program's.  No directories are preopened and no environment is passed.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node run-wasi.mjs FILE.wasm [ARGS...]');
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {},
  returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
