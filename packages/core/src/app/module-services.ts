/**
 * `HostServices` as one module of one pipeline generation sees them: app-wide facilities (pools, health,
 * listeners, reload) plus what belongs to the generation (config, disposers, raw TCP, internal requests).
 */
import type { CompiledModule, ModuleInstance } from '@proxycache/pcmod-lang';
import type { Logger } from 'pino';
import type { ProxyConfig } from '../config/types.js';
import { ProxyExchange } from '../pipeline/exchange.js';
import type {
  ConfigFileReport,
  HostExchange,
  HostServices,
  Metrics,
  ModuleDescription,
  ReloadResult,
} from '../pipeline/host.js';
import { forwardTarget } from '../upstream/forward.js';
import type { Generation } from './generation.js';

/** What the running app offers to every generation's services. */
export interface AppRuntime {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly persistent: Map<string, unknown>;
  forward(x: HostExchange, backend: string, gen: Generation): Promise<void>;
  isHealthy(backend: string): boolean;
  setHealthy(backend: string, healthy: boolean): void;
  activeRequests(backend: string): number;
  listenAdmin(
    gen: Generation,
    module: CompiledModule,
    addr: string,
    maxConnections: number,
    instance: () => ModuleInstance,
  ): Promise<void>;
  reload(): Promise<ReloadResult>;
  readonly verifyConfig: (() => Promise<ConfigFileReport>) | undefined;
  readonly repairConfig: (() => Promise<ConfigFileReport>) | undefined;
  /** `host` header value for internal requests: the main listener's bound address, else `configured`. */
  internalHost(configured: string): string;
}

function isStringList(v: unknown): v is readonly string[] {
  return Array.isArray(v) && v.every((e) => typeof e === 'string');
}

/** The backends a config names: load_balancer.backends when non-empty, else server.backend_addr. */
export function configuredBackends(config: ProxyConfig): readonly string[] {
  const list = config.modules.load_balancer?.backends;
  if (isStringList(list) && list.length > 0) return list;
  return [config.server.backend_addr];
}

export class ModuleServices implements HostServices {
  readonly logger: Logger;
  readonly verifyConfig: (() => Promise<ConfigFileReport>) | undefined;
  readonly repairConfig: (() => Promise<ConfigFileReport>) | undefined;

  constructor(
    private readonly app: AppRuntime,
    private readonly gen: Generation,
    private readonly module: CompiledModule,
  ) {
    this.logger = app.logger.child({ module: module.name });
    this.verifyConfig = app.verifyConfig;
    this.repairConfig = app.repairConfig;
  }

  get config(): ProxyConfig {
    return this.gen.config;
  }

  mainListener(): string {
    return this.app.internalHost(this.gen.config.server.listen_addr);
  }

  get metrics(): Metrics {
    return this.app.metrics;
  }

  get persistent(): Map<string, unknown> {
    return this.app.persistent;
  }

  forward(x: HostExchange, backend: string | undefined): Promise<void> {
    return this.app.forward(x, forwardTarget(x, backend, this.gen.config.server.backend_addr), this.gen);
  }

  isHealthy(backend: string): boolean {
    return this.app.isHealthy(backend);
  }

  setHealthy(backend: string, healthy: boolean): void {
    this.app.setHealthy(backend, healthy);
  }

  activeRequests(backend: string): number {
    return this.app.activeRequests(backend);
  }

  configuredBackends(): readonly string[] {
    return configuredBackends(this.gen.config);
  }

  listenAdmin(addr: string, maxConnections: number, instance: () => ModuleInstance): Promise<void> {
    return this.app.listenAdmin(this.gen, this.module, addr, maxConnections, instance);
  }

  /** Runs GET `path` through this generation's pipeline and drains the answer; resolves with its status. */
  internalRequest(path: string): Promise<number> {
    const gen = this.gen;
    const x = new ProxyExchange({
      method: 'GET',
      url: path.startsWith('/') ? path : `/${path}`,
      headers: {
        host: this.app.internalHost(gen.config.server.listen_addr),
        'user-agent': 'proxycache-internal',
      },
      body: undefined,
      clientIp: '127.0.0.1',
      peerIp: '127.0.0.1',
      scheme: 'http',
      protocol: 'h1',
      listener: 'internal',
      startedAt: performance.now(),
    });
    gen.enter();
    return new Promise<number>((resolve) => {
      gen.pipeline.run(x, (done) => {
        const body = done.response?.body;
        const status = done.status;
        if (body === undefined || Buffer.isBuffer(body)) {
          gen.leave();
          resolve(status);
          return;
        }
        // Consume the stream so that tees (cache store) see the whole body and the connection is reused.
        body.on('error', () => {});
        body.once('close', () => {
          gen.leave();
          resolve(status);
        });
        body.resume();
      });
    });
  }

  reload(): Promise<ReloadResult> {
    return this.app.reload();
  }

  enableRawTcp(backend: string): void {
    this.gen.rawBackend = backend === '' ? this.gen.config.server.backend_addr : backend;
  }

  describeModules(): readonly ModuleDescription[] {
    const running = new Set(this.gen.running);
    return [...this.gen.modules]
      .sort((a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((m) => ({
        name: m.name,
        version: m.version,
        priority: m.priority,
        file: m.file,
        enabled: running.has(m),
      }));
  }

  onDispose(fn: () => void): void {
    this.gen.addDisposer(fn);
  }
}
