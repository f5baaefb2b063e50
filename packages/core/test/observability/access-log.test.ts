import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { accessLogRecord, createRequestObserver } from '../../src/observability/access-log.js';
import { BatchedStream, createLogger } from '../../src/observability/logger.js';
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

  it('counts cache hits (fresh, stale, revalidated) and misses in /stats', () => {
    const metrics = new ProxyMetrics();
    const observe = createRequestObserver({ logger: createLogger('warn'), metrics, now: () => 1001 });
    for (const state of ['hit', 'hit', 'stale', 'revalidated', 'miss', 'bypass', undefined]) {
      const x = exchange();
      if (state !== undefined) x.notes.set('cache.state', state);
      x.respond(200, 'text', 'ok');
      observe(x, 1, 1);
    }
    expect(JSON.parse(metrics.statsJson())).toMatchObject({
      requests_total: 7,
      cache_hits: 4,
      cache_misses: 1,
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

describe('access-log line through the batched stdout stream', () => {
  function batchedLogger(): { logger: ReturnType<typeof createLogger>; bytes: () => Buffer } {
    const writes: Buffer[] = [];
    const stream = new BatchedStream(
      {
        write: (chunk: Buffer) => writes.push(chunk),
        flush: (cb) => cb?.(),
        flushSync: () => {},
      },
      { maxDelayMs: 60_000 },
    );
    const logger = createLogger('info', stream);
    return {
      logger,
      bytes: () => {
        logger.flush();
        return Buffer.concat(writes);
      },
    };
  }

  const odd = 'q"uote\\back\nnew\r\t\u0001\u007f\u0080\u00ff\u2028é日本🙂\ud800\udc00x</script>';

  function oddExchange(all: boolean): ProxyExchange {
    const x = new ProxyExchange({
      method: all ? `M${odd}` : 'GET',
      url: all ? `/p/${odd}?q=1` : '/plain/path?q=1',
      headers: { host: 'example.test' },
      body: undefined,
      clientIp: all ? `ip${odd}` : '192.0.2.1',
      peerIp: '192.0.2.1',
      scheme: 'http',
      protocol: all ? `h${odd}` : 'h1',
      listener: 'main',
      startedAt: 1000,
    });
    x.ctxSet('request_id', all ? odd : 'req-1');
    x.notes.set('cache.state', all ? odd : 'miss');
    x.responder = all ? odd : 'proxy_core';
    x.error = { code: all ? `PC_ERR_${odd}` : 'PC_ERR_UPSTREAM_TIMEOUT' } as ProxyExchange['error'];
    x.abort();
    x.respond(504, 'text', 'timeout');
    return x;
  }

  it('writes every field, exactly, as UTF-8 JSON that round-trips, for ASCII and non-ASCII lines', () => {
    const { logger, bytes } = batchedLogger();
    const observe = createRequestObserver({ logger, metrics: new ProxyMetrics(), now: () => 1002.0406 });
    const plain = oddExchange(false);
    const hostile = oddExchange(true);
    // only the non-ASCII line takes the UTF-8 path; ASCII-only lines are passed on as such
    const utf8Writes = vi.spyOn(BatchedStream.prototype, 'write');
    observe(plain, 11, 22);
    observe(hostile, 33, 44);
    observe(plain, 55, 66);
    expect(utf8Writes).toHaveBeenCalledTimes(1);
    utf8Writes.mockRestore();
    const out = bytes();
    // the batch is valid UTF-8 (a lone surrogate would not be: it is written escaped)
    expect(Buffer.from(out.toString('utf8'), 'utf8').equals(out)).toBe(true);
    const lines = out.toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    const base = {
      level: 30,
      pid: process.pid,
      listener: 'main',
      status: 504,
      duration_ms: 2.041,
      aborted: true,
    };
    const time = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const plainLine = {
      ...base,
      time,
      method: 'GET',
      path: '/plain/path',
      bytes_in: 11,
      bytes_out: 22,
      client_ip: '192.0.2.1',
      protocol: 'h1',
      request_id: 'req-1',
      cache: 'miss',
      responder: 'proxy_core',
      error: 'PC_ERR_UPSTREAM_TIMEOUT',
      msg: 'request',
    };
    expect(JSON.parse(lines[0] ?? '')).toEqual(plainLine);
    expect(JSON.parse(lines[2] ?? '')).toEqual({ ...plainLine, bytes_in: 55, bytes_out: 66 });
    expect(JSON.parse(lines[1] ?? '')).toEqual({
      ...base,
      time,
      method: `M${odd}`,
      path: `/p/${odd}`,
      bytes_in: 33,
      bytes_out: 44,
      client_ip: `ip${odd}`,
      protocol: `h${odd}`,
      request_id: odd,
      cache: odd,
      responder: odd,
      error: `PC_ERR_${odd}`,
      msg: 'request',
    });
    // field order is the documented record order, as pino writes it
    expect(Object.keys(JSON.parse(lines[0] ?? ''))).toEqual([
      'level',
      'time',
      'pid',
      'method',
      'path',
      'status',
      'bytes_in',
      'bytes_out',
      'duration_ms',
      'client_ip',
      'protocol',
      'listener',
      'request_id',
      'cache',
      'responder',
      'error',
      'aborted',
      'msg',
    ]);
    // a surrogate pair is a character (written as is); only lone surrogates need escapes
    expect(lines[1]).toContain('\ud800\udc00');
    expect([...(lines[1] ?? '')].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
  });

  it('writes duration_ms and every field as pino would for the record, for many durations', async () => {
    const durations = [
      0, 0.0004, 0.0005, 0.001, 0.0015, 0.01, 0.1, 0.1234567, 1, 1.5, 2.25, 12.5, 99.9995, 1234.5678, 3.1,
      10.2, 100.03, 7.0101, 86_400_000.123, 1e12, 2e15, -0.0004, -3,
    ];
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const logger = createLogger('info', stream);
    let t = 0;
    const observe = createRequestObserver({ logger, metrics: new ProxyMetrics(), now: () => 1000 + t });
    const xs = [oddExchange(false), oddExchange(true), exchange()];
    for (const d of durations) {
      for (const x of xs) {
        t = d;
        observe(x, 1, 2);
        logger.info(accessLogRecord(x, 1, 2, 1000 + d - x.startedAt), 'request');
      }
    }
    await new Promise((r) => setImmediate(r));
    const untimed = lines.map((l) => l.replace(/"time":"[^"]*"/, '"time":""'));
    expect(untimed).toHaveLength(durations.length * xs.length * 2);
    for (let i = 0; i < untimed.length; i += 2) expect(untimed[i]).toBe(untimed[i + 1]);
    expect(JSON.parse(lines[0] ?? '').duration_ms).toBe(0);
    expect(lines.filter((l) => l.includes('"duration_ms":1234.568,'))).toHaveLength(6);
  });
});
