import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { accessLogRecord, createRequestObserver } from '../../src/observability/access-log.js';
import { createLogger } from '../../src/observability/logger.js';
import { ProxyMetrics } from '../../src/observability/metrics.js';
import { ProxyExchange } from '../../src/pipeline/exchange.js';

function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

function exchange(listener: 'main' | 'admin' = 'main'): ProxyExchange {
  return new ProxyExchange({
    method: 'GET',
    url: '/items?id=1',
    headers: { host: 'example.test' },
    body: undefined,
    clientIp: '203.0.113.9',
    peerIp: '127.0.0.1',
    scheme: 'http',
    protocol: 'h1',
    listener,
    startedAt: 1000,
  });
}

describe('access log and request metrics', () => {
  it('logs one JSON line per request with request id and cache state when present', async () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    const metrics = new ProxyMetrics();
    const observe = createRequestObserver({ logger, metrics, now: () => 1012.5 });

    const plain = exchange();
    plain.respond(200, 'text', 'ok');
    observe(plain, 120, 340);

    const tagged = exchange();
    tagged.ctxSet('request_id', 'abc-123');
    tagged.notes.set('cache.state', 'hit');
    tagged.respond(200, 'text', 'ok');
    observe(tagged, 1, 2);

    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request',
      method: 'GET',
      path: '/items',
      status: 200,
      bytes_in: 120,
      bytes_out: 340,
      duration_ms: 12.5,
      client_ip: '203.0.113.9',
      protocol: 'h1',
      listener: 'main',
    });
    expect(lines[0]).not.toHaveProperty('request_id');
    expect(lines[0]).not.toHaveProperty('cache');
    expect(lines[1]).toMatchObject({ request_id: 'abc-123', cache: 'hit' });
    expect(JSON.parse(metrics.statsJson())).toMatchObject({
      requests_total: 2,
      bytes_in: 121,
      bytes_out: 342,
      latency_max_ms: 12.5,
    });
  });

  it('does not count admin requests in the proxy metrics and respects the log level', async () => {
    const { lines, stream } = capture();
    const metrics = new ProxyMetrics();
    const observe = createRequestObserver({ logger: createLogger('warn', stream), metrics, now: () => 1001 });
    const x = exchange('admin');
    x.respond(200, 'json', '{}');
    observe(x, 10, 10);
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([]);
    expect(JSON.parse(metrics.statsJson()).requests_total).toBe(0);
  });
});

describe('access-log line encoding', () => {
  const hostile = 'q"uote\\back\nnew\r\t\u0001\u2028\u2029é日本🙂\ud800</script>';

  function hostileExchange(): ProxyExchange {
    const x = new ProxyExchange({
      method: 'GET',
      url: `/a"b\\c\nd\u2028é🙂?x=1`,
      headers: { host: 'example.test', 'x-request-id': hostile },
      body: undefined,
      clientIp: '::1',
      peerIp: '::1',
      scheme: 'http',
      protocol: 'h2',
      listener: 'main',
      startedAt: 1000,
    });
    x.ctxSet('request_id', hostile);
    x.notes.set('cache.state', hostile);
    x.respond(200, 'text', 'ok');
    return x;
  }

  it('writes valid JSON with the exact values for quotes, backslashes, newlines, U+2028 and non-ASCII', async () => {
    const raw: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        raw.push(chunk.toString('utf8'));
        done();
      },
    });
    const observe = createRequestObserver({
      logger: createLogger('info', stream),
      metrics: new ProxyMetrics(),
      now: () => 1000.25,
    });
    const x = hostileExchange();
    observe(x, 7, 9);
    await new Promise((r) => setImmediate(r));
    const text = raw.join('');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.slice(0, -1)).not.toContain('\n');
    const line = JSON.parse(text) as Record<string, unknown>;
    expect(line).toEqual({
      level: 30,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      pid: process.pid,
      method: 'GET',
      path: x.path,
      status: 200,
      bytes_in: 7,
      bytes_out: 9,
      duration_ms: 0.25,
      client_ip: '::1',
      protocol: 'h2',
      listener: 'main',
      // a lone surrogate is written as its \ud800 escape, so even it round-trips exactly
      request_id: hostile,
      cache: hostile,
      msg: 'request',
    });
    expect(x.path).toBe('/a"b\\c\nd\u2028é🙂');
  });

  it('writes the same line pino itself would write for the record', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger('info', stream);
    const observe = createRequestObserver({ logger, metrics: new ProxyMetrics(), now: () => 1003 });
    const x = hostileExchange();
    observe(x, 1, 2);
    logger.info(accessLogRecord(x, 1, 2, 3), 'request');
    await new Promise((r) => setImmediate(r));
    const untimed = lines.map((l) => l.replace(/"time":"[^"]*"/, '"time":""'));
    expect(untimed).toHaveLength(2);
    expect(untimed[0]).toBe(untimed[1]);
  });

  it('falls back to pino for loggers it did not make (children with bindings)', async () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream).child({ component: 'proxy' });
    const observe = createRequestObserver({ logger, metrics: new ProxyMetrics(), now: () => 1001 });
    observe(hostileExchange(), 1, 2);
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ component: 'proxy', msg: 'request', request_id: hostile });
  });
});
