// peer.mjs -- the load test's peer: node's http server that instantiates
// the same module in-process for every request (new WebAssembly.Instance of
// a module compiled once at start), and answers like wasmhostd's invoke.
//
//   node peer.mjs FILE.wasm PORT      prints "listening PORT" when ready
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [file, port] = process.argv.slice(2);
const module = new WebAssembly.Module(readFileSync(file));

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let status = 200, body;
    try {
      const call = JSON.parse(Buffer.concat(chunks).toString());
      const instance = new WebAssembly.Instance(module, {});
      const fn = instance.exports[call.function];
      const r = fn(...(call.args || []));
      body = JSON.stringify({ outcome: 'ok', results: r === undefined ? [] : [r] });
    } catch (e) {
      status = 400;
      body = JSON.stringify({ error: { code: 'bad_request', message: String(e) } });
    }
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body + '\n');
  });
});
server.keepAliveTimeout = 60000;
server.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
