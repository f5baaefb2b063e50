// The Node ceiling for a cache hit: node:http answering a constant body from memory, with the headers
// a cache hit carries. Same program as the shared harness's node-const peer.
import http from 'node:http';

const port = Number(process.env.PORT);
const bodies = { '/small': Buffer.alloc(1024, 'x'), '/large': Buffer.alloc(100 * 1024, 'x') };
const prepared = new Map(
  Object.entries(bodies).map(([p, b]) => [
    p,
    [
      b,
      {
        'content-type': 'application/octet-stream',
        'content-length': b.length,
        'cache-control': 'public, max-age=3600',
      },
    ],
  ]),
);

http
  .createServer((req, res) => {
    const hit = prepared.get(req.url);
    if (hit === undefined) {
      res.writeHead(404, { 'content-length': 0 });
      res.end();
      return;
    }
    res.writeHead(200, hit[1]);
    res.end(hit[0]);
  })
  .listen(port, '127.0.0.1');
