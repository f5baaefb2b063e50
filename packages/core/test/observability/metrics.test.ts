import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricNames, ProxyMetrics } from '../../src/observability/metrics.js';

const durationSection = (text: string): string =>
  text
    .split('\n\n')
    .find((s) => s.includes('# TYPE proxycache_request_duration_seconds histogram'))
    ?.trimEnd() ?? '';

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

  it('keeps the /metrics text byte for byte (names, help, labels, buckets, order)', async () => {
    const m = new ProxyMetrics();
    m.connectionOpened();
    m.record('GET', 200, 100, 1000, 0.3);
    m.record('GET', 200, 100, 1000, 0.5);
    m.record('POST', 502, 50, 10, 30);
    m.record('BREW', 418, 1, 1, 12_000);
    m.inc('cache_hits');
    m.inc('proxycache_pool_hits', undefined, 2);
    const bucket = (le: string, n: number) => `proxycache_request_duration_seconds_bucket{le="${le}"} ${n}\n`;
    expect(await m.prometheus()).toBe(
      '# HELP proxycache_requests_total Completed requests by method and status.\n' +
        '# TYPE proxycache_requests_total counter\n' +
        'proxycache_requests_total{method="GET",status="200"} 2\n' +
        'proxycache_requests_total{method="POST",status="502"} 1\n' +
        'proxycache_requests_total{method="OTHER",status="418"} 1\n\n' +
        '# HELP proxycache_active_connections Open client connections.\n' +
        '# TYPE proxycache_active_connections gauge\n' +
        'proxycache_active_connections 1\n\n' +
        '# HELP proxycache_bytes_in Bytes read from clients.\n' +
        '# TYPE proxycache_bytes_in counter\n' +
        'proxycache_bytes_in 251\n\n' +
        '# HELP proxycache_bytes_out Bytes written to clients.\n' +
        '# TYPE proxycache_bytes_out counter\n' +
        'proxycache_bytes_out 2011\n\n' +
        '# HELP proxycache_latency_max_ms Longest request duration seen, in milliseconds.\n' +
        '# TYPE proxycache_latency_max_ms gauge\n' +
        'proxycache_latency_max_ms 12000\n\n' +
        '# HELP proxycache_request_duration_seconds Request duration in seconds, from the complete request head to the end of the response.\n' +
        '# TYPE proxycache_request_duration_seconds histogram\n' +
        bucket('0.0005', 2) +
        bucket('0.001', 2) +
        bucket('0.0025', 2) +
        bucket('0.005', 2) +
        bucket('0.01', 2) +
        bucket('0.025', 2) +
        bucket('0.05', 3) +
        bucket('0.1', 3) +
        bucket('0.25', 3) +
        bucket('0.5', 3) +
        bucket('1', 3) +
        bucket('2.5', 3) +
        bucket('5', 3) +
        bucket('10', 3) +
        bucket('+Inf', 4) +
        'proxycache_request_duration_seconds_sum 12.0308\n' +
        'proxycache_request_duration_seconds_count 4\n\n' +
        '# HELP proxycache_pool_hits Upstream requests served on a reused pooled connection.\n' +
        '# TYPE proxycache_pool_hits counter\n' +
        'proxycache_pool_hits 2\n\n' +
        '# HELP proxycache_circuit_breaker_trips Times a circuit breaker opened.\n' +
        '# TYPE proxycache_circuit_breaker_trips counter\n' +
        'proxycache_circuit_breaker_trips 0\n\n' +
        '# HELP proxycache_cache_hits_total Requests answered from the cache.\n' +
        '# TYPE proxycache_cache_hits_total counter\n' +
        'proxycache_cache_hits_total 1\n\n' +
        '# HELP proxycache_cache_misses_total Cacheable requests the cache could not answer.\n' +
        '# TYPE proxycache_cache_misses_total counter\n' +
        'proxycache_cache_misses_total 0\n\n' +
        '# HELP proxycache_rate_limited_total Requests refused by a rate limit.\n' +
        '# TYPE proxycache_rate_limited_total counter\n' +
        'proxycache_rate_limited_total 0\n',
    );
  });

  it("reports the latency histogram exactly as prom-client's own Histogram would", async () => {
    const m = new ProxyMetrics();
    const reference = new Registry();
    const histogram = new Histogram({
      name: metricNames.requestDuration,
      help: 'Request duration in seconds, from the complete request head to the end of the response.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [reference],
    });
    expect(durationSection(await m.prometheus())).toBe(durationSection(await reference.metrics()));
    // bucket bounds themselves, values between them, zero, and above the last bound
    const ms = [
      0, 0.5, 1, 2.5, 10, 10000, 12_000, 0.4999, 0.50001, 1e-9, 99.7, 333.3, 2500.0001, 7.25, 0.123,
    ];
    for (let i = 0; i < 300; i++) {
      const d = ms[i % ms.length] ?? 0;
      m.record('GET', 200, 0, 0, d * (1 + (i % 7) / 3));
      histogram.observe((d * (1 + (i % 7) / 3)) / 1000);
    }
    const ours = durationSection(await m.prometheus());
    expect(ours).toContain('proxycache_request_duration_seconds_count 300');
    expect(ours).toBe(durationSection(await reference.metrics()));
    expect((await m.registry.getMetricsAsJSON()).find((x) => x.name === metricNames.requestDuration)).toEqual(
      (await reference.getMetricsAsJSON())[0],
    );
    m.registry.resetMetrics();
    histogram.reset();
    expect(durationSection(await m.prometheus())).toBe(durationSection(await reference.metrics()));
    m.record('GET', 200, 0, 0, 3);
    histogram.observe(0.003);
    expect(durationSection(await m.prometheus())).toBe(durationSection(await reference.metrics()));
  });
});
