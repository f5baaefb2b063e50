/**
 * The node:http server shared by the main and admin listeners: limits from `[server]`, keep-alive, and a
 * `clientError` handler that answers malformed input with a bare 400/408/431 and `Connection: close`
 * (never a stack trace).
 */

import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { errorBody } from '../pipeline/error-response.js';
import { validHost } from './host-field.js';
import { alpnProtocols, type TlsMaterial } from './tls-material.js';

export interface HttpServerLimits {
  /** server.max_header_size: bigger request heads get 431. */
  readonly maxHeaderSize: number;
  /** server.client_timeout in ms: time allowed for a complete request head and body. */
  readonly clientTimeoutMs: number;
  /** Concurrent connections; more are closed on accept. */
  readonly maxConnections: number;
  /** Idle keep-alive time between requests (ms). */
  readonly keepAliveTimeoutMs?: number;
}

/** Reported for each malformed request the server refused. */
export type ClientErrorReporter = (status: number, code: string) => void;

function rawErrorResponse(status: number): string {
  const body = errorBody(status);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    `Date: ${new Date().toUTCString()}\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('latin1')}`
  );
}

/** The status for a parser or timeout error node reports through `clientError`. */
export function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * Refuses, before the pipeline sees it, a request head that node's parser accepts but HTTP/1.1 does not:
 * a version other than 1.x (an `HTTP/2.0` request line would otherwise be taken for an HTTP/2 stream, an
 * HTTP/0.9 line forwarded without a Host) gets 505, and an HTTP/1.1 head without Host, with more than
 * one Host field line (RFC 9112 §3.2: node keeps only the first, so modules and the backend could
 * disagree on the host) or with an invalid one (host-field.ts) gets 400, and a transfer coding other than
 * chunked gets 501. True when refused (the answer is written, with `Connection: close`).
 */
export function refuseRequest(
  req: IncomingMessage,
  res: ServerResponse,
  onClientError?: ClientErrorReporter,
): boolean {
  let status = 0;
  let code = 'PC_ERR_BAD_HOST';
  if (req.httpVersionMajor !== 1) {
    status = 505;
    code = 'PC_ERR_HTTP_VERSION';
  } else {
    const raw = req.rawHeaders;
    let hosts = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      if (
        name.length === 4 &&
        name.toLowerCase() === 'host' &&
        (++hosts > 1 || !validHost(raw[i + 1] as string))
      ) {
        status = 400;
        break;
      }
    }
    // node's own check (requireHostHeader) answers without a body or our headers, so it is done here.
    if (hosts === 0 && req.httpVersionMinor >= 1) status = 400;
    else if (status === 0) {
      status = transferCodingStatus(req.headers['transfer-encoding']);
      code = 'PC_ERR_TRANSFER_CODING';
    }
  }
  if (status === 0) return false;
  onClientError?.(status, code);
  const body = errorBody(status);
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    connection: 'close',
  });
  res.end(body);
  // Whatever the client sends after this head (a body, more requests) is not read.
  req.socket.destroySoon();
  return true;
}

/**
 * What a request's Transfer-Encoding calls for: 0 (none, or `chunked` alone); 400 when chunked is not the
 * final coding (RFC 9112 §6.3: the body's length cannot be known); 501 for a coding before it (`gzip,
 * chunked`, RFC 9112 §6.1): this proxy does not decode it, and the de-chunked bytes forwarded without it
 * would hand the backend a body it cannot read (nginx answers 501 too).
 */
function transferCodingStatus(te: string | undefined): number {
  if (te === undefined) return 0;
  const codings = te
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '');
  if (codings[codings.length - 1] !== 'chunked') return 400;
  return codings.length === 1 ? 0 : 501;
}

/**
 * Creates (does not start) an HTTP/1.1 server that hands complete request heads to `handler`. With `tls` it
 * is an https server offering `alpn` (default `h2`, `http/1.1`; http/h2-front.ts takes the `h2` connections).
 */
export function createHttpServer(
  limits: HttpServerLimits,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  onClientError?: ClientErrorReporter,
  tls?: TlsMaterial,
  alpn: readonly string[] = alpnProtocols,
): Server {
  const options = {
    maxHeaderSize: limits.maxHeaderSize,
    requestTimeout: limits.clientTimeoutMs,
    headersTimeout: limits.clientTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs ?? 5000,
    insecureHTTPParser: false,
    requireHostHeader: false,
    // Without this node checks the timeouts only every 30 s; a 1 s step keeps slow-client limits tight.
    connectionsCheckingInterval: Math.min(1000, limits.clientTimeoutMs),
  };
  // https.Server is an http.Server on TLS sockets (same limits, events and connection tracking).
  const guarded = (req: IncomingMessage, res: ServerResponse): void => {
    if (!refuseRequest(req, res, onClientError)) handler(req, res);
  };
  const server =
    tls === undefined
      ? createServer(options, guarded)
      : (createHttpsServer(
          {
            ...options,
            cert: tls.cert,
            key: tls.key,
            ALPNProtocols: [...alpn],
            handshakeTimeout: limits.clientTimeoutMs,
          },
          guarded,
        ) as unknown as Server);
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const code = err.code ?? '';
    if (code === 'ECONNRESET' || code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    refuseWhenAnswered(socket, code);
  });
  /**
   * Bytes that do not parse after requests whose answers are still being written (pipelined garbage, or
   * anything after a `Connection: close` / HTTP/1.0 request): those answers finish first, whole and in
   * order (RFC 9112 §9.3, §9.6), then the error answer, if any, and the close.
   */
  const refuseWhenAnswered = (socket: Duplex, code: string): void => {
    const current = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (current == null || current.writableFinished) {
      refuseAfter(socket, code);
      return;
    }
    if (!current.req.complete) {
      // The bytes that failed are this request's own (its body): its answer cannot come. One that has
      // not started is replaced by the error answer; one already started is cut.
      if (current.headersSent) socket.destroy();
      else refuseAfter(socket, code);
      return;
    }
    // node assigns the next queued answer to the socket in its own 'finish' listener, which runs first.
    current.once('finish', () => refuseWhenAnswered(socket, code));
    current.once('close', () => {
      if (!current.writableFinished) socket.destroy();
    });
  };
  /** Ends the connection after a parse error: a raw 400/408/431, or just the close after a closing request. */
  const refuseAfter = (socket: Duplex, code: string): void => {
    if (socket.destroyed) return;
    // Data after a request that closes the connection is not an error to answer: it is ignored.
    if (code === 'HPE_CLOSED_CONNECTION') {
      socket.end();
      return;
    }
    const status = clientErrorStatus(code);
    onClientError?.(status, code);
    socket.end(rawErrorResponse(status));
  };
  // CONNECT (a forward-proxy tunnel) is not something a reverse proxy offers: 501 and close, instead of
  // node's default of closing the connection without a word (RFC 9110 §15.6.2).
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    onClientError?.(501, 'PC_ERR_METHOD_NOT_IMPLEMENTED');
    socket.end(rawErrorResponse(501));
  });
  return server;
}
