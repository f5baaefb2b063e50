import { describe, expect, it } from 'vitest';
import { metricNames, ProxyMetrics } from '../../src/observability/metrics.js';

describe('ProxyMetrics', () => {
  it('exposes every DESIGN metric name with its type', async () => {
    const text = await new ProxyMetrics().prometheus();
    const types = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect(types).toEqual({
      proxycache_requests_total: 'counter',
      proxycache_active_connections: 'gauge',
      proxycache_bytes_in: 'counter',
      proxycache_bytes_out: 'counter',
      proxycache_latency_max_ms: 'gauge',
      proxycache_request_duration_seconds: 'histogram',
      proxycache_pool_hits: 'counter',
      proxycache_circuit_breaker_trips: 'counter',
      proxycache_cache_hits_total: 'counter',
      proxycache_cache_misses_total: 'counter',
      proxycache_rate_limited_total: 'counter',
    });
    expect(Object.values(metricNames).sort()).toEqual(Object.keys(types).sort());
  });

  it('records requests, bytes, latency, connections and named counters', async () => {
    const m = new ProxyMetrics();
    m.connectionOpened();
    m.connectionOpened();
    m.connectionClosed();
    m.record('GET', 200, 100, 1000, 2);
    m.record('GET', 200, 100, 1000, 4);
    m.record('POST', 502, 50, 10, 30);
    m.record('BREW', 418, 1, 1, 0.5);
    m.inc('proxycache_pool_hits');
    m.inc('proxycache_circuit_breaker_trips', undefined, 2);
    m.inc('cache_hits');
    m.inc('proxycache_cache_misses_total');
    m.inc('proxycache_rate_limited_total');
    const text = await m.prometheus();
    expect(text).toContain('proxycache_requests_total{method="GET",status="200"} 2\n');
    expect(text).toContain('proxycache_requests_total{method="POST",status="502"} 1\n');
    expect(text).toContain('proxycache_requests_total{method="OTHER",status="418"} 1\n');
    expect(text).toContain('proxycache_active_connections 1\n');
    expect(text).toContain('proxycache_bytes_in 251\n');
    expect(text).toContain('proxycache_bytes_out 2011\n');
    expect(text).toContain('proxycache_latency_max_ms 30\n');
    expect(text).toContain('proxycache_request_duration_seconds_bucket{le="0.0025"} 2\n');
    expect(text).toContain('proxycache_request_duration_seconds_count 4\n');
    expect(text).toContain('proxycache_pool_hits 1\n');
    expect(text).toContain('proxycache_circuit_breaker_trips 2\n');
    expect(text).toContain('proxycache_cache_hits_total 1\n');
    expect(text).toContain('proxycache_cache_misses_total 1\n');
    expect(text).toContain('proxycache_rate_limited_total 1\n');
    // A second scrape reports the same totals (collect() resets before filling).
    expect(await m.prometheus()).toBe(text);
  });

  it('statsJson carries the summary numbers', () => {
    let clock = 1_000_000;
    const m = new ProxyMetrics({ now: () => clock });
    m.record('GET', 200, 10, 20, 1);
    m.record('GET', 404, 10, 20, 2);
    m.record('GET', 503, 10, 20, 3.3333);
    m.connectionOpened();
    m.inc('cache_hits', undefined, 3);
    clock += 12_500;
    expect(JSON.parse(m.statsJson())).toEqual({
      requests_total: 3,
      latency_avg_ms: 2.111,
      latency_max_ms: 3.333,
      active_connections: 1,
      bytes_in: 30,
      bytes_out: 60,
      uptime_s: 12,
      responses: { '1xx': 0, '2xx': 1, '3xx': 0, '4xx': 1, '5xx': 1 },
      cache_hits: 3,
      cache_misses: 0,
      rate_limited: 0,
      pool_hits: 0,
      circuit_breaker_trips: 0,
    });
  });

  it('uses its own registry, so two instances do not collide', async () => {
    const a = new ProxyMetrics();
    const b = new ProxyMetrics();
    a.record('GET', 200, 1, 1, 1);
    expect(await b.prometheus()).not.toContain('proxycache_requests_total{');
    expect(a.contentType).toMatch(/^text\/plain/);
  });

  it('creates counters for module-defined names and never throws on bad ones', async () => {
    const m = new ProxyMetrics();
    m.inc('proxycache_custom_events', { kind: 'a' });
    m.inc('proxycache_custom_events', { kind: 'a' }, 2);
    m.inc('proxycache_custom_events', { other: 'label' });
    m.inc('bad name!');
    const text = await m.prometheus();
    expect(text).toContain('proxycache_custom_events{kind="a"} 3\n');
    expect(text).not.toContain('bad name');
  });
});
