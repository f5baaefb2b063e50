import { describe, expect, it } from 'vitest';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeExchange, FakeServices } from './fakes.js';

const BACKENDS = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80'];

function setup() {
  const services = new FakeServices();
  const lb = createBindings(services, 'load_balancer').fns['std.load_balance'];
  const pick = (backends: readonly string[] = BACKENDS, strategy?: string): string => {
    const x = new FakeExchange();
    const chosen = (strategy === undefined ? lb?.(x, backends) : lb?.(x, backends, strategy)) as string;
    expect(x.ctxGet('backend')).toBe(chosen);
    return chosen;
  };
  return { services, pick };
}

describe('std.load_balance', () => {
  it('rotates round robin and records ctx.backend', () => {
    const { pick } = setup();
    expect([pick(), pick(), pick(), pick()]).toEqual([...BACKENDS, BACKENDS[0]]);
  });

  it('skips unhealthy backends and returns them when they recover', () => {
    const { services, pick } = setup();
    services.setHealthy('10.0.0.2:80', false);
    expect([pick(), pick(), pick(), pick()]).toEqual([
      '10.0.0.1:80',
      '10.0.0.3:80',
      '10.0.0.1:80',
      '10.0.0.3:80',
    ]);
    services.setHealthy('10.0.0.2:80', true);
    expect(new Set([pick(), pick(), pick()])).toEqual(new Set(BACKENDS));
  });

  it('falls back to all backends when none is healthy', () => {
    const { services, pick } = setup();
    for (const b of BACKENDS) services.setHealthy(b, false);
    expect([pick(), pick(), pick()]).toEqual(BACKENDS);
  });

  it('uses server.backend_addr for an empty list', () => {
    const { services, pick } = setup();
    expect(pick([])).toBe(services.config.server.backend_addr);
  });

  it('least_connections picks the backend with the fewest requests in flight', () => {
    const { services, pick } = setup();
    const active: Record<string, number> = { '10.0.0.1:80': 5, '10.0.0.2:80': 1, '10.0.0.3:80': 3 };
    services.activeRequests = (b: string) => active[b] ?? 0;
    expect(pick(BACKENDS, 'least_connections')).toBe('10.0.0.2:80');
    expect(pick(BACKENDS, 'round_robin')).toBe('10.0.0.1:80');
  });
});
