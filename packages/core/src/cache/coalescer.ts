/**
 * Request coalescing (collapsed forwarding): the first miss for a key leads and goes upstream; later
 * misses for that key wait until the leader has stored its response (or found it uncacheable), then
 * look again. A lease is always released: by the leader, or once it is older than the lease time (the
 * next miss for the key takes it over; a sweep drops the ones nobody asks for again).
 *
 * Leading is on every cache miss's path, so it costs a Map entry and a clock read: the promise followers
 * wait on exists only once there is a follower, and one timer sweeps for all leases instead of one each.
 */

import type { ProxyError } from '../errors/proxy-error.js';

interface Lease {
  /** performance.now() after which the lease no longer holds. */
  readonly expires: number;
  /** Made by the first follower; resolves with the leader's failure, if it failed. */
  done: Promise<ProxyError | undefined> | undefined;
  resolve: ((failure: ProxyError | undefined) => void) | undefined;
}

export class Coalescer {
  private readonly leases = new Map<string, Lease>();
  private sweeper: NodeJS.Timeout | undefined = undefined;

  /** Most time (ms) a lease is held if its leader never releases it. */
  constructor(private readonly leaseMs: number) {}

  /** True when the caller becomes the leader for `key` (no request for it is in flight). */
  lead(key: string): boolean {
    const now = performance.now();
    const held = this.leases.get(key);
    if (held !== undefined) {
      if (now < held.expires) return false;
      // The leader never released it: wake its followers and lead in its place.
      this.release(key);
    }
    this.leases.set(key, { expires: now + this.leaseMs, done: undefined, resolve: undefined });
    if (this.sweeper === undefined) {
      this.sweeper = setTimeout(() => this.sweep(), this.leaseMs);
      this.sweeper.unref();
    }
    return true;
  }

  /** True while a leader holds `key`. */
  busy(key: string): boolean {
    const lease = this.leases.get(key);
    return lease !== undefined && performance.now() < lease.expires;
  }

  /** True when some request waits (or waited) for the leader of `key`. */
  hasFollowers(key: string): boolean {
    return this.leases.get(key)?.done !== undefined;
  }

  /**
   * Resolves when the leader releases `key` (with its failure when it passed one to `release`), after
   * `timeoutMs`, or when `signal` aborts (both undefined).
   */
  wait(key: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<ProxyError | undefined> {
    const lease = this.leases.get(key);
    if (lease === undefined) return Promise.resolve(undefined);
    if (lease.done === undefined) {
      lease.done = new Promise<ProxyError | undefined>((r) => {
        lease.resolve = r;
      });
    }
    const done = lease.done;
    return new Promise<ProxyError | undefined>((resolve) => {
      const finish = (failure?: ProxyError): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', stop);
        resolve(failure);
      };
      const stop = (): void => finish();
      const timer = setTimeout(stop, timeoutMs);
      timer.unref();
      signal?.addEventListener('abort', stop, { once: true });
      done.then(finish, stop);
    });
  }

  /** Ends the lease on `key` and wakes its waiters, telling them the leader's `failure` if any. */
  release(key: string, failure?: ProxyError): void {
    const lease = this.leases.get(key);
    if (lease === undefined) return;
    this.leases.delete(key);
    lease.resolve?.(failure);
  }

  /** Keys in flight. */
  get size(): number {
    return this.leases.size;
  }

  /** Releases leases past their time; runs again while any lease is held. */
  private sweep(): void {
    this.sweeper = undefined;
    const now = performance.now();
    for (const [key, lease] of this.leases) if (now >= lease.expires) this.release(key);
    if (this.leases.size > 0) {
      this.sweeper = setTimeout(() => this.sweep(), this.leaseMs);
      this.sweeper.unref();
    }
  }
}
