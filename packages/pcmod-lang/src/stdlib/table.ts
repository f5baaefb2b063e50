/**
 * The stdlib declaration table: the single source of truth for every function, request field and log
 * level a script can use. The checker types calls against it, the code generator reads effects from
 * it, the language server completes and hovers from it, docs/stdlib.md is generated from it, and
 * packages/core implements exactly these names (a test fails when the two disagree).
 */
import type { HandlerEvent } from '../ast/nodes.js';
import type { RequestField, StdFunction } from './types.js';

const REQ: readonly HandlerEvent[] = ['on_request'];
const RES: readonly HandlerEvent[] = ['on_response'];
const START: readonly HandlerEvent[] = ['on_start'];
const TRAFFIC: readonly HandlerEvent[] = ['on_request', 'on_response'];
const ANY: readonly HandlerEvent[] = ['on_start', 'on_request', 'on_response'];

const pure = { async: false, responds: 'never' } as const;

export const stdFunctions: readonly StdFunction[] = [
  // ---- expression helpers (no namespace) -----------------------------------------------------
  {
    name: 'header',
    params: [{ name: 'name', type: 'str', doc: 'header name, case-insensitive' }],
    returns: 'str',
    phases: TRAFFIC,
    effects: pure,
    doc: 'Value of a request header, or "" when absent (several values are joined with ", ").',
  },
  {
    name: 'response_header',
    params: [{ name: 'name', type: 'str', doc: 'header name, case-insensitive' }],
    returns: 'str',
    phases: RES,
    effects: pure,
    doc: 'Value of a response header, or "" when absent.',
  },
  {
    name: 'query_param',
    params: [{ name: 'name', type: 'str', doc: 'parameter name' }],
    returns: 'str',
    phases: TRAFFIC,
    effects: pure,
    doc: 'First value of a query-string parameter, or "" when absent.',
  },
  {
    name: 'cookie',
    params: [{ name: 'name', type: 'str', doc: 'cookie name' }],
    returns: 'str',
    phases: TRAFFIC,
    effects: pure,
    doc: 'Value of a request cookie, or "" when absent.',
  },
  {
    name: 'lower',
    params: [{ name: 'value', type: 'str', doc: 'text' }],
    returns: 'str',
    phases: ANY,
    effects: pure,
    doc: 'Lower-cases a string.',
  },
  {
    name: 'upper',
    params: [{ name: 'value', type: 'str', doc: 'text' }],
    returns: 'str',
    phases: ANY,
    effects: pure,
    doc: 'Upper-cases a string.',
  },
  {
    name: 'len',
    params: [{ name: 'value', type: 'str', doc: 'text' }],
    returns: 'int',
    phases: ANY,
    effects: pure,
    doc: 'Length of a string in UTF-16 code units.',
  },
  {
    name: 'to_int',
    params: [{ name: 'value', type: 'str', doc: 'decimal text' }],
    returns: 'int',
    phases: ANY,
    effects: pure,
    doc: 'Parses a decimal integer; 0 when the text is not one.',
  },
  {
    name: 'to_str',
    params: [{ name: 'value', type: 'int', doc: 'number' }],
    returns: 'str',
    phases: ANY,
    effects: pure,
    doc: 'Formats an integer as decimal text.',
  },

  // ---- std.* ---------------------------------------------------------------------------------
  {
    name: 'std.rate_limit',
    params: [
      { name: 'rps', type: 'int', doc: 'tokens added per second' },
      { name: 'burst', type: 'int', doc: 'bucket size' },
      { name: 'key', type: 'str', optional: true, doc: 'bucket key (default: client ip)' },
    ],
    returns: 'bool',
    phases: REQ,
    effects: pure,
    doc: 'Token bucket per key (at most 50,000 buckets, idle ones dropped after 300 s); false when over the limit.',
  },
  {
    name: 'std.cache.check',
    params: [],
    returns: 'void',
    phases: REQ,
    effects: { async: false, responds: 'maybe' },
    doc: 'RFC 9111 lookup for GET/HEAD: serves a fresh (or allowed stale) stored response with Age and X-Cache: HIT|STALE, or a 304 to a matching conditional; on a miss adds validators and coalesces concurrent misses.',
  },
  {
    name: 'std.cache.store',
    params: [
      { name: 'ttl', type: 'duration', doc: 'lifetime when the origin gives none' },
      { name: 'max_size', type: 'int', doc: 'maximum number of entries' },
    ],
    returns: 'void',
    phases: RES,
    effects: pure,
    doc: 'Applies revalidation results and stale-if-error, invalidates after unsafe methods, and stores the response when RFC 9111 allows (X-Cache: MISS|REVALIDATED).',
  },
  {
    name: 'std.cache.warm',
    params: [{ name: 'urls', type: 'list<str>', doc: 'paths to fetch through the pipeline' }],
    returns: 'void',
    phases: START,
    effects: pure,
    doc: 'Fetches the given paths in the background at start so that they are cached.',
  },
  {
    name: 'std.cache.purge',
    params: [{ name: 'key', type: 'str', doc: 'path, host/path or URL; a trailing * makes it a prefix' }],
    returns: 'int',
    phases: ANY,
    effects: pure,
    doc: 'Removes cached entries for a path (or every path under a prefix ending in *) from every cache; returns how many the memory tier held (Redis is purged in the background).',
  },
  {
    name: 'std.circuit_breaker.check',
    params: [
      { name: 'threshold', type: 'int', doc: 'consecutive failures that open the circuit' },
      { name: 'recovery', type: 'duration', doc: 'time before a half-open probe' },
    ],
    returns: 'bool',
    phases: REQ,
    effects: pure,
    doc: 'True when the request may go to the backend (closed, or the half-open probe); false while open.',
  },
  {
    name: 'std.circuit_breaker.record',
    params: [{ name: 'status', type: 'int', doc: 'upstream status' }],
    returns: 'void',
    phases: RES,
    effects: pure,
    doc: 'Records an upstream answer: 5xx counts as a failure, anything else closes the circuit.',
  },
  {
    name: 'std.compress.check',
    params: [{ name: 'min_size', type: 'size', doc: 'smallest body worth compressing' }],
    returns: 'bool',
    phases: RES,
    effects: pure,
    doc: 'True when the client accepts a supported encoding and the response is compressible and large enough.',
  },
  {
    name: 'std.compress.apply',
    params: [],
    returns: 'void',
    phases: RES,
    effects: pure,
    doc: 'Compresses the response body with the negotiated encoding (gzip, br) and sets Content-Encoding and Vary.',
  },
  {
    name: 'std.request_id.inject',
    params: [{ name: 'header', type: 'str', doc: 'header carrying the id' }],
    returns: 'str',
    phases: REQ,
    effects: pure,
    doc: 'Keeps an incoming id or generates one; sets ctx.request_id and the request header; returns the id.',
  },
  {
    name: 'std.url_rewrite',
    params: [{ name: 'rules', type: 'map', doc: 'prefix → replacement' }],
    returns: 'bool',
    phases: REQ,
    effects: pure,
    doc: 'Rewrites the path by the first matching prefix rule; true when a rule applied.',
  },
  {
    name: 'std.load_balance',
    params: [
      { name: 'backends', type: 'list<str>', doc: 'host:port list; empty means server.backend_addr' },
      {
        name: 'strategy',
        type: 'str',
        optional: true,
        doc: '"round_robin" (default) or "least_connections"',
      },
    ],
    returns: 'str',
    phases: REQ,
    effects: pure,
    doc: 'Chooses a healthy backend, records it in ctx.backend and returns it.',
  },
  {
    name: 'std.proxy.forward',
    params: [
      {
        name: 'backend',
        type: 'str',
        optional: true,
        doc: 'host:port (default: ctx.backend, else server.backend_addr)',
      },
    ],
    returns: 'void',
    phases: REQ,
    effects: { async: true, responds: 'always' },
    doc: 'Sends the request upstream through the pool and responds with the answer; 502 on connect failure, 504 on timeout.',
  },
  {
    name: 'std.active_health',
    params: [
      { name: 'interval', type: 'duration', doc: 'time between probes' },
      { name: 'path', type: 'str', doc: 'probe path' },
      { name: 'timeout', type: 'duration', doc: 'probe timeout' },
    ],
    returns: 'void',
    phases: START,
    effects: pure,
    doc: 'Probes every configured backend in the background; unhealthy backends leave rotation until they answer 2xx again.',
  },
  {
    name: 'std.metrics.prometheus',
    params: [],
    returns: 'str',
    phases: TRAFFIC,
    effects: { async: true, responds: 'never' },
    doc: "Prometheus text exposition of the proxy's metrics.",
  },
  {
    name: 'std.metrics.stats_json',
    params: [],
    returns: 'str',
    phases: TRAFFIC,
    effects: pure,
    doc: 'JSON stats (requests_total, latency_avg_ms, …).',
  },
  {
    name: 'std.admin.listen',
    params: [
      { name: 'listen_addr', type: 'str', doc: 'host:port of the admin listener' },
      { name: 'max_connections', type: 'int', doc: 'concurrent connection cap' },
    ],
    returns: 'void',
    phases: START,
    // Awaited: an address that cannot be bound fails the start or the reload (422, the old listener stays).
    effects: { async: true, responds: 'never' },
    doc: 'Opens the admin listener; its requests run only this module\'s on_request (field `listener` is "admin"). A listen_addr that cannot be bound fails the start or the reload.',
  },
  {
    name: 'std.admin.authorized',
    params: [{ name: 'api_key', type: 'str', doc: 'expected key; "" allows everyone' }],
    returns: 'bool',
    phases: REQ,
    effects: pure,
    doc: 'Constant-time check of Authorization: Bearer KEY or X-Api-Key: KEY.',
  },
  {
    name: 'std.admin.status',
    params: [],
    returns: 'str',
    phases: REQ,
    effects: pure,
    doc: 'JSON status: uptime, version, pid, listeners.',
  },
  {
    name: 'std.admin.mods',
    params: [],
    returns: 'str',
    phases: REQ,
    effects: pure,
    doc: 'JSON list of loaded modules with priority, version, file and enabled state.',
  },
  {
    name: 'std.admin.config_verify',
    params: [],
    returns: 'str',
    phases: REQ,
    effects: { async: true, responds: 'never' },
    doc: 'JSON result of validating the config file on disk.',
  },
  {
    name: 'std.admin.config_repair',
    params: [],
    returns: 'void',
    phases: REQ,
    effects: { async: true, responds: 'always' },
    doc: 'Appends missing module sections with defaults to the config file; responds with the result.',
  },
  {
    name: 'std.admin.reload',
    params: [],
    returns: 'void',
    phases: REQ,
    effects: { async: true, responds: 'always' },
    doc: 'Recompiles modules and config and swaps the pipeline; responds 200, or 422 with diagnostics.',
  },
  {
    name: 'std.admin.cache_purge',
    params: [],
    returns: 'void',
    phases: REQ,
    effects: { async: true, responds: 'always' },
    doc: 'Purges the response cache (every tier) for `?key=` (a path, `host/path` or URL; a trailing * makes it a prefix) or `?prefix=`; responds {"purged":N}, 400 without a key.',
  },
  {
    name: 'std.raw_tcp.passthrough',
    params: [{ name: 'backend', type: 'str', doc: 'host:port; "" means server.backend_addr' }],
    returns: 'void',
    phases: START,
    effects: pure,
    doc: 'Pipes connections on the main listener that do not start like HTTP straight to the backend.',
  },
];

export const requestFields: readonly RequestField[] = [
  { name: 'method', type: 'str', phases: TRAFFIC, doc: 'Request method, upper-case (GET, POST, …).' },
  {
    name: 'path',
    type: 'str',
    phases: TRAFFIC,
    doc: 'Request path without the query string (after any rewrite).',
  },
  { name: 'query', type: 'str', phases: TRAFFIC, doc: 'Query string without the leading ?, or "".' },
  { name: 'uri', type: 'str', phases: TRAFFIC, doc: 'Path plus ?query as sent upstream.' },
  { name: 'host', type: 'str', phases: TRAFFIC, doc: 'Host header (or :authority), without changes.' },
  { name: 'scheme', type: 'str', phases: TRAFFIC, doc: '"http" or "https".' },
  {
    name: 'client_ip',
    type: 'str',
    phases: TRAFFIC,
    doc: 'Client address: the socket peer, or X-Forwarded-For when the peer is a trusted proxy.',
  },
  { name: 'protocol', type: 'str', phases: TRAFFIC, doc: '"h1", "h2" or "h3".' },
  {
    name: 'listener',
    type: 'str',
    phases: TRAFFIC,
    doc: '"main", or "admin" for requests on the admin listener.',
  },
  { name: 'status', type: 'int', phases: RES, doc: 'Response status code.' },
  { name: 'content_type', type: 'str', phases: RES, doc: 'Response Content-Type, or "".' },
];

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

const byName = new Map(stdFunctions.map((f) => [f.name, f]));
const fieldByName = new Map(requestFields.map((f) => [f.name, f]));

export function lookupFunction(name: string): StdFunction | undefined {
  return byName.get(name);
}

export function lookupRequestField(name: string): RequestField | undefined {
  return fieldByName.get(name);
}

/** Namespaces under `std.` (`cache`, `proxy`, …) for completion of `std.`. */
export function stdNamespaces(): string[] {
  const out = new Set<string>();
  for (const f of stdFunctions) {
    const parts = f.name.split('.');
    if (parts[0] === 'std' && parts.length > 2) out.add(parts[1] as string);
  }
  return [...out].sort();
}
