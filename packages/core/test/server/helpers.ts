/**
 * Test fixtures for the server, pipeline and upstream tests: configs, hand-written modules shaped like
 * `CompiledModule`, counting origin servers on listen(0), and raw-socket / HTTP clients.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { Bindings, CompiledModule, ConfigValue, Exchange, ModuleInstance } from '@proxycache/pcmod-lang';
import pino, { type Logger } from 'pino';
import { afterEach } from 'vitest';
import { ProxyApp, type ProxyAppOptions } from '../../src/app/proxy-app.js';
import type { ProxyConfig, ServerConfig } from '../../src/config/types.js';
import type { HostServices, Metrics } from '../../src/pipeline/host.js';

export function testConfig(
  server: Partial<ServerConfig> = {},
  modules: ProxyConfig['modules'] = {},
): ProxyConfig {
  return {
    server: {
      listen_addr: '127.0.0.1:0',
      backend_addr: '127.0.0.1:1',
      max_connections: 10000,
      buffer_size: 8192,
      client_timeout: 30,
      backend_timeout: 30,
      max_header_size: 65536,
      max_body_size: 16 * 1024 * 1024,
      shutdown_timeout: 15,
      tls_cert: '',
      tls_key: '',
      http2: false,
      http3: false,
      trusted_proxies: [],
      log_level: 'silent',
      ...server,
    },
    modules,
    file: undefined,
  };
}

/** Bindings for hand-written modules: `std.proxy.forward` reaches the host services. */
export interface TestBindings extends Bindings {
  readonly services: HostServices;
}

export function testBindings(services: HostServices): TestBindings {
  return {
    services,
    fns: { 'std.proxy.forward': (x: Exchange, backend?: string) => services.forward(x as never, backend) },
    log: () => {},
  };
}

/** A `CompiledModule` around a hand-written instance factory. */
export function fakeModule(
  name: string,
  priority: number,
  make: (b: TestBindings, config: Readonly<Record<string, ConfigValue>>) => ModuleInstance,
  extra: { overrides?: string[] } = {},
): CompiledModule {
  return {
    name,
    version: '1.0',
    priority,
    overrides: extra.overrides ?? [],
    file: `/mods/${name}.pcmod`,
    configSchema: [{ name: 'enabled', type: 'bool' as never, default: true, line: 1 }],
    js: '',
    sourceMap: { originalFor: () => undefined, toJSON: () => ({}) },
    instantiate: (b, config) => make(b as TestBindings, config),
  };
}

/** A module that forwards everything to the configured backend. */
export function proxyModule(priority = 120): CompiledModule {
  return fakeModule('proxy_core', priority, (b) => ({
    onRequest: (x) => b.services.forward(x as never, undefined),
  }));
}

export interface LogCapture {
  readonly logger: Logger;
  readonly lines: Record<string, unknown>[];
}

export function captureLogger(): LogCapture {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n'))
        if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

export class TestMetrics implements Metrics {
  readonly counts = new Map<string, number>();
  prometheus(): string {
    return '';
  }
  statsJson(): string {
    return '{}';
  }
  inc(name: string, _labels?: Record<string, string>, by = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }
}

export async function startApp(
  config: ProxyConfig,
  modules: CompiledModule[],
  extra: Partial<ProxyAppOptions> = {},
): Promise<{ app: ProxyApp; port: number; metrics: TestMetrics; log: LogCapture }> {
  const app = new ProxyApp();
  const metrics = new TestMetrics();
  const log = captureLogger();
  await app.start({ config, modules, bindingsFactory: testBindings, logger: log.logger, metrics, ...extra });
  return { app, port: app.address.port, metrics, log };
}

/** What one test started; `stopAfterEach` stops it: the app first, then the origin, then `close`. */
/** Shuts `app` down and reports whether that ended within `limitMs`, and how long it took. */
export async function timedShutdown(
  app: { shutdown(): Promise<void> },
  limitMs = 10_000,
): Promise<{ outcome: 'stopped' | 'hung'; ms: number }> {
  const started = Date.now();
  const outcome = await Promise.race([
    app.shutdown().then(() => 'stopped' as const),
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), limitMs)),
  ]);
  return { outcome, ms: Date.now() - started };
}

export interface Running {
  app?: ProxyApp;
  origin?: Origin;
  /** Closes anything else the test started (runs last). */
  close?: () => Promise<void>;
}

/** Registers an afterEach that stops (and forgets) what the test put into the returned `Running`. */
export function stopAfterEach(): Running {
  const running: Running = {};
  afterEach(async () => {
    const { app, origin, close } = running;
    running.app = undefined;
    running.origin = undefined;
    running.close = undefined;
    await app?.shutdown();
    await origin?.close();
    await close?.();
  });
  return running;
}

export interface Origin {
  readonly server: Server;
  readonly port: number;
  readonly addr: string;
  requests: number;
  connections: number;
  readonly seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

/** An origin on 127.0.0.1:0 that records what it receives (body included) before calling `handler`. */
export async function startOrigin(
  handler: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<Origin> {
  const origin = {
    requests: 0,
    connections: 0,
    seen: [] as Origin['seen'],
  } as Origin;
  const server = createServer((req, res) => {
    origin.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      origin.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  server.on('connection', () => origin.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  Object.assign(origin, {
    server,
    port,
    addr: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
  return origin;
}

export interface SimpleResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One request on a fresh connection (no agent), body read whole. */
export function httpRequest(
  port: number,
  opts: {
    method?: string;
    path?: string;
    headers?: Record<string, string | string[]>;
    body?: string | Buffer;
  } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path ?? '/',
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Writes `data` on a raw socket and collects everything until the peer closes (or `timeoutMs`). */
export function rawExchange(port: number, data: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket: Socket = connect(port, '127.0.0.1', () => socket.write(data));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (chunks.length > 0) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

/** Parses the head of a raw HTTP response: status and lower-cased headers. */
export function parseHead(raw: string): { status: number; headers: Record<string, string>; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return {
    status: Number((statusLine ?? '').split(' ')[1]),
    headers,
    body: end === -1 ? '' : raw.slice(end + 4),
  };
}
