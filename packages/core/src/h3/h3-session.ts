/**
 * HTTP/3 over one QUIC connection (RFC 9114): the server's control stream with SETTINGS and its QPACK
 * streams, the peer's control and QPACK streams, and request streams turned into `H3Request` /
 * `H3Response` pairs for the request handler. Connection errors close the QUIC connection with the HTTP/3
 * code; malformed requests reset only their stream (H3_MESSAGE_ERROR).
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { HeaderRecord } from '../pipeline/host.js';
import {
  decodeSettings,
  encodeFrame,
  encodeGoaway,
  encodeSettings,
  FrameReader,
  FrameType,
  frameHeader,
  H3Error,
  reservedH2Frames,
  Setting,
  StreamType,
} from './h3-frames.js';
import { H3Request, H3Response, type H3StreamSink, type H3Transport } from './h3-message.js';
import {
  decodeFieldSection,
  encodeFieldSection,
  type FieldLine,
  QPACK_ENCODER_STREAM_ERROR,
} from './qpack.js';
import { readVarInt } from './varint.js';

/** What the session needs from its QUIC connection (quic-listener.ts implements it over quiche). */
export interface QuicStreamIo {
  /** Hands bytes to QUIC; returns how many it took (0 when flow control is exhausted), -1 when the stream is gone. */
  streamSend(id: number, data: Buffer, fin: boolean): number;
  /** Reads into `buf`: [bytes, fin], or undefined when nothing is readable (or the stream is gone). */
  streamRecv(id: number, buf: Buffer): [number, boolean] | undefined;
  /** Stops reading (STOP_SENDING) and/or writing (RESET_STREAM) a stream. */
  streamShutdown(id: number, read: boolean, write: boolean, code: number): void;
  /** Closes the connection with an application (HTTP/3) error code. */
  close(code: number, reason: string): void;
  /** Asks for a send pass soon (after this event-loop turn). */
  wake(): void;
}

export interface H3SessionOptions {
  /** SETTINGS_MAX_FIELD_SECTION_SIZE we advertise and enforce (bytes as RFC 9114 §4.2.2 counts). */
  readonly maxFieldSectionSize: number;
  /** Queued response bytes per stream above which the response body waits. */
  readonly streamHighWater: number;
  readonly transport: H3Transport;
  onRequest(req: H3Request, res: H3Response): void;
}

/** Fields that are malformed in HTTP/3 requests (RFC 9114 §4.2). */
const connectionSpecific: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

const requestPseudo: ReadonlySet<string> = new Set([
  ':method',
  ':scheme',
  ':authority',
  ':path',
  ':protocol',
]);

/** Validates a decoded request field section (RFC 9114 §4.3.1); the head, or why it is malformed. */
export function requestHead(
  fields: readonly FieldLine[],
):
  | { ok: true; method: string; path: string; scheme: string; authority: string; headers: HeaderRecord }
  | { ok: false; reason: string } {
  const pseudo = new Map<string, string>();
  const headers: HeaderRecord = {};
  let regular = false;
  for (const [name, value] of fields) {
    if (name.length === 0) return { ok: false, reason: 'empty field name' };
    if (/[A-Z]/.test(name)) return { ok: false, reason: `upper-case field name ${name}` };
    if (/[\0\r\n]/.test(value)) return { ok: false, reason: `invalid character in ${name}` };
    if (name.charCodeAt(0) === 58 /* ':' */) {
      if (regular) return { ok: false, reason: `pseudo-header ${name} after regular fields` };
      if (!requestPseudo.has(name)) return { ok: false, reason: `unknown pseudo-header ${name}` };
      if (pseudo.has(name)) return { ok: false, reason: `duplicate ${name}` };
      pseudo.set(name, value);
      continue;
    }
    regular = true;
    if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name)) return { ok: false, reason: `invalid field name ${name}` };
    if (connectionSpecific.has(name)) return { ok: false, reason: `connection-specific field ${name}` };
    if (name === 'te' && value.toLowerCase() !== 'trailers')
      return { ok: false, reason: 'te other than trailers' };
    const prev = headers[name];
    if (prev === undefined) headers[name] = value;
    else if (name === 'cookie') headers[name] = `${prev}; ${value}`;
    else if (Array.isArray(prev)) prev.push(value);
    else if (name === 'set-cookie') headers[name] = [prev, value];
    else headers[name] = `${prev}, ${value}`;
  }
  const method = pseudo.get(':method');
  if (method === undefined || method === '') return { ok: false, reason: 'missing :method' };
  if (pseudo.has(':protocol')) return { ok: false, reason: 'extended CONNECT is not supported' };
  const authority = pseudo.get(':authority') ?? '';
  if (method === 'CONNECT') return { ok: false, reason: 'CONNECT is not supported' };
  const scheme = pseudo.get(':scheme');
  const path = pseudo.get(':path');
  if (scheme === undefined || scheme === '') return { ok: false, reason: 'missing :scheme' };
  if (path === undefined || path === '') return { ok: false, reason: 'missing :path' };
  if (authority === '' && headers.host === undefined)
    return { ok: false, reason: 'missing :authority and host' };
  if (headers.host === undefined) headers.host = authority;
  return { ok: true, method, path, scheme, authority, headers };
}

/** Encodes a response head: `:status` first, connection-specific fields dropped. */
export function encodeResponseHead(status: number, headers: OutgoingHttpHeaders): Buffer {
  const lines: FieldLine[] = [[':status', String(status)]];
  for (const rawName in headers) {
    const name = rawName.toLowerCase();
    if (connectionSpecific.has(name)) continue;
    const v = headers[rawName];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) lines.push([name, String(item)]);
    else lines.push([name, String(v)]);
  }
  return encodeFrame(FrameType.HEADERS, encodeFieldSection(lines));
}

const dataHeader = (length: number): Buffer => frameHeader(FrameType.DATA, length);

type RequestState = 'head' | 'body' | 'trailers' | 'done';

/** One request stream: framing state, the request/response pair, queued output. */
class RequestStream implements H3StreamSink {
  state: RequestState = 'head';
  readonly reader: FrameReader;
  req: H3Request | undefined = undefined;
  res: H3Response | undefined = undefined;
  out: Buffer[] = [];
  queuedBytes = 0;
  fin = false;
  finSent = false;
  readStopped = false;
  closed = false;
  declaredLength = -1;
  received = 0;

  constructor(
    readonly id: number,
    private readonly session: H3Session,
    maxFrame: number,
  ) {
    this.reader = new FrameReader(maxFrame);
  }

  get queued(): number {
    return this.queuedBytes;
  }

  write(data: Buffer | readonly Buffer[], fin: boolean): void {
    if (this.closed) return;
    for (const part of Array.isArray(data) ? data : [data]) {
      if (part.length === 0) continue;
      this.out.push(part);
      this.queuedBytes += part.length;
    }
    if (fin) this.fin = true;
    this.session.flushStream(this);
  }

  reset(code: number): void {
    if (this.closed) return;
    this.session.resetStream(this, code);
  }

  resumeReading(): void {
    this.session.readStream(this.id);
  }

  stopReading(code: number): void {
    if (this.readStopped || this.closed) return;
    this.readStopped = true;
    this.session.io.streamShutdown(this.id, true, false, code);
    this.session.io.wake();
  }
}

/** The HTTP/3 layer of one established QUIC connection. */
export class H3Session {
  private readonly requests = new Map<number, RequestStream>();
  private readonly uni = new Map<number, { type: number; reader: FrameReader; settingsSeen: boolean }>();
  private readonly pendingUni = new Map<number, Buffer>();
  private peerControl = -1;
  private peerEncoder = -1;
  private peerDecoder = -1;
  private goawaySent = false;
  private maxRequestId = -1;
  private closedWith: number | undefined = undefined;
  private readonly buf = Buffer.allocUnsafe(64 * 1024);

  constructor(
    readonly io: QuicStreamIo,
    private readonly options: H3SessionOptions,
  ) {}

  /** Opens the server's control stream (SETTINGS) and QPACK encoder/decoder streams. */
  start(): void {
    const settings = encodeSettings([
      [Setting.QPACK_MAX_TABLE_CAPACITY, 0],
      [Setting.QPACK_BLOCKED_STREAMS, 0],
      [Setting.MAX_FIELD_SECTION_SIZE, this.options.maxFieldSectionSize],
    ]);
    this.io.streamSend(3, Buffer.concat([Buffer.from([StreamType.CONTROL]), settings]), false);
    this.io.streamSend(7, Buffer.from([StreamType.QPACK_ENCODER]), false);
    this.io.streamSend(11, Buffer.from([StreamType.QPACK_DECODER]), false);
  }

  /** Open request streams. */
  get activeRequests(): number {
    return this.requests.size;
  }

  /** True after a connection error closed the session. */
  get failed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Reads whatever QUIC has for stream `id`. */
  readStream(id: number): void {
    if (this.closedWith !== undefined) return;
    if (id % 4 === 0) this.readRequest(id);
    else if (id % 4 === 2) this.readUni(id);
    // Server-initiated streams are write-only; anything else is ignored.
  }

  /** Sends queued output of every stream QUIC can take more of. */
  flushAll(): void {
    for (const s of this.requests.values())
      if (s.out.length > 0 || (s.fin && !s.finSent)) this.flushStream(s);
  }

  /** GOAWAY: requests already received finish, later ones are refused (graceful shutdown). */
  goaway(): void {
    if (this.goawaySent || this.closedWith !== undefined) return;
    this.goawaySent = true;
    this.io.streamSend(3, encodeGoaway(this.maxRequestId + 4), false);
    this.io.wake();
  }

  /** The QUIC connection is gone: every open request is aborted. */
  destroy(): void {
    for (const s of this.requests.values()) this.abort(s);
    this.requests.clear();
  }

  flushStream(s: RequestStream): void {
    if (s.closed) return;
    while (s.out.length > 0) {
      const head = s.out[0] as Buffer;
      const last = s.out.length === 1;
      const n = this.io.streamSend(s.id, head, last && s.fin);
      if (n < 0) {
        this.abort(s);
        return;
      }
      s.queuedBytes -= n;
      if (n < head.length) {
        s.out[0] = head.subarray(n);
        break;
      }
      s.out.shift();
      if (last && s.fin) s.finSent = true;
    }
    if (s.out.length === 0 && s.fin && !s.finSent) {
      const n = this.io.streamSend(s.id, Buffer.alloc(0), true);
      if (n >= 0) s.finSent = true;
    }
    if (s.queuedBytes < this.options.streamHighWater) s.res?.drained();
    if (s.finSent) this.done(s);
    this.io.wake();
  }

  resetStream(s: RequestStream, code: number): void {
    this.io.streamShutdown(s.id, !s.readStopped && s.state !== 'done', true, code);
    s.readStopped = true;
    this.abort(s);
    this.io.wake();
  }

  private done(s: RequestStream): void {
    if (s.state === 'done' || s.readStopped) {
      s.closed = true;
      this.requests.delete(s.id);
    }
  }

  private abort(s: RequestStream): void {
    if (s.closed) return;
    s.closed = true;
    s.out = [];
    s.queuedBytes = 0;
    this.requests.delete(s.id);
    if (s.req !== undefined && !s.req.complete) {
      // Like node's http server: an error only for a reader that listens for one (an unheard 'error'
      // event would be an uncaught exception, e.g. when the stream resets before the handler ran).
      if (s.req.listenerCount('error') > 0) s.req.destroy(new Error('HTTP/3 stream reset'));
      else s.req.destroy();
    }
    if (s.res !== undefined && !s.res.writableFinished) s.res.destroy();
  }

  private connectionError(code: number, reason: string): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = code;
    this.io.close(code, reason);
    this.destroy();
  }

  private readRequest(id: number): void {
    let s = this.requests.get(id);
    if (s === undefined) {
      if (id <= this.maxRequestId) {
        // A stream we finished with: drain and drop what is left.
        this.drain(id);
        return;
      }
      if (this.goawaySent) {
        this.io.streamShutdown(id, true, true, H3Error.REQUEST_REJECTED);
        this.io.wake();
        return;
      }
      this.maxRequestId = id;
      s = new RequestStream(id, this, this.options.maxFieldSectionSize + 1024);
      this.requests.set(id, s);
    }
    const stream = s;
    while (!stream.closed && !stream.readStopped && !(stream.req?.paused === true)) {
      const got = this.io.streamRecv(id, this.buf);
      if (got === undefined) break;
      const [n, fin] = got;
      // Copy: the read buffer is reused for the next stream.
      if (n > 0 && !this.onRequestBytes(stream, Buffer.from(this.buf.subarray(0, n)))) return;
      if (fin) {
        this.onRequestFin(stream);
        break;
      }
      if (n === 0) break;
    }
  }

  private drain(id: number): void {
    while (this.io.streamRecv(id, this.buf) !== undefined) {
      /* discard */
    }
  }

  /** False when the stream (or connection) failed and reading must stop. */
  private onRequestBytes(s: RequestStream, chunk: Buffer): boolean {
    if (s.state === 'done') return true;
    for (const ev of s.reader.push(chunk)) {
      if (ev.kind === 'error') {
        this.connectionError(ev.code, ev.reason);
        return false;
      }
      if (ev.kind === 'data') {
        if (s.state !== 'body') {
          this.connectionError(H3Error.FRAME_UNEXPECTED, 'DATA outside a request body');
          return false;
        }
        s.received += ev.chunk.length;
        if (s.declaredLength >= 0 && s.received > s.declaredLength) {
          this.resetStream(s, H3Error.MESSAGE_ERROR);
          return false;
        }
        s.req?.deliver(ev.chunk);
        continue;
      }
      const { type, payload } = ev;
      if (type === FrameType.HEADERS) {
        if (s.state === 'head') {
          if (!this.onRequestHead(s, payload)) return false;
        } else if (s.state === 'body') {
          // Trailers: accepted and not forwarded (no module reads them); only FIN may follow.
          const t = decodeFieldSection(payload, this.options.maxFieldSectionSize);
          if (!t.ok && t.code !== 0) {
            this.connectionError(t.code, t.reason);
            return false;
          }
          s.state = 'trailers';
        } else {
          this.connectionError(H3Error.FRAME_UNEXPECTED, 'HEADERS after trailers');
          return false;
        }
      } else if (
        type === FrameType.SETTINGS ||
        type === FrameType.GOAWAY ||
        type === FrameType.MAX_PUSH_ID ||
        type === FrameType.CANCEL_PUSH ||
        type === FrameType.PUSH_PROMISE ||
        reservedH2Frames.has(type)
      ) {
        this.connectionError(H3Error.FRAME_UNEXPECTED, `frame 0x${type.toString(16)} on a request stream`);
        return false;
      } else if (s.state === 'head' || s.state === 'trailers') {
        // Unknown (extension) frame types are ignored wherever they appear (RFC 9114 §9).
      }
    }
    return true;
  }

  private onRequestHead(s: RequestStream, payload: Buffer): boolean {
    const decoded = decodeFieldSection(payload, this.options.maxFieldSectionSize);
    if (!decoded.ok) {
      if (decoded.code === 0) {
        // Too large: answer 431 like the HTTP/1.1 listener, without running the pipeline.
        s.state = 'done';
        s.readStopped = true;
        this.io.streamShutdown(s.id, true, false, H3Error.NO_ERROR);
        const body = Buffer.from('431 Request Header Fields Too Large\n');
        s.write(
          Buffer.concat([
            encodeResponseHead(431, {
              'content-type': 'text/plain; charset=utf-8',
              'content-length': body.length,
            }),
            dataHeader(body.length),
            body,
          ]),
          true,
        );
        return false;
      }
      this.connectionError(decoded.code, decoded.reason);
      return false;
    }
    const head = requestHead(decoded.fields);
    if (!head.ok) {
      this.resetStream(s, H3Error.MESSAGE_ERROR);
      return false;
    }
    const cl = head.headers['content-length'];
    if (typeof cl === 'string') {
      if (!/^\d+$/.test(cl)) {
        this.resetStream(s, H3Error.MESSAGE_ERROR);
        return false;
      }
      s.declaredLength = Number(cl);
    }
    s.state = 'body';
    // Whether a body follows is known once FIN is read; the handler runs after this read pass (microtask),
    // by which time a FIN that came with HEADERS has marked the request complete and bodiless.
    const req = new H3Request(head.method, head.path, head.headers, this.options.transport, s);
    const res = new H3Response(
      s,
      encodeResponseHead,
      dataHeader,
      this.options.streamHighWater,
      head.method === 'HEAD',
    );
    s.req = req;
    s.res = res;
    res.once('close', () => {
      if (!s.closed && s.finSent) this.done(s);
    });
    queueMicrotask(() => this.options.onRequest(req, res));
    return true;
  }

  private onRequestFin(s: RequestStream): void {
    if (s.state === 'head' || !s.reader.idle) {
      // FIN before a complete request head, or inside a frame.
      if (!s.reader.idle) this.connectionError(H3Error.FRAME_ERROR, 'stream ended inside a frame');
      else this.resetStream(s, H3Error.REQUEST_INCOMPLETE);
      return;
    }
    if (s.declaredLength >= 0 && s.received !== s.declaredLength) {
      this.resetStream(s, H3Error.MESSAGE_ERROR);
      return;
    }
    const wasBody = s.state === 'body' || s.state === 'trailers';
    s.state = 'done';
    if (wasBody) s.req?.finish();
    if (s.finSent) this.done(s);
  }

  private readUni(id: number): void {
    for (;;) {
      const got = this.io.streamRecv(id, this.buf);
      if (got === undefined) return;
      const [n, fin] = got;
      if (n > 0 && !this.onUniBytes(id, Buffer.from(this.buf.subarray(0, n)))) return;
      if (fin) {
        if (id === this.peerControl || id === this.peerEncoder || id === this.peerDecoder)
          this.connectionError(H3Error.CLOSED_CRITICAL_STREAM, 'critical stream closed');
        this.uni.delete(id);
        this.pendingUni.delete(id);
        return;
      }
      if (n === 0) return;
    }
  }

  private onUniBytes(id: number, chunk: Buffer): boolean {
    let state = this.uni.get(id);
    let data = chunk;
    if (state === undefined) {
      const prev = this.pendingUni.get(id);
      const all = prev === undefined ? chunk : Buffer.concat([prev, chunk]);
      const type = readVarInt(all, 0);
      if (type === undefined) {
        this.pendingUni.set(id, all);
        return true;
      }
      this.pendingUni.delete(id);
      data = all.subarray(type.next);
      const kind = type.value;
      if (
        kind === StreamType.CONTROL ||
        kind === StreamType.QPACK_ENCODER ||
        kind === StreamType.QPACK_DECODER
      ) {
        const current =
          kind === StreamType.CONTROL
            ? this.peerControl
            : kind === StreamType.QPACK_ENCODER
              ? this.peerEncoder
              : this.peerDecoder;
        if (current !== -1) {
          this.connectionError(H3Error.STREAM_CREATION_ERROR, 'second critical stream of one type');
          return false;
        }
        if (kind === StreamType.CONTROL) this.peerControl = id;
        else if (kind === StreamType.QPACK_ENCODER) this.peerEncoder = id;
        else this.peerDecoder = id;
      } else if (kind === StreamType.PUSH) {
        this.connectionError(H3Error.STREAM_CREATION_ERROR, 'push stream from a client');
        return false;
      } else {
        // Unknown or reserved (grease) stream type: not read (RFC 9114 §6.2).
        this.io.streamShutdown(id, true, false, H3Error.STREAM_CREATION_ERROR);
        return false;
      }
      state = { type: kind, reader: new FrameReader(16 * 1024), settingsSeen: false };
      this.uni.set(id, state);
    }
    if (data.length === 0) return true;
    if (state.type === StreamType.QPACK_ENCODER) return this.onEncoderStream(data);
    if (state.type === StreamType.QPACK_DECODER) return true; // acknowledgements of nothing: ignored
    return this.onControlStream(state, data);
  }

  /** With capacity 0 the only valid encoder instruction is Set Dynamic Table Capacity 0 (RFC 9204 §4.3.1). */
  private onEncoderStream(data: Buffer): boolean {
    for (let i = 0; i < data.length; ) {
      const b = data[i] as number;
      if ((b & 0xe0) !== 0x20 || (b & 0x1f) !== 0) {
        this.connectionError(QPACK_ENCODER_STREAM_ERROR, 'dynamic table use with capacity 0');
        return false;
      }
      i++;
    }
    return true;
  }

  private onControlStream(state: { reader: FrameReader; settingsSeen: boolean }, data: Buffer): boolean {
    for (const ev of state.reader.push(data)) {
      if (ev.kind === 'error') {
        this.connectionError(ev.code, ev.reason);
        return false;
      }
      const type = ev.kind === 'data' ? FrameType.DATA : ev.type;
      if (!state.settingsSeen) {
        if (type !== FrameType.SETTINGS) {
          this.connectionError(H3Error.MISSING_SETTINGS, 'control stream must start with SETTINGS');
          return false;
        }
        if (ev.kind !== 'frame') return false;
        const settings = decodeSettings(ev.payload);
        if (!settings.ok) {
          this.connectionError(settings.code, settings.reason);
          return false;
        }
        state.settingsSeen = true;
        continue;
      }
      if (
        type === FrameType.SETTINGS ||
        type === FrameType.DATA ||
        type === FrameType.HEADERS ||
        type === FrameType.PUSH_PROMISE ||
        reservedH2Frames.has(type)
      ) {
        this.connectionError(H3Error.FRAME_UNEXPECTED, `frame 0x${type.toString(16)} on the control stream`);
        return false;
      }
      // GOAWAY from a client only limits pushes (we send none); MAX_PUSH_ID and CANCEL_PUSH likewise.
    }
    return true;
  }
}
