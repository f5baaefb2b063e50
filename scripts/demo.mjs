#!/usr/bin/env node
// `npm start`: a demo origin on 127.0.0.1:8080 and proxycache on 127.0.0.1:3000 in front of it, so that
// `curl localhost:3000/` answers at once. Ctrl-C stops both (the proxy drains in-flight requests first).
import { createServer } from 'node:http';
import { main } from '@proxycache/core/cli';

const ORIGIN_PORT = 8080;
let hits = 0;
const origin = createServer((req, res) => {
  hits += 1;
  const body = JSON.stringify(
    { hello: 'from the demo origin', method: req.method, url: req.url, hits },
    null,
    2,
  );
  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': req.url?.startsWith('/nocache') ? 'no-store' : 'public, max-age=10',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
});
origin.on('error', (err) => {
  console.error(`demo origin: cannot listen on 127.0.0.1:${ORIGIN_PORT}: ${err.message}`);
  process.exit(1);
});
origin.listen(ORIGIN_PORT, '127.0.0.1', () => {
  console.error(`demo origin listening on http://127.0.0.1:${ORIGIN_PORT}`);
});
process.once('exit', () => origin.close());

const config = new URL('../demo/config.toml', import.meta.url).pathname;
const code = await main(['run', '--config', config]);
origin.close();
if (code !== undefined) process.exitCode = code;
