// A minimal Node pass-through proxy (node:http + one undici Pool, 128 connections): the floor any Node
// proxy pays for forwarding. Same program as the shared harness's undici-proxy peer; undici is a
// dependency of the project, so this copy runs without the harness's npm peers.
import http from 'node:http';
import { pipeline } from 'node:stream';
import { Pool } from 'undici';

const port = Number(process.env.PORT);
const pool = new Pool(process.env.ORIGIN, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 });

// Hop-by-hop headers (plus host, which undici sets for the origin) stay behind.
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);
function endToEnd(headers) {
  const out = {};
  for (const name in headers) if (!HOP.has(name)) out[name] = headers[name];
  return out;
}

http
  .createServer(async (req, res) => {
    try {
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const up = await pool.request({
        path: req.url,
        method: req.method,
        headers: endToEnd(req.headers),
        body: hasBody ? req : null,
      });
      res.writeHead(up.statusCode, endToEnd(up.headers));
      pipeline(up.body, res, () => {});
    } catch {
      if (!res.headersSent) res.writeHead(502, { 'content-length': 0 });
      res.end();
    }
  })
  .listen(port, '127.0.0.1');
