/**
 * Request coalescing (collapsed forwarding): the first miss for a key leads and goes upstream; later
 * misses for that key wait until the leader has stored its response (or found it uncacheable), then
 * look again. A lease is always released: by the leader, or by a safety timer.
 */

interface Lease {
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly timer: NodeJS.Timeout;
}

export class Coalescer {
  private readonly leases = new Map<string, Lease>();

  /** Most time (ms) a lease is held if its leader never releases it. */
  constructor(private readonly leaseMs: number) {}

  /** True when the caller becomes the leader for `key` (no request for it is in flight). */
  lead(key: string): boolean {
    if (this.leases.has(key)) return false;
    let resolve!: () => void;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    const timer = setTimeout(() => this.release(key), this.leaseMs);
    timer.unref();
    this.leases.set(key, { done, resolve, timer });
    return true;
  }

  /** True while a leader holds `key`. */
  busy(key: string): boolean {
    return this.leases.has(key);
  }

  /** Resolves when the leader releases `key`, after `timeoutMs`, or when `signal` aborts. */
  wait(key: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    const lease = this.leases.get(key);
    if (lease === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      timer.unref();
      signal?.addEventListener('abort', finish, { once: true });
      lease.done.then(finish, finish);
    });
  }

  /** Ends the lease on `key` and wakes its waiters. */
  release(key: string): void {
    const lease = this.leases.get(key);
    if (lease === undefined) return;
    this.leases.delete(key);
    clearTimeout(lease.timer);
    lease.resolve();
  }

  /** Keys in flight. */
  get size(): number {
    return this.leases.size;
  }
}
