/**
 * One built pipeline with everything that belongs to it: the config it was built from, its module
 * instances, the admin listeners and raw TCP backend its modules asked for, its disposers, and the count
 * of requests still running on it (so that a replaced pipeline is disposed only once it is idle).
 */
import type { CompiledModule, ModuleInstance } from '@proxycache/pcmod-lang';
import type { ProxyConfig } from '../config/types.js';
import type { TrustedProxies } from '../http/client-ip.js';
import type { ServingPipeline } from '../http/request-handler.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { ForwardSettings } from '../upstream/forward.js';

/** An admin listener a module of this generation asked for. */
export interface AdminClaim {
  readonly module: CompiledModule;
  readonly maxConnections: number;
  readonly instance: () => ModuleInstance;
  readonly generation: Generation;
}

/** Counts requests across every generation of an app (graceful shutdown waits for zero). */
export interface InFlightCounter {
  enter(): void;
  leave(): void;
}

export class Generation implements ServingPipeline {
  /** Set once the stages are instantiated (before on_start runs). */
  pipeline!: Pipeline;
  /** Upstream settings from this generation's config (set when the build succeeded). */
  forwardSettings: ForwardSettings = { backendTimeoutMs: 30_000 };
  readonly maxBodySize: number;
  /** Modules that run, in pipeline order. */
  running: readonly CompiledModule[] = [];
  readonly adminClaims = new Map<string, AdminClaim>();
  rawBackend: string | undefined = undefined;
  private readonly disposers: (() => void)[] = [];
  private inflight = 0;
  private retired = false;
  private disposed = false;

  constructor(
    readonly config: ProxyConfig,
    readonly modules: readonly CompiledModule[],
    readonly trustedProxies: TrustedProxies,
    private readonly counter: InFlightCounter,
    private readonly onDisposeError: (err: unknown) => void,
  ) {
    this.maxBodySize = config.server.max_body_size;
  }

  enter(): void {
    this.inflight++;
    this.counter.enter();
  }

  leave(): void {
    this.inflight--;
    this.counter.leave();
    if (this.retired && this.inflight === 0) this.dispose();
  }

  get inFlight(): number {
    return this.inflight;
  }

  addDisposer(fn: () => void): void {
    if (this.disposed) this.runDisposer(fn);
    else this.disposers.push(fn);
  }

  /** This generation was replaced: dispose it now if idle, else when its last request ends. */
  retire(): void {
    this.retired = true;
    if (this.inflight === 0) this.dispose();
  }

  /** Runs the disposers once (shutdown calls it directly after draining). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const fn of this.disposers.splice(0)) this.runDisposer(fn);
  }

  private runDisposer(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onDisposeError(err);
    }
  }
}
