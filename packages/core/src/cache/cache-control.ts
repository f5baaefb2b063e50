/**
 * Cache-Control (RFC 9111 §5.2) and Surrogate-Control parsing that never throws: directives split on
 * commas outside quoted strings, names lower-cased, quoted values unquoted (RFC 9110 §5.6.4), the
 * first occurrence of a repeated directive kept (RFC 9111 §4.2.1: "the first occurrence should be used").
 */
import type { HeaderRecord } from '../pipeline/host.js';

/** Directive name → value ("" for a directive without `=value`). */
export type Directives = ReadonlyMap<string, string>;

const EMPTY: Directives = new Map();

/** Joins the field lines of a header as one comma-separated list value. */
export function fieldValue(headers: HeaderRecord, name: string): string {
  const v = headers[name];
  if (v === undefined) return '';
  return typeof v === 'string' ? v : v.join(', ');
}

/** Splits a list value on commas that are not inside a quoted string. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 44 /* , */) {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out;
}

function unquote(raw: string): string {
  if (raw.length >= 2 && raw.charCodeAt(0) === 34 && raw.charCodeAt(raw.length - 1) === 34) {
    return raw.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return raw;
}

/** Parses a Cache-Control value (all field lines joined). */
export function parseDirectives(value: string): Directives {
  if (value === '') return EMPTY;
  const out = new Map<string, string>();
  for (const part of splitList(value)) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '' || out.has(name)) continue;
    out.set(name, eq < 0 ? '' : unquote(part.slice(eq + 1).trim()));
  }
  return out;
}

/** Largest delta-seconds honoured (RFC 9111 §1.2.2: 2^31 when a value overflows). */
export const DELTA_SECONDS_MAX = 2_147_483_648;

/**
 * A delta-seconds value (RFC 9111 §1.2.2): digits only. Returns undefined for anything else (negative,
 * fractional, single-quoted, empty), which callers treat as "invalid".
 */
export function deltaSeconds(text: string | undefined): number | undefined {
  if (text === undefined || text === '' || !/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return Math.min(n, DELTA_SECONDS_MAX);
}

/**
 * Surrogate-Control (W3C Edge Architecture) directives aimed at this cache: untargeted ones and those
 * whose `;target` is `proxycache`. A directive for another device is dropped.
 */
export function parseSurrogateControl(value: string, target = 'proxycache'): Directives {
  if (value === '') return EMPTY;
  const out = new Map<string, string>();
  for (const part of splitList(value)) {
    const semi = part.indexOf(';');
    if (
      semi >= 0 &&
      part
        .slice(semi + 1)
        .trim()
        .toLowerCase() !== target
    )
      continue;
    const directive = semi >= 0 ? part.slice(0, semi) : part;
    const eq = directive.indexOf('=');
    const name = (eq < 0 ? directive : directive.slice(0, eq)).trim().toLowerCase();
    if (name === '' || out.has(name)) continue;
    out.set(name, eq < 0 ? '' : unquote(directive.slice(eq + 1).trim()));
  }
  return out;
}
