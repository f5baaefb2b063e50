/**
 * The shared tier on Redis (`[cache] store = "redis"`): one hash per primary key, one field per
 * variant (its Vary values), each value an encoded entry (entry.ts). Keys expire when their longest
 * useful life (freshness + stale windows + a revalidation allowance) ends; total size is Redis's own
 * `maxmemory` policy (allkeys-lru recommended). Failures never fail a request: a failed read is a
 * miss, a failed write is logged.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { decodeEntry, encodeEntry, type StoredResponse } from './entry.js';
import type { FreshnessPolicy } from './freshness.js';
import { type PurgeSpec, purgeMatches } from './store.js';

/** Prefix of every key this tier writes. */
export const REDIS_PREFIX = 'proxycache:cache:';

/** How long (ms) a stale entry with validators is kept for revalidation. */
export const REVALIDATION_KEEP_MS = 24 * 3600 * 1000;

/** How long (ms) lookups and writes skip a Redis that let a command time out (it is hung, not gone). */
export const REDIS_SKIP_MS = 5000;
/** A command Redis has not answered by then counts as failed (a healthy Redis answers in a millisecond). */
const COMMAND_TIMEOUT_MS = 500;

export class RedisStore {
  private readonly client: Redis;
  /** Redis is known unreachable: commands fail at once, and that is logged once, not per request. */
  private down = false;
  /** performance.now() until which Redis is skipped after a command timed out. */
  private skipUntil = 0;

  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly policy: () => FreshnessPolicy,
    private readonly maxObjectSize: number,
  ) {
    this.client = new Redis(url, {
      maxRetriesPerRequest: 1,
      commandTimeout: COMMAND_TIMEOUT_MS,
      enableAutoPipelining: true,
      lazyConnect: false,
      // While disconnected a command fails at once (a miss) instead of waiting in a queue for a
      // reconnection, which made every request wait up to commandTimeout with Redis down.
      enableOfflineQueue: false,
    });
    this.client.on('error', (err: Error) => {
      if (this.down) return;
      this.down = true;
      this.logger.warn({ err: err.message }, 'cache redis unavailable: misses until it is back');
    });
    this.client.on('ready', () => {
      if (!this.down) return;
      this.down = false;
      this.logger.info('cache redis available again');
    });
  }

  /** Logs a failed command, unless Redis is already known to be down (logged once then). */
  private failed(err: unknown, what: string, key: string): void {
    if (/timed out/i.test((err as Error).message)) {
      // Connected but not answering (overloaded, paused): every request would wait the timeout, one
      // after another behind coalescing. Skip it for a while: misses, as with Redis down.
      if (!this.skipping()) {
        this.logger.warn(
          { err: (err as Error).message, key },
          `cache redis not answering: misses for ${REDIS_SKIP_MS / 1000} s`,
        );
      }
      this.skipUntil = performance.now() + REDIS_SKIP_MS;
      return;
    }
    if (this.down || this.client.status !== 'ready') return;
    this.logger.warn({ err: (err as Error).message, key }, what);
  }

  private skipping(): boolean {
    return performance.now() < this.skipUntil;
  }

  /** Variants stored for a key; [] on a miss or when Redis fails. */
  async get(key: string): Promise<StoredResponse[]> {
    if (this.skipping()) return [];
    try {
      const fields = await this.client.hgetallBuffer(REDIS_PREFIX + key);
      const out: StoredResponse[] = [];
      for (const name in fields) {
        const e = decodeEntry(fields[name] as Buffer, this.policy());
        if (e !== undefined) out.push(e);
      }
      // Most recent first, as the memory tier orders them (RFC 9111 §4.1: use the most recent).
      out.sort((a, b) => b.responseTime - a.responseTime);
      return out;
    } catch (err) {
      this.failed(err, 'cache redis read failed', key);
      return [];
    }
  }

  /** Stores (or replaces) a variant. */
  async put(entry: StoredResponse): Promise<boolean> {
    if (entry.body.length > this.maxObjectSize || this.skipping()) return false;
    const m = entry.meta;
    const keepMs = Math.ceil(
      Math.max(0, m.lifetimeMs) +
        Math.max(
          m.swrMs,
          m.sieMs,
          m.etag !== undefined || m.lastModifiedMs !== undefined ? REVALIDATION_KEEP_MS : 0,
        ) +
        1000,
    );
    const rkey = REDIS_PREFIX + entry.key;
    try {
      await this.client
        .multi()
        .hset(rkey, JSON.stringify(entry.vary), encodeEntry(entry))
        .pexpire(rkey, Math.min(keepMs, 2 ** 31))
        .exec();
      return true;
    } catch (err) {
      this.failed(err, 'cache redis write failed', entry.key);
      return false;
    }
  }

  /** Drops every variant of a key; resolves with how many there were. */
  async delete(key: string): Promise<number> {
    try {
      const rkey = REDIS_PREFIX + key;
      const [[, n]] = (await this.client.multi().hlen(rkey).del(rkey).exec()) as [[unknown, number]];
      return typeof n === 'number' ? n : 0;
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, key }, 'cache redis delete failed');
      return 0;
    }
  }

  /** Removes every key a purge selects (SCAN, never KEYS); resolves with how many variants. */
  async purge(spec: PurgeSpec): Promise<number> {
    let removed = 0;
    try {
      let cursor = '0';
      do {
        const [next, keys] = await this.client.scan(cursor, 'MATCH', `${REDIS_PREFIX}*`, 'COUNT', 500);
        cursor = next;
        for (const rkey of keys) {
          const primary = rkey.slice(REDIS_PREFIX.length);
          const probe = primaryParts(primary);
          if (probe !== undefined && purgeMatches(spec, probe as StoredResponse))
            removed += await this.delete(primary);
        }
      } while (cursor !== '0');
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'cache redis purge failed');
    }
    return removed;
  }

  /** Closes the connection (generation disposal). */
  close(): void {
    this.client.quit().catch(() => this.client.disconnect());
  }
}

/** host, path and uri of a primary key `scheme://host/uri`, shaped for purgeMatches. */
function primaryParts(primary: string): Pick<StoredResponse, 'host' | 'path' | 'uri'> | undefined {
  const s = primary.indexOf('://');
  if (s < 0) return undefined;
  const rest = primary.slice(s + 3);
  const slash = rest.indexOf('/');
  if (slash < 0) return undefined;
  const uri = rest.slice(slash);
  const q = uri.indexOf('?');
  return { host: rest.slice(0, slash), uri, path: q < 0 ? uri : uri.slice(0, q) };
}
