/**
 * Small fakes of the host contracts for stdlib unit tests: an exchange over plain objects and
 * services that record what the stdlib asked of them.
 */
import type { HandlerEvent, ModuleInstance } from '@proxycache/pcmod-lang';
import pino from 'pino';
import type { ProxyConfig } from '../../src/config/types.js';
import type {
  HeaderRecord,
  HostExchange,
  HostServices,
  ReloadResult,
  ResponseState,
} from '../../src/pipeline/host.js';
import { forwardTarget } from '../../src/upstream/forward.js';

export interface FakeExchangeInit {
  method?: string;
  path?: string;
  query?: string;
  host?: string;
  scheme?: string;
  client_ip?: string;
  listener?: string;
  headers?: HeaderRecord;
  response?: ResponseState;
}

export class FakeExchange implements HostExchange {
  method: string;
  path: string;
  query: string;
  host: string;
  scheme: string;
  client_ip: string;
  protocol = 'h1';
  listener: string;
  readonly startedAt = 0;
  readonly requestHeaders: HeaderRecord;
  readonly requestBody = undefined;
  response: ResponseState | undefined;
  readonly notes = new Map<string, unknown>();
  readonly ctx = new Map<string, string>();

  constructor(init: FakeExchangeInit = {}) {
    this.method = init.method ?? 'GET';
    this.path = init.path ?? '/';
    this.query = init.query ?? '';
    this.host = init.host ?? 'example.test';
    this.scheme = init.scheme ?? 'http';
    this.client_ip = init.client_ip ?? '127.0.0.1';
    this.listener = init.listener ?? 'main';
    this.requestHeaders = { host: this.host, ...(init.headers ?? {}) };
    this.response = init.response;
  }

  get uri(): string {
    return this.query === '' ? this.path : `${this.path}?${this.query}`;
  }
  get status(): number {
    return this.response?.status ?? 0;
  }
  get content_type(): string {
    const v = this.response?.headers['content-type'];
    return typeof v === 'string' ? v : '';
  }
  get responded(): boolean {
    return this.response !== undefined;
  }
  setHeader(phase: HandlerEvent, name: string, value: string): void {
    const target = phase === 'on_request' ? this.requestHeaders : this.response?.headers;
    if (target) target[name.toLowerCase()] = value;
  }
  removeHeader(phase: HandlerEvent, name: string): void {
    const target = phase === 'on_request' ? this.requestHeaders : this.response?.headers;
    if (target) delete target[name.toLowerCase()];
  }
  ctxGet(key: string): string {
    return this.ctx.get(key) ?? '';
  }
  ctxSet(key: string, value: string): void {
    this.ctx.set(key, value);
  }
  respond(status: number, contentType: string | undefined, body: string | undefined): void {
    const headers: HeaderRecord = {};
    if (contentType !== undefined) headers['content-type'] = contentType;
    this.response = { status, headers, body: body === undefined ? undefined : Buffer.from(body) };
  }
  setPath(path: string): void {
    this.path = path;
  }
}

export const testConfig: ProxyConfig = {
  server: {
    listen_addr: '127.0.0.1:3000',
    backend_addr: '127.0.0.1:8080',
    max_connections: 10000,
    buffer_size: 8192,
    client_timeout: 30,
    backend_timeout: 30,
    max_header_size: 65536,
    max_body_size: 16 * 1024 * 1024,
    shutdown_timeout: 15,
    tls_cert: '',
    tls_key: '',
    http2: true,
    http3: false,
    trusted_proxies: [],
    log_level: 'info',
  },
  modules: {},
  file: undefined,
};

/** Services that record calls; override any member per test. */
export class FakeServices implements HostServices {
  config: ProxyConfig = testConfig;
  readonly logger = pino({ level: 'silent' });
  readonly counters = new Map<string, number>();
  readonly metrics = {
    prometheus: async () => '# HELP proxycache_requests_total x\nproxycache_requests_total 1\n',
    statsJson: () => '{"requests_total":1,"latency_avg_ms":0}',
    inc: (name: string, _labels?: Record<string, string>, by = 1) => {
      this.counters.set(name, (this.counters.get(name) ?? 0) + by);
    },
  };
  /** Every forward, with the backend it resolved to (as the host does). */
  readonly forwarded: { x: HostExchange; backend: string }[] = [];
  readonly unhealthy = new Set<string>();
  backends: readonly string[] = ['127.0.0.1:8080'];
  readonly disposers: (() => void)[] = [];
  readonly rawTcp: string[] = [];
  readonly adminListens: { addr: string; max: number; instance: () => ModuleInstance }[] = [];
  readonly internal: string[] = [];
  persistent: Map<string, unknown> | undefined = undefined;
  verifyConfig: HostServices['verifyConfig'] = undefined;
  repairConfig: HostServices['repairConfig'] = undefined;
  activeRequests: HostServices['activeRequests'] = undefined;
  reloadResult: ReloadResult = { ok: true, diagnostics: [], modules: ['cache'] };

  async forward(x: HostExchange, backend: string | undefined): Promise<void> {
    this.forwarded.push({ x, backend: forwardTarget(x, backend, this.config.server.backend_addr) });
    x.response = { status: 200, headers: {}, body: Buffer.from('upstream') };
  }
  isHealthy(backend: string): boolean {
    return !this.unhealthy.has(backend);
  }
  setHealthy(backend: string, healthy: boolean): void {
    if (healthy) this.unhealthy.delete(backend);
    else this.unhealthy.add(backend);
  }
  configuredBackends(): readonly string[] {
    return this.backends;
  }
  async listenAdmin(addr: string, max: number, instance: () => ModuleInstance): Promise<void> {
    this.adminListens.push({ addr, max, instance });
  }
  async internalRequest(path: string): Promise<number> {
    this.internal.push(path);
    return 200;
  }
  async reload(): Promise<ReloadResult> {
    return this.reloadResult;
  }
  enableRawTcp(backend: string): void {
    this.rawTcp.push(backend);
  }
  describeModules() {
    return [{ name: 'cache', version: '1.0.0', priority: 80, file: 'mods/cache.pcmod', enabled: true }];
  }
  onDispose(fn: () => void): void {
    this.disposers.push(fn);
  }
  dispose(): void {
    for (const fn of this.disposers.splice(0)) fn();
  }
}

/** A clock the test moves by hand (ms). */
export function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}
