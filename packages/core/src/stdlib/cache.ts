/**
 * `std.cache.check/store/warm/purge`: the module-facing side of the RFC 9111 cache in ../cache/.
 *
 * Settings come from the calling module's config section (`[cache]`): `ttl_seconds` and `max_size`
 * (also passed to store()), `max_bytes`, `max_object_size`, `grace`, `store` ("memory" | "redis"),
 * `redis_url`, `store_set_cookie`, `coalesce`, `normalize_accept_encoding`. The cache object lives in `services.persistent` so a
 * reload keeps what is stored (as nginx's and Varnish's caches survive a config reload); without it, it
 * lives as long as these bindings. Every cache registers itself so that purges from any module (the
 * admin API) reach it.
 */

import { type CacheSettings, HttpCache } from '../cache/http-cache.js';
import { RedisStore } from '../cache/redis-store.js';
import type { PurgeSpec } from '../cache/store.js';
import type { HostExchange } from '../pipeline/host.js';
import type { StdContext, StdImplementations } from './std-context.js';

export { type CacheState, NOTE_BEFORE_FORWARD, NOTE_STATE } from '../cache/http-cache.js';

/** Default largest body stored per entry (bytes); also bounded by `server.max_body_size`. */
export const MAX_ENTRY_BYTES = 8 * 1024 * 1024;
/** Default total bytes of the memory tier. */
export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
/** Default grace (s): how long past expiry a response may stand in for a failing origin. */
export const DEFAULT_GRACE_S = 10;

const REGISTRY_KEY = 'cache:registry';

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** Every cache of this process by module name (for purges from other modules). */
function registry(ctx: StdContext): Map<string, HttpCache> {
  const persistent = ctx.services.persistent;
  if (persistent === undefined) return new Map();
  let r = persistent.get(REGISTRY_KEY) as Map<string, HttpCache> | undefined;
  if (r === undefined) {
    r = new Map();
    persistent.set(REGISTRY_KEY, r);
  }
  return r;
}

/** Purges every registered cache; resolves with the number of variants removed (Redis included). */
export async function purgeEverywhere(ctx: StdContext, spec: PurgeSpec): Promise<number> {
  let n = 0;
  for (const cache of registry(ctx).values()) n += await cache.purgeAll(spec);
  return n;
}

export function createCache(ctx: StdContext): StdImplementations {
  const { services } = ctx;
  const section = (): Readonly<Record<string, unknown>> => services.config.modules[ctx.moduleName] ?? {};
  const settingsFrom = (ttlSeconds: number, maxSize: number): CacheSettings => {
    const c = section();
    const bodyBound = services.config.server.max_body_size || MAX_ENTRY_BYTES;
    return {
      maxEntries: Math.max(1, Math.floor(maxSize)),
      maxBytes: Math.max(1, num(c.max_bytes, DEFAULT_MAX_BYTES)),
      maxObjectSize: Math.min(num(c.max_object_size, MAX_ENTRY_BYTES), bodyBound),
      coalesce: c.coalesce !== false,
      // A second beyond backend_timeout, so that a leader's timeout reaches its followers (who then
      // answer 504 at once) before their own wait ends (after which each would go upstream itself).
      coalesceWaitMs: (Math.max(1, services.config.server.backend_timeout || 30) + 1) * 1000,
      normalizeAcceptEncoding: c.normalize_accept_encoding !== false,
      policy: {
        defaultTtlMs: Math.max(0, ttlSeconds) * 1000,
        heuristicMaxMs: 24 * 3600 * 1000,
        graceMs: Math.max(0, num(c.grace, DEFAULT_GRACE_S)) * 1000,
        storeSetCookie: c.store_set_cookie === true,
      },
    };
  };
  const initial = settingsFrom(num(section().ttl_seconds, 60), num(section().max_size, 1000));
  const host = { services, logger: ctx.logger };

  const holderKey = `cache:${ctx.moduleName}`;
  let cache = services.persistent?.get(holderKey) as HttpCache | undefined;
  if (cache === undefined) {
    cache = new HttpCache(initial, host);
    services.persistent?.set(holderKey, cache);
  } else cache.configure(initial, host);
  const self = cache;
  const reg = registry(ctx);
  // Only the module that owns a cache registers it (not every module that merely calls purge).
  const owns = (): void => {
    reg.set(ctx.moduleName, self);
  };

  // Wall clock derived from the bindings' monotonic clock, so fake clocks drive freshness in tests.
  const wallBase = Date.now() - ctx.now();
  self.clock = () => wallBase + ctx.now();

  const c = section();
  self.redis = undefined;
  if (c.store === 'redis') {
    const url =
      typeof c.redis_url === 'string' && c.redis_url !== '' ? c.redis_url : 'redis://127.0.0.1:6379';
    const redis = new RedisStore(url, ctx.logger, () => self.settings.policy, initial.maxObjectSize);
    self.redis = redis;
    services.onDispose(() => {
      if (self.redis === redis) self.redis = undefined;
      redis.close();
    });
  }

  const check = (x: HostExchange): void => {
    owns();
    self.check(x);
  };

  const store = (x: HostExchange, ttl: number, maxSize: number): void => {
    const s = self.settings;
    if (
      s.policy.defaultTtlMs !== Math.max(0, ttl) * 1000 ||
      s.maxEntries !== Math.max(1, Math.floor(maxSize))
    ) {
      self.configure(settingsFrom(ttl, maxSize), host);
    }
    if (maxSize <= 0) {
      self.storeNothing(x);
      return;
    }
    self.store(x);
  };

  const warm = (_scope: unknown, urls: readonly string[]): void => {
    owns();
    if (urls.length === 0) return;
    let disposed = false;
    services.onDispose(() => {
      disposed = true;
    });
    // Deferred so that warming starts once the pipeline that contains this module is live.
    setImmediate(async () => {
      for (const url of urls) {
        if (disposed) return;
        try {
          const status = await services.internalRequest(url);
          ctx.logger.debug({ url, status }, 'cache warmed');
        } catch (err) {
          ctx.logger.warn({ url, err }, 'cache warming failed');
        }
      }
    });
  };

  /** Purges every cache of the process (memory tier now, Redis in the background). */
  const purge = (_x: unknown, key: string): number => {
    const caches = reg.size > 0 ? [...reg.values()] : [self];
    let n = 0;
    for (const one of new Set(caches)) n += one.purge(key);
    return n;
  };

  return {
    'std.cache.check': check,
    'std.cache.store': store,
    'std.cache.warm': warm,
    'std.cache.purge': purge,
  };
}
