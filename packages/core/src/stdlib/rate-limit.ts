/**
 * `std.rate_limit(rps, burst[, key])`: a token bucket per key (default: the client ip). Buckets live in
 * an LRU bounded at 50,000 keys; a bucket untouched for 300 s is dropped, which is the same as refilling
 * it, so forgetting it loses nothing.
 */
import { LRUCache } from 'lru-cache';
import type { HostExchange } from '../pipeline/host.js';
import type { StdContext, StdImplementations } from './std-context.js';

/** Most buckets kept at once (DESIGN §6); the least recently used key is forgotten beyond that. */
export const MAX_BUCKETS = 50_000;
/** A bucket idle this long is dropped (ms). */
export const BUCKET_IDLE_MS = 300_000;

interface Bucket {
  tokens: number;
  /** Clock time (ms) of the last refill. */
  last: number;
}

/** Token buckets of one module instance. */
export class TokenBuckets {
  private readonly buckets: LRUCache<string, Bucket>;

  constructor(private readonly now: () => number) {
    this.buckets = new LRUCache<string, Bucket>({
      max: MAX_BUCKETS,
      ttl: BUCKET_IDLE_MS,
      updateAgeOnGet: true,
      // Read the clock on every lookup: the default 1 ms cache of `now` would hide a test's fake clock.
      ttlResolution: 0,
      perf: { now },
    });
  }

  /** Takes one token from `key`'s bucket; false when it is empty. */
  take(key: string, rps: number, burst: number): boolean {
    const capacity = Math.max(1, burst);
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: capacity, last: now };
      this.buckets.set(key, bucket);
    } else {
      // A clock that stepped backwards refills nothing rather than draining the bucket.
      const elapsed = Math.max(0, now - bucket.last) / 1000;
      bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * Math.max(0, rps));
      bucket.last = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }
}

export function createRateLimit(ctx: StdContext): StdImplementations {
  const buckets = new TokenBuckets(ctx.now);
  const { metrics } = ctx.services;
  return {
    'std.rate_limit': (x: HostExchange, rps: number, burst: number, key?: string) => {
      const allowed = buckets.take(key === undefined || key === '' ? x.client_ip : key, rps, burst);
      if (!allowed) metrics.inc('rate_limited');
      return allowed;
    },
  };
}
