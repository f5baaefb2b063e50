import { describe, expect, it } from 'vitest';
import { createBindings } from '../../src/stdlib/bindings.js';
import { BUCKET_IDLE_MS, MAX_BUCKETS, TokenBuckets } from '../../src/stdlib/rate-limit.js';
import { FakeExchange, FakeServices, manualClock } from './fakes.js';

describe('std.rate_limit', () => {
  it('rps 1, burst 3 allows three requests, refuses the fourth, and refills one per second', () => {
    const clock = manualClock();
    const limit = createBindings(new FakeServices(), 'rl', undefined, { now: clock.now }).fns[
      'std.rate_limit'
    ];
    const x = new FakeExchange({ client_ip: '10.0.0.1' });
    expect([limit?.(x, 1, 3), limit?.(x, 1, 3), limit?.(x, 1, 3), limit?.(x, 1, 3)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    clock.advance(999);
    expect(limit?.(x, 1, 3)).toBe(false);
    clock.advance(1);
    expect(limit?.(x, 1, 3)).toBe(true);
    expect(limit?.(x, 1, 3)).toBe(false);
  });

  it('counts every refusal in the rate_limited metric (/stats, /metrics)', () => {
    const services = new FakeServices();
    const limit = createBindings(services, 'rl', undefined, { now: manualClock().now }).fns['std.rate_limit'];
    const x = new FakeExchange({ client_ip: '10.0.0.1' });
    for (let i = 0; i < 5; i++) limit?.(x, 1, 2);
    expect(services.counters.get('rate_limited')).toBe(3);
  });

  it('keeps one bucket per client ip by default and per explicit key otherwise', () => {
    const clock = manualClock();
    const limit = createBindings(new FakeServices(), 'rl', undefined, { now: clock.now }).fns[
      'std.rate_limit'
    ];
    const a = new FakeExchange({ client_ip: '10.0.0.1' });
    const b = new FakeExchange({ client_ip: '10.0.0.2' });
    expect(limit?.(a, 1, 1)).toBe(true);
    expect(limit?.(a, 1, 1)).toBe(false);
    expect(limit?.(b, 1, 1)).toBe(true);
    expect(limit?.(a, 1, 1, 'api-key-1')).toBe(true);
    expect(limit?.(b, 1, 1, 'api-key-1')).toBe(false);
  });

  it('starts fresh per bindings (a reload resets the buckets)', () => {
    const clock = manualClock();
    const services = new FakeServices();
    const x = new FakeExchange();
    const first = createBindings(services, 'rl', undefined, { now: clock.now }).fns['std.rate_limit'];
    expect([first?.(x, 1, 1), first?.(x, 1, 1)]).toEqual([true, false]);
    const second = createBindings(services, 'rl', undefined, { now: clock.now }).fns['std.rate_limit'];
    expect(second?.(x, 1, 1)).toBe(true);
  });

  it('drops buckets idle for 300 s and never holds more than 50,000', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets(clock.now);
    expect(buckets.take('k', 0, 1)).toBe(true);
    expect(buckets.take('k', 0, 1)).toBe(false);
    clock.advance(BUCKET_IDLE_MS + 1);
    // rps 0 never refills, so only forgetting the idle bucket can allow this.
    expect(buckets.take('k', 0, 1)).toBe(true);
    for (let i = 0; i < MAX_BUCKETS + 10; i++) buckets.take(`ip-${i}`, 1, 1);
    expect(buckets.size).toBe(MAX_BUCKETS);
  });
});
