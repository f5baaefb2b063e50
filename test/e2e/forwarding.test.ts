/**
 * Issue #3, forwarding contract through the real `proxycache` process: GET/POST, headers both ways,
 * hop-by-hop removal, X-Forwarded-*, upstream keep-alive, 502/504, and the downstream limits
 * (400 malformed, 431 headers, 413 body).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  echoHandler,
  freePort,
  httpRequest,
  type Origin,
  type ProxyProcess,
  parseRawHead,
  rawExchange,
  SLOW_TIMEOUT_MS,
  startOrigin,
  startProxy,
  stopAll,
} from './harness.js';

let origin: Origin;
let proxy: ProxyProcess;
let deadPort: number;

beforeAll(async () => {
  const echo = echoHandler('a');
  origin = await startOrigin((req, body, res) => {
    if (req.url === '/slow') {
      setTimeout(() => echo(req, body, res), 2500);
      return;
    }
    if (req.url === '/hop') {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-length': '2',
        connection: 'x-secret',
        'x-secret': 'leak',
        'x-end-to-end': 'kept',
        'proxy-authenticate': 'Basic',
      });
      res.end('ok');
      return;
    }
    echo(req, body, res);
  });
  deadPort = await freePort();
  proxy = await startProxy({
    backend: origin.addr,
    server: { backend_timeout: 1, max_header_size: 4096, max_body_size: 1024 },
    modules: { cache: { enabled: false } },
    // Requests under /dead go to a port nothing listens on.
    mods: {
      'dead_route.pcmod': `mod dead_route\nversion 1.0\npriority 115\n\non_request {\n  if path starts_with "/dead" {\n    std.proxy.forward("127.0.0.1:${deadPort}")\n  }\n}\n`,
    },
  });
}, SLOW_TIMEOUT_MS);

afterAll(stopAll);

describe('forwarding', () => {
  test('GET reaches the origin with query, end-to-end headers and X-Forwarded-*', async () => {
    const before = origin.requests.length;
    const r = await httpRequest(proxy.url('/items?id=7'), {
      headers: { 'x-custom': 'yes', 'x-forwarded-host': 'spoofed.example', 'x-forwarded-proto': 'https' },
    });
    expect(r.status).toBe(200);
    expect(r.headers['x-origin']).toBe('a');
    expect(r.headers['content-type']).toBe('application/json');
    expect(origin.requests.length).toBe(before + 1);
    const seen = origin.requests[before];
    expect(seen?.method).toBe('GET');
    expect(seen?.url).toBe('/items?id=7');
    expect(seen?.headers['x-custom']).toBe('yes');
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-forwarded-host']).toBe(`127.0.0.1:${proxy.port}`);
    expect(seen?.headers.host).toBe(`127.0.0.1:${proxy.port}`);
  });

  test('X-Forwarded-For from the client is appended to', async () => {
    const before = origin.requests.length;
    await httpRequest(proxy.url('/xff'), { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(origin.requests[before]?.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
  });

  test('hop-by-hop request fields (and those Connection names) do not reach the origin', async () => {
    const before = origin.requests.length;
    const r = await httpRequest(proxy.url('/hop-req'), {
      headers: {
        connection: 'close, x-private',
        'x-private': 'secret',
        te: 'trailers',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        'x-public': 'ok',
      },
    });
    expect(r.status).toBe(200);
    const h = origin.requests[before]?.headers ?? {};
    expect(h['x-private']).toBeUndefined();
    expect(h.te).toBeUndefined();
    expect(h['proxy-authorization']).toBeUndefined();
    expect(h['x-public']).toBe('ok');
  });

  test('hop-by-hop response fields do not reach the client', async () => {
    const r = await httpRequest(proxy.url('/hop'));
    expect(r.status).toBe(200);
    expect(r.text).toBe('ok');
    expect(r.headers['x-end-to-end']).toBe('kept');
    expect(r.headers['x-secret']).toBeUndefined();
    expect(r.headers['proxy-authenticate']).toBeUndefined();
  });

  test('POST body is streamed to the origin and its answer back', async () => {
    const before = origin.requests.length;
    const r = await httpRequest(proxy.url('/submit'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'hello=world',
    });
    expect(r.status).toBe(200);
    const echoed = JSON.parse(r.text) as { method: string; body: string };
    expect(echoed.method).toBe('POST');
    expect(echoed.body).toBe('hello=world');
    const seen = origin.requests[before];
    expect(seen?.body).toBe('hello=world');
    expect(seen?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen?.headers['content-length']).toBe('11');
  });

  test('chunked POST body reaches the origin whole', async () => {
    const before = origin.requests.length;
    const raw = await rawExchange(
      proxy.port,
      'POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    );
    expect(parseRawHead(raw.text).status).toBe(200);
    expect(origin.requests[before]?.body).toBe('hello world');
  });

  test('sequential requests reuse one upstream connection', async () => {
    const before = origin.requests.length;
    for (let i = 0; i < 5; i++) expect((await httpRequest(proxy.url(`/ka/${i}`))).status).toBe(200);
    const conns = new Set(origin.requests.slice(before).map((r) => r.connection));
    expect(origin.requests.length).toBe(before + 5);
    expect(conns.size).toBe(1);
  });

  test('a closed backend port answers 502 with Content-Length and Connection: close', async () => {
    const r = await httpRequest(proxy.url('/dead/x'));
    expect(r.status).toBe(502);
    expect(r.text).toBe('502 Bad Gateway\n');
    expect(r.headers['content-length']).toBe(String(r.body.length));
    expect(r.headers.connection).toBe('close');
  });

  test('a slow origin with backend_timeout = 1 answers 504', async () => {
    const before = origin.count('/slow');
    const t0 = Date.now();
    const r = await httpRequest(proxy.url('/slow'));
    expect(r.status).toBe(504);
    expect(r.text).toBe('504 Gateway Timeout\n');
    expect(r.headers.connection).toBe('close');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(origin.count('/slow')).toBe(before + 1);
  });

  test('a malformed request line answers 400 with Connection: close and reaches no origin', async () => {
    const before = origin.requests.length;
    const raw = await rawExchange(proxy.port, 'GET / HTTP/1.1\r\nHost: t\r\nBad Header Line\r\n\r\n');
    const head = parseRawHead(raw.text);
    expect(head.status).toBe(400);
    expect(head.headers.connection).toBe('close');
    expect(head.headers['content-length']).toBe(String(head.body.length));
    expect(raw.closed).toBe(true);
    expect(origin.requests.length).toBe(before);
  });

  test('conflicting Content-Length and Transfer-Encoding answers 400', async () => {
    const before = origin.requests.length;
    const raw = await rawExchange(
      proxy.port,
      'POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    const head = parseRawHead(raw.text);
    expect(head.status).toBe(400);
    expect(head.headers.connection).toBe('close');
    expect(origin.requests.length).toBe(before);
  });

  test('headers over max_header_size answer 431 with Connection: close', async () => {
    const raw = await rawExchange(
      proxy.port,
      `GET / HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(6000)}\r\n\r\n`,
    );
    const head = parseRawHead(raw.text);
    expect(head.status).toBe(431);
    expect(head.headers.connection).toBe('close');
  });

  test('a body over max_body_size (Content-Length) answers 413 without contacting the origin', async () => {
    const before = origin.requests.length;
    const r = await httpRequest(proxy.url('/upload'), { method: 'POST', body: 'x'.repeat(2000) });
    expect(r.status).toBe(413);
    expect(r.text).toBe('413 Payload Too Large\n');
    expect(r.headers.connection).toBe('close');
    expect(origin.requests.length).toBe(before);
  });

  test('a chunked body over max_body_size answers 413', async () => {
    const chunk = 'y'.repeat(800);
    const raw = await rawExchange(
      proxy.port,
      `POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n${chunk}\r\n320\r\n${chunk}\r\n0\r\n\r\n`,
    );
    const head = parseRawHead(raw.text);
    expect(head.status).toBe(413);
    expect(head.headers.connection).toBe('close');
  });
});
