/**
 * One request to a backend, driven through undici's `dispatch()` with a handler of our own instead of
 * `pool.request()`: no AsyncResource, no undici BodyReadable, no headers object parsed and then copied
 * without its hop-by-hop fields. The response head becomes a HeaderRecord in one pass over the raw field
 * buffers, and a body that arrived whole together with the head (the common small answer) is handed over
 * as a Buffer, so that no stream is built, piped or torn down for it.
 */
import type { Readable } from 'node:stream';
import { type Dispatcher, util as undiciUtil } from 'undici';
import type { ClientAbort } from '../pipeline/exchange.js';
import type { HeaderRecord } from '../pipeline/host.js';
import { type BodySource, PulledBody } from '../pipeline/pulled-body.js';
import { bodiless } from '../pipeline/status-framing.js';
import { connectionNamed, isHopByHop } from './hop-by-hop.js';

const emptyBody = Buffer.alloc(0);

function noop(): void {}

/** A Connection value that names no field besides hop-by-hop ones: `keep-alive` or `close`. */
export function plainConnection(v: string | string[]): boolean {
  if (typeof v !== 'string') return false;
  const lower = v.length === 10 || v.length === 5 ? v.toLowerCase() : '';
  return lower === 'keep-alive' || lower === 'close';
}

/**
 * The end-to-end fields of a raw response head (`[name, value, …]` buffers): names lower-cased (undici's
 * lookup of common names allocates nothing), values latin1, repeated fields as arrays, hop-by-hop fields
 * and those the Connection header names left out.
 */
export function responseHeaders(raw: readonly Buffer[]): HeaderRecord {
  const out: HeaderRecord = {};
  let connection: string | string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = undiciUtil.headerNameToString(raw[i] as Buffer);
    const value = (raw[i + 1] as Buffer).toString('latin1');
    if (isHopByHop(name)) {
      if (name === 'connection')
        connection =
          connection === undefined
            ? value
            : typeof connection === 'string'
              ? [connection, value]
              : [...connection, value];
      continue;
    }
    const prev = out[name];
    // `prev` is also defined for names Object.prototype has (`constructor`…): those are own fields too.
    if (prev === undefined || !Object.hasOwn(out, name)) {
      if (name !== '__proto__') out[name] = value;
    } else if (typeof prev === 'string') out[name] = [prev, value];
    else prev.push(value);
  }
  // `keep-alive` and `close`, the usual values, name no field that could be present.
  if (connection !== undefined && !plainConnection(connection)) {
    for (const name of connectionNamed(connection) ?? []) delete out[name];
  }
  return out;
}

/**
 * An undici (legacy-style) dispatch handler for one request: `head` settles when the final response head
 * arrives (or the request fails before it), then `takeBody()` hands the body over.
 */
export class UpstreamCall implements Dispatcher.DispatchHandler, BodySource {
  status = 0;
  headers: HeaderRecord = {};
  /** Settles with the response head; rejects with undici's (or the request body's) error before it. */
  readonly head: Promise<void>;
  private resolveHead: () => void = noop;
  private rejectHead: (err: unknown) => void = noop;
  private headed = false;
  private abortUpstream: ((err?: Error) => void) | undefined = undefined;
  private resumeUpstream: (() => void) | undefined = undefined;
  /** Body chunks that arrived before takeBody(). */
  private chunks: Buffer[] | undefined = undefined;
  private stream: PulledBody | undefined = undefined;
  private complete = false;
  /** An error after the head but before takeBody(). */
  private failure: Error | undefined = undefined;
  private readonly onClientAbort: (() => void) | undefined;

  constructor(
    private readonly method: string,
    private readonly signal: ClientAbort | undefined,
    private readonly requestBody: Readable | undefined,
  ) {
    this.head = new Promise<void>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
    if (signal !== undefined && !signal.aborted) {
      this.onClientAbort = () => this.clientGone();
      signal.once('abort', this.onClientAbort);
    } else this.onClientAbort = undefined;
  }

  onConnect(abort: (err?: Error) => void): void {
    const signal = this.signal;
    if (signal?.aborted === true) {
      abort(signal.reason as Error);
      return;
    }
    this.abortUpstream = abort;
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean {
    // 1xx: 100 Continue (undici sends the body on its own) and 103 Early Hints are not forwarded.
    if (status < 200) return true;
    this.status = status;
    this.headers = responseHeaders(raw);
    this.resumeUpstream = resume;
    this.headed = true;
    this.resolveHead();
    return true;
  }

  onData(chunk: Buffer): boolean {
    const stream = this.stream;
    if (stream !== undefined) return stream.push(chunk);
    if (this.chunks === undefined) this.chunks = [chunk];
    else this.chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.complete = true;
    this.done();
    this.stream?.push(null);
  }

  onError(err: Error): void {
    this.done();
    const body = this.requestBody;
    if (body !== undefined && !body.destroyed) body.on('error', noop).destroy(err);
    if (!this.headed) {
      this.rejectHead(err);
      return;
    }
    const stream = this.stream;
    if (stream === undefined) this.failure = err;
    // After queued reads are delivered, as undici's own body does.
    else if (!stream.destroyed) queueMicrotask(() => stream.destroy(err));
  }

  /**
   * The response body, once `head` resolved: a Buffer when the whole body is already here (not for HEAD
   * or bodiless statuses, whose Content-Length describes a body that is not sent), else a stream of the
   * rest. Throws what failed in between.
   */
  takeBody(): Buffer | Readable {
    if (this.failure !== undefined) throw this.failure;
    const chunks = this.chunks;
    this.chunks = undefined;
    if (this.complete && this.method !== 'HEAD' && !bodiless(this.status)) {
      if (chunks === undefined) return emptyBody;
      return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    }
    const stream = new PulledBody(this);
    this.stream = stream;
    if (chunks !== undefined) for (const c of chunks) stream.push(c);
    if (this.complete) stream.push(null);
    return stream;
  }

  /** The body stream wants more. */
  bodyWanted(): void {
    this.resumeUpstream?.();
  }

  /** The body stream was destroyed: an unfinished request is aborted (its connection is not reused). */
  bodyDestroyed(_body: PulledBody, err: Error | null): void {
    if (this.complete) return;
    const abort = this.abortUpstream;
    this.done();
    abort?.(err ?? undefined);
  }

  /** The request is over: the parser is no longer ours to resume, the client no longer ours to watch. */
  private done(): void {
    this.resumeUpstream = undefined;
    this.abortUpstream = undefined;
    if (this.onClientAbort !== undefined) this.signal?.removeListener('abort', this.onClientAbort);
  }

  private clientGone(): void {
    const reason = this.signal?.reason as Error;
    const stream = this.stream;
    // As undici's request(): the body fails with the abort reason; whoever reads it has a listener.
    if (stream !== undefined) stream.on('error', noop).destroy(reason);
    else this.abortUpstream?.(reason);
  }
}
