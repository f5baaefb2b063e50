import { describe, expect, it } from 'vitest';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeExchange, FakeServices } from './fakes.js';

describe('std.proxy.forward', () => {
  it('forwards to the argument, else ctx.backend, else server.backend_addr', async () => {
    const services = new FakeServices();
    const forward = createBindings(services, 'proxy_core').fns['std.proxy.forward'];
    await forward?.(new FakeExchange(), '10.0.0.9:80');
    const chosen = new FakeExchange();
    chosen.ctxSet('backend', '10.0.0.2:80');
    await forward?.(chosen);
    const plain = new FakeExchange();
    await forward?.(plain, '');
    expect(services.forwarded.map((f) => f.backend)).toEqual([
      '10.0.0.9:80',
      '10.0.0.2:80',
      '127.0.0.1:8080',
    ]);
    expect(plain.response?.status).toBe(200);
  });
});

describe('std.metrics', () => {
  it('renders the host metrics as Prometheus text (async) and JSON stats', async () => {
    const fns = createBindings(new FakeServices(), 'metrics_exporter').fns;
    expect(await fns['std.metrics.prometheus']?.(new FakeExchange())).toContain(
      'proxycache_requests_total 1',
    );
    expect(JSON.parse(fns['std.metrics.stats_json']?.(new FakeExchange()) as string)).toEqual({
      requests_total: 1,
      latency_avg_ms: 0,
    });
  });
});

describe('std.raw_tcp.passthrough', () => {
  it('enables passthrough to the given backend, or server.backend_addr for ""', () => {
    const services = new FakeServices();
    const passthrough = createBindings(services, 'raw_tcp').fns['std.raw_tcp.passthrough'];
    passthrough?.(undefined, '10.0.0.5:5432');
    passthrough?.(undefined, '');
    expect(services.rawTcp).toEqual(['10.0.0.5:5432', '127.0.0.1:8080']);
  });
});
