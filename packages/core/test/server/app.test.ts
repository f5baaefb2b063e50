import { connect, createServer as createNetServer, type Server as NetServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  fakeModule,
  httpRequest,
  parseHead,
  proxyModule,
  rawExchange,
  startApp,
  startOrigin,
  stopAfterEach,
  testConfig,
} from './helpers.js';

const running = stopAfterEach();

describe('pipeline over the main listener', () => {
  it('runs modules by priority, first response wins, on_response in reverse, overrides honoured', async () => {
    const order: string[] = [];
    const tracer = (name: string, priority: number, respondOn?: string) =>
      fakeModule(name, priority, () => ({
        onRequest: (x) => {
          order.push(`req:${name}`);
          if (respondOn !== undefined && x.path === respondOn) x.respond(200, 'text', name);
        },
        onResponse: (x) => {
          order.push(`res:${name}`);
          x.setHeader('on_response', `x-seen-${name}`, '1');
        },
      }));
    const mods = [
      tracer('late', 90, '/'),
      tracer('early', 10),
      tracer('middle', 50, '/'),
      tracer('health_check', 40, '/'),
      fakeModule('my_health', 45, () => ({}), { overrides: ['health_check'] }),
      tracer('disabled', 20, '/'),
    ];
    const started = await startApp(testConfig({}, { disabled: { enabled: false } }), mods);
    running.app = started.app;
    const r = await httpRequest(started.port, { path: '/' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('middle');
    expect(order).toEqual(['req:early', 'req:middle', 'res:middle', 'res:early']);
    expect(r.headers['x-seen-early']).toBe('1');
    expect(r.headers['x-seen-middle']).toBe('1');
    expect(r.headers['x-seen-late']).toBeUndefined();

    order.length = 0;
    const none = await httpRequest(started.port, { path: '/nobody' });
    expect(none.status).toBe(500);
    expect(none.headers.connection).toBe('close');
    expect(order).toEqual(['req:early', 'req:middle', 'req:late', 'res:late', 'res:middle', 'res:early']);
  });

  it('a throwing handler answers 500, is logged with its .pcmod location, and the next request is fine', async () => {
    const bad = fakeModule('bad', 10, () => ({
      onRequest: (x) => {
        if (x.path === '/boom')
          throw Object.assign(new Error('kaboom'), {
            where: { file: '/mods/bad.pcmod', line: 12, column: 5 },
          });
      },
    }));
    const ok = fakeModule('ok', 20, () => ({ onRequest: (x) => x.respond(200, 'text', 'ok') }));
    const started = await startApp(testConfig(), [bad, ok]);
    running.app = started.app;
    const r = await httpRequest(started.port, { path: '/boom' });
    expect(r.status).toBe(500);
    expect(r.body).toBe('500 Internal Server Error\n');
    expect(r.body).not.toContain('kaboom');
    const line = started.log.lines.find((l) => l.code === 'PC_ERR_SCRIPT');
    expect(line).toMatchObject({
      module: 'bad',
      phase: 'on_request',
      file: '/mods/bad.pcmod',
      line: 12,
      column: 5,
      path: '/boom',
    });
    expect(started.metrics.counts.get('proxycache_script_errors_total')).toBe(1);
    const next = await httpRequest(started.port, { path: '/fine' });
    expect(next.status).toBe(200);
    expect(next.body).toBe('ok');
  });

  it('an invalid status from a module answers 500 instead of breaking the connection', async () => {
    const weird = fakeModule('weird', 10, () => ({ onRequest: (x) => x.respond(1234, 'text', 'x') }));
    const started = await startApp(testConfig(), [weird]);
    running.app = started.app;
    const r = await httpRequest(started.port);
    expect(r.status).toBe(500);
  });

  it('HEAD gets headers with Content-Length and no body', async () => {
    const mod = fakeModule('m', 10, () => ({ onRequest: (x) => x.respond(200, 'text', 'twelve bytes') }));
    const started = await startApp(testConfig(), [mod]);
    running.app = started.app;
    const raw = await rawExchange(started.port, 'HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const r = parseHead(raw);
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('12');
    expect(r.body).toBe('');
  });
});

describe('client address', () => {
  const echoIp = fakeModule('echo', 10, () => ({ onRequest: (x) => x.respond(200, 'text', x.client_ip) }));

  it('ignores X-Forwarded-For from an untrusted peer', async () => {
    const started = await startApp(testConfig({ trusted_proxies: ['10.0.0.0/8'] }), [echoIp]);
    running.app = started.app;
    const r = await httpRequest(started.port, { headers: { 'x-forwarded-for': '198.51.100.1' } });
    expect(r.body).toBe('127.0.0.1');
  });

  it('takes the rightmost untrusted hop when the peer is a trusted proxy', async () => {
    const started = await startApp(testConfig({ trusted_proxies: ['127.0.0.1', '192.0.2.0/24'] }), [echoIp]);
    running.app = started.app;
    const r = await httpRequest(started.port, {
      headers: { 'x-forwarded-for': '203.0.113.9, 198.51.100.1, 192.0.2.44' },
    });
    expect(r.body).toBe('198.51.100.1');
  });
});

describe('lifecycle', () => {
  it('swap serves the new pipeline while an in-flight request finishes on the old one, then disposes the old', async () => {
    let release: (() => void) | undefined;
    const disposed: string[] = [];
    const version = (v: string, slow: boolean) =>
      fakeModule('v', 10, (b) => {
        b.services.onDispose(() => disposed.push(v));
        return {
          onRequest: (x) => {
            if (slow && x.path === '/slow') {
              return new Promise<void>((resolve) => {
                release = () => {
                  x.respond(200, 'text', v);
                  resolve();
                };
              });
            }
            x.respond(200, 'text', v);
          },
        };
      });
    const started = await startApp(testConfig(), [version('one', true)]);
    running.app = started.app;
    const slow = httpRequest(started.port, { path: '/slow' });
    while (release === undefined) await new Promise((r) => setTimeout(r, 5));
    const result = await running.app.swap(testConfig(), [version('two', false)]);
    expect(result.ok).toBe(true);
    const fresh = await httpRequest(started.port, { path: '/' });
    expect(fresh.body).toBe('two');
    expect(disposed).toEqual([]);
    release();
    expect((await slow).body).toBe('one');
    await new Promise((r) => setTimeout(r, 20));
    expect(disposed).toEqual(['one']);
  });

  it('a swap whose on_start throws keeps the old pipeline', async () => {
    const good = fakeModule('m', 10, () => ({ onRequest: (x) => x.respond(200, 'text', 'old') }));
    const broken = fakeModule('m', 10, () => ({
      onStart: () => {
        throw new Error('cannot start');
      },
      onRequest: (x) => x.respond(200, 'text', 'new'),
    }));
    const started = await startApp(testConfig(), [good]);
    running.app = started.app;
    const result = await running.app.swap(testConfig(), [broken]);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('PC_ERR_SCRIPT');
      expect(result.error.message).toBe('m on_start: cannot start');
      expect(result.where).toEqual({ file: '/mods/m.pcmod', line: 0, column: 0 });
    }
    expect((await httpRequest(started.port)).body).toBe('old');
  });

  it('graceful shutdown completes a request in flight and then refuses connections', async () => {
    running.origin = await startOrigin((_req, res) => {
      setTimeout(() => res.end('finished'), 300);
    });
    const started = await startApp(testConfig({ backend_addr: running.origin.addr }), [proxyModule()]);
    running.app = started.app;
    const inflight = httpRequest(started.port, { path: '/slow' });
    while (running.origin.requests === 0) await new Promise((r) => setTimeout(r, 5));
    const stopped = running.app.shutdown();
    const r = await inflight;
    expect(r.status).toBe(200);
    expect(r.body).toBe('finished');
    expect(r.headers.connection).toBe('close');
    await stopped;
    await expect(httpRequest(started.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('internalRequest runs a GET through the pipeline', async () => {
    let status = 0;
    const seen: string[] = [];
    const warm = fakeModule('warm', 10, (b) => ({
      onStart: async () => {
        status = await b.services.internalRequest('/warm-me');
      },
      onRequest: (x) => {
        seen.push(`${x.listener} ${x.method} ${x.path}`);
        x.respond(204, undefined, undefined);
      },
    }));
    const started = await startApp(testConfig(), [warm]);
    running.app = started.app;
    expect(status).toBe(204);
    expect(seen).toEqual(['internal GET /warm-me']);
  });
});

describe('admin listener', () => {
  it('runs only the claiming module on its own listener and 404s when it does not respond', async () => {
    const admin = fakeModule('admin_api', 70, (b) => {
      const inst = {
        onStart: () => b.services.listenAdmin('127.0.0.1:0', 16, () => inst),
        onRequest: (x: import('@proxycache/pcmod-lang').Exchange) => {
          if (x.listener === 'admin' && x.path === '/status') x.respond(200, 'json', '{"status":"ok"}');
        },
      };
      return inst;
    });
    const catchAll = fakeModule('catch_all', 200, () => ({
      onRequest: (x) => x.respond(200, 'text', 'main'),
    }));
    const started = await startApp(testConfig(), [admin, catchAll]);
    running.app = started.app;
    const addr = running.app.adminAddress('127.0.0.1:0');
    expect(addr).toBeDefined();
    const port = addr?.port ?? 0;
    const s = await httpRequest(port, { path: '/status' });
    expect(s.status).toBe(200);
    expect(s.body).toBe('{"status":"ok"}');
    const missing = await httpRequest(port, { path: '/nothing' });
    expect(missing.status).toBe(404);
    expect((await httpRequest(started.port, { path: '/status' })).body).toBe('main');
  });
});

describe('raw TCP passthrough', () => {
  it('pipes a non-HTTP client to the backend and still serves HTTP on the same port', async () => {
    const echo: NetServer = createNetServer((s) => {
      s.on('data', (d: Buffer) => s.write(`echo:${d.toString()}`));
      s.on('end', () => s.end());
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    running.close = () => new Promise((r) => echo.close(() => r()));
    const echoAddr = `127.0.0.1:${(echo.address() as { port: number }).port}`;
    const raw = fakeModule('raw_tcp', 130, (b) => ({ onStart: () => b.services.enableRawTcp(echoAddr) }));
    const http = fakeModule('hello', 50, () => ({ onRequest: (x) => x.respond(200, 'text', 'http ok') }));
    const started = await startApp(testConfig(), [raw, http]);
    running.app = started.app;

    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(started.port, '127.0.0.1', () => sock.write('\x16\x03\x01binary-ish'));
      let got = '';
      sock.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.length >= 'echo:\x16\x03\x01binary-ish'.length) sock.end();
      });
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
    });
    expect(answer).toBe('echo:\x16\x03\x01binary-ish');

    const r = await httpRequest(started.port, { path: '/' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('http ok');
    // a request line split across packets is still HTTP
    const split = await new Promise<string>((resolve, reject) => {
      const sock = connect(started.port, '127.0.0.1', () => {
        sock.write('GE');
        setTimeout(() => sock.write('T / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'), 30);
      });
      let got = '';
      sock.on('data', (d: Buffer) => (got += d.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
    });
    expect(parseHead(split).status).toBe(200);
    expect(parseHead(split).body).toBe('http ok');
    // an empty line before the request line is still HTTP (RFC 9112 §2.2): answered by the pipeline,
    // not piped around it to the raw backend
    const crlf = await rawExchange(
      started.port,
      '\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    expect([parseHead(crlf).status, parseHead(crlf).body]).toEqual([200, 'http ok']);
    // keep-alive after sniffing: two requests on one connection
    const both = await rawExchange(
      started.port,
      'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    );
    expect(both.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
  });
});
