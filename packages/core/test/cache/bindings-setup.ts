/**
 * std.cache.check/store driven with a manual clock and an in-test origin (no sockets): check; on a
 * miss the origin answers (the exchange is recorded as sent upstream); then store.
 */
import type { HeaderRecord } from '../../src/pipeline/host.js';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeExchange, type FakeExchangeInit, FakeServices, manualClock } from '../stdlib/fakes.js';

export interface Origin {
  status?: number;
  headers?: HeaderRecord;
  body?: string;
}

export function cacheSetup(ttl = 0, section: Record<string, unknown> = {}) {
  const services = new FakeServices();
  services.persistent = new Map();
  services.config = {
    ...services.config,
    modules: { cache: { ttl_seconds: ttl, max_size: 100, ...section } as never },
  };
  const clock = manualClock();
  const fns = createBindings(services, 'cache', undefined, { now: clock.now }).fns;
  const upstream: FakeExchange[] = [];
  const request = (
    init: FakeExchangeInit,
    origin: Origin | ((x: FakeExchange) => Origin) = {},
  ): FakeExchange => {
    const x = new FakeExchange(init);
    fns['std.cache.check']?.(x);
    if (!x.responded) {
      upstream.push(x);
      const o = typeof origin === 'function' ? origin(x) : origin;
      x.response = {
        status: o.status ?? 200,
        headers: { ...(o.headers ?? {}) },
        body: o.body === undefined ? Buffer.from(`body ${x.path}`) : Buffer.from(o.body),
      };
    }
    fns['std.cache.store']?.(x, ttl, 100);
    return x;
  };
  const xc = (x: FakeExchange): unknown => x.response?.headers['x-cache'];
  const text = (x: FakeExchange): string => {
    const b = x.response?.body;
    return Buffer.isBuffer(b) ? b.toString() : '';
  };
  return { clock, fns, request, upstream, xc, text, services };
}
