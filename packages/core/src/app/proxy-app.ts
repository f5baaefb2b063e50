/**
 * `ProxyApp` owns a running proxy: the main listener, admin listeners, upstream pools, backend health and
 * the current pipeline generation. Reloads build a complete new generation (instances, on_start) before
 * swapping it in atomically; requests already running finish on the generation they started on.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import type { Bindings, CompiledModule, ModuleInstance, SourceLocation } from '@proxycache/pcmod-lang';
import type { Logger } from 'pino';
import type { ProxyConfig, ServerConfig } from '../config/types.js';
import { ProxyError } from '../errors/proxy-error.js';
import { QuicListener } from '../h3/quic-listener.js';
import { TrustedProxies } from '../http/client-ip.js';
import { createHttpServer, type HttpServerLimits } from '../http/create-server.js';
import { H1FastLane } from '../http/h1-fast-lane.js';
import { H2Front, type H2Limits } from '../http/h2-front.js';
import { RawTcpSwitch } from '../http/raw-tcp.js';
import { createRequestHandler, type RequestHandlerOptions } from '../http/request-handler.js';
import { formatHostPort, type HostPort, listenOn, parseHostPort } from '../http/socket-address.js';
import { alpnProtocols, readTlsMaterial, sameMaterial, type TlsMaterial } from '../http/tls-material.js';
import type { ProxyExchange } from '../pipeline/exchange.js';
import type { OnComplete } from '../pipeline/hooks.js';
import type {
  ConfigFileReport,
  HostExchange,
  HostServices,
  Metrics,
  ReloadResult,
} from '../pipeline/host.js';
import { Pipeline, type PipelineStage } from '../pipeline/pipeline.js';
import { scriptLocation } from '../pipeline/script-location.js';
import { moduleConfig, selectModules } from '../pipeline/select-modules.js';
import { forward } from '../upstream/forward.js';
import { UpstreamPools } from '../upstream/pools.js';
import { AdminListeners } from './admin-listeners.js';
import { type AdminClaim, Generation } from './generation.js';
import { type AppRuntime, ModuleServices } from './module-services.js';
import { ModuleStartScope } from './start-scope.js';

/**
 * Builds a module's stdlib bindings (stdlib/bindings.ts `createBindings` in production). Bindings exist
 * before the instance they are given to, so `instance` returns it once `instantiate` has returned
 * (`std.admin.listen` serves that instance's on_request).
 */
export type BindingsFactory = (
  services: HostServices,
  moduleName: string,
  instance: () => ModuleInstance | undefined,
) => Bindings;

export interface ProxyAppOptions {
  readonly config: ProxyConfig;
  readonly modules: readonly CompiledModule[];
  readonly bindingsFactory: BindingsFactory;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Access log + request metrics, once per finished request. */
  readonly onComplete?: OnComplete;
  /** Recompiles and swaps (admin /reload, SIGHUP); supplied by the CLI layer. */
  readonly reload?: () => Promise<ReloadResult>;
  readonly verifyConfig?: () => Promise<ConfigFileReport>;
  readonly repairConfig?: () => Promise<ConfigFileReport>;
  /** Connections per backend pool (default 256). */
  readonly upstreamConnections?: number;
}

/**
 * Outcome of `swap`: the new pipeline is live, or the old one keeps serving and `error` says why
 * (`where`: the `.pcmod` location when a module's instantiation or on_start failed).
 */
export type SwapResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: ProxyError; readonly where?: SourceLocation | undefined };

function limitsFrom(s: ServerConfig): HttpServerLimits {
  const clientTimeoutMs = s.client_timeout > 0 ? s.client_timeout * 1000 : 30_000;
  return { maxHeaderSize: s.max_header_size, clientTimeoutMs, maxConnections: s.max_connections };
}

function h2LimitsFrom(s: ServerConfig): H2Limits {
  return {
    maxConcurrentStreams: s.h2_max_concurrent_streams ?? 128,
    maxHeaderListSize: s.h2_max_header_list_size ?? s.max_header_size,
    initialWindowSize: s.h2_initial_window_size ?? 262_144,
    maxSessionMemory: s.h2_max_session_memory ?? 32 * 1024 * 1024,
    idleTimeoutMs: s.client_timeout > 0 ? s.client_timeout * 1000 : 30_000,
  };
}

/** The TLS pair `[server]` names, or undefined for a plain-text listener. */
function tlsFrom(
  s: ServerConfig,
): { ok: true; material: TlsMaterial | undefined } | { ok: false; error: ProxyError } {
  if (s.tls_cert === '' || s.tls_key === '') return { ok: true, material: undefined };
  return readTlsMaterial(s.tls_cert, s.tls_key);
}

function isThenable(v: unknown): v is PromiseLike<void> {
  return v !== undefined && v !== null && typeof (v as PromiseLike<void>).then === 'function';
}

const noReload = (): Promise<ReloadResult> =>
  Promise.resolve({
    ok: false,
    diagnostics: [
      {
        code: 'PC_ERR_INTERNAL',
        file: '',
        line: 0,
        column: 0,
        message: 'reload is not available in this process',
        severity: 'error',
      },
    ],
    modules: [],
  });

/** A running proxy. Create, `start`, then `swap` on reload and `shutdown` on exit. */
export class ProxyApp implements AppRuntime {
  readonly persistent = new Map<string, unknown>();
  private options!: ProxyAppOptions;
  private current!: Generation;
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  /** Raw TCP passthrough: plain-text listeners only (a TLS listener has nothing to sniff). */
  private raw: RawTcpSwitch | undefined = undefined;
  /** HTTP/2 on the main listener (server.http2). */
  private h2: H2Front | undefined = undefined;
  /** HTTP/1.1 fast lane in front of node:http. */
  private fast: H1FastLane | undefined = undefined;
  private tls: TlsMaterial | undefined = undefined;
  /** HTTP/3 over QUIC (server.http3), on its own UDP port. */
  private h3: QuicListener | undefined = undefined;
  /** Built once when HTTP/3 starts listening (read per response). */
  private altSvcValue: string | undefined = undefined;
  private pools!: UpstreamPools;
  private admins!: AdminListeners;
  private readonly generations = new Set<Generation>();
  private readonly health = new Map<string, boolean>();
  private reloadHandler: () => Promise<ReloadResult> = noReload;
  private inflight = 0;
  private draining = false;
  private drained: (() => void) | undefined = undefined;
  private mainAddress: HostPort | undefined = undefined;
  private stopping: Promise<void> | undefined = undefined;

  get logger(): Logger {
    return this.options.logger;
  }

  get metrics(): Metrics {
    return this.options.metrics;
  }

  get verifyConfig(): (() => Promise<ConfigFileReport>) | undefined {
    return this.options.verifyConfig;
  }

  get repairConfig(): (() => Promise<ConfigFileReport>) | undefined {
    return this.options.repairConfig;
  }

  /** The bound main listener address (after `start`). */
  get address(): HostPort {
    if (this.mainAddress === undefined) throw new Error('ProxyApp is not started');
    return this.mainAddress;
  }

  /** The bound address of the admin listener configured as `addr` (port 0 resolves to the real port). */
  adminAddress(addr: string): HostPort | undefined {
    return this.admins.address(addr);
  }

  /** Requests running on any generation. */
  get inFlight(): number {
    return this.inflight;
  }

  /** The config the current pipeline runs on. */
  get config(): ProxyConfig {
    return this.current.config;
  }

  /** Sets the reload callback (the CLI builds it around `swap` once the app exists). */
  setReloadHandler(fn: () => Promise<ReloadResult>): void {
    this.reloadHandler = fn;
  }

  /** Builds the first pipeline (instances, on_start hooks) and opens the main listener. */
  async start(options: ProxyAppOptions): Promise<void> {
    this.options = options;
    if (options.reload !== undefined) this.reloadHandler = options.reload;
    const s = options.config.server;
    const backendTimeoutMs = s.backend_timeout > 0 ? s.backend_timeout * 1000 : 30_000;
    this.pools = new UpstreamPools({
      connections: options.upstreamConnections ?? 256,
      keepAliveTimeoutMs: 4000,
      connectTimeoutMs: Math.min(backendTimeoutMs, 10_000),
      idleEvictMs: 300_000,
    });
    const limits = limitsFrom(s);
    const tls = tlsFrom(s);
    if (!tls.ok) {
      await this.pools.close(true);
      throw tls.error;
    }
    this.tls = tls.material;
    if (s.http3 && this.tls === undefined) {
      await this.pools.close(true);
      throw new ProxyError(
        'PC_ERR_INTERNAL',
        'internal',
        'server.http3 needs server.tls_cert and server.tls_key',
      );
    }
    this.admins = new AdminListeners({
      logger: options.logger,
      onComplete: options.onComplete,
      draining: () => this.draining,
      report: (err, stage, phase, where, x) => this.reportScriptError(err, stage, phase, where, x),
      limits: (maxConnections) => ({ ...limitsFrom(this.current?.config.server ?? s), maxConnections }),
      onClientError: (status, code) => this.clientError(status, code),
    });
    const serving: RequestHandlerOptions = {
      listener: 'main',
      current: () => this.current,
      onComplete: options.onComplete,
      draining: () => this.draining,
      onHookError: (err) => this.logger.error({ err }, 'onComplete hook failed'),
      altSvc: () => this.altSvc,
    };
    const handler = createRequestHandler(serving);
    this.server = createHttpServer(
      limits,
      handler,
      (status, code) => this.clientError(status, code),
      this.tls,
      s.http2 ? alpnProtocols : ['http/1.1'],
    );
    // Innermost: the HTTP/2 (ALPN or prior knowledge) and raw TCP sniffers below hand HTTP/1.1
    // connections to the lane, which hands node:http what it does not serve itself.
    this.fast = new H1FastLane({
      ...serving,
      maxHeaderSize: () => this.current.config.server.max_header_size,
      clientTimeoutMs: () => limitsFrom(this.current.config.server).clientTimeoutMs,
      keepAliveMs: 5000,
    });
    this.fast.attach(this.server);
    if (s.http2) {
      this.h2 = new H2Front(h2LimitsFrom(s), handler, limits.clientTimeoutMs);
      if (this.tls !== undefined) this.h2.attachAlpn(this.server);
      else this.h2.attachPriorKnowledge(this.server);
    }
    if (this.tls === undefined) {
      this.raw = new RawTcpSwitch(this.server, limits.clientTimeoutMs, (err) =>
        this.logger.warn({ err }, 'raw TCP passthrough failed'),
      );
    }
    // Outermost, after the sniffers have wrapped the listeners above: every accepted socket, whatever
    // takes it over (h1, h2, TLS mid-handshake, raw TCP) and also while a sniffer still waits for its
    // first bytes, so that shutdown can end the ones server.close() would wait on forever.
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    const built = await this.build(options.config, options.modules);
    if (!built.ok) {
      await this.closeResources(true);
      throw built.error;
    }
    this.commit(built.gen);
    const addr = parseHostPort(s.listen_addr);
    if (addr === undefined) {
      await this.closeResources(true);
      throw new ProxyError('PC_ERR_INTERNAL', 'internal', `invalid server.listen_addr ${s.listen_addr}`);
    }
    try {
      this.mainAddress = await listenOn(this.server, addr);
    } catch (err) {
      await this.closeResources(true);
      throw new ProxyError(
        'PC_ERR_INTERNAL',
        'internal',
        `cannot listen on ${s.listen_addr}: ${(err as Error).message}`,
        err,
      );
    }
    if (s.http3 && this.tls !== undefined) {
      const h3Port = s.http3_port !== undefined && s.http3_port > 0 ? s.http3_port : this.mainAddress.port;
      const h2 = h2LimitsFrom(s);
      this.h3 = new QuicListener({
        hosts: addr.host === 'localhost' ? ['127.0.0.1', '::1'] : [addr.host],
        port: h3Port,
        cert: this.tls.cert,
        key: this.tls.key,
        maxConnections: s.max_connections,
        idleTimeoutMs: h2.idleTimeoutMs,
        maxStreams: h2.maxConcurrentStreams,
        streamWindow: h2.initialWindowSize,
        connectionWindow: Math.max(h2.initialWindowSize * 4, 1024 * 1024),
        maxFieldSectionSize: h2.maxHeaderListSize,
        onRequest: handler,
        onError: (err) => this.logger.warn({ err }, 'HTTP/3 listener error'),
      });
      try {
        await this.h3.listen();
        this.altSvcValue = `h3=":${this.h3.port}"; ma=86400`;
      } catch (err) {
        await this.h3.close();
        this.h3 = undefined;
        await this.closeResources(true);
        this.server.close();
        throw new ProxyError(
          'PC_ERR_INTERNAL',
          'internal',
          `cannot listen for HTTP/3 on UDP port ${h3Port}: ${(err as Error).message}`,
          err,
        );
      }
    }
  }

  /** The bound UDP port of the HTTP/3 listener, when it runs. */
  get http3Port(): number | undefined {
    return this.h3?.port;
  }

  /**
   * Builds a pipeline from `config` and `modules` completely (instances, on_start) and makes it current.
   * On failure nothing changes and the old pipeline keeps serving. Listener address changes need a restart.
   */
  async swap(config: ProxyConfig, modules: readonly CompiledModule[]): Promise<SwapResult> {
    if (this.draining)
      return { ok: false, error: new ProxyError('PC_ERR_INTERNAL', 'internal', 'shutting down') };
    // The certificate is read before anything is built: a broken pair leaves everything as it was.
    const tls = tlsFrom(config.server);
    if (!tls.ok) return { ok: false, error: tls.error };
    const built = await this.build(config, modules);
    if (!built.ok) return { ok: false, error: built.error, where: built.where };
    const before = this.current.config.server;
    if (before.listen_addr !== config.server.listen_addr) {
      this.logger.warn(
        { listen_addr: config.server.listen_addr },
        'server.listen_addr changed: takes effect on restart',
      );
    }
    const limits = limitsFrom(config.server);
    this.server.maxConnections = limits.maxConnections;
    this.server.requestTimeout = limits.clientTimeoutMs;
    this.server.headersTimeout = limits.clientTimeoutMs;
    this.h2?.update(h2LimitsFrom(config.server));
    this.reloadTls(tls.material);
    this.commit(built.gen);
    return { ok: true };
  }

  /**
   * Stops accepting, lets in-flight requests finish within server.shutdown_timeout, then destroys the
   * remaining connections, runs every disposer and closes the upstream pools.
   */
  shutdown(): Promise<void> {
    if (this.stopping === undefined) this.stopping = this.stop();
    return this.stopping;
  }

  /** New certificate for new TLS handshakes; connections already open keep theirs. */
  private reloadTls(next: TlsMaterial | undefined): void {
    if ((next === undefined) !== (this.tls === undefined)) {
      this.logger.warn('server.tls_cert/tls_key switched TLS on or off: takes effect on restart');
      return;
    }
    if (next === undefined || sameMaterial(this.tls, next)) return;
    (this.server as unknown as TlsServer).setSecureContext({ cert: next.cert, key: next.key });
    this.h3?.reloadCertificate(next.cert, next.key);
    this.tls = next;
    this.logger.info({ cert: next.certFile }, 'TLS certificate reloaded');
  }

  /** The `Alt-Svc` value advertised while HTTP/3 listens. */
  private get altSvc(): string | undefined {
    return this.altSvcValue;
  }

  private async stop(): Promise<void> {
    this.draining = true;
    const timeoutMs = Math.max(0, this.current.config.server.shutdown_timeout * 1000);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    this.fast?.closeIdle();
    this.h2?.closeGracefully();
    this.h3?.goaway();
    const adminsClosed = this.admins.closeAll();
    const inTime = await this.waitDrained(timeoutMs);
    if (!inTime)
      this.logger.warn({ in_flight: this.inflight }, 'shutdown timeout: closing remaining connections');
    this.server.closeAllConnections();
    this.h2?.destroyAll();
    await this.h3?.close();
    this.admins.destroyAll();
    this.raw?.destroyAll();
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([closed, adminsClosed]);
    await this.closeResources(!inTime);
  }

  private async closeResources(force: boolean): Promise<void> {
    // Admin listeners opened by on_start hooks (already closed when coming from `stop`).
    await this.admins.closeAll();
    for (const g of this.generations) g.dispose();
    this.generations.clear();
    await this.pools.close(force);
  }

  private waitDrained(timeoutMs: number): Promise<boolean> {
    if (this.inflight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.drained = undefined;
        resolve(false);
      }, timeoutMs);
      this.drained = () => {
        clearTimeout(timer);
        this.drained = undefined;
        resolve(true);
      };
    });
  }

  private readonly counter = {
    enter: (): void => {
      this.inflight++;
      this.metrics.inc('proxycache_active_connections', undefined, 1);
    },
    leave: (): void => {
      this.inflight--;
      this.metrics.inc('proxycache_active_connections', undefined, -1);
      if (this.inflight === 0 && this.drained !== undefined) this.drained();
    },
  };

  private async build(
    config: ProxyConfig,
    modules: readonly CompiledModule[],
  ): Promise<{ ok: true; gen: Generation } | { ok: false; error: ProxyError; where?: SourceLocation }> {
    const { proxies, invalid } = TrustedProxies.parse(config.server.trusted_proxies);
    for (const entry of invalid)
      this.logger.warn({ entry }, 'server.trusted_proxies: not an IP address or CIDR; ignored');
    const gen = new Generation(config, modules, proxies, this.counter, (err) =>
      this.logger.error({ err }, 'disposer failed'),
    );
    const selected = selectModules(modules, config);
    gen.running = selected;
    const stages: PipelineStage[] = [];
    let phase = 'instantiate';
    let current: CompiledModule | undefined;
    try {
      for (const m of selected) {
        current = m;
        let instance: ModuleInstance | undefined;
        const services = new ModuleServices(this, gen, m);
        const bindings = this.options.bindingsFactory(services, m.name, () => instance);
        instance = m.instantiate(bindings, moduleConfig(m, config));
        stages.push({ name: m.name, file: m.file, priority: m.priority, instance, sourceMap: m.sourceMap });
      }
      gen.pipeline = new Pipeline(stages, (err, stage, ph, where, x) =>
        this.reportScriptError(err, stage, ph, where, x),
      );
      phase = 'on_start';
      for (const stage of stages) {
        const onStart = stage.instance.onStart;
        if (onStart === undefined) continue;
        current = selected[stages.indexOf(stage)];
        const r = stage.instance.onStart?.(new ModuleStartScope());
        if (isThenable(r)) await r;
      }
    } catch (err) {
      const name = current?.name ?? '?';
      const where = scriptLocation(err, current?.file ?? '', current?.sourceMap);
      const error = new ProxyError(
        'PC_ERR_SCRIPT',
        'script',
        `${name} ${phase}: ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
      this.logger.error(
        {
          code: error.code,
          module: name,
          phase,
          file: where.file,
          line: where.line,
          column: where.column,
          err,
        },
        error.message,
      );
      gen.dispose();
      await this.admins.release(gen);
      return { ok: false, error, where };
    }
    this.generations.add(gen);
    gen.forwardSettings = {
      backendTimeoutMs: config.server.backend_timeout > 0 ? config.server.backend_timeout * 1000 : 30_000,
      onPoolHit: () => this.metrics.inc('proxycache_pool_hits'),
    };
    return { ok: true, gen };
  }

  private commit(gen: Generation): void {
    const old = this.current as Generation | undefined;
    this.current = gen;
    if (this.raw !== undefined) this.raw.backend = gen.rawBackend;
    this.admins.commit(gen);
    if (old !== undefined && old !== gen) {
      old.addDisposer(() => this.generations.delete(old));
      old.retire();
    }
  }

  private clientError(status: number, code: string): void {
    this.metrics.inc('proxycache_client_errors_total', { status: String(status) });
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ status, code }, 'malformed request refused');
  }

  private reportScriptError(
    err: ProxyError,
    stage: PipelineStage,
    phase: string,
    where: SourceLocation,
    x: ProxyExchange,
  ): void {
    this.metrics.inc('proxycache_script_errors_total', { module: stage.name });
    this.logger.error(
      {
        code: err.code,
        module: stage.name,
        phase,
        file: where.file,
        line: where.line,
        column: where.column,
        method: x.method,
        path: x.path,
        err: err.cause,
      },
      err.message,
    );
  }

  // AppRuntime

  forward(x: HostExchange, backend: string, gen: Generation): Promise<void> {
    return forward(this.pools, x, backend, gen.forwardSettings);
  }

  isHealthy(backend: string): boolean {
    return this.health.get(backend) !== false;
  }

  setHealthy(backend: string, healthy: boolean): void {
    this.health.set(backend, healthy);
  }

  activeRequests(backend: string): number {
    return this.pools.active(backend);
  }

  listenAdmin(
    gen: Generation,
    module: CompiledModule,
    addr: string,
    maxConnections: number,
    instance: () => ModuleInstance,
  ): Promise<void> {
    const claim: AdminClaim = { module, maxConnections, instance, generation: gen };
    return this.admins.listen(addr, claim);
  }

  reload(): Promise<ReloadResult> {
    return this.reloadHandler();
  }

  internalHost(configured: string): string {
    const a = this.mainAddress;
    return a === undefined ? configured : formatHostPort(a.host, a.port);
  }
}
