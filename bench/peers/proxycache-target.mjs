// proxycache as a target of the shared side-by-side harness (/work/shared/bench/run.sh):
//   /work/shared/bench/run.sh --targets-file bench/peers/proxycache-target.mjs --targets ...,proxycache
// or `npm run bench -- --peers`, which passes this file for you. Build first (`npx tsc -b`).
//
// Three targets, all one Node process pinned like the other targets (ctx.cpus.proxy):
//   proxycache          cache on, default log_level "info" (one JSON access-log line per request)
//   proxycache-warn     cache on, log_level "warn" (no access log)
//   proxycache-nocache  [cache] enabled = false: every request goes to the origin
//   proxycache-minimal  cache on, log_level "warn", every module off but cache, proxy_core and admin_api:
//                       what the core (http layer, pipeline, cache, forwarding) costs without module work
// Config: bench/configs/proxycache.toml (rate_limiter and active_health off, admin API moved to its own port).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Checkout of the project: this file lives in <repo>/bench/peers/. */
export const REPO =
  process.env.PROXYCACHE_REPO || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO, 'packages/core/bin/proxycache.js');
export const CONFIG_TEMPLATE = path.join(REPO, 'bench/configs/proxycache.toml');

/** Variants: name, HTTP port, admin port, cache on/off, log level, scenarios. 18120/18121 are reserved for us. */
export const variants = [
  {
    name: 'proxycache',
    port: 18120,
    admin: 18122,
    cache: true,
    log: 'info',
    scenarios: ['hit-small', 'hit-large', 'pass-small'],
  },
  {
    name: 'proxycache-warn',
    port: 18123,
    admin: 18124,
    cache: true,
    log: 'warn',
    scenarios: ['hit-small', 'hit-large', 'pass-small'],
  },
  {
    name: 'proxycache-nocache',
    port: 18125,
    admin: 18126,
    cache: false,
    log: 'info',
    scenarios: ['pass-small'],
  },
  {
    name: 'proxycache-minimal',
    port: 18127,
    admin: 18128,
    cache: true,
    log: 'warn',
    minimal: true,
    scenarios: ['hit-small', 'hit-large', 'pass-small'],
  },
];

/** Module sections that turn off every default module but cache, proxy_core and admin_api. */
export const MINIMAL_SECTIONS = [
  'request_id',
  'circuit_breaker',
  'health_check',
  'metrics_exporter',
  'url_rewriter',
  'compression',
  'load_balancer',
]
  .map((m) => `[${m}]\nenabled = false\n`)
  .join('\n');

export function targets(ctx) {
  return variants.map((v) => ({
    name: v.name,
    desc: `proxycache, 1 Node process, cache ${v.cache ? 'on' : 'off'}, log_level ${v.log}${v.log === 'info' ? ' (JSON access log on stdout)' : ' (no access log)'}; ${v.minimal ? 'only cache, proxy_core and admin_api' : 'rate_limiter and active_health off'}`,
    cmd: [
      ctx.node,
      CLI,
      'run',
      '--config',
      ctx.render(CONFIG_TEMPLATE, v.name, {
        PORT: v.port,
        ADMIN_PORT: v.admin,
        CACHE_ENABLED: String(v.cache),
        LOG_LEVEL: v.log,
        EXTRA: v.minimal ? MINIMAL_SECTIONS : '',
      }),
    ],
    port: v.port,
    ports: [v.admin],
    ready: `http://127.0.0.1:${v.port}/small`,
    scenarios: v.scenarios,
    version: [ctx.node, CLI, '--version'],
  }));
}
