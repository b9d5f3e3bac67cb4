// run-node.mjs -- runs a WASI command under node's WASI (preview1), the
// reference for tests/wasi/run-wasi.sh.
//   node run-node.mjs [--env K=V]... [--dir HOST::GUEST]... FILE.wasm ARGS...
// argv[0] is FILE.wasm as given; stdin/stdout/stderr are the process's.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const env = {};
const preopens = {};
let i = 2;
for (; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--env') {
    const kv = process.argv[++i];
    const eq = kv.indexOf('=');
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  } else if (a === '--dir') {
    const [host, guest] = process.argv[++i].split('::');
    preopens[guest] = host;
  } else {
    break;
  }
}
const file = process.argv[i];
const wasi = new WASI({ version: 'preview1', args: process.argv.slice(i),
  env, preopens, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
