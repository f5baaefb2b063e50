/**
 * Raw TCP passthrough on the main listener: when enabled, each new connection's first bytes are looked at
 * before the HTTP parser sees them; a connection that does not start like an HTTP/1.x request line
 * (`TOKEN SP`, after any empty lines) is piped byte for byte to the backend. Protocols in which the server speaks first are not
 * supported (nothing to sniff): such a client is closed after client_timeout.
 */
import { connect, type Server, type Socket } from 'node:net';
import { parseHostPort } from './socket-address.js';

/** What the first bytes say: an HTTP request line, something else, or too little to tell. */
export type SniffResult = 'http' | 'raw' | 'more';

const maxMethod = 20;

/** Empty lines an HTTP client may send before its request line (RFC 9112 §2.2), at most. */
const maxLeadingEmptyLines = 8;

/**
 * Classifies the first bytes of a connection: `[A-Z][A-Z_-]* SP` is HTTP (a method token, e.g. `PRI`),
 * after up to `maxLeadingEmptyLines` CRLFs — which RFC 9112 §2.2 tells servers to skip, so a request
 * that starts with one is still HTTP and must go through the pipeline, not around it.
 */
export function sniff(head: Buffer): SniffResult {
  let start = 0;
  while (
    start < head.length &&
    start < 2 * maxLeadingEmptyLines &&
    (head[start] === 13 || head[start] === 10)
  )
    start++;
  if (start === head.length) return start < 2 * maxLeadingEmptyLines ? 'more' : 'raw';
  const n = Math.min(head.length, start + maxMethod + 1);
  for (let i = start; i < n; i++) {
    const c = head[i] as number;
    if (c === 32 /* SP */) return i > start ? 'http' : 'raw';
    const upper = c >= 65 && c <= 90;
    if (!(upper || (i > start && (c === 45 || c === 95)))) return 'raw';
  }
  return head.length - start > maxMethod ? 'raw' : 'more';
}

/** Switches raw passthrough on a node:http server; connections are sniffed only while a backend is set. */
export class RawTcpSwitch {
  /** `host:port` raw connections go to, or undefined when passthrough is off. */
  backend: string | undefined = undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    server: Server,
    private readonly sniffTimeoutMs: number,
    private readonly onError: (err: Error) => void = () => {},
  ) {
    // node:http parses from its own 'connection' listener; wrap it so that sniffing can happen first.
    const httpListeners = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      if (this.backend === undefined) {
        for (const l of httpListeners) l.call(server, socket);
        return;
      }
      this.sniffThen(socket, this.backend, () => {
        for (const l of httpListeners) l.call(server, socket);
      });
    });
  }

  /** Open raw connections (destroyed on shutdown). */
  get open(): number {
    return this.sockets.size;
  }

  /** Destroys every raw connection. */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private sniffThen(socket: Socket, backend: string, toHttp: () => void): void {
    let head: Buffer = Buffer.alloc(0);
    this.sockets.add(socket);
    const timer = setTimeout(() => socket.destroy(), this.sniffTimeoutMs);
    const cleanup = (): void => {
      this.sockets.delete(socket);
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onClose);
    };
    const onClose = (): void => cleanup();
    // The client shut its side before its first bytes could be classified: nothing to answer or forward.
    const onEnd = (): void => {
      cleanup();
      socket.destroy();
    };
    const onReadable = (): void => {
      let chunk: Buffer | null;
      // biome-ignore lint/suspicious/noAssignInExpressions: the standard read loop
      while ((chunk = socket.read() as Buffer | null) !== null)
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const kind = sniff(head);
      if (kind === 'more') return;
      cleanup();
      if (kind === 'http') {
        socket.unshift(head);
        toHttp();
      } else {
        this.pipeRaw(socket, head, backend);
      }
    };
    socket.on('readable', onReadable);
    socket.on('end', onEnd);
    socket.on('close', onClose);
  }

  private pipeRaw(client: Socket, head: Buffer, backend: string): void {
    const addr = parseHostPort(backend);
    if (addr === undefined) {
      this.onError(new Error(`raw_tcp: invalid backend address ${backend}`));
      client.destroy();
      return;
    }
    this.sockets.add(client);
    const upstream = connect(addr.port, addr.host);
    upstream.write(head);
    // Ends propagate through pipe (the server allows half-open sockets), so a client that sends and then
    // shuts its write side still gets the whole answer; only errors and a fully closed client cut both.
    client.pipe(upstream);
    upstream.pipe(client);
    const destroyBoth = (): void => {
      this.sockets.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroyBoth);
    client.on('close', destroyBoth);
    upstream.on('error', (err) => {
      this.onError(err);
      destroyBoth();
    });
  }
}
