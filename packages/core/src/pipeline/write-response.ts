/**
 * Writes an exchange's response to a node:http ServerResponse (or node:http2's compatible
 * Http2ServerResponse): status, headers, then the body (a buffer with Content-Length, or a stream piped
 * with backpressure and destroyed when the client goes away).
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Readable } from 'node:stream';
import { ProxyError } from '../errors/proxy-error.js';
import { errorResponse } from './error-response.js';
import type { ProxyExchange } from './exchange.js';
import type { ResponseState } from './host.js';
import { bodiless, lengthForbidden } from './status-framing.js';

/**
 * Streams `body` into `res` with stream.pipeline's teardown (a failing body destroys the response, a
 * response that closes or fails first destroys the body, which frees its upstream connection), but
 * without the AbortController that pipeline() builds per call and aborts at the end: that abort
 * constructs a DOMException with a stack trace, about 7 % of the CPU of a forwarded request.
 */
function pipeBody(body: Readable, res: NodeJS.WritableStream & { destroy(err?: Error): unknown }): void {
  body.on('error', (err: Error) => {
    res.destroy(err);
  });
  const stopBody = (): void => {
    if (!body.readableEnded && !body.destroyed) abandonBody(body);
  };
  res.once('close', stopBody);
  // Without a listener of ours, an error on the response would be rethrown by pipe() (pipeline ignored it).
  res.on('error', stopBody);
  body.pipe(res);
}

function ignoreError(): void {}

/**
 * Replaces a response the HTTP writer refused (a status or field a module set that the protocol cannot
 * carry) with a 500, remembering why for the access log; answering beats failing the connection.
 */
export function rejectResponse(x: ProxyExchange, refused: ResponseState, err: unknown): ResponseState {
  destroyBody(refused);
  x.error = new ProxyError('PC_ERR_INVALID_RESPONSE', 'script', 'response rejected by the HTTP writer', err);
  const r = errorResponse(500);
  x.response = r;
  return r;
}

/**
 * A streamed body someone besides the client still needs (the cache storing the response its coalesced
 * followers wait for): when the client goes, it is read to its end instead of destroyed.
 */
export interface StillWanted {
  stillWanted(): boolean;
  /** Reads the rest for whoever still wants it (nobody else reads it any more). */
  drainUnread(): void;
}

function stillWanted(body: Readable): body is Readable & StillWanted {
  const b = body as Readable & Partial<StillWanted>;
  return typeof b.stillWanted === 'function' && b.stillWanted();
}

/**
 * Destroys a streamed body that will not be written (its 'error' is expected and ignored) — unless it is
 * still wanted (StillWanted), then it is drained.
 */
export function destroyBody(r: ResponseState | undefined): void {
  if (r === undefined || r.body === undefined || Buffer.isBuffer(r.body)) return;
  abandonBody(r.body);
}

function abandonBody(body: Readable): void {
  if (stillWanted(body)) {
    body.on('error', ignoreError);
    body.drainUnread();
    return;
  }
  // undici's body emits 'error' (RequestAbortedError) when destroyed unread: unhandled, it would crash the
  // process whenever a client leaves before its upstream answer is written.
  body.on('error', ignoreError).destroy();
}

/**
 * What the writer needs of a response: node:http's ServerResponse, node:http2's Http2ServerResponse and
 * h3/h3-message.ts's H3Response all have this shape.
 */
export interface ResponseSink extends NodeJS.WritableStream {
  readonly headersSent: boolean;
  readonly destroyed?: boolean;
  writeHead(status: number, headers: OutgoingHttpHeaders): unknown;
  end(chunk?: unknown): this;
  destroy(): unknown;
}

/** How the response is framed on the wire. */
export interface WriteOptions {
  /**
   * HTTP/2 or HTTP/3 framing: connection-specific fields (RFC 9113 §8.2.2, RFC 9114 §4.2) are dropped and
   * `Connection: close` is never added (the session closes with GOAWAY instead).
   */
  readonly multiplexed?: boolean;
  /** An `Alt-Svc` value advertised on every response that does not set its own. */
  readonly altSvc?: string | undefined;
}

const noOptions: WriteOptions = {};

/** Fields that describe one HTTP/1.1 connection and are malformed in HTTP/2 and HTTP/3 responses. */
export const connectionSpecific: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** Writes `x.response`; `close` forces `Connection: close` (graceful shutdown). Never throws. */
export function writeResponse(
  res: ServerResponse | Http2ServerResponse | ResponseSink,
  x: ProxyExchange,
  close: boolean,
  opts: WriteOptions = noOptions,
): void {
  let r = x.response;
  // Http2ServerResponse has no `destroyed`; its stream's state says the same.
  const gone =
    res.destroyed === true || (res as { stream?: { destroyed: boolean } }).stream?.destroyed === true;
  if (res.headersSent || gone || r === undefined) {
    destroyBody(r);
    if (!res.headersSent && !gone) res.destroy();
    return;
  }
  try {
    writeHead(res, r, close, opts);
  } catch (err) {
    r = rejectResponse(x, r, err);
    // node:http kept the refused status's reason phrase ("500 OK" otherwise); HTTP/2 and 3 send none.
    if (opts.multiplexed !== true) (res as ServerResponse).statusMessage = '';
    writeHead(res, r, close, opts);
  }
  const body = r.body;
  if (body === undefined) res.end();
  else if (Buffer.isBuffer(body)) res.end(body);
  else if (bodiless(r.status) || x.method === 'HEAD') {
    // Nothing is sent, but the stream is read to its end, as the fast lane does, so that what tees it
    // (the cache storing a 204) completes; its errors are not the answer's (undici fails the body of a
    // 304 or 204 that announced a Content-Length, which would have destroyed the unsent answer).
    body.on('error', ignoreError).resume();
    res.end();
  } else pipeBody(body, res as NodeJS.WritableStream & { destroy(err?: Error): unknown });
}

type HeadSink = Pick<ResponseSink, 'writeHead'>;

function writeHead(res: HeadSink, r: ResponseState, close: boolean, opts: WriteOptions): void {
  // Only node:http's ServerResponse is given the flat array (H3Response takes an object only).
  if (opts.multiplexed === true) res.writeHead(r.status, outgoingHeaders(r, close, opts));
  else (res as ServerResponse).writeHead(r.status, flatHeaders(r, close, opts.altSvc));
}

/**
 * The HTTP/1.1 head as node:http's flat `[name, value, ...]` form: no intermediate object keyed by name
 * (which a profile of a cache hit showed as 2.7 % of the CPU), and node validates each field the same way
 * as with an object. Same fields in the same order as outgoingHeaders(): Content-Length and Connection
 * are overwritten in place when present, else appended after Alt-Svc.
 */
function flatHeaders(
  r: ResponseState,
  close: boolean,
  altSvc: string | undefined,
): Array<string | number | string[]> {
  const out: Array<string | number | string[]> = [];
  const headers = r.headers;
  const status = r.status;
  const body = r.body;
  // The Content-Length this writer imposes: the buffer's length, or 0 when there is no body and the
  // response set none (undefined when it keeps the response's own or there is none to set).
  let length: number | undefined;
  let lengthDefault = false;
  if (!bodiless(status)) {
    if (Buffer.isBuffer(body)) length = body.length;
    else if (body === undefined) lengthDefault = true;
  }
  let sawAltSvc = false;
  let sawLength = false;
  let sawConnection = false;
  for (const name in headers) {
    let v: string | number | string[] | undefined = headers[name];
    if (v === undefined) continue;
    if (name === 'content-length') {
      sawLength = true;
      // RFC 9110 §8.6: never on a 204 or a 1xx (whatever the origin sent).
      if (lengthForbidden(status)) continue;
      if (length !== undefined) v = length;
    } else if (name === 'connection') {
      sawConnection = true;
      if (close) v = 'close';
    } else if (name === 'alt-svc') sawAltSvc = true;
    out.push(name, v);
  }
  if (altSvc !== undefined && !sawAltSvc) out.push('alt-svc', altSvc);
  if (!sawLength && (length !== undefined || lengthDefault)) out.push('content-length', length ?? 0);
  if (close && !sawConnection) out.push('connection', 'close');
  return out;
}

function outgoingHeaders(r: ResponseState, close: boolean, opts: WriteOptions): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const headers = r.headers;
  const multiplexed = opts.multiplexed === true;
  const noLength = lengthForbidden(r.status);
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || (multiplexed && connectionSpecific.has(name))) continue;
    if (noLength && name === 'content-length') continue;
    out[name] = v;
  }
  if (opts.altSvc !== undefined && out['alt-svc'] === undefined) out['alt-svc'] = opts.altSvc;
  const body = r.body;
  if (!bodiless(r.status)) {
    if (Buffer.isBuffer(body)) out['content-length'] = body.length;
    else if (body === undefined && out['content-length'] === undefined) out['content-length'] = 0;
  }
  if (!multiplexed && close) out.connection = 'close';
  return out;
}
