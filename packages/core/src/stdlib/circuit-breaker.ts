/**
 * `std.circuit_breaker.check(threshold, recovery)` / `.record(status)`: one circuit per backend.
 *
 * closed --(threshold consecutive 5xx)--> open --(recovery elapsed; one probe let through)--> half-open
 * half-open --(probe answers non-5xx)--> closed;  half-open --(probe answers 5xx)--> open again.
 *
 * The circuit breaker runs before the load balancer, so at check time `ctx.backend` is usually empty;
 * then the request may pass while any configured backend's circuit lets it. `record` counts only
 * answers that came from upstream (`NOTE_UPSTREAM_BACKEND`), never a cache hit or a module's own reply.
 */
import { peekNote } from '../pipeline/exchange.js';
import { type HostExchange, NOTE_UPSTREAM_BACKEND } from '../pipeline/host.js';
import type { StdContext, StdImplementations } from './std-context.js';

/** Metric counted each time a circuit opens. */
export const TRIPS_METRIC = 'proxycache_circuit_breaker_trips';

export type CircuitState = 'closed' | 'open' | 'half_open';

interface Circuit {
  state: CircuitState;
  failures: number;
  /** When the circuit last opened, or when the half-open probe was let through (ms). */
  since: number;
}

/** The circuits of one module instance, keyed by backend host:port. */
export class Circuits {
  private readonly circuits = new Map<string, Circuit>();
  /** Last values passed to check(), used by record() to decide when to open. */
  private threshold = 5;
  private recoveryMs = 30_000;

  constructor(
    private readonly now: () => number,
    private readonly onTrip: (backend: string) => void,
  ) {}

  stateOf(backend: string): CircuitState {
    return this.circuits.get(backend)?.state ?? 'closed';
  }

  /**
   * Takes check()'s settings like allow(); true when no backend has a failure on record, so that every
   * circuit is closed and any request may pass (the usual case, decided without the backend list).
   */
  allClosed(threshold: number, recoverySeconds: number): boolean {
    this.threshold = Math.max(1, threshold);
    this.recoveryMs = Math.max(0, recoverySeconds) * 1000;
    return this.circuits.size === 0;
  }

  /** True when a request may go to `backend`; moves an open circuit whose recovery elapsed to half-open. */
  allow(backend: string, threshold: number, recoverySeconds: number): boolean {
    this.threshold = Math.max(1, threshold);
    this.recoveryMs = Math.max(0, recoverySeconds) * 1000;
    const c = this.circuits.get(backend);
    if (c === undefined || c.state === 'closed') return true;
    // In half-open, `since` is when the probe left: a probe that never reports back (client gone, a
    // module answered instead) must not keep the circuit shut forever, so another probe may follow.
    if (this.now() - c.since < this.recoveryMs) return false;
    c.state = 'half_open';
    c.since = this.now();
    return true;
  }

  /** True when any of `backends` would let a request through (same transitions as allow()). */
  allowAny(backends: readonly string[], threshold: number, recoverySeconds: number): boolean {
    for (const b of backends) if (this.allow(b, threshold, recoverySeconds)) return true;
    return false;
  }

  record(backend: string, status: number): void {
    let c = this.circuits.get(backend);
    if (status >= 500) {
      if (c === undefined) {
        c = { state: 'closed', failures: 0, since: 0 };
        this.circuits.set(backend, c);
      }
      c.failures += 1;
      if (c.state === 'half_open' || (c.state === 'closed' && c.failures >= this.threshold)) {
        c.state = 'open';
        c.since = this.now();
        this.onTrip(backend);
      }
    } else if (c !== undefined) {
      // Any non-5xx answer proves the backend works again.
      this.circuits.delete(backend);
    }
  }
}

export function createCircuitBreaker(ctx: StdContext): StdImplementations {
  const { services } = ctx;
  const circuits = new Circuits(ctx.now, (backend) => {
    services.metrics.inc(TRIPS_METRIC);
    ctx.logger.warn({ backend }, 'circuit breaker opened');
  });
  return {
    'std.circuit_breaker.check': (x: HostExchange, threshold: number, recovery: number) => {
      if (circuits.allClosed(threshold, recovery)) return true;
      const chosen = x.ctxGet('backend');
      if (chosen !== '') return circuits.allow(chosen, threshold, recovery);
      return circuits.allowAny(services.configuredBackends(), threshold, recovery);
    },
    'std.circuit_breaker.record': (x: HostExchange, status: number) => {
      const backend = peekNote(x, NOTE_UPSTREAM_BACKEND);
      if (typeof backend === 'string') circuits.record(backend, status);
    },
  };
}
