/**
 * Accept-Encoding normalisation (`[cache] normalize_accept_encoding`, on by default), in the spirit of
 * Varnish's: in a GET or HEAD the cache looks up, the field is reduced to what it says about the codings
 * this proxy produces — which of br and gzip it accepts, and which it prefers — before the lookup and
 * before the request goes upstream. Five forms remain: `br, gzip` (both, br preferred or equal),
 * `gzip, br;q=0.5` (both, gzip preferred), `gzip`, `br`, and `identity` (neither). Browsers' many spellings
 * of the same preference ("gzip, deflate, br, zstd" and "gzip, deflate, br") then select one stored
 * `Vary: Accept-Encoding` variant instead of one each; an origin that compresses with gzip only still
 * sees gzip; and the origin cannot answer with a coding (zstd, say) that another client of the variant
 * would not accept. A request without the field is left without it.
 */
import { codingWeights } from '../http/content-coding.js';
import type { HeaderRecord } from '../pipeline/host.js';

/** The last value seen and its normal form: clients of one kind send the same string over and over. */
let lastRaw = '';
let lastNormal = 'identity';

/** The normal form of an Accept-Encoding value (see the file comment). */
export function normalAcceptEncoding(raw: string): string {
  if (raw !== lastRaw) {
    const { br, gzip } = codingWeights(raw);
    lastNormal =
      br > 0 && gzip > 0
        ? br >= gzip
          ? 'br, gzip'
          : 'gzip, br;q=0.5'
        : br > 0
          ? 'br'
          : gzip > 0
            ? 'gzip'
            : 'identity';
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
