/**
 * Writes an exchange's response to a node:http ServerResponse: status, headers, then the body (a buffer
 * with Content-Length, or a stream piped with backpressure and destroyed when the client goes away).
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { ProxyError } from '../errors/proxy-error.js';
import { closingStatuses, errorResponse } from './error-response.js';
import type { ProxyExchange } from './exchange.js';
import type { ResponseState } from './host.js';

function ignore(): void {}

function destroyBody(r: ResponseState | undefined): void {
  if (r !== undefined && r.body !== undefined && !Buffer.isBuffer(r.body)) r.body.destroy();
}

function bodiless(status: number): boolean {
  return status === 204 || status === 304 || status < 200;
}

/** Writes `x.response`; `close` forces `Connection: close` (graceful shutdown). Never throws. */
export function writeResponse(res: ServerResponse, x: ProxyExchange, close: boolean): void {
  let r = x.response;
  if (res.headersSent || res.destroyed || r === undefined) {
    destroyBody(r);
    if (!res.headersSent && !res.destroyed) res.destroy();
    return;
  }
  try {
    res.writeHead(r.status, outgoingHeaders(r, close));
  } catch (err) {
    // A status or header node refuses (a module set it): answer 500 rather than fail the connection.
    destroyBody(r);
    x.error = new ProxyError(
      'PC_ERR_INVALID_RESPONSE',
      'script',
      'response rejected by the HTTP writer',
      err,
    );
    r = errorResponse(500);
    x.response = r;
    res.writeHead(r.status, outgoingHeaders(r, close));
  }
  const body = r.body;
  if (body === undefined) res.end();
  else if (Buffer.isBuffer(body)) res.end(body);
  else pipeline(body, res, ignore);
}

function outgoingHeaders(r: ResponseState, close: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const headers = r.headers;
  for (const name in headers) {
    const v = headers[name];
    if (v !== undefined) out[name] = v;
  }
  const body = r.body;
  if (!bodiless(r.status)) {
    if (Buffer.isBuffer(body)) out['content-length'] = body.length;
    else if (body === undefined && out['content-length'] === undefined) out['content-length'] = 0;
  }
  if (close || closingStatuses.has(r.status)) out.connection = 'close';
  return out;
}
