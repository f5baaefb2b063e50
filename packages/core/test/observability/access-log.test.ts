import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRequestObserver } from '../../src/observability/access-log.js';
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
