/**
 * A stored response: the exact headers and body buffer written on a hit, plus what freshness needs
 * (request/response times, the analysed directives). The same shape lives in memory and, serialised,
 * in Redis.
 */
import type { HeaderRecord } from '../pipeline/host.js';
import { analyse, type EntryMeta, type FreshnessPolicy } from './freshness.js';

export interface StoredResponse {
  /** Primary key (scheme://host/uri). */
  readonly key: string;
  readonly host: string;
  /** Request path (without the query); purge matches on it. */
  readonly path: string;
  readonly uri: string;
  readonly status: number;
  /** Headers as written on a hit (no hop-by-hop, no Age/X-Cache), with an exact content-length. */
  readonly headers: HeaderRecord;
  readonly body: Buffer;
  /** Wall-clock ms when the request that produced it was sent / its response arrived. */
  readonly requestTime: number;
  readonly responseTime: number;
  /** The request's normalised values of the fields Vary names. */
  readonly vary: readonly (readonly [string, string])[];
  /** Origin fields that shape freshness but are not written on a hit: Age, Surrogate-Control. */
  readonly control: HeaderRecord;
  readonly meta: EntryMeta;
  /** The backend (host:port) the response came from; a background refresh goes back to it. */
  readonly backend?: string;
  /** Bytes it holds (body + headers), for `max_bytes`. */
  readonly size: number;
  /**
   * The headers of a whole-body answer, made by the cache on the first one (http-cache.ts serve) and
   * reused by later hits; never serialised, and reset wherever the stored headers change.
   */
  hitHeaders?: HitHeaders | undefined;
}

/** Stored headers plus `age` and `x-cache` slots, kept ready to copy on a hit. */
export interface HitHeaders {
  readonly headers: HeaderRecord;
  /** The Age (s) `headers.age` currently holds: it changes at most once a second. */
  ageSeconds: number;
}

/** Fields never stored: hop-by-hop (RFC 9111 §3.1) and values the cache itself produces. */
const NOT_STORED: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authentication-info',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'age',
  'x-cache',
  'surrogate-control',
]);

/** Fields a 304 must not change (RFC 9111 §3.2; the cache-tests suite expects these kept). */
const NOT_UPDATED_BY_304: ReadonlySet<string> = new Set([
  'content-length',
  'content-encoding',
  'content-md5',
  'content-range',
  'etag',
  'transfer-encoding',
]);

function headerBytes(headers: HeaderRecord): number {
  let n = 0;
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined) continue;
    n += name.length + 4 + (typeof v === 'string' ? v.length : v.join(', ').length);
  }
  return n;
}

/** Headers to store: end-to-end fields only, plus an exact content-length and a Date when missing. */
export function storedHeaders(headers: HeaderRecord, bodyLength: number, responseTime: number): HeaderRecord {
  const out: HeaderRecord = {};
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || NOT_STORED.has(name) || name.startsWith('proxy-')) continue;
    out[name] = v;
  }
  if (out['content-length'] !== undefined || bodyLength > 0) out['content-length'] = String(bodyLength);
  // RFC 9110 §6.6.1: a cache adds Date when the origin sent none, so later hits carry the original one.
  if (out.date === undefined) out.date = new Date(responseTime).toUTCString();
  return out;
}

/**
 * A copy of a header record that fields can be added to cheaply. Not `{ ...h }`: V8 (node 20) gives a
 * spread copy a hidden class without transitions, so each field added to it afterwards (X-Request-Id
 * on a hit) costs about a microsecond and a new hidden class.
 */
export function copyHeaders(h: HeaderRecord): HeaderRecord {
  return Object.assign({}, h);
}

/** What `makeEntry` needs: a stored response without what it derives (meta, size, hit headers). */
export interface EntryInit extends Omit<StoredResponse, 'control' | 'meta' | 'size' | 'hitHeaders'> {
  readonly control?: HeaderRecord;
}

/** The origin's Age and Surrogate-Control, kept beside the stored headers for freshness. */
export function controlFields(headers: HeaderRecord): HeaderRecord {
  const out: HeaderRecord = {};
  if (headers.age !== undefined) out.age = headers.age;
  if (headers['surrogate-control'] !== undefined) out['surrogate-control'] = headers['surrogate-control'];
  return out;
}

export function makeEntry(init: EntryInit, policy: FreshnessPolicy): StoredResponse {
  const control = init.control ?? {};
  return {
    ...init,
    control,
    hitHeaders: undefined,
    meta: analyse(init.status, { ...init.headers, ...control }, init.requestTime, init.responseTime, policy),
    size: init.body.length + headerBytes(init.headers) + init.key.length + 128,
  };
}

/** The stored Vary's members, then the 304's that it lacks (ASCII case-insensitive), as one value. */
function mergedVary(stored: string | string[] | undefined, fresh: string | string[]): string | string[] {
  if (stored === undefined) return fresh;
  const list = (v: string | string[]): string[] =>
    (typeof v === 'string' ? v : v.join(','))
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
  const out = list(stored);
  const seen = new Set(out.map((m) => m.toLowerCase()));
  for (const m of list(fresh)) {
    if (!seen.has(m.toLowerCase())) {
      seen.add(m.toLowerCase());
      out.push(m);
    }
  }
  return out.join(', ');
}

/**
 * RFC 9111 §4.3.4: the stored response freshened by a 304's header fields. A Set-Cookie in the 304 is for
 * the client whose request revalidated (the request carried its Cookie): it is stored only where a
 * response with Set-Cookie would be (`store_set_cookie`), else every later hit would hand it out.
 */
export function freshened(
  entry: StoredResponse,
  notModified: HeaderRecord,
  requestTime: number,
  responseTime: number,
  policy: FreshnessPolicy,
): StoredResponse {
  const headers = copyHeaders(entry.headers);
  for (const name in notModified) {
    const v = notModified[name];
    if (v === undefined || NOT_STORED.has(name) || NOT_UPDATED_BY_304.has(name) || name.startsWith('proxy-'))
      continue;
    if (name === 'set-cookie' && !policy.storeSetCookie) continue;
    // Vary names the request fields the stored representation depends on, which include those this proxy
    // added (compression's Accept-Encoding) and the origin's 304 does not know about: kept, plus the 304's.
    headers[name] = name === 'vary' ? mergedVary(entry.headers.vary, v) : v;
  }
  // RFC 9110 §6.6.1: a 304 without Date gets the time it was received, which replaces the stored Date;
  // else the stored one would make the freshened response look as old as the first (Age past max-age).
  if (notModified.date === undefined) headers.date = new Date(responseTime).toUTCString();
  // The 304's Age and Surrogate-Control describe the refreshed response; the stored ones no longer apply.
  const control = controlFields(notModified);
  return {
    ...entry,
    headers,
    hitHeaders: undefined,
    requestTime,
    responseTime,
    control,
    meta: analyse(entry.status, { ...headers, ...control }, requestTime, responseTime, policy),
  };
}

/** Serialised form for the Redis tier: 4-byte meta length, JSON meta, then the body. */
export function encodeEntry(entry: StoredResponse): Buffer {
  const meta = Buffer.from(
    JSON.stringify({
      k: entry.key,
      h: entry.host,
      p: entry.path,
      u: entry.uri,
      s: entry.status,
      hd: entry.headers,
      rq: entry.requestTime,
      rs: entry.responseTime,
      v: entry.vary,
      c: entry.control,
      b: entry.backend,
    }),
  );
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(meta.length, 0);
  return Buffer.concat([len, meta, entry.body]);
}

interface EncodedMeta {
  k: string;
  h: string;
  p: string;
  u: string;
  s: number;
  hd: HeaderRecord;
  rq: number;
  rs: number;
  v: [string, string][];
  c?: HeaderRecord;
  b?: string;
}

/** Inverse of encodeEntry; undefined for anything malformed (another writer, a truncated value). */
export function decodeEntry(buf: Buffer, policy: FreshnessPolicy): StoredResponse | undefined {
  try {
    if (buf.length < 4) return undefined;
    const len = buf.readUInt32BE(0);
    if (4 + len > buf.length) return undefined;
    const m = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as EncodedMeta;
    if (typeof m.k !== 'string' || typeof m.s !== 'number' || typeof m.hd !== 'object') return undefined;
    return makeEntry(
      {
        key: m.k,
        host: m.h,
        path: m.p,
        uri: m.u,
        status: m.s,
        headers: m.hd,
        body: buf.subarray(4 + len),
        requestTime: m.rq,
        responseTime: m.rs,
        vary: m.v,
        control: m.c ?? {},
        ...(typeof m.b === 'string' ? { backend: m.b } : {}),
      },
      policy,
    );
  } catch {
    return undefined;
  }
}
