/**
 * Host-side contracts inside packages/core: what the pipeline's exchange offers beyond the script-facing
 * `Exchange`, and the services the stdlib implementations use. pipeline/ and upstream/ implement
 * `HostExchange`; app/ implements `HostServices`; stdlib/ builds `Bindings` from them.
 */
import type { Readable } from 'node:stream';
import type { Exchange, ModuleInstance } from '@proxycache/pcmod-lang';
import type { Logger } from 'pino';
import type { ConfigError, ProxyConfig } from '../config/types.js';

/**
 * `notes` key under which `HostServices.forward` records the backend (host:port) it contacted — set also
 * when the attempt ends in 502/504. Its presence tells on_response stdlib calls (circuit breaker) that
 * the response came from upstream and not from a module (cache hit, 429, health check).
 */
export const NOTE_UPSTREAM_BACKEND = 'upstream.backend';

/** Header fields with lower-case names, the shape node:http uses for `req.headers`. */
export type HeaderRecord = Record<string, string | string[] | undefined>;

/** A response under construction. `body` is a whole buffer or a stream (streamed to the client). */
export interface ResponseState {
  status: number;
  headers: HeaderRecord;
  body: Buffer | Readable | undefined;
  /**
   * A long-lived record `headers` was copied from (a cache entry's hit headers). The HTTP/1.1 writer keeps
   * its fields serialised and sends those bytes for every field `headers` still holds with the identical
   * value; anything added, changed or removed is written from `headers` as usual (http/prepared-fields.ts).
   */
  prepared?: HeaderRecord | undefined;
}

/** One request as the host sees it: the script view plus what stdlib implementations need. */
export interface HostExchange extends Exchange {
  /** `performance.now()` when the request head was complete. */
  readonly startedAt: number;
  /** Request headers as they will be sent upstream (mutable). */
  readonly requestHeaders: HeaderRecord;
  /** The request body: a stream that has not been consumed, or undefined for bodiless requests. */
  readonly requestBody: Readable | undefined;
  /**
   * Set by `respond`, a responding std call, or the upstream answer; read and changed by on_response.
   * A std call responds by assigning it, so `responded` must read `response !== undefined`.
   */
  response: ResponseState | undefined;
  /** Changes the path (and uri) sent upstream, keeping the query string. */
  setPath(path: string): void;
  /** Per-request notes for stdlib implementations (e.g. which backend a response came from). */
  readonly notes: Map<string, unknown>;
}

/** A lightweight metrics surface; observability/ implements it with prom-client. */
export interface Metrics {
  /** Prometheus text exposition. */
  prometheus(): Promise<string> | string;
  /** JSON stats: at least requests_total and latency_avg_ms. */
  statsJson(): string;
  inc(name: string, labels?: Record<string, string>, by?: number): void;
}

/** Outcome of a reload: `ok` when the new pipeline is live. */
export interface ReloadResult {
  readonly ok: boolean;
  readonly diagnostics: readonly {
    code: string;
    file: string;
    line: number;
    column: number;
    message: string;
    severity: string;
  }[];
  readonly modules: readonly string[];
}

/** Result of validating (or repairing) the config file on disk without applying it. */
export interface ConfigFileReport {
  readonly ok: boolean;
  /** The file checked; undefined when the proxy runs on defaults. */
  readonly file: string | undefined;
  readonly errors: readonly ConfigError[];
  /** Repair only: module sections that were appended. */
  readonly added?: readonly string[];
}

/** One loaded module as `/mods` lists it. */
export interface ModuleDescription {
  readonly name: string;
  readonly version: string;
  readonly priority: number;
  readonly file: string;
  readonly enabled: boolean;
}

/** Everything stdlib implementations may use from the running proxy. */
export interface HostServices {
  readonly config: ProxyConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * Sends the exchange upstream and sets `x.response` (502/504 on failure). The backend is `backend`
   * when given and non-empty, else `ctx.backend`, else server.backend_addr (upstream/forward.ts
   * `forwardTarget`).
   */
  forward(x: HostExchange, backend: string | undefined): Promise<void>;
  /** Backends currently considered healthy (all configured backends when no probe ran). */
  isHealthy(backend: string): boolean;
  setHealthy(backend: string, healthy: boolean): void;
  /** Every backend the config names (load_balancer.backends, else server.backend_addr). */
  configuredBackends(): readonly string[];
  /** Opens a listener whose requests run only `instance.onRequest` (admin API). */
  listenAdmin(addr: string, maxConnections: number, instance: () => ModuleInstance): Promise<void>;
  /** Runs a GET for `path` through the whole pipeline (cache warming). */
  internalRequest(path: string): Promise<number>;
  reload(): Promise<ReloadResult>;
  /** Registers raw TCP passthrough for non-HTTP connections on the main listener. */
  enableRawTcp(backend: string): void;
  /**
   * The main listener's bound `host:port` (a reload does not move it: a changed listen_addr takes
   * effect on restart); absent → the configured one.
   */
  mainListener?(): string;
  /** Loaded modules for /mods. */
  describeModules(): readonly ModuleDescription[];
  /** Cleanup run on shutdown or when a reload replaces this pipeline (timers, intervals). */
  onDispose(fn: () => void): void;
  /** Validates the config file on disk (admin `GET /config/verify`); absent → the admin API answers 501. */
  verifyConfig?(): Promise<ConfigFileReport>;
  /** Appends missing module sections with defaults (admin `POST /config/repair`); absent → 501. */
  repairConfig?(): Promise<ConfigFileReport>;
  /** Requests in flight to a backend (for `least_connections`); absent → round robin. */
  activeRequests?(backend: string): number;
  /**
   * Process-lifetime store that survives reloads (the same Map for every pipeline the process builds).
   * The response cache lives here so a reload keeps it; absent → state per pipeline.
   */
  readonly persistent?: Map<string, unknown>;
}
