/**
 * Turns node:http requests (and node:http2 streams, through its compatibility API) into `ProxyExchange`s,
 * runs them through the pipeline that is current when the request head arrives, writes the answer and
 * reports completion (bytes, in-flight accounting).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Readable } from 'node:stream';
import { ProxyError } from '../errors/proxy-error.js';
import type { H3Request, H3Response } from '../h3/h3-message.js';
import { failExchange } from '../pipeline/error-response.js';
import { type ListenerName, ProxyExchange } from '../pipeline/exchange.js';
import type { OnComplete } from '../pipeline/hooks.js';
import type { HeaderRecord } from '../pipeline/host.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { type WriteOptions, writeResponse } from '../pipeline/write-response.js';
import { announcedBodyTooLarge, announcedTooLarge, limitBody } from './body-limit.js';
import { normalizeIp, type TrustedProxies } from './client-ip.js';
import { chargeBytes } from './connection-bytes.js';
import { h2Transport } from './h2-front.js';
import { validHost } from './host-field.js';

/** The pipeline a request runs on, with the limits of the config it was built from. */
export interface ServingPipeline {
  readonly pipeline: Pipeline;
  readonly maxBodySize: number;
  readonly trustedProxies: TrustedProxies;
  /** Counts a request in flight on this pipeline (reload disposal, graceful shutdown). */
  enter(): void;
  leave(): void;
}

export interface RequestHandlerOptions {
  readonly listener: ListenerName;
  /** The pipeline for the next request (read once per request: a swap never splits a request). */
  current(): ServingPipeline;
  readonly onComplete?: OnComplete | undefined;
  /** True while shutting down: every response closes its connection. */
  draining(): boolean;
  /** Told about failures of the completion hook (it must not break serving). */
  onHookError?(err: unknown): void;
  /** `Alt-Svc` advertised on responses (HTTP/3 enabled), read per response. */
  altSvc?(): string | undefined;
}

/** A request of node:http, a stream of node:http2's compatibility API, or an HTTP/3 request stream. */
export type AnyRequest = IncomingMessage | Http2ServerRequest | H3Request;
export type AnyResponse = ServerResponse | Http2ServerResponse | H3Response;

/** What the handler reads of a connection: the peer, TLS or not, and byte counters. */
interface Transport {
  readonly remoteAddress?: string | undefined;
  readonly encrypted?: boolean;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

/** H3_NO_ERROR: STOP_SENDING code when the answer is complete before the request body. */
const H3_NO_ERROR = 0x100;

/**
 * An HTTP/2 request's fields as an HTTP/1.1 request would carry them: pseudo-headers dropped, `:authority`
 * as Host (RFC 9113 §8.3.1), so that modules and the upstream request see one shape.
 */
export function h2RequestHeaders(raw: Http2ServerRequest['headers']): HeaderRecord {
  const out: HeaderRecord = {};
  for (const name in raw) {
    if (name.charCodeAt(0) === 58 /* ':' */) continue;
    out[name] = raw[name];
  }
  const authority = raw[':authority'];
  if (out.host === undefined && typeof authority === 'string') out.host = authority;
  return out;
}

/** Builds the `request` listener for a node:http server, or node:http2's compatibility `request` event. */
export function createRequestHandler(
  opts: RequestHandlerOptions,
): (req: AnyRequest, res: AnyResponse) => void {
  const { listener, onComplete } = opts;

  function complete(x: ProxyExchange, socket: Transport): void {
    const { bytesIn, bytesOut } = chargeBytes(socket);
    if (onComplete !== undefined) {
      try {
        onComplete(x, bytesIn, bytesOut);
      } catch (err) {
        opts.onHookError?.(err);
      }
    }
  }

  return (req, res) => {
    const startedAt = performance.now();
    const serving = opts.current();
    serving.enter();
    const major = req.httpVersionMajor;
    const h2 = major === 2;
    const h3 = major === 3;
    const socket: Transport = (h2 ? h2Transport(req as Http2ServerRequest) : undefined) ?? req.socket;
    const peer = normalizeIp(socket.remoteAddress ?? '');
    const headers = h2 ? h2RequestHeaders((req as Http2ServerRequest).headers) : req.headers;
    let body: Readable | undefined;
    let tooLarge = false;
    if ((h2 && (req as Http2ServerRequest).stream.endAfterHeaders) || (h3 && !(req as H3Request).hasBody)) {
      // END_STREAM on HEADERS (FIN in HTTP/3): no body, whatever the headers say.
    } else if (
      headers['transfer-encoding'] !== undefined ||
      (major >= 2 && headers['content-length'] === undefined)
    ) {
      body = limitBody(req, serving.maxBodySize);
    } else {
      const cl = headers['content-length'] as string | undefined;
      if (cl !== undefined && cl !== '0') {
        if (announcedTooLarge(cl, serving.maxBodySize)) tooLarge = true;
        else body = req as Readable;
      }
    }
    const x = new ProxyExchange({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers,
      body,
      clientIp: serving.trustedProxies.clientIp(peer, headers['x-forwarded-for']),
      peerIp: peer,
      scheme: socket.encrypted === true ? 'https' : 'http',
      protocol: h3 ? 'h3' : h2 ? 'h2' : 'h1',
      listener,
      startedAt,
    });
    res.once('close', () => {
      if (!res.writableFinished) x.abort();
      serving.leave();
      complete(x, socket);
    });
    if (h2 || h3) {
      // A complete answer to a request whose body is still arriving (413, an early upstream reply): stop
      // the upload (RST_STREAM(NO_ERROR), RFC 9113 §8.1; STOP_SENDING in HTTP/3) instead of leaving the
      // stream half-open.
      res.once('finish', () => {
        if (req.complete) return;
        if (h3) {
          (req as H3Request).cancel(H3_NO_ERROR);
          return;
        }
        const stream = (req as Http2ServerRequest).stream;
        if (!stream.destroyed) stream.close(0);
      });
    }
    const wopts: WriteOptions = { multiplexed: h2 || h3, altSvc: h3 ? undefined : opts.altSvc?.() };
    const write = (done: ProxyExchange): void => writeResponse(res, done, opts.draining(), wopts);
    if (tooLarge) {
      failExchange(x, announcedBodyTooLarge(serving.maxBodySize));
      write(x);
      return;
    }
    const host = headers.host;
    if ((h2 || h3) && typeof host === 'string' && !validHost(host)) {
      // HTTP/1.1 heads are checked before this (create-server.ts refuseRequest, h1-head.ts).
      failExchange(x, new ProxyError('PC_ERR_BAD_REQUEST', 'downstream', 'invalid Host or :authority'));
      write(x);
      return;
    }
    serving.pipeline.run(x, write);
  };
}
