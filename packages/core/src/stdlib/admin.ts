/**
 * `std.admin.*`: the admin API's listener, key check and JSON answers.
 *
 * JSON shapes (the `proxycache status|mods|reload` CLI reads them):
 * - status: `{"status":"ok","version","pid","uptime_s","node","listeners":{"main","admin"}}`
 * - mods: `{"modules":[{"name","version","priority","file","enabled"}]}`
 * - config_verify / config_repair: `{"ok","file","errors":[{file,line,column,key,message}],"added"?}`
 * - reload: `{"ok":true,"modules":[…]}` (200) or `{"ok":false,"diagnostics":[…]}` (422)
 * - cache_purge: `{"purged":N,"key":"…","prefix":bool}` (200) or `{"error":…}` (400)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { parsePurgeKey } from '../cache/store.js';
import type { ConfigFileReport, HeaderRecord, HostExchange } from '../pipeline/host.js';
import { purgeEverywhere } from './cache.js';
import { headerValue, type StdContext, type StdImplementations } from './std-context.js';

const JSON_TYPE = 'application/json';

function packageVersion(): string {
  try {
    // src/stdlib and dist/stdlib are both two levels below the package root.
    const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const VERSION = packageVersion();

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * True when `Authorization: Bearer KEY` or `X-Api-Key: KEY` carries `apiKey` ("" allows everyone).
 * Keys are compared as SHA-256 digests with timingSafeEqual: equal lengths, and no timing signal about
 * how much of the key matched nor how long it is.
 */
export function isAuthorized(requestHeaders: HeaderRecord, apiKey: string): boolean {
  if (apiKey === '') return true;
  const expected = digest(apiKey);
  const auth = headerValue(requestHeaders, 'authorization');
  const bearer = /^bearer[ \t]+(.*)$/i.exec(auth.trim());
  const fromAuth = bearer === null ? '' : (bearer[1] ?? '').trim();
  const fromHeader = headerValue(requestHeaders, 'x-api-key').trim();
  // Both candidates are always compared so the answer time does not reveal which header was used.
  const okAuth = timingSafeEqual(digest(fromAuth), expected);
  const okHeader = timingSafeEqual(digest(fromHeader), expected);
  return okAuth || okHeader;
}

/** True when a host:port names a loopback address. */
export function isLoopbackAddr(addr: string): boolean {
  const host = addr.startsWith('[') ? addr.slice(1, addr.indexOf(']')) : addr.slice(0, addr.lastIndexOf(':'));
  return host === 'localhost' || host === '::1' || host.startsWith('127.') || host.startsWith('::ffff:127.');
}

/** True when every `%` escape of a query is well-formed and the escapes decode to valid UTF-8. */
function wellEscaped(query: string): boolean {
  if (!query.includes('%')) return true;
  try {
    for (const part of query.split('&')) decodeURIComponent(part.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}

function reportJson(report: ConfigFileReport): string {
  return JSON.stringify({
    ok: report.ok,
    file: report.file ?? null,
    errors: report.errors,
    ...(report.added === undefined ? {} : { added: report.added }),
  });
}

const NOT_SUPPORTED = JSON.stringify({ ok: false, error: 'not supported by this host' });

export function createAdmin(ctx: StdContext): StdImplementations {
  const { services } = ctx;
  const adminConfig = (): Readonly<Record<string, unknown>> => services.config.modules[ctx.moduleName] ?? {};

  const listen = (_scope: unknown, listenAddr: string, maxConnections: number): Promise<void> | undefined => {
    const apiKey = adminConfig().api_key;
    if (!isLoopbackAddr(listenAddr) && (typeof apiKey !== 'string' || apiKey === '')) {
      // The admin API can reload and rewrite config: never expose it beyond loopback without a key.
      ctx.logger.error(
        { listen_addr: listenAddr },
        'admin API not started: a non-loopback listen_addr requires api_key to be set',
      );
      return;
    }
    const self = ctx.instance();
    if (self === undefined) {
      ctx.logger.error({ listen_addr: listenAddr }, 'admin API not started: module instance unavailable');
      return;
    }
    // Awaited by on_start: a start or reload whose admin address cannot be bound fails (with this
    // message), instead of succeeding with no admin API at all.
    return services
      .listenAdmin(listenAddr, Math.max(1, maxConnections), () => ctx.instance() ?? self)
      .catch((err: unknown) => {
        throw new Error(`admin API cannot listen on ${listenAddr}: ${(err as Error).message}`);
      });
  };

  const status = (_x: unknown): string => {
    const admin = adminConfig().listen_addr;
    return JSON.stringify({
      status: 'ok',
      version: VERSION,
      pid: process.pid,
      uptime_s: Math.round(process.uptime()),
      node: process.version,
      listeners: {
        // Where it listens, not what a reload configured (a changed listen_addr needs a restart).
        main: services.mainListener?.() ?? services.config.server.listen_addr,
        admin: typeof admin === 'string' ? admin : null,
      },
    });
  };

  const mods = (_x: unknown): string => JSON.stringify({ modules: services.describeModules() });

  const configVerify = async (_x: unknown): Promise<string> => {
    if (services.verifyConfig === undefined) return NOT_SUPPORTED;
    return reportJson(await services.verifyConfig());
  };

  const configRepair = async (x: HostExchange): Promise<void> => {
    if (services.repairConfig === undefined) {
      x.respond(501, JSON_TYPE, NOT_SUPPORTED);
      return;
    }
    try {
      const report = await services.repairConfig();
      x.respond(report.ok ? 200 : 422, JSON_TYPE, reportJson(report));
    } catch (err) {
      ctx.logger.error({ err }, 'config repair failed');
      x.respond(500, JSON_TYPE, JSON.stringify({ ok: false, error: 'config repair failed' }));
    }
  };

  const reload = async (x: HostExchange): Promise<void> => {
    try {
      const result = await services.reload();
      const body = result.ok
        ? { ok: true, modules: result.modules }
        : { ok: false, diagnostics: result.diagnostics };
      x.respond(result.ok ? 200 : 422, JSON_TYPE, JSON.stringify(body));
    } catch (err) {
      ctx.logger.error({ err }, 'reload failed');
      x.respond(500, JSON_TYPE, JSON.stringify({ ok: false, error: 'reload failed' }));
    }
  };

  const cachePurge = async (x: HostExchange): Promise<void> => {
    const params = new URLSearchParams(x.query);
    const prefix = params.get('prefix');
    const given = params.get('key');
    // A malformed escape (`%ZZ`, a cut UTF-8 sequence) would be decoded to something else than asked
    // for, and both parameters at once leave it unclear which to purge: refused, not guessed.
    const ambiguous = prefix !== null && prefix !== '' && given !== null && given !== '';
    const key = prefix !== null && prefix !== '' ? `${prefix}*` : (given ?? '');
    const spec = ambiguous || !wellEscaped(x.query) ? undefined : parsePurgeKey(key);
    if (spec === undefined) {
      x.respond(
        400,
        JSON_TYPE,
        JSON.stringify({
          error: 'give ?key=PATH (trailing * for a prefix) or ?prefix=PATH, one of them, escaped correctly',
        }),
      );
      return;
    }
    try {
      const purged = await purgeEverywhere(ctx, spec);
      x.respond(
        200,
        JSON_TYPE,
        JSON.stringify({ purged, key: key.endsWith('*') ? key.slice(0, -1) : key, prefix: spec.prefix }),
      );
    } catch (err) {
      ctx.logger.error({ err }, 'cache purge failed');
      x.respond(500, JSON_TYPE, JSON.stringify({ error: 'cache purge failed' }));
    }
  };

  return {
    'std.admin.cache_purge': cachePurge,
    'std.admin.listen': listen,
    'std.admin.authorized': (x: HostExchange, apiKey: string) => isAuthorized(x.requestHeaders, apiKey),
    'std.admin.status': status,
    'std.admin.mods': mods,
    'std.admin.config_verify': configVerify,
    'std.admin.config_repair': configRepair,
    'std.admin.reload': reload,
  };
}
