/**
 * The HTTP/3 listener's QUIC loop over the quiche binding shipped inside @matrixai/quic (low-level
 * `native.quiche` API only: its ready-made server crashes on clients that open their control stream at
 * once). This file owns the UDP sockets, routes datagrams by destination connection ID, answers new
 * clients with a stateless Retry (HMAC token binding address, original connection ID and time), drives
 * each connection's timer, and batches sends: datagrams received in one event-loop turn are processed
 * first, then every connection they touched sends once (setImmediate). Limits: connections, streams and
 * flow-control windows per connection, idle timeout; undecodable datagrams are dropped silently.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import type { Config, Connection, Host } from '@matrixai/quic/native/types.js';
import { H3Error } from './h3-frames.js';
import type { H3Request, H3Response, H3Transport } from './h3-message.js';
import { H3Session, type QuicStreamIo } from './h3-session.js';

type Quiche = typeof import('@matrixai/quic/native/index.js')['quiche'];

let loaded: Quiche | undefined;

/** Loads the native binding on first use (a proxy without HTTP/3 never loads it). */
export async function loadQuiche(): Promise<Quiche> {
  if (loaded === undefined) loaded = (await import('@matrixai/quic/native/index.js')).quiche;
  return loaded;
}

export interface QuicListenerOptions {
  /** Addresses to bind (one UDP socket each), e.g. ['127.0.0.1', '::1'] for localhost. */
  readonly hosts: readonly string[];
  readonly port: number;
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
  /** Concurrent request streams per connection. */
  readonly maxStreams: number;
  /** Receive window per request stream (bytes). */
  readonly streamWindow: number;
  /** Receive window per connection (bytes). */
  readonly connectionWindow: number;
  readonly maxFieldSectionSize: number;
  onRequest(req: H3Request, res: H3Response): void;
  /** Told about unexpected failures (never about garbage datagrams). */
  onError?(err: unknown): void;
}

const CID_LEN = 20;
const TOKEN_TTL_MS = 10_000;
const MAX_DATAGRAM = 1350;
const SEND_POOL = 256 * 1024;
/**
 * Datagrams per connection per event-loop turn. Sending a whole congestion window at once overflows the
 * receiver's socket buffer (on loopback 10-30 % of packets were lost, and cubic collapsed); bursts of 16
 * with the I/O poll phase in between lose ~5x fewer and keep other connections served.
 */
const BURST_PACKETS = 16;
const SOCKET_BUFFER = 4 * 1024 * 1024;

/** `dgram` lookup for literal IP addresses (the only kind the listener sends to). */
function literalLookup(
  address: string,
  _options: unknown,
  cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  cb(null, address, address.includes(':') ? 6 : 4);
}

/** One QUIC connection: quiche state, its H3 session, timer and counters. */
class QuicConn implements QuicStreamIo {
  session: H3Session | undefined = undefined;
  timer: NodeJS.Timeout | undefined = undefined;
  readonly transport: H3Transport;

  constructor(
    readonly key: string,
    readonly conn: Connection,
    readonly socket: UdpSocket,
    readonly local: Host,
    readonly peer: Host,
    private readonly listener: QuicListener,
  ) {
    this.transport = { remoteAddress: peer.host, encrypted: true, bytesRead: 0, bytesWritten: 0 };
  }

  streamSend(id: number, data: Buffer, fin: boolean): number {
    try {
      const n = this.conn.streamSend(id, data, fin);
      return n ?? 0;
    } catch {
      return -1;
    }
  }

  streamRecv(id: number, buf: Buffer): [number, boolean] | undefined {
    try {
      const r = this.conn.streamRecv(id, buf);
      return r ?? undefined;
    } catch {
      return undefined;
    }
  }

  streamShutdown(id: number, read: boolean, write: boolean, code: number): void {
    try {
      if (read) this.conn.streamShutdown(id, 0 /* Read */, code);
    } catch {
      /* already shut down or unknown */
    }
    try {
      if (write) this.conn.streamShutdown(id, 1 /* Write */, code);
    } catch {
      /* already finished */
    }
  }

  close(code: number, reason: string): void {
    try {
      this.conn.close(true, code, Buffer.from(reason));
    } catch {
      /* already closing */
    }
    this.wake();
  }

  wake(): void {
    this.listener.markDirty(this);
  }
}

/** The UDP side of HTTP/3. */
export class QuicListener {
  private readonly sockets: UdpSocket[] = [];
  private readonly conns = new Map<string, QuicConn>();
  private readonly dirty = new Set<QuicConn>();
  private flushScheduled = false;
  private readonly tokenKey = randomBytes(32);
  private readonly sendBuf = Buffer.allocUnsafe(65_536);
  private pool = Buffer.allocUnsafeSlow(0);
  private poolUsed = 0;
  private config!: Config;
  private quiche!: Quiche;
  private closing = false;
  private boundPort = 0;

  constructor(private readonly options: QuicListenerOptions) {}

  /** The bound UDP port (after `listen`). */
  get port(): number {
    return this.boundPort;
  }

  /** Open QUIC connections. */
  get open(): number {
    return this.conns.size;
  }

  /** Binds every host on the port (the first bind picks the port when it is 0). */
  async listen(): Promise<void> {
    this.quiche = await loadQuiche();
    this.config = this.buildConfig(this.options.cert, this.options.key);
    let port = this.options.port;
    for (const host of this.options.hosts) {
      const socket = createSocket({
        type: host.includes(':') ? 'udp6' : 'udp4',
        ipv6Only: host.includes(':'),
        recvBufferSize: SOCKET_BUFFER,
        sendBufferSize: SOCKET_BUFFER,
        // Destinations are always literal addresses: resolve synchronously (dns.lookup defers every send
        // to the next tick).
        lookup: literalLookup,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      port = socket.address().port;
      const local: Host = { host: socket.address().address, port };
      socket.on('message', (msg, rinfo) => this.onDatagram(socket, local, msg, rinfo));
      socket.on('error', (err) => this.options.onError?.(err));
      this.sockets.push(socket);
    }
    this.boundPort = port;
  }

  /** New certificate for new connections (open ones keep their keys). */
  reloadCertificate(cert: Buffer, key: Buffer): void {
    this.config = this.buildConfig(cert, key);
  }

  /** GOAWAY to every connection; requests in flight finish. */
  goaway(): void {
    this.closing = true;
    for (const c of this.conns.values()) c.session?.goaway();
  }

  /** Closes every connection (CONNECTION_CLOSE with H3_NO_ERROR) and the sockets. */
  async close(): Promise<void> {
    this.closing = true;
    for (const c of this.conns.values()) {
      c.close(H3Error.NO_ERROR, 'shutdown');
      this.flush(c);
      this.drop(c);
    }
    await Promise.all(this.sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.sockets.length = 0;
  }

  /** Schedules a send pass for `c` after this event-loop turn. */
  markDirty(c: QuicConn): void {
    this.dirty.add(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushDirty());
    }
  }

  private buildConfig(cert: Buffer, key: Buffer): Config {
    const o = this.options;
    const cfg = this.quiche.Config.withBoringSslCtx(false, false, null, [key], [cert], null);
    cfg.setApplicationProtos(['h3']);
    cfg.setMaxIdleTimeout(o.idleTimeoutMs);
    cfg.setMaxRecvUdpPayloadSize(65_527);
    cfg.setMaxSendUdpPayloadSize(MAX_DATAGRAM);
    cfg.setInitialMaxData(o.connectionWindow);
    cfg.setInitialMaxStreamDataBidiRemote(o.streamWindow);
    cfg.setInitialMaxStreamDataBidiLocal(o.streamWindow);
    cfg.setInitialMaxStreamDataUni(64 * 1024);
    cfg.setInitialMaxStreamsBidi(o.maxStreams);
    // Control + QPACK encoder + decoder, plus room for grease streams.
    cfg.setInitialMaxStreamsUni(8);
    cfg.setMaxStreamWindow(Math.max(o.streamWindow, 1024 * 1024));
    cfg.setMaxConnectionWindow(Math.max(o.connectionWindow, 4 * 1024 * 1024));
    cfg.setDisableActiveMigration(true);
    cfg.setActiveConnectionIdLimit(2);
    return cfg;
  }

  private onDatagram(socket: UdpSocket, local: Host, msg: Buffer, rinfo: RemoteInfo): void {
    try {
      this.route(socket, local, msg, rinfo);
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  private route(socket: UdpSocket, local: Host, msg: Buffer, rinfo: RemoteInfo): void {
    // Fast path: a short-header packet (almost all traffic) names its connection in bytes 1..20.
    if (msg.length > CID_LEN && ((msg[0] as number) & 0x80) === 0) {
      const known = this.conns.get(msg.toString('latin1', 1, 1 + CID_LEN));
      if (known !== undefined) {
        this.input(known, msg, rinfo);
        return;
      }
    }
    const q = this.quiche;
    let header: ReturnType<Quiche['Header']['fromSlice']>;
    try {
      header = q.Header.fromSlice(msg, CID_LEN);
    } catch {
      return; // not QUIC
    }
    const peer: Host = { host: rinfo.address, port: rinfo.port };
    const dcidKey = Buffer.from(header.dcid).toString('latin1');
    let c = this.conns.get(dcidKey);
    if (c === undefined) {
      if (header.ty !== q.Type.Initial || this.closing) return;
      if (this.conns.size >= this.options.maxConnections) return;
      if (msg.length < 1200) return; // RFC 9000 §14.1: client Initials are padded to 1200 bytes
      if (!q.versionIsSupported(header.version)) {
        const n = q.negotiateVersion(header.scid, header.dcid, this.sendBuf);
        this.sendRaw(socket, this.sendBuf.subarray(0, n), peer);
        return;
      }
      const token = header.token;
      if (token === undefined || token.length === 0) {
        const newScid = randomBytes(CID_LEN);
        const minted = this.mintToken(Buffer.from(header.dcid), rinfo.address);
        const n = q.retry(header.scid, header.dcid, newScid, minted, header.version, this.sendBuf);
        this.sendRaw(socket, this.sendBuf.subarray(0, n), peer);
        return;
      }
      const odcid = this.validateToken(Buffer.from(token), rinfo.address);
      if (odcid === undefined || header.dcid.length !== CID_LEN) return;
      const conn = q.Connection.accept(header.dcid, odcid, local, peer, this.config);
      c = new QuicConn(dcidKey, conn, socket, local, peer, this);
      this.conns.set(dcidKey, c);
    }
    this.input(c, msg, rinfo);
  }

  private input(c: QuicConn, msg: Buffer, rinfo: RemoteInfo): void {
    c.transport.bytesRead += msg.length;
    try {
      c.conn.recv(msg, { from: { host: rinfo.address, port: rinfo.port }, to: c.local });
    } catch {
      // Undecryptable or invalid packet: quiche already dropped it (or closed the connection).
    }
    this.afterInput(c);
  }

  /** Reads what the connection made readable and schedules its send pass. */
  private afterInput(c: QuicConn): void {
    const conn = c.conn;
    if (c.session === undefined && (conn.isEstablished() || conn.isInEarlyData())) {
      if (this.protocolOf(conn) !== 'h3') {
        c.close(H3Error.VERSION_FALLBACK, 'h3 only');
      } else {
        c.session = new H3Session(c, {
          maxFieldSectionSize: this.options.maxFieldSectionSize,
          streamHighWater: 256 * 1024,
          transport: c.transport,
          onRequest: (req, res) => this.options.onRequest(req, res),
        });
        c.session.start();
        if (this.closing) c.session.goaway();
      }
    }
    const session = c.session;
    if (session !== undefined && conn.isReadable()) {
      for (const id of conn.readable()) session.readStream(id);
    }
    this.markDirty(c);
  }

  private protocolOf(conn: Connection): string {
    return Buffer.from(conn.applicationProto()).toString('latin1');
  }

  private flushDirty(): void {
    this.flushScheduled = false;
    const batch = [...this.dirty];
    this.dirty.clear();
    for (const c of batch) {
      try {
        c.session?.flushAll();
        this.flush(c);
      } catch (err) {
        this.options.onError?.(err);
      }
    }
  }

  /** Sends everything quiche has for `c`, then re-arms its timer (or forgets it once closed). */
  private flush(c: QuicConn): void {
    const conn = c.conn;
    for (let n = 0; ; n++) {
      if (n === BURST_PACKETS) {
        // More to send: continue after the I/O poll phase, so ACKs and other connections get their turn.
        this.markDirty(c);
        break;
      }
      // Each datagram is written straight into a slice of a send pool that is never reused: dgram keeps
      // a reference until the kernel took it, so no copy is needed.
      if (this.pool.length - this.poolUsed < MAX_DATAGRAM) {
        this.pool = Buffer.allocUnsafeSlow(SEND_POOL);
        this.poolUsed = 0;
      }
      const slot = this.pool.subarray(this.poolUsed, this.poolUsed + MAX_DATAGRAM);
      let r: ReturnType<Connection['send']>;
      try {
        r = conn.send(slot);
      } catch {
        break;
      }
      if (r === null) break;
      const [len, info] = r;
      this.poolUsed += len;
      c.transport.bytesWritten += len;
      c.socket.send(slot.subarray(0, len), info.to.port, info.to.host);
    }
    if (conn.isClosed()) {
      this.drop(c);
      return;
    }
    if (c.timer !== undefined) clearTimeout(c.timer);
    const ms = conn.timeout();
    c.timer =
      ms === null
        ? undefined
        : setTimeout(() => {
            c.timer = undefined;
            conn.onTimeout();
            // Timers can make streams readable again (retransmissions) or close the connection.
            if (conn.isClosed()) this.drop(c);
            else this.afterInput(c);
          }, ms);
  }

  private drop(c: QuicConn): void {
    if (c.timer !== undefined) clearTimeout(c.timer);
    c.timer = undefined;
    this.dirty.delete(c);
    if (this.conns.get(c.key) === c) this.conns.delete(c.key);
    c.session?.destroy();
  }

  private sendRaw(socket: UdpSocket, data: Buffer, to: Host): void {
    // dgram sends asynchronously: the shared buffer is copied.
    socket.send(Buffer.from(data), to.port, to.host, (err) => {
      if (err !== null && err !== undefined) this.options.onError?.(err);
    });
  }

  /** Retry token: issue time, original destination CID, and an HMAC over both and the client address. */
  private mintToken(odcid: Buffer, address: string): Buffer {
    const time = Buffer.alloc(8);
    time.writeBigUInt64BE(BigInt(Date.now()));
    const body = Buffer.concat([time, Buffer.from([odcid.length]), odcid]);
    const mac = createHmac('sha256', this.tokenKey).update(body).update(address).digest().subarray(0, 16);
    return Buffer.concat([body, mac]);
  }

  private validateToken(token: Buffer, address: string): Buffer | undefined {
    if (token.length < 9 + 16) return undefined;
    const len = token[8] as number;
    if (len > CID_LEN || token.length !== 9 + len + 16) return undefined;
    const body = token.subarray(0, 9 + len);
    const mac = createHmac('sha256', this.tokenKey).update(body).update(address).digest().subarray(0, 16);
    if (!timingSafeEqual(mac, token.subarray(9 + len))) return undefined;
    const issued = Number(token.readBigUInt64BE(0));
    if (Date.now() - issued > TOKEN_TTL_MS) return undefined;
    return Buffer.from(token.subarray(9, 9 + len));
  }
}
