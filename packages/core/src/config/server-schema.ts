/**
 * The `[server]` section: its fields, types and defaults (DESIGN §6), described with the same field
 * shape as a module's `config {}` block so one validator handles both.
 */
import type { ConfigValue, PcType } from '@proxycache/pcmod-lang';
import type { ServerConfig } from './types.js';

/** Extra rules beyond the type. */
export type FieldCheck = 'address' | 'log_level' | 'ip_list' | 'positive' | 'port';

export interface FieldSpec {
  readonly name: string;
  readonly type: PcType;
  readonly default: ConfigValue;
  readonly check?: FieldCheck;
}

export const MIB = 1024 * 1024;

/** Pino's levels, the values `log_level` accepts. */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const serverFields: readonly FieldSpec[] = [
  { name: 'listen_addr', type: 'str', default: '127.0.0.1:3000', check: 'address' },
  { name: 'backend_addr', type: 'str', default: '127.0.0.1:8080', check: 'address' },
  { name: 'max_connections', type: 'int', default: 10_000, check: 'positive' },
  { name: 'buffer_size', type: 'size', default: 8192 },
  { name: 'client_timeout', type: 'duration', default: 30 },
  { name: 'backend_timeout', type: 'duration', default: 30 },
  { name: 'max_header_size', type: 'size', default: 65_536, check: 'positive' },
  { name: 'max_body_size', type: 'size', default: 16 * MIB },
  { name: 'shutdown_timeout', type: 'duration', default: 15 },
  { name: 'tls_cert', type: 'str', default: '' },
  { name: 'tls_key', type: 'str', default: '' },
  { name: 'http2', type: 'bool', default: true },
  { name: 'http3', type: 'bool', default: false },
  { name: 'http3_port', type: 'int', default: 0, check: 'port' },
  { name: 'h2_max_concurrent_streams', type: 'int', default: 128, check: 'positive' },
  { name: 'h2_max_header_list_size', type: 'size', default: 65_536, check: 'positive' },
  { name: 'h2_initial_window_size', type: 'size', default: 262_144, check: 'positive' },
  { name: 'h2_max_session_memory', type: 'size', default: 32 * 1024 * 1024, check: 'positive' },
  { name: 'trusted_proxies', type: 'list<str>', default: [], check: 'ip_list' },
  { name: 'log_level', type: 'str', default: 'info', check: 'log_level' },
];

/** `[server]` with every default. */
export function defaultServerConfig(): ServerConfig {
  return Object.fromEntries(serverFields.map((f) => [f.name, f.default])) as unknown as ServerConfig;
}

/** The original's clamps: tiny buffers grow to 1 KiB, zero timeouts and body limits mean the default. */
export function normaliseServer(server: Record<string, ConfigValue>): void {
  if ((server.buffer_size as number) < 1024) server.buffer_size = 1024;
  if (server.backend_timeout === 0) server.backend_timeout = 30;
  if (server.max_body_size === 0) server.max_body_size = 16 * MIB;
}
