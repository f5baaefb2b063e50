/**
 * The sections a config.toml may have and their keys: `[server]` from core's server schema, and one
 * section per module from its `config {}` block (plus the implicit `enabled`). Completion, hover and
 * definition in config.toml all read this one description.
 */
import { renderValue } from '@proxycache/core/config/field-values';
import { SERVER_SECTION } from '@proxycache/core/config/load-config';
import { serverFields } from '@proxycache/core/config/server-schema';
import type { PcType } from '@proxycache/pcmod-lang';
import type { Range } from 'vscode-languageserver/node.js';
import type { Analysis } from '../analysis/analysis.js';
import { toLspRange } from '../text/ranges.js';

export interface KeySpec {
  readonly name: string;
  readonly type: string;
  /** The default as a TOML value. */
  readonly defaultToml: string;
  readonly doc: string | undefined;
  /** Where the key is declared (`.pcmod` field), absent for `[server]` keys and the implicit `enabled`. */
  readonly declaration: { readonly uri: string; readonly range: Range } | undefined;
}

export interface SectionSpec {
  readonly name: string;
  readonly keys: readonly KeySpec[];
  /** The module's `mod NAME` (absent for `[server]`). */
  readonly declaration: { readonly uri: string; readonly range: Range } | undefined;
}

const serverDocs: Readonly<Record<string, string>> = {
  listen_addr: 'host:port the proxy listens on.',
  backend_addr: 'Default backend host:port.',
  max_connections: 'Concurrent client connections accepted.',
  buffer_size: 'I/O buffer size (below 1 KiB counts as 1 KiB).',
  client_timeout: 'Idle timeout for client connections.',
  backend_timeout: 'Timeout for backend requests (0 means 30 s).',
  max_header_size: 'Largest request header block (431 beyond).',
  max_body_size: 'Largest request body (413 beyond; 0 means 16 MiB).',
  shutdown_timeout: 'Grace period for in-flight requests on shutdown.',
  tls_cert: 'PEM certificate file (needs tls_key).',
  tls_key: 'PEM private key file (needs tls_cert).',
  http2: 'Offer HTTP/2 (h2 over TLS, h2c upgrade otherwise).',
  http3: 'Offer HTTP/3 over QUIC where the runtime supports it.',
  trusted_proxies: 'Peers (IPs or CIDR blocks) whose X-Forwarded-For is trusted.',
  log_level: 'trace, debug, info, warn, error, fatal or silent.',
};

/** `[server]` followed by the modules' sections in name order. */
export function configSections(modules: readonly Analysis[]): SectionSpec[] {
  const server: SectionSpec = {
    name: SERVER_SECTION,
    declaration: undefined,
    keys: serverFields.map((f) => ({
      name: f.name,
      type: f.type,
      defaultToml: renderValue(f.default, f.type),
      doc: serverDocs[f.name],
      declaration: undefined,
    })),
  };
  const out = [server];
  for (const m of modules) {
    if (!m.moduleName) continue;
    const keys: KeySpec[] = m.fields.map((f) => ({
      name: f.name,
      type: f.type,
      defaultToml: f.default === undefined ? f.defaultText : renderValue(f.default, f.type as PcType),
      doc: f.doc,
      declaration: { uri: m.uri, range: toLspRange(m.doc, f.node.name.range) },
    }));
    if (!keys.some((k) => k.name === 'enabled')) {
      keys.unshift({
        name: 'enabled',
        type: 'bool',
        defaultToml: 'true',
        doc: 'Turns the module on or off.',
        declaration: undefined,
      });
    }
    out.push({
      name: m.moduleName.name,
      keys,
      declaration: { uri: m.uri, range: toLspRange(m.doc, m.moduleName.range) },
    });
  }
  return out;
}
