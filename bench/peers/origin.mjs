// Fallback origin for `npm run bench` when nginx is not installed: node:http with the same three URLs
// as the nginx origin, and GET /status on STATUS_PORT answering "requests N" (origin request counter).
import http from 'node:http';

const port = Number(process.env.PORT);
const statusPort = Number(process.env.STATUS_PORT);
const small = Buffer.alloc(1024, 'x');
const large = Buffer.alloc(100 * 1024, 'x');
const routes = new Map([
  ['/small', [small, 'public, max-age=3600']],
  ['/large', [large, 'public, max-age=3600']],
  ['/nocache', [small, 'no-store']],
]);
let requests = 0;

http
  .createServer((req, res) => {
    requests++;
    const r = routes.get(req.url);
    if (r === undefined) {
      res.writeHead(404, { 'content-length': 0 });
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': r[0].length,
      'cache-control': r[1],
      'last-modified': 'Wed, 25 Nov 2026 00:00:00 GMT',
    });
    res.end(r[0]);
  })
  .listen(port, '127.0.0.1');

http
  .createServer((_req, res) => {
    res.end(`requests ${requests}\n`);
  })
  .listen(statusPort, '127.0.0.1');
