/** Public API of @proxycache/core: each area appends its exports below. */
// --- server, pipeline, upstream, app (http/, pipeline/, upstream/, app/, errors/) ---

export { configuredBackends } from './app/module-services.js';
export { type BindingsFactory, ProxyApp, type ProxyAppOptions, type SwapResult } from './app/proxy-app.js';
export type { CliIo } from './cli/io.js';
export { main } from './cli/main.js';
export {
  type ConfigModule,
  checkConfigText,
  defaultConfig,
  type LoadConfigResult,
  loadConfig,
  SERVER_SECTION,
  verifyConfig,
} from './config/load-config.js';
export { parseDuration, parseSize, parseSocketAddress } from './config/quantities.js';
export {
  type RepairModule,
  type RepairResult,
  repairConfig,
  repairConfigText,
} from './config/repair-config.js';
export { defaultServerConfig, type FieldSpec, logLevels, serverFields } from './config/server-schema.js';
export { scanTomlPositions, type TomlEntry, type TomlPlace, TomlPositions } from './config/toml-positions.js';
// --- config, loader, observability, cli (config/, loader/, observability/, cli/) ---
export type * from './config/types.js';
export {
  type ErrorCode,
  type ErrorSource,
  errorStatuses,
  ProxyError,
  statusForError,
} from './errors/proxy-error.js';
export { normalizeIp, TrustedProxies } from './http/client-ip.js';
export { formatHostPort, type HostPort, parseHostPort } from './http/socket-address.js';
export { builtinModsDir } from './loader/builtin-mods-dir.js';
export { type LoadedModules, type LoadModulesOptions, loadModules } from './loader/load-modules.js';
export {
  type AccessLogRecord,
  accessLogRecord,
  createRequestObserver,
  NOTE_CACHE_STATE,
} from './observability/access-log.js';
export { createLogger } from './observability/logger.js';
export {
  metricNames,
  ProxyMetrics,
  type ProxyMetricsOptions,
  type StatsSnapshot,
} from './observability/metrics.js';
export { errorResponse } from './pipeline/error-response.js';
export { type ExchangeInit, type ListenerName, ProxyExchange } from './pipeline/exchange.js';
export type { OnComplete } from './pipeline/hooks.js';
export type * from './pipeline/host.js';
export { Pipeline, type PipelineStage, type ScriptErrorReporter } from './pipeline/pipeline.js';
export { isEnabled, moduleConfig, selectModules } from './pipeline/select-modules.js';
export { forward } from './upstream/forward.js';
export { UpstreamPools } from './upstream/pools.js';
