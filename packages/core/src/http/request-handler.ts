/**
 * Turns node:http requests into `ProxyExchange`s, runs them through the pipeline that is current when the
 * request head arrives, writes the answer and reports completion (bytes, in-flight accounting).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { ProxyError } from '../errors/proxy-error.js';
import { failExchange } from '../pipeline/error-response.js';
import { type ListenerName, ProxyExchange } from '../pipeline/exchange.js';
import type { OnComplete } from '../pipeline/hooks.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { writeResponse } from '../pipeline/write-response.js';
import { announcedTooLarge, limitBody } from './body-limit.js';
import { normalizeIp, type TrustedProxies } from './client-ip.js';

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
}

/** Bytes already accounted to earlier requests of a keep-alive connection. */
interface ConnCounters {
  read: number;
  written: number;
}

/** Builds the `request` listener for a node:http server. */
export function createRequestHandler(
  opts: RequestHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const counters = new WeakMap<Socket, ConnCounters>();
  const { listener, onComplete } = opts;

  function complete(x: ProxyExchange, socket: Socket): void {
    let c = counters.get(socket);
    if (c === undefined) {
      c = { read: 0, written: 0 };
      counters.set(socket, c);
    }
    const read = socket.bytesRead;
    const written = socket.bytesWritten;
    const bytesIn = read - c.read;
    const bytesOut = written - c.written;
    c.read = read;
    c.written = written;
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
    const socket = req.socket;
    const peer = normalizeIp(socket.remoteAddress ?? '');
    const headers = req.headers;
    let body: Readable | undefined;
    let tooLarge = false;
    if (headers['transfer-encoding'] !== undefined) {
      body = limitBody(req, serving.maxBodySize);
    } else {
      const cl = headers['content-length'];
      if (cl !== undefined && cl !== '0') {
        if (announcedTooLarge(cl, serving.maxBodySize)) tooLarge = true;
        else body = req;
      }
    }
    const x = new ProxyExchange({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers,
      body,
      clientIp: serving.trustedProxies.clientIp(peer, headers['x-forwarded-for']),
      peerIp: peer,
      scheme: 'http',
      protocol: 'h1',
      listener,
      startedAt,
    });
    res.once('close', () => {
      if (!res.writableFinished) x.abort();
      serving.leave();
      complete(x, socket);
    });
    const write = (done: ProxyExchange): void => writeResponse(res, done, opts.draining());
    if (tooLarge) {
      failExchange(
        x,
        new ProxyError(
          'PC_ERR_BODY_TOO_LARGE',
          'downstream',
          `Content-Length exceeds ${serving.maxBodySize} bytes`,
        ),
      );
      write(x);
      return;
    }
    serving.pipeline.run(x, write);
  };
}
