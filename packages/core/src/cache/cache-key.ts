/**
 * What a cache entry is keyed by (documented in docs/cache.md):
 * - the primary key: scheme, lower-cased Host (the authority the client addressed) and the request
 *   target exactly as received (path and query). The method is not in it because only GET responses are
 *   stored and HEAD is answered from them. Nothing else the client sends is in the key.
 * - the secondary key (RFC 9111 §4.1): the request's values of the fields the response's Vary names,
 *   normalised (field lines combined, whitespace removed, case folded for the Accept-* family).
 * X-Forwarded-Host / X-Forwarded-Proto from the client are never keyed and never reach the origin:
 * forwarding overwrites them with what the proxy saw, so they cannot poison an entry.
 */
import type { HeaderRecord } from '../pipeline/host.js';

/** The primary key of a GET for `uri` (path + query) on `host` over `scheme`. */
export function primaryKey(scheme: string, host: string, uri: string): string {
  return `${scheme}://${host.toLowerCase()}${uri}`;
}

/** Marks a Vary'd field that the request did not carry (distinct from an empty value). */
const ABSENT = '\u0000';

const CASE_FOLDED: ReadonlySet<string> = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-charset',
]);

/** Lower-case field names a Vary value lists (`*` included), in order, without duplicates. */
export function varyNames(vary: string): string[] {
  const out: string[] = [];
  for (const part of vary.split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '' && !out.includes(name)) out.push(name);
  }
  return out;
}

/** The normalised value of a Vary'd request field. */
export function varyValue(requestHeaders: HeaderRecord, name: string): string {
  const v = requestHeaders[name];
  if (v === undefined) return ABSENT;
  let text = (typeof v === 'string' ? v : v.join(',')).replace(/[ \t]+/g, '');
  if (CASE_FOLDED.has(name)) text = text.toLowerCase();
  if (name === 'accept-language') text = text.split(',').sort().join(',');
  return text;
}

/** [name, normalised value] for every name Vary lists. */
export function varyPairs(
  names: readonly string[],
  requestHeaders: HeaderRecord,
): (readonly [string, string])[] {
  return names.map((n) => [n, varyValue(requestHeaders, n)] as const);
}

/** RFC 9111 §4.1: does a request select a stored variant? */
export function varyMatches(
  stored: readonly (readonly [string, string])[],
  requestHeaders: HeaderRecord,
): boolean {
  for (let i = 0; i < stored.length; i++) {
    const pair = stored[i] as readonly [string, string];
    if (varyValue(requestHeaders, pair[0]) !== pair[1]) return false;
  }
  return true;
}

/** The one language range an Accept-Language value prefers strictly above all others (q > 0), lower-cased. */
export function preferredLanguage(acceptLanguage: string): string | undefined {
  let best: string | undefined;
  let bestQ = 0;
  let tie = false;
  for (const member of acceptLanguage.split(',')) {
    const [range = '', ...params] = member.split(';').map((p) => p.trim());
    if (range === '') continue;
    let q = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([01](?:\.[0-9]{0,3})?)$/i.exec(p);
      if (m === null) return undefined;
      q = Number(m[1]);
    }
    if (q > 1) return undefined;
    if (q > bestQ) {
      best = range.toLowerCase();
      bestQ = q;
      tie = false;
    } else if (q === bestQ && q > 0) tie = true;
  }
  return tie || best === '*' ? undefined : best;
}

/**
 * Proactive negotiation by the cache (RFC 9111 §4.1 lets a cache select with knowledge of the
 * selection algorithm): a variant whose single Content-Language is the language the request prefers
 * strictly above every other is the one the origin would pick again. Every other Vary'd field must
 * still match exactly.
 */
export function languageSelects(
  stored: readonly (readonly [string, string])[],
  contentLanguage: string | string[] | undefined,
  requestHeaders: HeaderRecord,
): boolean {
  if (typeof contentLanguage !== 'string' || contentLanguage.includes(',')) return false;
  let varies = false;
  for (const [name, value] of stored) {
    if (name === 'accept-language') varies = true;
    else if (varyValue(requestHeaders, name) !== value) return false;
  }
  const al = requestHeaders['accept-language'];
  if (!varies || al === undefined) return false;
  const preferred = preferredLanguage(typeof al === 'string' ? al : al.join(','));
  return preferred !== undefined && preferred === contentLanguage.trim().toLowerCase();
}
