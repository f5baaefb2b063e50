/**
 * The response store behind `std.cache.*`: a small interface so the RFC 9111 cache (and a Redis tier)
 * can replace the in-memory LRU later without touching the namespace code.
 */
import { LRUCache } from 'lru-cache';
import type { HeaderRecord } from '../pipeline/host.js';

/** A stored 200 response, ready to be written as-is on a hit. */
export interface CachedResponse {
  readonly status: number;
  /** Response headers without hop-by-hop fields, with an exact content-length. */
  readonly headers: HeaderRecord;
  readonly body: Buffer;
  /** Clock time (ms) when it was stored; `Age` is counted from here. */
  readonly storedAt: number;
  /** Clock time (ms) after which it is no longer served. */
  readonly expiresAt: number;
  /** Request path it was stored for (purge matches on it). */
  readonly path: string;
  /** Request header values named by the response's Vary, as [lower-case name, value]. */
  readonly vary: readonly (readonly [string, string])[];
}

export interface ResponseStore {
  get(key: string): CachedResponse | undefined;
  set(key: string, entry: CachedResponse): void;
  delete(key: string): boolean;
  /** Removes every entry `match` accepts; returns how many. */
  purge(match: (entry: CachedResponse) => boolean): number;
  readonly size: number;
}

/** Bytes the in-memory store may hold in total, whatever `max_size` says. */
export const STORE_MAX_BYTES = 256 * 1024 * 1024;
/** Rough per-entry overhead (key, headers) added to the body size when bounding total bytes. */
const ENTRY_OVERHEAD = 512;

/** In-memory LRU bounded by entry count (`max_size`) and by `STORE_MAX_BYTES`. */
export class LruResponseStore implements ResponseStore {
  private readonly lru: LRUCache<string, CachedResponse>;

  constructor(readonly maxEntries: number) {
    this.lru = new LRUCache<string, CachedResponse>({
      max: Math.max(1, maxEntries),
      maxSize: STORE_MAX_BYTES,
      sizeCalculation: (entry) => entry.body.length + ENTRY_OVERHEAD,
    });
  }

  get(key: string): CachedResponse | undefined {
    return this.lru.get(key);
  }

  set(key: string, entry: CachedResponse): void {
    this.lru.set(key, entry);
  }

  delete(key: string): boolean {
    return this.lru.delete(key);
  }

  purge(match: (entry: CachedResponse) => boolean): number {
    const doomed: string[] = [];
    for (const [key, entry] of this.lru.entries()) if (match(entry)) doomed.push(key);
    for (const key of doomed) this.lru.delete(key);
    return doomed.length;
  }

  get size(): number {
    return this.lru.size;
  }

  /** A store with a different entry bound holding the most recently used entries of this one. */
  resized(maxEntries: number): LruResponseStore {
    const next = new LruResponseStore(maxEntries);
    // entries() runs from most to least recently used; insert oldest first so the newest stay newest.
    for (const [key, entry] of [...this.lru.entries()].reverse()) next.set(key, entry);
    return next;
  }
}
