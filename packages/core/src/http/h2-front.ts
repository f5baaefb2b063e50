/**
 * HTTP/2 on the main listener: a node:http2 server that never listens itself but is handed connections
 * by the HTTP/1.1 listener — TLS connections that negotiated ALPN `h2`, and plain-text connections that
 * open with the HTTP/2 connection preface (h2c with prior knowledge, RFC 9113 §3.3). Streams reach the
 * same request handler as HTTP/1.1 requests through node's compatibility API.
 */
import {
  createServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
  type Settings,
} from 'node:http2';
import type { Server as NetServer, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { errorBody } from '../pipeline/error-response.js';

/** Per-connection HTTP/2 limits (server.h2_* and the shared timeouts). */
export interface H2Limits {
  readonly maxConcurrentStreams: number;
  readonly maxHeaderListSize: number;
  readonly initialWindowSize: number;
  /** Bytes; node counts in whole MiB. */
  readonly maxSessionMemory: number;
  /** A session with no traffic for this long is closed with GOAWAY. */
  readonly idleTimeoutMs: number;
}

/** The HTTP/2 client connection preface (RFC 9113 §3.4). */
export const h2Preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Whether `head` is (a prefix of) the preface: 'yes', 'no', or 'more' bytes needed to tell. */
export function matchPreface(head: Buffer): 'yes' | 'no' | 'more' {
  const n = Math.min(head.length, h2Preface.length);
  for (let i = 0; i < n; i++) if (head[i] !== h2Preface[i]) return 'no';
  return head.length >= h2Preface.length ? 'yes' : 'more';
}

/** The transport socket under each session (node only exposes a proxy that dies with the session). */
const transportOf = new WeakMap<ServerHttp2Session, Socket>();

/** The TCP (or TLS) socket an HTTP/2 request arrived on. */
export function h2Transport(req: Http2ServerRequest): Socket | undefined {
  return transportOf.get(req.stream.session as ServerHttp2Session);
}

function settingsFrom(l: H2Limits): Settings {
  return {
    maxConcurrentStreams: l.maxConcurrentStreams,
    maxHeaderListSize: l.maxHeaderListSize,
    initialWindowSize: l.initialWindowSize,
    enablePush: false,
  };
}

function ignore(): void {}

/** The header list size as RFC 9113 §6.5.2 counts it: name + value + 32 octets per field. */
export function headerListSize(raw: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) n += (raw[i] as string).length + 16;
  return n;
}

/** 431 for a header list over the advertised limit (the h1 listener's answer to an oversized head). */
function refuseHeaderList(req: Http2ServerRequest, res: Http2ServerResponse): void {
  const body = errorBody(431);
  res.once('finish', () => {
    if (!req.complete && !res.stream.destroyed) res.stream.close(0);
  });
  res.writeHead(431, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

/** The HTTP/2 half of the main listener. */
export class H2Front {
  readonly server: Http2Server;
  private readonly sessions = new Set<ServerHttp2Session>();
  private pending: Socket | undefined = undefined;
  private limits: H2Limits;
  private closing = false;

  constructor(
    limits: H2Limits,
    handler: (req: Http2ServerRequest, res: Http2ServerResponse) => void,
    private readonly sniffTimeoutMs: number,
  ) {
    this.limits = limits;
    this.server = createServer(
      {
        settings: settingsFrom(limits),
        maxSessionMemory: Math.max(1, Math.ceil(limits.maxSessionMemory / (1024 * 1024))),
        // Flood protections (CVE-2019-9512..9518, CVE-2023-44487): nghttp2 bounds rapid resets itself;
        // these bound the rest — bad frames, refused streams, unanswered pings and settings.
        maxSessionInvalidFrames: 100,
        maxSessionRejectedStreams: 100,
        maxOutstandingPings: 10,
        maxSettings: 32,
        maxHeaderListPairs: 256,
        peerMaxConcurrentStreams: limits.maxConcurrentStreams,
      },
      (req, res) => {
        // node advertises SETTINGS_MAX_HEADER_LIST_SIZE but does not enforce it on what it receives.
        if (headerListSize(req.rawHeaders) > this.limits.maxHeaderListSize) refuseHeaderList(req, res);
        else handler(req, res);
      },
    );
    this.server.on('session', (session: ServerHttp2Session) => this.track(session));
    this.server.on('sessionError', ignore);
  }

  /** Open sessions. */
  get open(): number {
    return this.sessions.size;
  }

  /** New limits for sessions opened from now on (and SETTINGS sent to open ones). */
  update(limits: H2Limits): void {
    this.limits = limits;
    this.server.updateSettings(settingsFrom(limits));
    for (const s of this.sessions) if (!s.closed && !s.destroyed) s.settings(settingsFrom(limits), ignore);
  }

  /** Starts HTTP/2 on an accepted socket (TLS with ALPN h2, or plain text after the preface). */
  accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.pending = socket;
    try {
      this.server.emit('connection', socket);
    } finally {
      this.pending = undefined;
    }
  }

  /** Takes TLS connections that negotiated `h2` away from the https server they were accepted by. */
  attachAlpn(tlsServer: NetServer): void {
    const h1 = tlsServer.listeners('secureConnection') as ((socket: TLSSocket) => void)[];
    tlsServer.removeAllListeners('secureConnection');
    tlsServer.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol === 'h2') this.accept(socket);
      else for (const l of h1) l.call(tlsServer, socket);
    });
  }

  /**
   * Looks at the first bytes of each plain-text connection: the HTTP/2 preface goes to HTTP/2, anything
   * else to the HTTP/1.1 listeners registered before this call.
   */
  attachPriorKnowledge(server: NetServer): void {
    const h1 = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      this.sniff(socket, (isH2) => {
        if (isH2) this.accept(socket);
        else for (const l of h1) l.call(server, socket);
      });
    });
  }

  /** GOAWAY on every session: open streams finish, no new ones start. */
  closeGracefully(): void {
    this.closing = true;
    for (const s of this.sessions) if (!s.closed) s.close();
  }

  /** Destroys every session at once. */
  destroyAll(): void {
    this.closing = true;
    for (const s of this.sessions) s.destroy();
    this.sessions.clear();
  }

  private track(session: ServerHttp2Session): void {
    const socket = this.pending;
    if (socket !== undefined) transportOf.set(session, socket);
    this.sessions.add(session);
    session.on('error', ignore);
    session.once('close', () => this.sessions.delete(session));
    session.setTimeout(this.limits.idleTimeoutMs, () => {
      // Idle: say goodbye, then cut the connection if the peer does not close it in time.
      session.close();
      setTimeout(() => session.destroy(), 1000).unref();
    });
  }

  private sniff(socket: Socket, then: (isH2: boolean) => void): void {
    let head: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), this.sniffTimeoutMs);
    const done = (isH2: boolean): void => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onClose);
      if (head.length > 0) socket.unshift(head);
      then(isH2);
    };
    const onClose = (): void => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
    };
    // The client shut its side before a whole preface or request line came (a TCP health check, a port
    // probe): there is nothing to answer, and a half-open socket would otherwise wait for the sniff timeout.
    const onEnd = (): void => {
      socket.destroy();
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      // biome-ignore lint/suspicious/noAssignInExpressions: the standard read loop
      while ((chunk = socket.read() as Buffer | null) !== null)
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const kind = matchPreface(head);
      if (kind !== 'more') done(kind === 'yes');
    };
    socket.on('readable', onReadable);
    socket.on('end', onEnd);
    socket.on('close', onClose);
  }
}
