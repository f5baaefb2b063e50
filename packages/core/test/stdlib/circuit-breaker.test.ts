import { describe, expect, it } from 'vitest';
import { NOTE_UPSTREAM_BACKEND } from '../../src/pipeline/host.js';
import { createBindings } from '../../src/stdlib/bindings.js';
import { TRIPS_METRIC } from '../../src/stdlib/circuit-breaker.js';
import { FakeExchange, FakeServices, manualClock } from './fakes.js';

const BACKEND = '127.0.0.1:8080';
const THRESHOLD = 3;
const RECOVERY_S = 10;

function setup() {
  const clock = manualClock();
  const services = new FakeServices();
  const fns = createBindings(services, 'cb', undefined, { now: clock.now }).fns;
  const check = (x = new FakeExchange()): boolean =>
    fns['std.circuit_breaker.check']?.(x, THRESHOLD, RECOVERY_S) as boolean;
  const record = (status: number, backend: string | null = BACKEND): void => {
    const x = new FakeExchange();
    if (backend !== null) x.notes.set(NOTE_UPSTREAM_BACKEND, backend);
    fns['std.circuit_breaker.record']?.(x, status);
  };
  /** One request as the module runs it: check in on_request; when let through, the upstream answer is recorded. */
  const send = (status: number): boolean => {
    const allowed = check();
    if (allowed) record(status);
    return allowed;
  };
  return { clock, services, fns, check, record, send };
}

describe('std.circuit_breaker', () => {
  it('opens after threshold consecutive 5xx and counts a trip', () => {
    const { services, check, send } = setup();
    expect([send(500), send(502), send(503)]).toEqual([true, true, true]);
    expect(check()).toBe(false);
    expect(services.counters.get(TRIPS_METRIC)).toBe(1);
  });

  it('a non-5xx answer in between resets the failure count', () => {
    const { check, send } = setup();
    for (const status of [500, 500, 404, 500, 500]) send(status);
    expect(check()).toBe(true);
  });

  it('lets exactly one probe through after recovery, and a 2xx probe closes the circuit', () => {
    const { clock, check, record, send } = setup();
    for (let i = 0; i < THRESHOLD; i++) send(500);
    clock.advance(RECOVERY_S * 1000 - 1);
    expect(check()).toBe(false);
    clock.advance(1);
    expect(check()).toBe(true); // the half-open probe
    expect(check()).toBe(false); // everyone else waits for it
    record(200);
    expect(check()).toBe(true);
    expect(check()).toBe(true);
  });

  it('a failed probe opens the circuit again for another recovery period', () => {
    const { clock, services, check, send } = setup();
    for (let i = 0; i < THRESHOLD; i++) send(500);
    clock.advance(RECOVERY_S * 1000);
    expect(send(500)).toBe(true);
    expect(check()).toBe(false);
    expect(services.counters.get(TRIPS_METRIC)).toBe(2);
    clock.advance(RECOVERY_S * 1000);
    expect(check()).toBe(true);
  });

  it('lets another probe through when the first never reports back', () => {
    const { clock, check, send } = setup();
    for (let i = 0; i < THRESHOLD; i++) send(500);
    clock.advance(RECOVERY_S * 1000);
    expect(check()).toBe(true);
    clock.advance(RECOVERY_S * 1000);
    expect(check()).toBe(true);
  });

  it('ignores responses that did not come from upstream (cache hits, module replies)', () => {
    const { check, record } = setup();
    check();
    for (let i = 0; i < 5; i++) record(503, null);
    expect(check()).toBe(true);
  });

  it('keeps circuits per backend and checks the chosen one when ctx.backend is set', () => {
    const { services, check, record } = setup();
    services.backends = ['10.0.0.1:80', '10.0.0.2:80'];
    const to = (backend: string): boolean => {
      const x = new FakeExchange();
      x.ctxSet('backend', backend);
      return check(x);
    };
    for (let i = 0; i < THRESHOLD; i++) {
      to('10.0.0.1:80');
      record(500, '10.0.0.1:80');
    }
    expect(to('10.0.0.1:80')).toBe(false);
    expect(to('10.0.0.2:80')).toBe(true);
    // Before a backend is chosen the request passes while any backend's circuit lets it.
    expect(check()).toBe(true);
    for (let i = 0; i < THRESHOLD; i++) record(500, '10.0.0.2:80');
    expect(check()).toBe(false);
  });
});
