/**
 * The HTTP/1.1 fast lane's request-head recogniser. It accepts only the plain, unambiguous shape that
 * nearly every request has — an HTTP/1.1 request line, one Host, CRLF-terminated field lines of token names
 * and visible values, no body or one of a single plain Content-Length (no Transfer-Encoding), no Upgrade or
 * Expect — and returns undefined for anything else. Undefined is not an error: the connection is handed to node:http,
 * whose parser stays the authority on every malformed, unusual or body-carrying request (400, 413, 431,
 * 505, smuggling shapes, chunked bodies, 100-continue).
 */

import { METHODS } from 'node:http';
import { fieldValueRe, hasToken, lowerFieldName } from '../pipeline/field-name.js';
import type { HeaderRecord } from '../pipeline/host.js';
import { validHost } from './host-field.js';

/** A request head the fast lane serves. */
export interface SimpleHead {
  readonly method: string;
  /** The request target as sent. */
  readonly url: string;
  /** Lower-case names; duplicates combined the way node:http combines them. */
  readonly headers: HeaderRecord;
  /** `Connection: close` was sent: the response closes the connection. */
  readonly close: boolean;
  /** Bytes of body that follow the head (Content-Length; 0 when absent). */
  readonly contentLength: number;
}

const digitsRe = /^\d{1,15}$/;
/**
 * Request targets in origin-form (`/…`) or absolute-form (`http://authority/…`), RFC 3986 characters only
 * (plus `OPTIONS *`); everything else is node's.
 */
const targetRe =
  /^(?:\/|https?:\/\/[A-Za-z0-9\-._~!$&'()*+,;=%:@[\]]+(?:\/|$))[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;
/**
 * The methods node's parser accepts (llhttp knows a fixed list; an unknown token is a 400 there), less the
 * ones node:http treats specially (a CONNECT tunnel, the HTTP/2 preface).
 */
const methods: ReadonlySet<string> = new Set(METHODS.filter((m) => m !== 'CONNECT' && m !== 'PRI'));

/** Fields node:http keeps only the first of (`matchKnownFields` in node's _http_incoming.js). */
const firstWins: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'user-agent',
  'referer',
  'host',
  'authorization',
  'proxy-authorization',
  'if-modified-since',
  'if-unmodified-since',
  'from',
  'location',
  'max-forwards',
  'retry-after',
  'etag',
  'last-modified',
  'server',
  'age',
  'expires',
]);

function trimOws(v: string): string {
  let start = 0;
  let end = v.length;
  while (start < end && (v.charCodeAt(start) === 32 || v.charCodeAt(start) === 9)) start++;
  while (end > start && (v.charCodeAt(end - 1) === 32 || v.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === v.length ? v : v.slice(start, end);
}

/**
 * Recognises the head in `head` (latin1 text of the bytes before the blank line, without it).
 * Undefined means "not for the fast lane" (see the file comment).
 */
export function parseSimpleHead(head: string): SimpleHead | undefined {
  const lineEnd = head.indexOf('\r\n');
  const requestLine = lineEnd === -1 ? head : head.slice(0, lineEnd);
  const sp1 = requestLine.indexOf(' ');
  const sp2 = requestLine.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 === -1 || requestLine.length - sp2 !== 9) return undefined;
  if (!requestLine.endsWith(' HTTP/1.1')) return undefined;
  const method = requestLine.slice(0, sp1);
  const url = requestLine.slice(sp1 + 1, sp2);
  if (!methods.has(method) || !(targetRe.test(url) || (url === '*' && method === 'OPTIONS')))
    return undefined;
  const headers: HeaderRecord = {};
  let hosts = 0;
  let close = false;
  let contentLength = 0;
  let pos = lineEnd === -1 ? head.length : lineEnd + 2;
  while (pos < head.length) {
    let next = head.indexOf('\r\n', pos);
    if (next === -1) next = head.length;
    const colon = head.indexOf(':', pos);
    // No colon on this line, an empty name, or obs-fold (a line starting with whitespace): node's job.
    if (colon === -1 || colon >= next || colon === pos) return undefined;
    const name = lowerFieldName(head.slice(pos, colon));
    if (name === undefined) return undefined;
    const value = trimOws(head.slice(colon + 1, next));
    if (!fieldValueRe.test(value)) return undefined;
    pos = next + 2;
    switch (name) {
      case 'host':
        // An invalid value is node's path's to refuse (400, create-server.ts refuseRequest).
        if (!validHost(value)) return undefined;
        hosts++;
        break;
      case 'content-length':
        // One field of digits only (a list, a sign or a second field is node's to refuse).
        if (headers[name] !== undefined || !digitsRe.test(value)) return undefined;
        contentLength = Number(value);
        break;
      case 'transfer-encoding':
      case 'upgrade':
      case 'expect':
        return undefined;
      case 'connection':
        if (hasToken(value, 'upgrade')) return undefined;
        if (hasToken(value, 'close')) close = true;
        break;
    }
    const prior = headers[name];
    if (prior === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
    else if (name === 'set-cookie') (prior as string[]).push(value);
    else if (!firstWins.has(name))
      headers[name] = `${prior as string}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  // RFC 9112 §3.2: exactly one Host in HTTP/1.1 (node:http's path answers 400 otherwise).
  if (hosts !== 1) return undefined;
  return { method, url, headers, close, contentLength };
}
