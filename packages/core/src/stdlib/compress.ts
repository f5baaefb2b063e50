/**
 * `std.compress.check(min_size)` / `.apply()`: on-the-fly gzip or brotli of compressible responses.
 *
 * Eligible: a response with a body (not HEAD, 204, 206, 304), no Content-Encoding yet, no
 * `Cache-Control: no-transform`, a compressible type (text/*, JSON, JavaScript, XML, SVG — not
 * event streams) and, when the size is known, at least `min_size` bytes. An eligible response gets
 * `Vary: Accept-Encoding` even when this client takes no encoding, because another client would get
 * a different representation. The body is piped through a node:zlib stream, so nothing is buffered
 * and the event loop is never blocked; Content-Length is dropped and a strong ETag becomes weak.
 */
import { pipeline } from 'node:stream';
import { type BrotliOptions, constants, createBrotliCompress, createGzip } from 'node:zlib';
import { type Encoding, negotiateEncoding } from '../http/content-coding.js';
import { peekNote } from '../pipeline/exchange.js';
import type { HeaderRecord, HostExchange, ResponseState } from '../pipeline/host.js';
import { headerValue, type StdContext, type StdImplementations } from './std-context.js';

const NOTE_ENCODING = 'compress.encoding';
/** Brotli's default quality (11) is meant for static assets; 4 is the usual on-the-fly setting. */
const BROTLI: BrotliOptions = { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } };

/** Whether a Content-Type is worth compressing. */
export function isCompressibleType(contentType: string): boolean {
  const semi = contentType.indexOf(';');
  const type = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type === '' || type === 'text/event-stream') return false;
  if (type.startsWith('text/')) return true;
  const slash = type.indexOf('/');
  const sub = slash < 0 ? '' : type.slice(slash + 1);
  return (
    sub === 'json' ||
    sub.endsWith('+json') ||
    sub === 'javascript' ||
    sub === 'x-javascript' ||
    sub === 'xml' ||
    sub.endsWith('+xml')
  );
}

/** Body size when known (buffer length or Content-Length), else undefined. */
function knownSize(response: ResponseState): number | undefined {
  if (Buffer.isBuffer(response.body)) return response.body.length;
  const declared = headerValue(response.headers, 'content-length');
  return declared === '' ? undefined : Number(declared);
}

function eligible(
  x: HostExchange,
  response: ResponseState | undefined,
  minSize: number,
): response is ResponseState {
  if (response === undefined || response.body === undefined || x.method === 'HEAD') return false;
  const s = response.status;
  if (s < 200 || s === 204 || s === 206 || s === 304) return false;
  const ce = headerValue(response.headers, 'content-encoding').trim().toLowerCase();
  if (ce !== '' && ce !== 'identity') return false;
  // The type first: it turns most ineligible responses away without the Cache-Control regex.
  if (!isCompressibleType(headerValue(response.headers, 'content-type'))) return false;
  if (/(^|,)\s*no-transform\s*(,|$)/i.test(headerValue(response.headers, 'cache-control'))) return false;
  const size = knownSize(response);
  return size === undefined || !(size < minSize);
}

function addVary(headers: HeaderRecord, name: string): void {
  const current = headerValue(headers, 'vary');
  if (current === '') {
    headers.vary = name;
    return;
  }
  const lower = name.toLowerCase();
  for (const part of current.split(',')) {
    const p = part.trim().toLowerCase();
    if (p === '*' || p === lower) return;
  }
  headers.vary = `${current}, ${name}`;
}

export function createCompress(_ctx: StdContext): StdImplementations {
  const check = (x: HostExchange, minSize: number): boolean => {
    const response = x.response;
    if (!eligible(x, response, minSize)) return false;
    addVary(response.headers, 'Accept-Encoding');
    const encoding = negotiateEncoding(headerValue(x.requestHeaders, 'accept-encoding'));
    if (encoding === undefined) return false;
    x.notes.set(NOTE_ENCODING, encoding);
    return true;
  };

  const apply = (x: HostExchange): void => {
    let encoding = peekNote(x, NOTE_ENCODING) as Encoding | undefined;
    if (encoding === undefined) {
      if (!check(x, 0)) return;
      encoding = peekNote(x, NOTE_ENCODING) as Encoding;
    }
    const response = x.response;
    if (response === undefined || response.body === undefined) return;
    x.notes.delete(NOTE_ENCODING);
    const zipper = encoding === 'br' ? createBrotliCompress(BROTLI) : createGzip();
    const body = response.body;
    if (Buffer.isBuffer(body)) zipper.end(body);
    else pipeline(body, zipper, () => {});
    response.body = zipper;
    const headers = response.headers;
    headers['content-encoding'] = encoding;
    delete headers['content-length'];
    addVary(headers, 'Accept-Encoding');
    const etag = headerValue(headers, 'etag');
    if (etag.startsWith('"')) headers.etag = `W/${etag}`;
  };

  return { 'std.compress.check': check, 'std.compress.apply': apply };
}
