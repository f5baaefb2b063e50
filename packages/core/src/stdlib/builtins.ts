/**
 * Expression helpers without a namespace: `header`, `response_header`, `query_param`, `cookie`, and the
 * string/number conversions. All pure and synchronous.
 */
import type { HostExchange } from '../pipeline/host.js';
import { headerValue, type StdImplementations } from './std-context.js';

const DECIMAL = /^[+-]?\d+$/;

/** First value of `name` in a query string (without the leading `?`), or "". */
export function queryParam(query: string, name: string): string {
  if (query === '') return '';
  return new URLSearchParams(query).get(name) ?? '';
}

/** Value of cookie `name` in a Cookie header (RFC 6265 §5.4 pairs; surrounding quotes removed), or "". */
export function cookieValue(cookieHeader: string, name: string): string {
  if (cookieHeader === '') return '';
  for (const pair of cookieHeader.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const value = pair.slice(eq + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return '';
}

/** Parses a decimal integer; 0 for anything else (including values beyond 2^53). */
export function toInt(value: string): number {
  const text = value.trim();
  if (!DECIMAL.test(text)) return 0;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : 0;
}

export function createBuiltins(): StdImplementations {
  return {
    header: (x: HostExchange, name: string) => headerValue(x.requestHeaders, name),
    response_header: (x: HostExchange, name: string) => headerValue(x.response?.headers, name),
    query_param: (x: HostExchange, name: string) => queryParam(x.query, name),
    cookie: (x: HostExchange, name: string) => cookieValue(headerValue(x.requestHeaders, 'cookie'), name),
    lower: (_x: unknown, value: string) => value.toLowerCase(),
    upper: (_x: unknown, value: string) => value.toUpperCase(),
    len: (_x: unknown, value: string) => value.length,
    to_int: (_x: unknown, value: string) => toInt(value),
    to_str: (_x: unknown, value: number) => String(value),
  };
}
