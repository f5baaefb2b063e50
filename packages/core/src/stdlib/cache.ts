/**
 * `std.cache.check/store/warm/purge`: a simple TTL cache in front of the backend.
 *
 * - Lookups for GET and HEAD; the key is host + path + query (method-independent, so HEAD is served
 *   from a stored GET). Only GET 200 responses are stored (a HEAD answer has no body to store).
 * - Not stored: `Cache-Control: no-store | private | no-cache`, `Set-Cookie`, `Vary: *`, requests with
 *   `Authorization` unless the response says `public` or `s-maxage`. Lifetime: `s-maxage`, else
 *   `max-age`, else the module's ttl. Other Vary'd request headers must match for a hit.
 * - A hit is written from the stored buffer with `X-Cache: HIT` and `Age`; a miss is marked
 *   `X-Cache: MISS`. Streamed bodies are teed into the store as they pass, never delaying the client,
 *   and dropped from the store when they exceed the per-entry bound.
 * - The store survives reloads when the host offers `services.persistent` (like nginx's and Varnish's
 *   caches survive a config reload); otherwise it lives as long as these bindings.
 *
 * The full RFC 9111 cache (revalidation, stale-*, invalidation) replaces this behind `ResponseStore`.
 */
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import type { HeaderRecord, HostExchange, ResponseState } from '../pipeline/host.js';
import { type CachedResponse, LruResponseStore } from './cache-store.js';
import { headerValue, type StdContext, type StdImplementations } from './std-context.js';

/** Largest body stored per entry (bytes); also bounded by `server.max_body_size`. */
export const MAX_ENTRY_BYTES = 8 * 1024 * 1024;

/** `notes` keys shared by check and store within one request. */
const NOTE_STATE = 'cache.state';
const NOTE_KEY = 'cache.key';

/** Named cache states, as written to `X-Cache` and logs. */
export type CacheState = 'hit' | 'miss' | 'bypass';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'age',
  'x-cache',
]);

/** Cache key: lower-case host, path and query; the method is deliberately not part of it. */
export function cacheKey(x: { host: string; path: string; query: string }): string {
  return `${x.host.toLowerCase()}${x.path}${x.query === '' ? '' : `?${x.query}`}`;
}

/** Directives of a Cache-Control value, lower-case names; valueless directives map to "". */
export function parseCacheControl(value: string): Map<string, string> {
  const out = new Map<string, string>();
  if (value === '') return out;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '') continue;
    const raw = eq < 0 ? '' : part.slice(eq + 1).trim();
    out.set(name, raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw);
  }
  return out;
}

function seconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** Lifetime in seconds for a response, or 0 when it must not be stored. */
export function storableLifetime(x: HostExchange, response: ResponseState, defaultTtl: number): number {
  if (x.method !== 'GET' || response.status !== 200) return 0;
  const headers = response.headers;
  if (headers['set-cookie'] !== undefined) return 0;
  const cc = parseCacheControl(headerValue(headers, 'cache-control'));
  if (cc.has('no-store') || cc.has('private') || cc.has('no-cache')) return 0;
  if (headerValue(headers, 'vary').includes('*')) return 0;
  const shared = seconds(cc.get('s-maxage'));
  if (x.requestHeaders.authorization !== undefined && !cc.has('public') && shared === undefined) return 0;
  return shared ?? seconds(cc.get('max-age')) ?? Math.max(0, defaultTtl);
}

function varyValues(varyHeader: string, requestHeaders: HeaderRecord): (readonly [string, string])[] {
  if (varyHeader === '') return [];
  const out: (readonly [string, string])[] = [];
  for (const part of varyHeader.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '') out.push([name, normaliseVaryValue(headerValue(requestHeaders, name))]);
  }
  return out;
}

function normaliseVaryValue(value: string): string {
  return value.replace(/\s+/g, '').toLowerCase();
}

function varyMatches(entry: CachedResponse, requestHeaders: HeaderRecord): boolean {
  for (const [name, value] of entry.vary) {
    if (normaliseVaryValue(headerValue(requestHeaders, name)) !== value) return false;
  }
  return true;
}

function storedHeaders(headers: HeaderRecord, bodyLength: number): HeaderRecord {
  const out: HeaderRecord = {};
  for (const name of Object.keys(headers)) {
    if (!HOP_BY_HOP.has(name) && headers[name] !== undefined) out[name] = headers[name];
  }
  out['content-length'] = String(bodyLength);
  return out;
}

/** Passes chunks straight through while keeping a copy, up to `limit` bytes. */
class TeeToBuffer extends Transform {
  private chunks: Buffer[] = [];
  private size = 0;
  private overflow = false;

  constructor(
    private readonly limit: number,
    private readonly onComplete: (body: Buffer) => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.overflow) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      this.size += buf.length;
      if (this.size > this.limit) {
        this.overflow = true;
        this.chunks = [];
      } else {
        this.chunks.push(buf);
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (!this.overflow) this.onComplete(Buffer.concat(this.chunks, this.size));
    this.chunks = [];
    callback();
  }
}

/** Holder kept in `services.persistent` so the store outlives one set of bindings. */
interface StoreHolder {
  store: LruResponseStore | undefined;
}

export function createCache(ctx: StdContext): StdImplementations {
  const { services } = ctx;
  const holderKey = `cache:${ctx.moduleName}`;
  const kept = services.persistent?.get(holderKey) as StoreHolder | undefined;
  const holder: StoreHolder = kept ?? { store: undefined };
  if (kept === undefined) services.persistent?.set(holderKey, holder);
  const entryLimit = Math.min(MAX_ENTRY_BYTES, services.config.server.max_body_size || MAX_ENTRY_BYTES);

  const storeFor = (maxEntries: number): LruResponseStore => {
    const current = holder.store;
    if (current === undefined) holder.store = new LruResponseStore(maxEntries);
    else if (current.maxEntries !== maxEntries) holder.store = current.resized(maxEntries);
    return holder.store as LruResponseStore;
  };

  const check = (x: HostExchange): void => {
    if (x.method !== 'GET' && x.method !== 'HEAD') {
      x.notes.set(NOTE_STATE, 'bypass' satisfies CacheState);
      return;
    }
    const key = cacheKey(x);
    x.notes.set(NOTE_KEY, key);
    x.notes.set(NOTE_STATE, 'miss' satisfies CacheState);
    const store = holder.store;
    const entry = store?.get(key);
    if (store === undefined || entry === undefined) return;
    const now = ctx.now();
    if (now >= entry.expiresAt) {
      store.delete(key);
      return;
    }
    if (!varyMatches(entry, x.requestHeaders)) return;
    const headers: HeaderRecord = { ...entry.headers };
    headers.age = String(Math.floor(Math.max(0, now - entry.storedAt) / 1000));
    headers['x-cache'] = 'HIT';
    x.response = { status: entry.status, headers, body: x.method === 'HEAD' ? undefined : entry.body };
    x.notes.set(NOTE_STATE, 'hit' satisfies CacheState);
  };

  const store = (x: HostExchange, ttl: number, maxSize: number): void => {
    const state = x.notes.get(NOTE_STATE) as CacheState | undefined;
    const response = x.response;
    if (state === 'hit' || response === undefined) return;
    if (state === 'miss') response.headers['x-cache'] = 'MISS';
    const lifetime = storableLifetime(x, response, ttl);
    if (lifetime <= 0 || maxSize <= 0) return;
    const declared = Number(headerValue(response.headers, 'content-length'));
    if (Number.isFinite(declared) && declared > entryLimit) return;

    const key = (x.notes.get(NOTE_KEY) as string | undefined) ?? cacheKey(x);
    const path = x.path;
    const vary = varyValues(headerValue(response.headers, 'vary'), x.requestHeaders);
    const status = response.status;
    // Headers are copied now: modules whose on_response runs later add per-request headers.
    const snapshot = { ...response.headers };
    const keep = (body: Buffer): void => {
      const storedAt = ctx.now();
      storeFor(maxSize).set(key, {
        status,
        headers: storedHeaders(snapshot, body.length),
        body,
        storedAt,
        expiresAt: storedAt + lifetime * 1000,
        path,
        vary,
      });
    };

    const body = response.body;
    if (body === undefined) keep(Buffer.alloc(0));
    else if (Buffer.isBuffer(body)) {
      if (body.length <= entryLimit) keep(body);
    } else {
      const tee = new TeeToBuffer(entryLimit, keep);
      // pipeline() destroys the tee when the origin stream fails, so a truncated body is never stored.
      pipeline(body, tee, () => {});
      response.body = tee;
    }
  };

  const warm = (_scope: unknown, urls: readonly string[]): void => {
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

  const purge = (_x: unknown, key: string): number => {
    const store = holder.store;
    if (store === undefined || key === '') return 0;
    if (key.endsWith('*')) {
      const prefix = key.slice(0, -1);
      return store.purge((entry) => entry.path.startsWith(prefix));
    }
    return store.purge((entry) => entry.path === key);
  };

  return {
    'std.cache.check': check,
    'std.cache.store': store,
    'std.cache.warm': warm,
    'std.cache.purge': purge,
  };
}
