/** Public API of @proxycache/core: each area appends its exports below. */
// --- server, pipeline, upstream, app (http/, pipeline/, upstream/, app/, errors/) ---
export { ProxyApp, type ProxyAppOptions, type BindingsFactory, type SwapResult } from './app/proxy-app.js';
export { configuredBackends } from './app/module-services.js';
export { ProxyError, errorStatuses, statusForError, type ErrorCode, type ErrorSource } from './errors/proxy-error.js';
export { ProxyExchange, type ExchangeInit, type ListenerName } from './pipeline/exchange.js';
export { Pipeline, type PipelineStage, type ScriptErrorReporter } from './pipeline/pipeline.js';
export { selectModules, moduleConfig, isEnabled } from './pipeline/select-modules.js';
export { errorResponse } from './pipeline/error-response.js';
export type { OnComplete } from './pipeline/hooks.js';
export type * from './pipeline/host.js';
export { TrustedProxies, normalizeIp } from './http/client-ip.js';
export { parseHostPort, formatHostPort, type HostPort } from './http/socket-address.js';
export { UpstreamPools } from './upstream/pools.js';
export { forward } from './upstream/forward.js';
// --- config, loader, observability, cli (config/, loader/, observability/, cli/) ---
export type * from './config/types.js';
export {
  loadConfig,
  verifyConfig,
  checkConfigText,
  defaultConfig,
  SERVER_SECTION,
  type ConfigModule,
  type LoadConfigResult,
} from './config/load-config.js';
export { repairConfig, repairConfigText, type RepairModule, type RepairResult } from './config/repair-config.js';
export { serverFields, defaultServerConfig, logLevels, type FieldSpec } from './config/server-schema.js';
export { scanTomlPositions, TomlPositions, type TomlEntry, type TomlPlace } from './config/toml-positions.js';
export { parseDuration, parseSize, parseSocketAddress } from './config/quantities.js';
export { loadModules, type LoadModulesOptions, type LoadedModules } from './loader/load-modules.js';
export { builtinModsDir } from './loader/builtin-mods-dir.js';
export { createLogger } from './observability/logger.js';
export { ProxyMetrics, metricNames, type ProxyMetricsOptions, type StatsSnapshot } from './observability/metrics.js';
export { createRequestObserver, accessLogRecord, NOTE_CACHE_STATE, type AccessLogRecord } from './observability/access-log.js';
export { main } from './cli/main.js';
export type { CliIo } from './cli/io.js';
