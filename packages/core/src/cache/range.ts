/**
 * Byte ranges answered from cache (RFC 9110 §14, RFC 9111 §3.3): a single `bytes=` range is served as a
 * 206 from a complete stored 200, or from a stored 206 whose range contains it. Multiple ranges and
 * other units are ignored (RFC 9110 §14.2 lets a server answer 200 with the whole representation).
 * Pure functions; no I/O.
 */
import type { HeaderRecord } from '../pipeline/host.js';
import { fieldValue } from './cache-control.js';
import { parseHttpDate } from './http-date.js';

/** One byte-range-spec or suffix-byte-range-spec, before it is resolved against a length. */
export type RangeSpec =
  | { readonly kind: 'span'; readonly first: number; readonly last: number | undefined }
  | { readonly kind: 'suffix'; readonly length: number };

/** A resolved, satisfiable range: inclusive byte positions. */
export interface ByteSpan {
  readonly start: number;
  readonly end: number;
}

/** A single-part Content-Range (`bytes first-last/complete`), complete length known. */
export interface ContentRange extends ByteSpan {
  readonly complete: number;
}

const DIGITS = /^[0-9]+$/;

/**
 * Parses a Range field (RFC 9110 §14.2). Returns undefined for anything this cache does not answer
 * from store: another unit, several ranges, invalid syntax (all of which mean "ignore Range").
 */
export function parseRange(value: string): RangeSpec | undefined {
  const eq = value.indexOf('=');
  if (eq < 0 || value.slice(0, eq).trim().toLowerCase() !== 'bytes') return undefined;
  const set = value
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (set.length !== 1) return undefined;
  const spec = set[0] as string;
  const dash = spec.indexOf('-');
  if (dash < 0) return undefined;
  const a = spec.slice(0, dash).trim();
  const b = spec.slice(dash + 1).trim();
  if (a === '') return DIGITS.test(b) ? { kind: 'suffix', length: Number(b) } : undefined;
  if (!DIGITS.test(a) || (b !== '' && !DIGITS.test(b))) return undefined;
  const first = Number(a);
  const last = b === '' ? undefined : Number(b);
  // §14.1.1: last < first makes the range-spec invalid, so the whole field is ignored.
  if (last !== undefined && last < first) return undefined;
  return { kind: 'span', first, last };
}

/** Resolves a range against a representation of `length` bytes; 'unsatisfiable' per RFC 9110 §14.1.1. */
export function resolveRange(spec: RangeSpec, length: number): ByteSpan | 'unsatisfiable' {
  if (spec.kind === 'suffix') {
    if (spec.length === 0 || length === 0) return 'unsatisfiable';
    return { start: Math.max(0, length - spec.length), end: length - 1 };
  }
  if (spec.first >= length) return 'unsatisfiable';
  const end = spec.last === undefined ? length - 1 : Math.min(spec.last, length - 1);
  return { start: spec.first, end };
}

/** Parses `bytes first-last/complete` (RFC 9110 §14.4); undefined for `*` lengths or anything else. */
export function parseContentRange(value: string): ContentRange | undefined {
  const m = /^\s*bytes\s+([0-9]+)-([0-9]+)\/([0-9]+)\s*$/i.exec(value);
  if (m === null) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  const complete = Number(m[3]);
  if (end < start || end >= complete) return undefined;
  return { start, end, complete };
}

/** The stored range of a 206 entry (from its Content-Range), or undefined when it is not usable. */
export function storedRange(headers: HeaderRecord, bodyLength: number): ContentRange | undefined {
  const cr =
    typeof headers['content-range'] === 'string' ? parseContentRange(headers['content-range']) : undefined;
  if (cr === undefined || cr.end - cr.start + 1 !== bodyLength) return undefined;
  return cr;
}

function strongTag(tag: string): boolean {
  return tag.startsWith('"');
}

/**
 * RFC 9110 §13.1.5: does If-Range let the Range apply to the stored representation? An entity tag
 * must match the stored ETag by strong comparison; a date must equal Last-Modified exactly.
 */
export function ifRangeHolds(
  ifRange: string,
  etag: string | undefined,
  lastModified: string | undefined,
): boolean {
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith('W/')) {
    return etag !== undefined && strongTag(v) && strongTag(etag) && v === etag.trim();
  }
  const date = parseHttpDate(v);
  const lm = lastModified === undefined ? undefined : parseHttpDate(lastModified);
  return date !== undefined && lm !== undefined && date === lm;
}

/**
 * The range a GET asks of a stored response: undefined when there is none to honour (no Range, an
 * ignored Range, or an If-Range that does not hold).
 */
export function requestedRange(
  requestHeaders: HeaderRecord,
  etag: string | undefined,
  lastModified: string | undefined,
): RangeSpec | undefined {
  const range = fieldValue(requestHeaders, 'range');
  if (range === '') return undefined;
  const spec = parseRange(range);
  if (spec === undefined) return undefined;
  const ifRange = fieldValue(requestHeaders, 'if-range');
  if (ifRange !== '' && !ifRangeHolds(ifRange, etag, lastModified)) return undefined;
  return spec;
}

/** True when `span` lies wholly inside the stored part (RFC 9111 §3.3). */
export function contains(stored: ByteSpan, span: ByteSpan): boolean {
  return stored.start <= span.start && span.end <= stored.end;
}
