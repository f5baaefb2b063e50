/**
 * The in-memory tier: an LRU over primary keys (bounded by `max_size` keys and `max_bytes`), each
 * holding its variants. Every operation is synchronous so that a hit never waits for a promise.
 */
import { LRUCache } from 'lru-cache';
import type { StoredResponse } from './entry.js';
import { type PurgeSpec, purgeMatches, type StoreLimits } from './store.js';

/** Variants kept per primary key; the oldest is dropped beyond it (bounds Vary-driven growth). */
export const MAX_VARIANTS = 16;

type Variants = StoredResponse[];

function sizeOf(list: Variants): number {
  let n = 0;
  for (let i = 0; i < list.length; i++) n += (list[i] as StoredResponse).size;
  return Math.max(1, n);
}

export class MemoryStore {
  private lru: LRUCache<string, Variants>;

  constructor(readonly limits: StoreLimits) {
    this.lru = MemoryStore.makeLru(limits);
  }

  private static makeLru(limits: StoreLimits): LRUCache<string, Variants> {
    return new LRUCache<string, Variants>({
      max: Math.max(1, limits.maxEntries),
      maxSize: Math.max(1, limits.maxBytes),
      sizeCalculation: sizeOf,
    });
  }

  /** The variants stored for a key (most recent first); marks the key as recently used. */
  get(key: string): readonly StoredResponse[] | undefined {
    return this.lru.get(key);
  }

  /**
   * Stores a variant, replacing the one with the same Vary values. False when it is too large, or when
   * it is a partial (206) response and a complete one with the same Vary values is held.
   */
  put(entry: StoredResponse): boolean {
    if (entry.body.length > this.limits.maxObjectSize || entry.size > this.limits.maxBytes) return false;
    const prior = this.lru.get(entry.key, { updateAgeOnGet: false });
    if (entry.status === 206 && prior !== undefined && displacesComplete(prior, entry)) return false;
    const next: Variants = [entry];
    if (prior !== undefined) {
      for (const v of prior) if (!sameVary(v, entry) && next.length < MAX_VARIANTS) next.push(v);
    }
    // A key's variants share one LRU item, which lru-cache refuses whole (the new variant with it) when
    // it is larger than max_bytes: the oldest variants go instead.
    let bytes = sizeOf(next);
    while (next.length > 1 && bytes > this.limits.maxBytes) bytes -= (next.pop() as StoredResponse).size;
    this.lru.set(entry.key, next);
    return true;
  }

  /** Replaces one stored variant by its freshened version (after a 304); no-op if it is gone. */
  replace(old: StoredResponse, next: StoredResponse): void {
    const list = this.lru.peek(old.key);
    if (list === undefined) return;
    const i = list.indexOf(old);
    if (i < 0) return;
    const copy = list.slice();
    copy[i] = next;
    this.lru.set(old.key, copy);
  }

  /** Drops one variant. */
  remove(entry: StoredResponse): void {
    const list = this.lru.peek(entry.key);
    if (list === undefined) return;
    const rest = list.filter((v) => v !== entry);
    if (rest.length === 0) this.lru.delete(entry.key);
    else this.lru.set(entry.key, rest);
  }

  /** Drops every variant of a key; returns how many. */
  delete(key: string): number {
    const list = this.lru.peek(key);
    if (list === undefined) return 0;
    this.lru.delete(key);
    return list.length;
  }

  /** Removes every variant a purge selects; returns how many. */
  purge(spec: PurgeSpec): number {
    let removed = 0;
    const doomed: string[] = [];
    for (const [key, list] of this.lru.entries()) {
      const first = list[0];
      if (first !== undefined && purgeMatches(spec, first)) {
        doomed.push(key);
        removed += list.length;
      }
    }
    for (const key of doomed) this.lru.delete(key);
    return removed;
  }

  /** Keys held. */
  get size(): number {
    return this.lru.size;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.lru.calculatedSize;
  }

  /** Applies new limits, keeping the most recently used keys that still fit. */
  resize(limits: StoreLimits): MemoryStore {
    const next = new MemoryStore(limits);
    for (const [, list] of [...this.lru.entries()].reverse()) {
      for (let i = list.length - 1; i >= 0; i--) next.put(list[i] as StoredResponse);
    }
    return next;
  }
}

/** True when `partial` would replace a complete variant with the same Vary values. */
export function displacesComplete(variants: readonly StoredResponse[], partial: StoredResponse): boolean {
  for (const v of variants) if (v.status !== 206 && sameVary(v, partial)) return true;
  return false;
}

/** True when two variants were selected by the same normalised request values. */
export function sameVary(a: StoredResponse, b: StoredResponse): boolean {
  if (a.vary.length !== b.vary.length) return false;
  for (let i = 0; i < a.vary.length; i++) {
    const x = a.vary[i] as readonly [string, string];
    const y = b.vary[i] as readonly [string, string];
    if (x[0] !== y[0] || x[1] !== y[1]) return false;
  }
  return true;
}
