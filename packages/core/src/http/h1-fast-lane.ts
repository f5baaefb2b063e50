/**
 * The HTTP/1.1 fast lane on the plain-text main listener. node:http builds an IncomingMessage, a
 * ServerResponse and their streams for every request and validates every field twice; for the request
 * shape that dominates a proxy's traffic (a bodiless HTTP/1.1 request, see h1-head.ts) this lane reads the
 * head straight off the socket, runs the pipeline and writes the answer itself — one write for a buffered
 * body (a cache hit), chunked or length-delimited streaming with backpressure otherwise.
 *
 * Anything the lane does not recognise — a head split across reads, a request with a body, Upgrade,
 * Expect, HTTP/1.0, a malformed or oversized head — is handed, with the bytes already read, to node:http,
 * which keeps the connection from then on. The lane never answers a malformed request itself, so node's
 * parser stays the one authority on errors (400, 408, 413, 431, 505). Requests on one connection are
 * served one at a time, in order (pipelined requests wait in the buffer).
 */
import type { Server as NetServer, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { type TLSSocket, Server as TlsServer } from 'node:tls';
import { ProxyError } from '../errors/proxy-error.js';
import { failExchange } from '../pipeline/error-response.js';
import { ProxyExchange } from '../pipeline/exchange.js';
import { type BodySource, PulledBody } from '../pipeline/pulled-body.js';
import { destroyBody, rejectResponse } from '../pipeline/write-response.js';
import { announcedBodyTooLarge } from './body-limit.js';
import { normalizeIp } from './client-ip.js';
import { chargeBytes } from './connection-bytes.js';
import { parseSimpleHead } from './h1-head.js';
import { type H1Head, headBytes, InvalidHead, serializeHead } from './h1-response-head.js';
import type { RequestHandlerOptions, ServingPipeline } from './request-handler.js';
import { type Batched, WriteBatch } from './write-batch.js';

/** The request handler's options (the lane serves the same listener) plus the lane's own limits. */
export interface FastLaneOptions extends RequestHandlerOptions {
  /** server.max_header_size, read per request (a reload may change it). */
  maxHeaderSize(): number;
  /** Idle time allowed between requests on a kept-alive connection. */
  readonly keepAliveMs: number;
  /** server.client_timeout in ms, read per request: the time allowed for a request and its body. */
  clientTimeoutMs(): number;
}

const headEnd = Buffer.from('\r\n\r\n', 'latin1');
const lastChunk = Buffer.from('0\r\n\r\n', 'latin1');
/** Bodies up to this size are copied behind the head into one buffer: one write, one syscall. */
const joinLimit = 16 * 1024;
/** Pipelined bytes buffered while a response is in progress before the socket is paused. */
const maxBuffered = 64 * 1024;

function ignoreError(): void {}

/** Writes a head on its own (one write, also when it has prepared lines). */
function writeHead(socket: Socket, head: H1Head): void {
  if (head.prepared === undefined) socket.write(head.text, 'latin1');
  else socket.write(headBytes(head));
}

function uncork(socket: Socket): void {
  socket.uncork();
}

function sweepMs(keepAliveMs: number, clientTimeoutMs: number): number {
  return Math.max(50, Math.min(1000, Math.floor(keepAliveMs / 4), Math.floor(clientTimeoutMs / 2)));
}

type NodeConnectionListener = (socket: Socket) => void;

/** Runs the fast lane in front of a node:http server's own connection handling. */
export class H1FastLane {
  private readonly conns = new Set<FastConnection>();
  private sweeper: NodeJS.Timeout | undefined = undefined;

  /** What `Keep-Alive: timeout=` advertises. */
  readonly keepAliveSeconds: number;
  /** Answers after the first of an event-loop turn leave together at the turn's end (write-batch.ts). */
  readonly batch = new WriteBatch();

  constructor(readonly opts: FastLaneOptions) {
    this.keepAliveSeconds = Math.max(1, Math.round(opts.keepAliveMs / 1000));
  }

  /**
   * Takes over the server's current `connection` listeners (node:http's): each new connection starts in
   * the lane and reaches them only when handed off.
   */
  attach(server: NetServer): void {
    // An https server hands node:http its connections on 'secureConnection', after the handshake.
    const event = server instanceof TlsServer ? 'secureConnection' : 'connection';
    const node = server.listeners(event) as NodeConnectionListener[];
    server.removeAllListeners(event);
    const toNode = (socket: Socket): void => {
      for (const l of node) l.call(server, socket);
    };
    server.on(event, (socket: Socket) => {
      const conn = new FastConnection(this, socket, toNode);
      this.conns.add(conn);
      this.sweeper ??= setInterval(
        () => this.sweep(),
        sweepMs(this.opts.keepAliveMs, this.opts.clientTimeoutMs()),
      ).unref();
    });
    server.once('close', () => this.stopSweeping());
  }

  /**
   * Closes connections idle for longer than the keep-alive time. One timer for the lane, checked about
   * four times per period, instead of a socket timeout that every read and write would re-arm.
   */
  private sweep(): void {
    if (this.conns.size === 0) {
      this.stopSweeping();
      return;
    }
    const now = performance.now();
    for (const c of this.conns) {
      c.closeIfIdleSince(now - this.opts.keepAliveMs);
      c.timeOutBody(now);
    }
  }

  private stopSweeping(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Connections currently served by the lane. */
  get open(): number {
    return this.conns.size;
  }

  /** Closes every connection that has no request in progress (graceful shutdown). */
  closeIdle(): void {
    for (const c of this.conns) c.closeIfIdle();
  }

  /** @internal */
  forget(conn: FastConnection): void {
    this.conns.delete(conn);
  }
}

class FastConnection implements BodySource, Batched {
  /** Corked in the lane's write batch until the end of this turn. */
  held = false;
  private buffered: Buffer | undefined = undefined;
  private exchange: ProxyExchange | undefined = undefined;
  private serving: ServingPipeline | undefined = undefined;
  private streaming: Readable | undefined = undefined;
  private looping = false;
  /** The body of the request in progress while it is still arriving, and how many bytes are missing. */
  private body: PulledBody | undefined = undefined;
  private bodyRemaining = 0;
  /** performance.now() by which the request body must be complete (client_timeout). */
  private bodyDeadline = 0;
  /** The answer to the request in progress has started to be written. */
  private responding = false;
  /** The last answer is still queued in the socket: the next request waits for 'drain'. */
  private waitingDrain = false;
  private done = false;
  /** The client half-closed: finish the current response, then close. */
  private ended = false;
  /** performance.now() when the last response was written (or the connection opened). */
  private idleSince = performance.now();
  private readonly peer: string;
  private readonly scheme: 'http' | 'https';

  constructor(
    private readonly lane: H1FastLane,
    readonly socket: Socket,
    private readonly toNode: NodeConnectionListener,
  ) {
    this.peer = normalizeIp(socket.remoteAddress ?? '');
    this.scheme = (socket as TLSSocket).encrypted === true ? 'https' : 'http';
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /** Closes the connection unless a request is in progress; a response still being flushed finishes first. */
  closeIfIdle(): void {
    if (this.exchange !== undefined || this.done) return;
    if (this.socket.writableLength > 0) this.finishConnection();
    else this.socket.destroy();
  }

  /** Closes the connection when it has been idle (nothing in progress, nothing unsent) since before `deadline`. */
  closeIfIdleSince(deadline: number): void {
    if (this.exchange !== undefined) return;
    // The keep-alive time counts from when the last response left, as node:http counts it.
    if (this.socket.writableLength > 0) this.idleSince = performance.now();
    else if (this.idleSince < deadline) this.closeIfIdle();
  }

  private readonly onData = (chunk: Buffer): void => {
    const prior = this.buffered;
    this.buffered = prior === undefined ? chunk : Buffer.concat([prior, chunk]);
    if (this.body !== undefined) {
      this.feedBody();
      if (this.buffered === undefined) return;
    }
    if (this.exchange !== undefined || this.waitingDrain) {
      // Pipelined: served after the response in progress; stop reading if the client keeps sending.
      if (this.buffered.length > maxBuffered) this.socket.pause();
      return;
    }
    this.serveBuffered();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    if (this.exchange === undefined) this.finishConnection();
    // A client that half-closes with its request unanswered has gone, as node:http sees it
    // (httpAllowHalfOpen false): cancel the work rather than hold an upstream request for nobody.
    else this.socket.destroy();
  };

  private readonly onDrain = (): void => {
    this.streaming?.resume();
    if (this.waitingDrain) {
      this.waitingDrain = false;
      this.next();
    }
  };

  private readonly onError = (): void => {
    // 'close' follows; a reset client is not the server's problem.
  };

  private readonly onClose = (): void => {
    this.done = true;
    this.lane.forget(this);
    const x = this.exchange;
    if (x !== undefined) {
      // The client left before its answer was complete: cancel upstream work and free its connection.
      x.abort();
      // A body being streamed is the response's own.
      this.streaming = undefined;
      destroyBody(x.response);
      // An upload cut short must fail upstream too, not look like a complete body.
      this.body?.destroy(new Error('the client closed the connection during the request body'));
      this.complete();
    }
  };

  /** Serves every complete, recognised request in the buffer, in order, one at a time. */
  private serveBuffered(): void {
    if (this.looping) return;
    this.looping = true;
    try {
      while (!this.done && this.exchange === undefined && !this.waitingDrain) {
        const buf = this.buffered;
        if (buf === undefined) {
          if (this.ended) this.finishConnection();
          return;
        }
        // Like node:http, no request is started while earlier answers are still queued for a client that
        // does not read them: a flood of pipelined GETs of a large object cannot pile up memory.
        if (this.socket.writableNeedDrain) {
          this.waitingDrain = true;
          return;
        }
        const end = buf.indexOf(headEnd);
        if (end === -1 || end + 4 > this.lane.opts.maxHeaderSize()) {
          this.handOff();
          return;
        }
        const head = parseSimpleHead(buf.toString('latin1', 0, end));
        if (head === undefined) {
          this.handOff();
          return;
        }
        this.buffered = end + 4 === buf.length ? undefined : buf.subarray(end + 4);
        this.start(head.method, head.url, head.headers, head.close, head.contentLength);
      }
    } finally {
      this.looping = false;
    }
  }

  /**
   * Gives the connection, with every byte read and not yet served, to node:http for good. Only called
   * between requests, so node starts at a request boundary.
   */
  private handOff(): void {
    const socket = this.socket;
    this.done = true;
    this.lane.forget(this);
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('drain', this.onDrain);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
    socket.pause();
    const rest = this.buffered;
    this.buffered = undefined;
    if (rest !== undefined) socket.unshift(rest);
    this.toNode(socket);
    // The unshifted bytes reach node's parser on the next tick, before anything more is read.
    socket.resume();
  }

  private start(
    method: string,
    url: string,
    headers: ProxyExchange['requestHeaders'],
    close: boolean,
    contentLength: number,
  ): void {
    const startedAt = performance.now();
    const opts = this.lane.opts;
    const serving = opts.current();
    serving.enter();
    this.serving = serving;
    let body: PulledBody | undefined;
    const tooLarge = contentLength > serving.maxBodySize;
    if (contentLength > 0 && !tooLarge) {
      body = new PulledBody(this);
      this.body = body;
      this.bodyRemaining = contentLength;
      this.bodyDeadline = startedAt + opts.clientTimeoutMs();
    }
    const x = new ProxyExchange({
      method,
      url,
      headers,
      body,
      clientIp: serving.trustedProxies.clientIp(this.peer, headers['x-forwarded-for']),
      peerIp: this.peer,
      scheme: this.scheme,
      protocol: 'h1',
      listener: opts.listener,
      startedAt,
    });
    this.exchange = x;
    this.ended ||= close;
    if (body !== undefined) this.feedBody();
    if (tooLarge) {
      // The body is never read: 413 closes the connection (as on the node:http path).
      failExchange(x, announcedBodyTooLarge(serving.maxBodySize));
      this.write(x);
      return;
    }
    serving.pipeline.run(x, this.write);
  }

  /** Moves buffered bytes into the request body, up to its length; pauses the socket when it is full. */
  private feedBody(): void {
    const body = this.body;
    const buf = this.buffered;
    if (body === undefined || buf === undefined) return;
    const n = Math.min(buf.length, this.bodyRemaining);
    const part = n === buf.length ? buf : buf.subarray(0, n);
    this.buffered = n === buf.length ? undefined : buf.subarray(n);
    this.bodyRemaining -= n;
    const more = body.push(part);
    if (this.bodyRemaining === 0) {
      this.body = undefined;
      body.push(null);
    } else if (!more) this.socket.pause();
  }

  /**
   * Ends a request whose body is still incomplete at its deadline (a slowloris upload), as node:http's
   * requestTimeout does: 408 and close when nothing was answered yet, else the connection is cut. The
   * body fails, so the upstream request is abandoned rather than completed.
   */
  timeOutBody(now: number): void {
    const x = this.exchange;
    const body = this.body;
    if (x === undefined || body === undefined || now < this.bodyDeadline) return;
    const err = new ProxyError(
      'PC_ERR_CLIENT_TIMEOUT',
      'downstream',
      'request body not complete within client_timeout',
    );
    this.body = undefined;
    this.ended = true;
    body.destroy(err);
    if (this.responding) {
      this.socket.destroy();
      return;
    }
    // The pipeline's own answer, when it comes, finds another exchange current and is dropped.
    failExchange(x, err);
    this.write(x);
  }

  /** @internal The body's reader wants more. */
  bodyWanted(): void {
    if (this.body !== undefined && this.socket.isPaused()) this.socket.resume();
  }

  /**
   * @internal The body was destroyed before it was complete (upstream gave up, or the answer came
   * first): the rest of it is never read, so the connection closes after the answer.
   */
  bodyDestroyed(body: PulledBody): void {
    if (this.body !== body) return;
    this.body = undefined;
    this.ended = true;
    if (this.socket.isPaused()) this.socket.resume();
  }

  private readonly write = (x: ProxyExchange): void => {
    if (this.done || this.exchange !== x || this.responding) {
      destroyBody(x.response);
      return;
    }
    this.responding = true;
    let r = x.response;
    if (r === undefined) {
      this.socket.destroy();
      return;
    }
    const opts = this.lane.opts;
    const isHead = x.method === 'HEAD';
    // An answer that comes before the whole request body closes the connection: where the next request
    // would start is unknown.
    const close = this.ended || this.body !== undefined || opts.draining();
    const altSvc = opts.altSvc?.();
    let head: H1Head;
    try {
      head = serializeHead(r, isHead, close, altSvc, this.lane.keepAliveSeconds);
    } catch (err) {
      if (!(err instanceof InvalidHead)) throw err;
      r = rejectResponse(x, r, err);
      head = serializeHead(r, isHead, close, altSvc, this.lane.keepAliveSeconds);
    }
    if (head.close) this.ended = true;
    const body = r.body;
    if (body === undefined || Buffer.isBuffer(body)) {
      this.batched(body === undefined || !head.hasBody ? 0 : body.length);
      this.writeWhole(head, body);
      this.responseDone();
      return;
    }
    if (!head.hasBody) {
      // HEAD, 204, 304: nothing is sent, but the stream is read to its end (as node:http's pipe does), so
      // that what tees it (the cache storing a 204, an upstream connection going back to its pool) completes.
      body.on('error', ignoreError).resume();
      this.batched(0);
      writeHead(this.socket, head);
      this.responseDone();
      return;
    }
    this.stream(head, body);
  };

  /**
   * Joins the lane's write batch before writing a body of `bodyBytes`: a small answer that is not the
   * turn's first waits for the end of the turn with the others; a large body leaves at once (after
   * whatever this connection already holds), since holding it only delays it and piles up unsent bytes.
   */
  private batched(bodyBytes: number): void {
    if (bodyBytes <= joinLimit) this.lane.batch.hold(this);
    else this.lane.batch.release(this);
  }

  private writeWhole(head: H1Head, body: Buffer | undefined): void {
    const socket = this.socket;
    if (body === undefined || !head.hasBody || body.length === 0) {
      writeHead(socket, head);
      return;
    }
    if (body.length <= joinLimit) {
      // Head and body in one write: a cache hit is the status line and its own few fields as text, then
      // the stored fields and the body as copied bytes.
      const text = head.text;
      const prepared = head.prepared;
      const headLength = text.length + (prepared === undefined ? 0 : prepared.length);
      const out = Buffer.allocUnsafe(headLength + body.length);
      out.write(text, 0, 'latin1');
      prepared?.copy(out, text.length);
      body.copy(out, headLength);
      socket.write(out);
      return;
    }
    socket.cork();
    writeHead(socket, head);
    socket.write(body);
    socket.uncork();
  }

  private stream(head: H1Head, body: Readable): void {
    const socket = this.socket;
    const chunked = head.chunked;
    this.streaming = body;
    // The head waits (corked) for what the body has already buffered, so that a small upstream answer
    // leaves in one write instead of two or three.
    this.batched(0);
    socket.cork();
    writeHead(socket, head);
    body.on('data', (chunk: Buffer) => {
      // The client has gone (onClose): the body may still be read to its end for the cache.
      if (chunk.length === 0 || this.streaming !== body) return;
      this.batched(chunk.length);
      let ok: boolean;
      if (chunked) {
        socket.cork();
        socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        socket.write(chunk);
        ok = socket.write('\r\n', 'latin1');
        socket.uncork();
      } else ok = socket.write(chunk);
      if (!ok) body.pause();
    });
    body.once('end', () => {
      if (this.streaming !== body) return;
      this.streaming = undefined;
      this.batched(0);
      if (chunked) socket.write(lastChunk);
      this.responseDone();
    });
    body.once('error', () => {
      // The answer cannot be completed: the client must see a broken response, not a short one.
      if (this.streaming === body) this.streaming = undefined;
      socket.destroy();
    });
    // After the 'data' listener's own resume tick has flowed whatever was buffered.
    process.nextTick(uncork, socket);
  }

  /** The response was handed to the socket: account the request and go on with the next one. */
  private responseDone(): void {
    this.body?.destroy();
    this.complete();
    if (this.ended) {
      this.finishConnection();
      return;
    }
    this.next();
  }

  private next(): void {
    if (this.socket.isPaused()) this.socket.resume();
    this.serveBuffered();
  }

  private complete(): void {
    const x = this.exchange;
    const serving = this.serving;
    if (x === undefined || serving === undefined) return;
    this.exchange = undefined;
    this.serving = undefined;
    this.responding = false;
    this.idleSince = performance.now();
    serving.leave();
    const { bytesIn, bytesOut } = chargeBytes(this.socket);
    const onComplete = this.lane.opts.onComplete;
    if (onComplete === undefined) return;
    try {
      onComplete(x, bytesIn, bytesOut);
    } catch (err) {
      this.lane.opts.onHookError?.(err);
    }
  }

  /** Ends the connection once everything written has been sent; nothing more is read. */
  private finishConnection(): void {
    if (this.done) return;
    this.done = true;
    this.lane.forget(this);
    const socket = this.socket;
    socket.off('data', this.onData);
    this.buffered = undefined;
    socket.destroySoon();
  }
}
