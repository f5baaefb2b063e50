/**
 * One HTTP/3 request stream seen as the request handler sees node's messages: `H3Request` is the request
 * head plus a Readable body (backpressure reaches QUIC flow control), `H3Response` a Writable with
 * `writeHead`, so that pipeline/write-response.ts writes HTTP/3 answers exactly as it writes HTTP/2 ones.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { Readable, Writable } from 'node:stream';
import type { HeaderRecord } from '../pipeline/host.js';
import { bodiless } from '../pipeline/status-framing.js';

/** Per-connection facts the request handler reads (peer address, byte counters for the access log). */
export interface H3Transport {
  readonly remoteAddress: string;
  readonly encrypted: true;
  bytesRead: number;
  bytesWritten: number;
}

/** What a request stream needs from its session. */
export interface H3StreamSink {
  /** Queues encoded bytes (HEADERS/DATA frames, possibly in pieces) on the stream; `fin` ends it. */
  write(data: Buffer | readonly Buffer[], fin: boolean): void;
  /** Bytes queued but not yet accepted by QUIC. */
  readonly queued: number;
  /** Resets the stream (and stops reading it) with an HTTP/3 error code. */
  reset(code: number): void;
  /** The body reader wants more: resume reading the stream from QUIC. */
  resumeReading(): void;
  /** Stops the peer's sending (STOP_SENDING) once the response no longer needs the body. */
  stopReading(code: number): void;
}

/** An HTTP/3 request head and its body stream. */
export class H3Request extends Readable {
  readonly httpVersionMajor = 3;
  readonly httpVersion = '3';
  /** True once the body ended with the stream's FIN. */
  complete = false;
  /** True while the body reader is not draining (session stops reading QUIC data). */
  paused = false;
  private received = 0;

  constructor(
    readonly method: string,
    readonly url: string,
    /** Regular fields, HTTP/1.1-shaped: `host` from `:authority` when absent. */
    readonly headers: HeaderRecord,
    readonly socket: H3Transport,
    private readonly sink: H3StreamSink,
  ) {
    super({ highWaterMark: 64 * 1024 });
  }

  /** False when the stream ended (FIN) with no DATA: the request has no body. */
  get hasBody(): boolean {
    return !this.complete || this.received > 0;
  }

  override _read(): void {
    if (this.paused) {
      this.paused = false;
      this.sink.resumeReading();
    }
  }

  /** Body bytes from DATA frames; false when the reader is full (stop reading QUIC until `_read`). */
  deliver(chunk: Buffer): boolean {
    this.received += chunk.length;
    const more = this.push(chunk);
    if (!more) this.paused = true;
    return more;
  }

  /** The stream's FIN arrived after the last DATA frame. */
  finish(): void {
    this.complete = true;
    this.push(null);
  }

  /** No longer interested in the body: STOP_SENDING(H3_NO_ERROR) to the peer. */
  cancel(code: number): void {
    if (!this.complete) this.sink.stopReading(code);
  }
}

/** Response writer for one request stream. */
export class H3Response extends Writable {
  headersSent = false;
  statusCode = 200;
  private pendingHead: Buffer | undefined = undefined;
  private noBody = false;
  private waiting: (() => void) | undefined = undefined;

  constructor(
    private readonly sink: H3StreamSink,
    private readonly encodeHead: (status: number, headers: OutgoingHttpHeaders) => Buffer,
    private readonly dataFrameHeader: (length: number) => Buffer,
    /** Queued bytes above which writes wait (backpressure to the pipeline's body stream). */
    private readonly highWater: number,
    head: boolean,
  ) {
    super({ highWaterMark: 64 * 1024 });
    this.noBody = head;
  }

  /** Sends the response head (HEADERS frame); headers are lower-case, connection-specific ones removed. */
  writeHead(status: number, headers: OutgoingHttpHeaders = {}): this {
    if (this.headersSent) throw new Error('headers already sent');
    // Validation first (like node): a bad status throws before anything is committed.
    if (!Number.isInteger(status) || status < 100 || status > 999)
      throw new RangeError(`invalid status ${status}`);
    this.statusCode = status;
    this.pendingHead = this.encodeHead(status, headers);
    this.headersSent = true;
    if (bodiless(status)) this.noBody = true;
    return this;
  }

  /** The session drained the queue below the high-water mark: let the next write through. */
  drained(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.flushHead(false);
    if (!this.noBody && chunk.length > 0) {
      // Frame header and payload are queued as they are: no copy of the body.
      this.sink.write([this.dataFrameHeader(chunk.length), chunk], false);
    }
    if (this.sink.queued < this.highWater) cb();
    else this.waiting = () => cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.headersSent) this.writeHead(200, {});
    if (this.pendingHead !== undefined) this.flushHead(true);
    else this.sink.write(Buffer.alloc(0), true);
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.writableFinished) this.sink.reset(0x10c /* H3_REQUEST_CANCELLED */);
    cb(err);
  }

  private flushHead(fin: boolean): void {
    const head = this.pendingHead;
    if (head === undefined) return;
    this.pendingHead = undefined;
    this.sink.write(head, fin);
  }
}
