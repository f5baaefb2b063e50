/**
 * RFC 9111 rules over one response: may a shared cache store it (§3, §3.5), how long is it fresh
 * (§4.2.1, §4.2.2), how old is it (§4.2.3), and may it be served stale (§4.2.4, RFC 5861).
 * Pure functions of headers and wall-clock times in ms; no I/O.
 */
import type { HeaderRecord } from '../pipeline/host.js';
import {
  type Directives,
  deltaSeconds,
  fieldValue,
  parseDirectives,
  parseSurrogateControl,
} from './cache-control.js';
import { parseHttpDate } from './http-date.js';
import { parseContentRange, parseRange } from './range.js';

/** Statuses cacheable by default (RFC 9110 §15.1), so heuristic freshness may apply to them. */
export const HEURISTIC_STATUSES: ReadonlySet<number> = new Set([
  200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501,
]);

/** Statuses whose semantics this cache implements, for `must-understand` (RFC 9111 §5.2.2.3). */
const UNDERSTOOD_STATUSES: ReadonlySet<number> = new Set([
  200, 203, 204, 206, 300, 301, 302, 303, 307, 308, 400, 403, 404, 405, 410, 414, 500, 501, 502, 503, 504,
]);

/** Operator policy that the RFC leaves to the cache. */
export interface FreshnessPolicy {
  /** Lifetime (ms) for a 200 whose origin gave no freshness information and no Last-Modified; 0 = none. */
  readonly defaultTtlMs: number;
  /** Upper bound (ms) for heuristic freshness (10% of the time since Last-Modified). */
  readonly heuristicMaxMs: number;
  /** How long past expiry (ms) a response may be served when the origin fails (Varnish's grace). */
  readonly graceMs: number;
  /** Store responses that carry Set-Cookie (off by default: they are usually per user). */
  readonly storeSetCookie: boolean;
}

/** What the cache keeps about a stored response's freshness; recomputed after a 304 updates headers. */
export interface EntryMeta {
  /** Freshness lifetime in ms (0: stale from the start). */
  readonly lifetimeMs: number;
  /** corrected_initial_age in ms (Infinity when Age is malformed: always stale). */
  readonly initialAgeMs: number;
  /** Unqualified `no-cache`: every use needs a successful revalidation. */
  readonly noCache: boolean;
  /** must-revalidate, proxy-revalidate, s-maxage or no-cache: never served stale (§4.2.4). */
  readonly staleForbidden: boolean;
  /** stale-while-revalidate window in ms. */
  readonly swrMs: number;
  /** stale-if-error window in ms (at least the grace). */
  readonly sieMs: number;
  readonly immutable: boolean;
  readonly etag: string | undefined;
  readonly lastModifiedMs: number | undefined;
}

/** Why a response was not stored (logs, tests). */
export type NotStorable =
  | 'method'
  | 'status'
  | 'no-store'
  | 'private'
  | 'authorization'
  | 'set-cookie'
  | 'vary-star'
  | 'must-understand'
  | 'no-freshness';

export interface ResponseDirectives {
  readonly cc: Directives;
  /** Surrogate-Control aimed at this cache (overrides Cache-Control for storing and lifetime). */
  readonly sc: Directives;
}

export function responseDirectives(headers: HeaderRecord): ResponseDirectives {
  return {
    cc: parseDirectives(fieldValue(headers, 'cache-control')),
    sc: parseSurrogateControl(fieldValue(headers, 'surrogate-control')),
  };
}

/** True when any Vary member is `*` (RFC 9111 §4.1: never matches). */
export function varyHasStar(headers: HeaderRecord): boolean {
  const v = fieldValue(headers, 'vary');
  if (v === '') return false;
  for (const part of v.split(',')) if (part.trim() === '*') return true;
  return false;
}

/** True when the response carries explicit freshness (RFC 9111 §4.2.1) for a shared cache. */
export function hasExplicitFreshness(headers: HeaderRecord, d: ResponseDirectives): boolean {
  return d.cc.has('max-age') || d.cc.has('s-maxage') || headers.expires !== undefined || d.sc.has('max-age');
}

/**
 * RFC 9110 §9.3.3: a POST response is reusable for a later GET when it has explicit freshness and a
 * Content-Location equal to the POST's target URI (`target`, absolute).
 */
export function postReusable(target: string, headers: HeaderRecord, d: ResponseDirectives): boolean {
  const loc = headers['content-location'];
  if (typeof loc !== 'string' || loc === '' || !URL.canParse(loc, target)) return false;
  return new URL(loc, target).href === new URL(target).href && hasExplicitFreshness(headers, d);
}

/**
 * A 206 is stored (RFC 9111 §3.3) only as the answer to a single byte range with a single-part
 * Content-Range of known complete length; the body length is checked when it is complete.
 */
function partialStorable(requestHeaders: HeaderRecord, headers: HeaderRecord): boolean {
  const range = requestHeaders.range;
  const cr = headers['content-range'];
  return (
    typeof range === 'string' &&
    parseRange(range) !== undefined &&
    typeof cr === 'string' &&
    parseContentRange(cr) !== undefined
  );
}

/**
 * RFC 9111 §3: may a shared cache store this response? `method` is GET, or POST when the caller has
 * checked postReusable. Returns undefined when it may, or the reason it may not.
 */
export function notStorable(
  method: string,
  requestHeaders: HeaderRecord,
  status: number,
  headers: HeaderRecord,
  d: ResponseDirectives,
  policy: FreshnessPolicy,
): NotStorable | undefined {
  if (method !== 'GET' && method !== 'POST') return 'method';
  // 304 only updates what is stored (§4.3.4).
  if (status < 200 || status === 304) return 'status';
  if (status === 206 && (method !== 'GET' || !partialStorable(requestHeaders, headers))) return 'status';
  const { cc, sc } = d;
  if (cc.has('must-understand')) {
    if (!UNDERSTOOD_STATUSES.has(status)) return 'must-understand';
  } else if (cc.has('no-store')) {
    if (!sc.has('max-age')) return 'no-store';
  }
  if (sc.has('no-store')) return 'no-store';
  if (parseDirectives(fieldValue(requestHeaders, 'cache-control')).has('no-store')) return 'no-store';
  // `private` with field names is a qualified form; a shared cache still must not store (§5.2.2.7).
  if (cc.has('private')) return 'private';
  if (
    requestHeaders.authorization !== undefined &&
    !cc.has('public') &&
    !cc.has('s-maxage') &&
    !cc.has('must-revalidate')
  ) {
    return 'authorization';
  }
  if (!policy.storeSetCookie && headers['set-cookie'] !== undefined) return 'set-cookie';
  if (varyHasStar(headers)) return 'vary-star';
  const explicit =
    cc.has('max-age') ||
    cc.has('s-maxage') ||
    headers.expires !== undefined ||
    sc.has('max-age') ||
    cc.has('public');
  if (explicit || cc.has('no-cache')) return undefined;
  if (HEURISTIC_STATUSES.has(status) && headers['last-modified'] !== undefined) return undefined;
  if (status === 200 && policy.defaultTtlMs > 0) return undefined;
  // A response with a validator but no freshness is kept (stale) so later requests can revalidate it.
  if (HEURISTIC_STATUSES.has(status) && headers.etag !== undefined) return undefined;
  return 'no-freshness';
}

/** The single Age value, or undefined when the field is malformed (several values, not digits). */
export function parseAge(headers: HeaderRecord): number | undefined | 'invalid' {
  const v = headers.age;
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return 'invalid';
  const n = deltaSeconds(v.trim());
  return n === undefined ? 'invalid' : n;
}

function seconds(d: Directives, name: string): number | undefined | 'invalid' {
  if (!d.has(name)) return undefined;
  return deltaSeconds(d.get(name)) ?? 'invalid';
}

/** RFC 9111 §4.2.1 / §4.2.2: freshness lifetime in ms for a shared cache. */
export function freshnessLifetime(
  status: number,
  headers: HeaderRecord,
  d: ResponseDirectives,
  policy: FreshnessPolicy,
  responseTime: number,
): number {
  const { cc, sc } = d;
  const surrogate = seconds(sc, 'max-age');
  if (surrogate !== undefined) return surrogate === 'invalid' ? 0 : surrogate * 1000;
  const shared = seconds(cc, 's-maxage');
  if (shared !== undefined) return shared === 'invalid' ? 0 : shared * 1000;
  const maxAge = seconds(cc, 'max-age');
  if (maxAge !== undefined) return maxAge === 'invalid' ? 0 : maxAge * 1000;
  const date = dateValue(headers, responseTime);
  if (headers.expires !== undefined) {
    // Several Expires lines, or an invalid one, mean "already expired" (§5.3).
    const expires = typeof headers.expires === 'string' ? parseHttpDate(headers.expires) : undefined;
    return expires === undefined ? 0 : Math.max(0, expires - date);
  }
  const lm =
    typeof headers['last-modified'] === 'string' ? parseHttpDate(headers['last-modified']) : undefined;
  if (lm !== undefined && (HEURISTIC_STATUSES.has(status) || cc.has('public'))) {
    return Math.min(policy.heuristicMaxMs, Math.max(0, (date - lm) / 10));
  }
  if (status === 200 && !cc.has('no-cache')) return policy.defaultTtlMs;
  return 0;
}

/** The Date value in ms, or the response time when Date is missing or invalid (§4.2.3). */
export function dateValue(headers: HeaderRecord, responseTime: number): number {
  const d = typeof headers.date === 'string' ? parseHttpDate(headers.date) : undefined;
  return d ?? responseTime;
}

/** Computes everything the cache needs to judge a stored response later. */
export function analyse(
  status: number,
  headers: HeaderRecord,
  requestTime: number,
  responseTime: number,
  policy: FreshnessPolicy,
): EntryMeta {
  const d = responseDirectives(headers);
  const { cc } = d;
  const age = parseAge(headers);
  let initialAgeMs: number;
  if (age === 'invalid') initialAgeMs = Number.POSITIVE_INFINITY;
  else {
    // §4.2.3: corrected_initial_age = max(apparent_age, age_value + response_delay).
    // In whole seconds, as HTTP-dates are: a Date within the response's own second is no age.
    const apparent = Math.max(0, Math.floor(responseTime / 1000) * 1000 - dateValue(headers, responseTime));
    const corrected = (age ?? 0) * 1000 + Math.max(0, responseTime - requestTime);
    initialAgeMs = Math.max(apparent, corrected);
  }
  const swr = deltaSeconds(cc.get('stale-while-revalidate'));
  const sie = deltaSeconds(cc.get('stale-if-error'));
  const etag = typeof headers.etag === 'string' ? headers.etag.trim() : undefined;
  const lm =
    typeof headers['last-modified'] === 'string' ? parseHttpDate(headers['last-modified']) : undefined;
  const noCache = cc.has('no-cache') && cc.get('no-cache') === '';
  return {
    lifetimeMs: noCache ? 0 : freshnessLifetime(status, headers, d, policy, responseTime),
    initialAgeMs,
    noCache,
    staleForbidden: noCache || cc.has('must-revalidate') || cc.has('proxy-revalidate') || cc.has('s-maxage'),
    swrMs: (swr ?? 0) * 1000,
    sieMs: Math.max((sie ?? 0) * 1000, policy.graceMs),
    immutable: cc.has('immutable'),
    etag: etag === '' ? undefined : etag,
    lastModifiedMs: lm,
  };
}

/** §4.2.3 current_age in ms at wall time `now`. */
export function currentAge(meta: EntryMeta, responseTime: number, now: number): number {
  return meta.initialAgeMs + Math.max(0, now - responseTime);
}
