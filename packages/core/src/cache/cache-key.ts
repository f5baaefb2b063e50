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
