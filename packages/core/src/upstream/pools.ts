/**
 * One undici `Pool` per backend: bounded connections, keep-alive reuse, and eviction of pools that have
 * been idle for a while (backends that left the config after a reload).
 */
import { Pool } from 'undici';

export interface PoolOptions {
  /** Connections per backend. */
  readonly connections: number;
  /** How long an idle upstream connection is kept (ms); the backend's Keep-Alive hint may shorten it. */
  readonly keepAliveTimeoutMs: number;
  /** Time allowed for the TCP connect (ms). */
  readonly connectTimeoutMs: number;
  /** A pool unused for this long is closed (ms). */
  readonly idleEvictMs: number;
}

/** Counts what pool reuse metrics need: requests sent and connections opened. */
export interface PoolCounters {
  requests: number;
  connects: number;
}

interface Entry {
  readonly pool: Pool;
  lastUsed: number;
  /** Connections opened whose first request has not been counted yet. */
  fresh: number;
}

/** Origin URL for a backend address (`host:port`, `[v6]:port`, or a full `http://…` origin). */
export function backendOrigin(backend: string): string {
  return backend.includes('://') ? backend : `http://${backend}`;
}

/** The set of upstream pools of one running proxy. */
export class UpstreamPools {
  private readonly pools = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  readonly counters: PoolCounters = { requests: 0, connects: 0 };

  constructor(private readonly options: PoolOptions) {
    this.sweeper = setInterval(() => this.evictIdle(), Math.max(1000, Math.floor(options.idleEvictMs / 2)));
    this.sweeper.unref();
  }

  /** The pool for `backend`, created on first use. */
  get(backend: string): Pool {
    return this.entry(backend).pool;
  }

  /**
   * Marks one request as sent on `backend`'s pool; true when it probably reused a kept-alive connection
   * (no connection was opened for it), which is what `proxycache_pool_hits` counts.
   */
  noteRequest(backend: string): boolean {
    const e = this.entry(backend);
    e.lastUsed = performance.now();
    this.counters.requests++;
    if (e.fresh > 0) {
      e.fresh--;
      return false;
    }
    return true;
  }

  /** Requests queued or running on `backend` (least-connections balancing). */
  active(backend: string): number {
    const e = this.pools.get(backend);
    if (e === undefined) return 0;
    const stats = e.pool.stats;
    return stats.running + stats.pending;
  }

  private entry(backend: string): Entry {
    let e = this.pools.get(backend);
    if (e === undefined) {
      const o = this.options;
      const pool = new Pool(backendOrigin(backend), {
        connections: o.connections,
        keepAliveTimeout: o.keepAliveTimeoutMs,
        keepAliveMaxTimeout: Math.max(o.keepAliveTimeoutMs, 1000),
        connect: { timeout: o.connectTimeoutMs },
        pipelining: 1,
      });
      const created: Entry = { pool, lastUsed: performance.now(), fresh: 0 };
      pool.on('connect', () => {
        created.fresh++;
        this.counters.connects++;
      });
      this.pools.set(backend, created);
      e = created;
    }
    return e;
  }

  private evictIdle(): void {
    const now = performance.now();
    for (const [backend, e] of this.pools) {
      const stats = e.pool.stats;
      if (now - e.lastUsed > this.options.idleEvictMs && stats.running === 0 && stats.pending === 0) {
        this.pools.delete(backend);
        void e.pool.close().catch(() => {});
      }
    }
  }

  /** Closes every pool (graceful: running requests finish); `force` destroys open connections. */
  async close(force = false): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((e) => (force ? e.pool.destroy() : e.pool.close()).catch(() => {})));
  }
}
