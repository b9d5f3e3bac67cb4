// run-node.mjs -- the V8 side of the micro-benchmarks.
//
//   node run-node.mjs FILE.wasm NAME [ARGS...]
//       instantiate FILE.wasm (no imports), call the export NAME with the
//       integer ARGS and print each result on its own line, as
//       `wasmhost run --invoke NAME FILE.wasm ARGS...` does.
//   node run-node.mjs --code-size FILE.wasm
//       print the size in bytes of the module's code section (id 10).
//
// Arguments are passed as i32 (the kernels take only i32); an i64 result
// arrives as a BigInt and prints as signed decimal, like wasmhost prints it.
import { readFileSync } from 'node:fs';

function readU32(bytes, pos) {
  let result = 0, shift = 0, b;
  do {
    b = bytes[pos.at++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return result;
}

function codeSectionSize(bytes) {
  const pos = { at: 8 }; // magic + version
  while (pos.at < bytes.length) {
    const id = bytes[pos.at++];
    const size = readU32(bytes, pos);
    if (id === 10) return size;
    pos.at += size;
  }
  return 0;
}

const argv = process.argv.slice(2);
if (argv[0] === '--code-size') {
  console.log(codeSectionSize(readFileSync(argv[1])));
} else {
  if (argv.length < 2) {
    console.error('usage: node run-node.mjs FILE.wasm NAME [ARGS...]');
    process.exit(2);
  }
  const [file, name, ...args] = argv;
  const { instance } = await WebAssembly.instantiate(readFileSync(file), {});
  const fn = instance.exports[name];
  if (typeof fn !== 'function') {
    console.error(`run-node.mjs: ${file} has no exported function ${name}`);
    process.exit(2);
  }
  const result = fn(...args.map((a) => Number(a) | 0));
  const results = Array.isArray(result) ? result : result === undefined ? [] : [result];
  for (const r of results) console.log(String(r));
}
