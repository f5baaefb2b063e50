/**
 * Robustness harness: a `ProxyApp` running the real built-in modules (`mods/*.pcmod`, compiled by the
 * loader, bound by `createBindings`), origins that record every raw byte they receive (so a smuggled second
 * request would show), and raw-socket clients with timing.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { Writable } from 'node:stream';
import type { CompiledModule, ConfigValue } from '@proxycache/pcmod-lang';
import pino from 'pino';
import { ProxyApp } from '../../packages/core/src/app/proxy-app.js';
import { defaultConfig } from '../../packages/core/src/config/load-config.js';
import type { ProxyConfig, ServerConfig } from '../../packages/core/src/config/types.js';
import { builtinModsDir } from '../../packages/core/src/loader/builtin-mods-dir.js';
import { loadModules } from '../../packages/core/src/loader/load-modules.js';
import { ProxyMetrics } from '../../packages/core/src/observability/metrics.js';
import { createBindings } from '../../packages/core/src/stdlib/bindings.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let compiled: CompiledModule[] | undefined;

/** The built-in modules, compiled once per test file. */
export function builtinModules(): CompiledModule[] {
  if (compiled === undefined) {
    const loaded = loadModules({ builtinDir: builtinModsDir() });
    const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new Error(`built-in modules do not compile: ${errors[0]?.message}`);
    compiled = loaded.modules;
  }
  return compiled;
}

/**
 * Defaults for every built-in module, with the ones that would interfere with counting origin requests
 * (admin listener on a fixed port, background health probes, cache, circuit breaker, rate limits) off.
 */
export function robustConfig(
  server: Partial<ServerConfig>,
  modules: Record<string, Record<string, ConfigValue>> = {},
): ProxyConfig {
  const base = defaultConfig(builtinModules());
  const sections: Record<string, Record<string, ConfigValue>> = { ...base.modules };
  for (const off of ['admin_api', 'active_health', 'cache', 'circuit_breaker', 'rate_limiter', 'compression'])
    sections[off] = { ...sections[off], enabled: false };
  for (const [name, fields] of Object.entries(modules)) sections[name] = { ...sections[name], ...fields };
  return {
    server: { ...base.server, listen_addr: '127.0.0.1:0', log_level: 'silent', ...server },
    modules: sections,
    file: undefined,
  };
}

export interface Running {
  readonly app: ProxyApp;
  readonly port: number;
  /** Parsed JSON log lines (level debug and up). */
  readonly logs: Record<string, unknown>[];
}

/** Starts the proxy with the built-in modules on 127.0.0.1:0. */
export async function startProxy(config: ProxyConfig): Promise<Running> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n'))
        if (l !== '') logs.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const app = new ProxyApp();
  await app.start({
    config,
    modules: builtinModules(),
    bindingsFactory: createBindings,
    logger: pino({ level: 'debug' }, sink),
    metrics: new ProxyMetrics(),
  });
  return { app, port: app.address.port, logs };
}

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** An HTTP origin that records parsed requests and the raw bytes of every connection. */
export interface Origin {
  readonly port: number;
  readonly addr: string;
  readonly seen: SeenRequest[];
  /** Everything received, all connections concatenated in arrival order (latin1). */
  raw(): string;
  connections: number;
  close(): Promise<void>;
}

export type OriginHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export const okHandler: OriginHandler = (req, res) => {
  const text = `origin ${req.method} ${req.url}`;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

export async function startOrigin(handler: OriginHandler = okHandler): Promise<Origin> {
  const seen: SeenRequest[] = [];
  const rawChunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  const origin = {
    seen,
    connections: 0,
    raw: () => Buffer.concat(rawChunks).toString('latin1'),
  } as unknown as Origin & { connections: number };
  server.on('connection', (s: Socket) => {
    origin.connections++;
    sockets.add(s);
    s.on('data', (d: Buffer) => rawChunks.push(d));
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  Object.assign(origin, {
    port,
    addr: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  });
  return origin;
}

/** A TCP "backend" whose behaviour per connection is entirely up to the test. */
export async function startTcpBackend(onConnection: (socket: Socket, index: number) => void): Promise<{
  port: number;
  addr: string;
  connections: number;
  received: () => string;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const chunks: Buffer[] = [];
  const state = { connections: 0 };
  const server: TcpServer = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.on('data', (d: Buffer) => chunks.push(d));
    state.connections++;
    onConnection(s, state.connections);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    addr: `127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    received: () => Buffer.concat(chunks).toString('latin1'),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface RawResult {
  /** Everything the proxy sent (latin1). */
  readonly text: string;
  /** Whether the proxy closed the connection (false: the timeout ended the exchange). */
  readonly closed: boolean;
  /** ms from connect to close (or timeout). */
  readonly elapsed: number;
}

/** Writes `data` on a raw socket and reads until the proxy closes or `timeoutMs` passes. */
export function rawExchange(port: number, data: string | Buffer, timeoutMs = 3000): Promise<RawResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed, elapsed: performance.now() - t0 });
    };
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(data));
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

export interface ParsedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Splits a raw HTTP/1.1 response stream into responses (Content-Length framed only). */
export function parseResponses(text: string): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/')) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) break;
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const len = Number(headers['content-length'] ?? 0);
    out.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + len) });
    rest = rest.slice(end + 4 + len);
  }
  return out;
}

/** One plain GET with `Connection: close`; resolves with the parsed response. */
export async function get(port: number, path = '/'): Promise<ParsedResponse> {
  const r = await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
  const [first] = parseResponses(r.text);
  if (first === undefined) throw new Error(`no response to GET ${path}: ${JSON.stringify(r.text)}`);
  return first;
}
