/**
 * The storage tiers behind the HTTP cache. A primary key holds the variants (RFC 9111 §4.1) stored for
 * it; the in-memory tier answers synchronously, the Redis tier through promises.
 */
import type { StoredResponse } from './entry.js';

/** Limits every tier applies. */
export interface StoreLimits {
  /** Most primary keys held (`max_size`, the original module's meaning). */
  readonly maxEntries: number;
  /** Most bytes held in total (`max_bytes`). */
  readonly maxBytes: number;
  /** Largest single response stored (`max_object_size`). */
  readonly maxObjectSize: number;
}

/** Selects what a purge removes: a host (or any) and a path, exact or as a prefix. */
export interface PurgeSpec {
  readonly host: string | undefined;
  readonly path: string;
  readonly prefix: boolean;
}

/** Parses a purge key: `/path`, `/prefix*`, `http://host/path` or `host/path*`; undefined when empty. */
export function parsePurgeKey(key: string): PurgeSpec | undefined {
  let k = key.trim();
  if (k === '') return undefined;
  const prefix = k.endsWith('*');
  if (prefix) k = k.slice(0, -1);
  let host: string | undefined;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(k);
  if (scheme !== null) k = k.slice(scheme[0].length);
  if (!k.startsWith('/')) {
    const slash = k.indexOf('/');
    host = (slash < 0 ? k : k.slice(0, slash)).toLowerCase();
    k = slash < 0 ? '/' : k.slice(slash);
    if (host === '') host = undefined;
  }
  return { host, path: k, prefix };
}

/** True when a stored response falls under a purge. */
export function purgeMatches(spec: PurgeSpec, entry: StoredResponse): boolean {
  if (spec.host !== undefined && entry.host.toLowerCase() !== spec.host) return false;
  if (spec.prefix) return entry.uri.startsWith(spec.path);
  return spec.path.includes('?') ? entry.uri === spec.path : entry.path === spec.path;
}
