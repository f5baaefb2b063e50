/**
 * The validated configuration the proxy runs on. Produced by config/ (TOML → defaults → validation),
 * consumed by app/ (listeners, pipeline build) and the stdlib implementations.
 */
import type { ConfigValue, DiagnosticCode } from '@proxycache/pcmod-lang';

/** `[server]`: values normalised (seconds as numbers, bytes as numbers, addresses parsed). */
export interface ServerConfig {
  readonly listen_addr: string;
  readonly backend_addr: string;
  readonly max_connections: number;
  readonly buffer_size: number;
  /** seconds */
  readonly client_timeout: number;
  /** seconds */
  readonly backend_timeout: number;
  readonly max_header_size: number;
  readonly max_body_size: number;
  /** seconds */
  readonly shutdown_timeout: number;
  readonly tls_cert: string;
  readonly tls_key: string;
  readonly http2: boolean;
  readonly http3: boolean;
  /** UDP port of the HTTP/3 listener; 0: the main listener's bound port number. */
  readonly http3_port?: number;
  /** HTTP/2 (and HTTP/3) concurrent request streams per connection. */
  readonly h2_max_concurrent_streams?: number;
  /** HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE (bytes, uncompressed). */
  readonly h2_max_header_list_size?: number;
  /** HTTP/2 per-stream receive window (bytes). */
  readonly h2_initial_window_size?: number;
  /** HTTP/2 memory a session may use before new streams are refused (bytes). */
  readonly h2_max_session_memory?: number;
  readonly trusted_proxies: readonly string[];
  readonly log_level: string;
}

export interface ProxyConfig {
  readonly server: ServerConfig;
  /** Per module name: every field of its `config {}` with defaults filled in; always has `enabled`. */
  readonly modules: Readonly<Record<string, Readonly<Record<string, ConfigValue>>>>;
  /** The file it was read from, or undefined when running on defaults. */
  readonly file: string | undefined;
}

/** A config problem with its place in config.toml (line is 1-based; 0 when the key is absent). */
export interface ConfigError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Dotted key, e.g. `server.listen_addr` or `rate_limiter.burst`. */
  readonly key: string;
  readonly message: string;
  /** Stable code from the diagnostic catalogue (PCM6xxx), shared with the language server. */
  readonly code?: DiagnosticCode;
}
