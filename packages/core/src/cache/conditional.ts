/**
 * Conditional requests against a stored response: answering a client's If-None-Match /
 * If-Modified-Since from cache (RFC 9111 §4.3.2, RFC 9110 §13.1.2-3), and the validators the cache
 * adds when it revalidates upstream (§4.3.1).
 */
import type { HeaderRecord } from '../pipeline/host.js';
import { fieldValue, splitList } from './cache-control.js';
import type { StoredResponse } from './entry.js';
import { parseHttpDate } from './http-date.js';

function opaque(tag: string): string {
  const t = tag.trim();
  return t.startsWith('W/') ? t.slice(2) : t;
}

/** Weak comparison (RFC 9110 §8.8.3.2) of an If-None-Match list against an entity tag. */
export function noneMatchHits(ifNoneMatch: string, etag: string | undefined): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  if (etag === undefined) return false;
  const mine = opaque(etag);
  for (const tag of splitList(ifNoneMatch)) if (tag.trim() !== '' && opaque(tag) === mine) return true;
  return false;
}

/**
 * True when the client's preconditions say its copy is current, so 304 answers it (§4.3.2). If-None-Match
 * takes precedence; If-Modified-Since compares with Last-Modified, else Date.
 */
export function clientCopyIsCurrent(requestHeaders: HeaderRecord, entry: StoredResponse): boolean {
  if (entry.status !== 200) return false;
  return preconditionsSayCurrent(requestHeaders, entry.meta.etag, entry.meta.lastModifiedMs, entry.headers);
}

/** `clientCopyIsCurrent` for a response not stored (yet): its own ETag, Last-Modified and Date. */
export function clientCopyIsCurrentFor(
  requestHeaders: HeaderRecord,
  status: number,
  headers: HeaderRecord,
): boolean {
  if (status !== 200) return false;
  const etag = fieldValue(headers, 'etag');
  const lm =
    typeof headers['last-modified'] === 'string' ? parseHttpDate(headers['last-modified']) : undefined;
  return preconditionsSayCurrent(requestHeaders, etag === '' ? undefined : etag, lm, headers);
}

function preconditionsSayCurrent(
  requestHeaders: HeaderRecord,
  etag: string | undefined,
  lastModifiedMs: number | undefined,
  headers: HeaderRecord,
): boolean {
  const inm = fieldValue(requestHeaders, 'if-none-match');
  if (inm !== '') return noneMatchHits(inm, etag);
  const ims =
    typeof requestHeaders['if-modified-since'] === 'string'
      ? parseHttpDate(requestHeaders['if-modified-since'])
      : undefined;
  if (ims === undefined) return false;
  const basis =
    lastModifiedMs ?? (typeof headers.date === 'string' ? parseHttpDate(headers.date) : undefined);
  return basis !== undefined && basis <= ims;
}

/**
 * The client's If-None-Match / If-Modified-Since taken off a request that misses the cache (RFC 9111
 * §4.3.2 lets the cache evaluate them itself): the origin then sends the whole response, which can be
 * stored, and the cache answers the client's preconditions from it. Forwarded as they were, a browser's
 * revalidations of a cold cache would only ever bring 304s, and the cache would never fill. Undefined
 * when the request has none (or asks for a range, which keeps its own preconditions).
 */
export function takeClientConditionals(requestHeaders: HeaderRecord): HeaderRecord | undefined {
  if (!hasClientConditional(requestHeaders) || requestHeaders.range !== undefined) return undefined;
  const held: HeaderRecord = {
    'if-none-match': requestHeaders['if-none-match'],
    'if-modified-since': requestHeaders['if-modified-since'],
  };
  requestHeaders['if-none-match'] = undefined;
  requestHeaders['if-modified-since'] = undefined;
  return held;
}

/** True when a request carries a precondition the cache can evaluate. */
export function hasClientConditional(requestHeaders: HeaderRecord): boolean {
  return requestHeaders['if-none-match'] !== undefined || requestHeaders['if-modified-since'] !== undefined;
}

/** Fields of a 304 the cache answers (RFC 9110 §15.4.5): the response's own minus the content framing. */
export function notModifiedHeaders(headers: HeaderRecord): HeaderRecord {
  const out: HeaderRecord = {};
  for (const name in headers) {
    if (name === 'content-length' || name === 'content-type' || name === 'content-encoding') continue;
    out[name] = headers[name];
  }
  return out;
}

/**
 * Adds the stored validators to an upstream request (§4.3.1): the entry's ETag to If-None-Match
 * (merged with the client's own tags), and Last-Modified as If-Modified-Since when the client sent none.
 * Returns false when the entry has no validator.
 */
export function addValidators(requestHeaders: HeaderRecord, entry: StoredResponse): boolean {
  const etag = entry.meta.etag;
  const lm = typeof entry.headers['last-modified'] === 'string' ? entry.headers['last-modified'] : undefined;
  if (etag === undefined && lm === undefined) return false;
  if (etag !== undefined) {
    const prior = fieldValue(requestHeaders, 'if-none-match');
    if (prior === '') requestHeaders['if-none-match'] = etag;
    else if (!noneMatchHits(prior, etag)) requestHeaders['if-none-match'] = `${prior}, ${etag}`;
  }
  // Our (older or equal) date replaces a client's: a 304 then validates the stored copy, and whether the
  // client's own copy is current is judged afterwards from the freshened entry.
  if (lm !== undefined) requestHeaders['if-modified-since'] = lm;
  return true;
}

/** True when a 304 from upstream validates `entry` (its ETag, if any, is the stored one). */
export function validates(notModified: HeaderRecord, entry: StoredResponse): boolean {
  const tag = typeof notModified.etag === 'string' ? notModified.etag : undefined;
  if (tag === undefined) return true;
  return entry.meta.etag !== undefined && opaque(tag) === opaque(entry.meta.etag);
}
