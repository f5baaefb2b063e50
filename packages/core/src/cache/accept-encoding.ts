/**
 * Accept-Encoding normalisation (`[cache] normalize_accept_encoding`, on by default), as Varnish does for
 * gzip: in a GET or HEAD the cache looks up, the field is reduced to the one coding this proxy would pick
 * for it — `br`, `gzip`, or `identity` when it accepts neither — before the lookup and before the request
 * goes upstream. Browsers' many spellings of the same preference ("gzip, deflate, br, zstd" and "gzip,
 * deflate, br") then select one stored `Vary: Accept-Encoding` variant instead of one each, and the origin
 * cannot answer with a coding (zstd, say) that another client of that variant would not accept. A request
 * without the field is left without it.
 */
import { negotiateEncoding } from '../http/content-coding.js';
import type { HeaderRecord } from '../pipeline/host.js';

/** The last value seen and its normal form: clients of one kind send the same string over and over. */
let lastRaw = '';
let lastNormal = 'identity';

/** The normal form of an Accept-Encoding value. */
export function normalAcceptEncoding(raw: string): string {
  if (raw !== lastRaw) {
    lastNormal = negotiateEncoding(raw) ?? 'identity';
    lastRaw = raw;
  }
  return lastNormal;
}

/** Rewrites `headers['accept-encoding']` (when present) to its normal form. */
export function normalizeAcceptEncoding(headers: HeaderRecord): void {
  const v = headers['accept-encoding'];
  if (v === undefined) return;
  headers['accept-encoding'] = normalAcceptEncoding(typeof v === 'string' ? v : v.join(','));
}
