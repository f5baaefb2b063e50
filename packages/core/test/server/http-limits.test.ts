import { describe, expect, it } from 'vitest';
import {
  fakeModule,
  parseHead,
  proxyModule,
  rawExchange,
  startApp,
  startOrigin,
  stopAfterEach,
  testConfig,
} from './helpers.js';

const running = stopAfterEach();

const okModule = fakeModule('ok', 50, () => ({ onRequest: (x) => x.respond(200, 'text', 'fine') }));

describe('malformed and oversized requests', () => {
  it('answers garbage with 400, Content-Length and Connection: close, without a stack trace', async () => {
    const started = await startApp(testConfig(), [okModule]);
    running.app = started.app;
    const raw = await rawExchange(started.port, 'THIS IS NOT HTTP\r\n\r\n');
    const r = parseHead(raw);
    expect(r.status).toBe(400);
    expect(r.headers.connection).toBe('close');
    expect(r.headers['content-length']).toBe(String(r.body.length));
    expect(r.body).toBe('400 Bad Request\n');
    expect(raw).not.toContain(' at ');
  });

  it('refuses smuggling-shaped requests (Content-Length with Transfer-Encoding) with 400', async () => {
    const started = await startApp(testConfig(), [okModule]);
    running.app = started.app;
    const raw = await rawExchange(
      started.port,
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    );
    expect(parseHead(raw).status).toBe(400);
    expect(parseHead(raw).headers.connection).toBe('close');
  });

  it('answers a head over max_header_size with 431', async () => {
    const started = await startApp(testConfig({ max_header_size: 2048 }), [okModule]);
    running.app = started.app;
    const raw = await rawExchange(
      started.port,
      `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`,
    );
    const r = parseHead(raw);
    expect(r.status).toBe(431);
    expect(r.headers.connection).toBe('close');
    expect(r.headers['content-length']).toBe(String(r.body.length));
  });

  it('answers a Content-Length over max_body_size with 413 before running the pipeline', async () => {
    let ran = 0;
    const counting = fakeModule('count', 10, () => ({ onRequest: () => void ran++ }));
    const started = await startApp(testConfig({ max_body_size: 1000 }), [counting, okModule]);
    running.app = started.app;
    const raw = await rawExchange(
      started.port,
      `POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n${'b'.repeat(1001)}`,
    );
    const r = parseHead(raw);
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect(r.body).toBe('413 Payload Too Large\n');
    expect(ran).toBe(0);
    // exactly at the limit is fine
    const ok = await rawExchange(
      started.port,
      `POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n${'b'.repeat(1000)}`,
    );
    expect(parseHead(ok).status).toBe(200);
  });

  it('answers a chunked body that grows over max_body_size with 413', async () => {
    running.origin = await startOrigin((_req, res) => res.end('should not be reached'));
    const codes: string[] = [];
    const started = await startApp(
      testConfig({ max_body_size: 1000, backend_addr: running.origin.addr }),
      [proxyModule()],
      {
        onComplete: (x) => codes.push(x.error?.code ?? ''),
      },
    );
    running.app = started.app;
    const chunk = `258\r\n${'c'.repeat(600)}\r\n`;
    const raw = await rawExchange(
      started.port,
      `POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}0\r\n\r\n`,
    );
    const r = parseHead(raw);
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect(codes).toEqual(['PC_ERR_BODY_TOO_LARGE']);
  });

  it('answers a client that never finishes its head with 408 after client_timeout', async () => {
    const started = await startApp(testConfig({ client_timeout: 1 }), [okModule]);
    running.app = started.app;
    const t0 = performance.now();
    const raw = await rawExchange(started.port, 'GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ', 5000);
    const elapsed = performance.now() - t0;
    const r = parseHead(raw);
    expect(r.status).toBe(408);
    expect(r.headers.connection).toBe('close');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3500);
  });

  it('keeps serving after bad requests', async () => {
    const started = await startApp(testConfig(), [okModule]);
    running.app = started.app;
    await rawExchange(started.port, '\x00\x01\x02garbage\r\n\r\n');
    const raw = await rawExchange(started.port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const r = parseHead(raw);
    expect(r.status).toBe(200);
    expect(r.body).toBe('fine');
  });
});
