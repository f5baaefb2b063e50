import { Agent, request as undiciRequest } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  httpRequest,
  parseHead,
  proxyModule,
  rawExchange,
  startApp,
  startOrigin,
  stopAfterEach,
  testConfig,
} from '../server/helpers.js';

const running = stopAfterEach();

describe('forwarding to a backend', () => {
  it('forwards GET with headers both ways, hop-by-hop fields removed and X-Forwarded-* set', async () => {
    running.origin = await startOrigin((_req, res) => {
      res.setHeader('X-Origin', 'yes');
      res.setHeader('Keep-Alive', 'timeout=9');
      res.setHeader('Connection', 'keep-alive, X-Secret-Hop');
      res.setHeader('X-Secret-Hop', 'drop me');
      res.setHeader('Content-Type', 'text/plain');
      res.end('hello from origin');
    });
    const started = await startApp(testConfig({ backend_addr: running.origin.addr }), [proxyModule()]);
    running.app = started.app;
    const r = await httpRequest(started.port, {
      path: '/a/b?q=1',
      headers: {
        host: 'example.test',
        'x-custom': 'kept',
        connection: 'keep-alive, X-Drop-This',
        'x-drop-this': 'gone',
        'proxy-authorization': 'Basic abc',
        te: 'trailers',
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.test',
      },
    });
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello from origin');
    expect(r.headers['x-origin']).toBe('yes');
    expect(r.headers['x-secret-hop']).toBeUndefined();
    expect(r.headers['content-type']).toBe('text/plain');
    const seen = running.origin.seen[0];
    expect(seen?.url).toBe('/a/b?q=1');
    expect(seen?.method).toBe('GET');
    expect(seen?.headers.host).toBe('example.test');
    expect(seen?.headers['x-custom']).toBe('kept');
    expect(seen?.headers['x-drop-this']).toBeUndefined();
    expect(seen?.headers['proxy-authorization']).toBeUndefined();
    expect(seen?.headers.te).toBeUndefined();
    expect(seen?.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1');
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-forwarded-host']).toBe('example.test');
  });

  it('streams a POST body upstream and the answer back', async () => {
    running.origin = await startOrigin((_req, res, body) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ got: body.length, head: body.slice(0, 5) }));
    });
    const started = await startApp(testConfig({ backend_addr: running.origin.addr }), [proxyModule()]);
    running.app = started.app;
    const payload = 'x'.repeat(300_000);
    const fixed = await httpRequest(started.port, {
      method: 'POST',
      path: '/upload',
      body: payload,
      headers: { 'content-type': 'text/plain' },
    });
    expect(fixed.status).toBe(200);
    expect(JSON.parse(fixed.body)).toEqual({ got: 300_000, head: 'xxxxx' });
    expect(running.origin.seen[0]?.headers['content-length']).toBe('300000');
    expect(running.origin.seen[0]?.headers['content-type']).toBe('text/plain');

    // chunked request body (no Content-Length)
    const raw = await rawExchange(
      started.port,
      'POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    );
    const head = parseHead(raw);
    expect(head.status).toBe(200);
    expect(running.origin.seen[1]?.body).toBe('hello world');
  });

  it('forwards a body sent with Expect: 100-continue', async () => {
    running.origin = await startOrigin((_req, res, body) => res.end(`got ${body}`));
    const started = await startApp(testConfig({ backend_addr: running.origin.addr }), [proxyModule()]);
    running.app = started.app;
    const raw = await rawExchange(
      started.port,
      'PUT /e HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nbody',
    );
    expect(raw.startsWith('HTTP/1.1 100 Continue\r\n\r\n')).toBe(true);
    const final = parseHead(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    expect(final.status).toBe(200);
    expect(final.body).toBe('got body');
    expect(running.origin.seen[0]?.headers.expect).toBeUndefined();
  });

  it('reuses one upstream connection for sequential requests and counts pool hits', async () => {
    running.origin = await startOrigin((_req, res) => res.end('ok'));
    const started = await startApp(testConfig({ backend_addr: running.origin.addr }), [proxyModule()]);
    running.app = started.app;
    for (let i = 0; i < 5; i++) {
      const r = await httpRequest(started.port, { path: `/n${i}` });
      expect(r.status).toBe(200);
    }
    expect(running.origin.requests).toBe(5);
    expect(running.origin.connections).toBe(1);
    expect(started.metrics.counts.get('proxycache_pool_hits')).toBe(4);
  });

  it('keeps the client connection alive across requests', async () => {
    running.origin = await startOrigin((_req, res) => res.end('ok'));
    const started = await startApp(testConfig({ backend_addr: running.origin.addr }), [proxyModule()]);
    running.app = started.app;
    const agent = new Agent({ connections: 1 });
    let clientConnects = 0;
    agent.on('connect', () => clientConnects++);
    for (let i = 0; i < 3; i++) {
      const r = await undiciRequest(`http://127.0.0.1:${started.port}/k${i}`, { dispatcher: agent });
      expect(r.statusCode).toBe(200);
      expect(await r.body.text()).toBe('ok');
    }
    expect(clientConnects).toBe(1);
    await agent.close();
  });

  it('answers 502 with PC_ERR_UPSTREAM_CONNECT when the backend port is closed', async () => {
    const closed = await startOrigin(() => {});
    const addr = closed.addr;
    await closed.close();
    const codes: string[] = [];
    const started = await startApp(testConfig({ backend_addr: addr }), [proxyModule()], {
      onComplete: (x) => codes.push(`${x.error?.code} ${x.error?.source}`),
    });
    running.app = started.app;
    const r = await httpRequest(started.port, { path: '/x' });
    expect(r.status).toBe(502);
    expect(codes).toEqual(['PC_ERR_UPSTREAM_CONNECT upstream']);
    expect(r.headers.connection).toBe('close');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.body)));
    expect(r.body).toBe('502 Bad Gateway\n');
  });

  it('answers 504 with PC_ERR_UPSTREAM_TIMEOUT when the backend is slower than backend_timeout', async () => {
    const timers: NodeJS.Timeout[] = [];
    running.origin = await startOrigin((_req, res) => {
      timers.push(setTimeout(() => res.end('late'), 3000));
    });
    const codes: string[] = [];
    const started = await startApp(
      testConfig({ backend_addr: running.origin.addr, backend_timeout: 1 }),
      [proxyModule()],
      {
        onComplete: (x) => codes.push(x.error?.code ?? ''),
      },
    );
    running.app = started.app;
    const t0 = performance.now();
    const r = await httpRequest(started.port, { path: '/slow' });
    const elapsed = performance.now() - t0;
    for (const t of timers) clearTimeout(t);
    expect(r.status).toBe(504);
    expect(r.headers.connection).toBe('close');
    expect(r.body).toBe('504 Gateway Timeout\n');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2900);
    expect(codes).toEqual(['PC_ERR_UPSTREAM_TIMEOUT']);
  });
});
