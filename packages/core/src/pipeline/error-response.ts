/**
 * Responses the proxy itself generates for errors. Every one carries Content-Length and
 * `Connection: close` (the client should not reuse a connection that just failed).
 */
import { STATUS_CODES } from 'node:http';
import { type ProxyError, statusForError } from '../errors/proxy-error.js';
import type { ProxyExchange } from './exchange.js';
import type { ResponseState } from './host.js';

const bodies = new Map<number, Buffer>();

/** The short plain-text body for an error status (`502 Bad Gateway\n`), built once per status. */
export function errorBody(status: number): Buffer {
  let b = bodies.get(status);
  if (b === undefined) {
    b = Buffer.from(`${status} ${STATUS_CODES[status] ?? 'Error'}\n`);
    bodies.set(status, b);
  }
  return b;
}

/** A fresh error response for `status` (fresh headers: on_response handlers may change them). */
export function errorResponse(status: number): ResponseState {
  const body = errorBody(status);
  return {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(body.length),
      connection: 'close',
    },
    body,
  };
}

/** Replaces the exchange's response with the error's status and remembers the error for the log. */
export function failExchange(x: ProxyExchange, err: ProxyError): void {
  x.error = err;
  x.replaceResponse(errorResponse(statusForError(err)));
}
