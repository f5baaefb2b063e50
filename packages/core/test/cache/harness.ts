/**
 * A real proxy for cache tests: ProxyApp running the shipped `mods/cache.pcmod`, `proxy_core.pcmod`
 * (and `admin_api.pcmod` when asked) over the real stdlib bindings, in front of a counting origin.
 */
import { readdirSync, readFileSync } from 'node:fs';
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { fileURLToPath } from 'node:url';
import { type CompiledModule, type ConfigValue, compile } from '@proxycache/pcmod-lang';
import pino from 'pino';
import { afterEach } from 'vitest';
import { ProxyApp } from '../../src/app/proxy-app.js';
import type { ProxyConfig } from '../../src/config/types.js';
import { createBindings } from '../../src/stdlib/bindings.js';
import { type Origin, startOrigin, TestMetrics, testConfig } from '../server/helpers.js';

const modsDir = fileURLToPath(new URL('../../../../mods/', import.meta.url));

/** The names of every shipped module (mods/*.pcmod). */
export function builtinNames(): string[] {
  return readdirSync(modsDir)
    .filter((f) => f.endsWith('.pcmod'))
    .map((f) => f.slice(0, -'.pcmod'.length))
    .sort();
}

export function loadMod(name: string): CompiledModule {
  const file = `${modsDir}${name}.pcmod`;
  const result = compile(readFileSync(file, 'utf8'), file);
  if (result.module === undefined) throw new Error(`${name}: ${JSON.stringify(result.diagnostics)}`);
  return result.module;
}

/**
 * The built-in modules `names`, compiled, and a config for them: every module section on its defaults
 * with `sections` over them, `server` over testConfig's.
 */
export function builtinConfig(
  names: readonly string[],
  server: Parameters<typeof testConfig>[0],
  sections: Record<string, Record<string, ConfigValue>> = {},
): { config: ProxyConfig; modules: CompiledModule[] } {
  const modules = names.map(loadMod);
  const config = testConfig(
    server,
    Object.fromEntries(
      modules.map((m) => [
        m.name,
        {
          ...Object.fromEntries(m.configSchema.map((f) => [f.name, f.default])),
          ...(sections[m.name] ?? {}),
        },
      ]),
    ),
  );
  return { config, modules };
}

export interface CachingProxy {
  readonly app: ProxyApp;
  readonly port: number;
  readonly adminPort: number | undefined;
  close(): Promise<void>;
}

/**
 * Starts the proxy in front of `backend`; `cache` overrides the [cache] section. `modules` replaces the
 * default set (cache, proxy_core, and admin_api with `admin`); `sections` overrides other sections.
 */
export async function startCachingProxy(
  backend: string,
  cache: Record<string, ConfigValue> = {},
  opts: {
    admin?: boolean;
    backendTimeout?: number;
    modules?: readonly string[];
    sections?: Record<string, Record<string, ConfigValue>>;
  } = {},
): Promise<CachingProxy> {
  const names = opts.modules ?? ['cache', 'proxy_core', ...(opts.admin === true ? ['admin_api'] : [])];
  const { config, modules } = builtinConfig(
    names,
    { backend_addr: backend, backend_timeout: opts.backendTimeout ?? 5 },
    { ...opts.sections, cache: { ...cache }, admin_api: { listen_addr: '127.0.0.1:0' } },
  );
  const app = new ProxyApp();
  await app.start({
    config,
    modules,
    bindingsFactory: createBindings,
    logger: pino({ level: 'silent' }),
    metrics: new TestMetrics(),
  });
  let adminPort: number | undefined;
  // The admin listener is opened by on_start (awaited by start): its port, polled briefly all the same.
  for (let i = 0; opts.admin === true && adminPort === undefined && i < 100; i++) {
    adminPort = app.adminAddress('127.0.0.1:0')?.port;
    if (adminPort === undefined) await new Promise((r) => setTimeout(r, 10));
  }
  return { app, port: app.address.port, adminPort, close: () => app.shutdown() };
}

/** What a test's origin does with each request. */
export type OriginHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * For a describe block whose tests each start their own origin and caching proxy: returns the starter,
 * and closes both after each test.
 */
export function proxyPerTest(): (
  handler: OriginHandler,
  cache?: Record<string, ConfigValue>,
  opts?: Parameters<typeof startCachingProxy>[2],
) => Promise<{ origin: Origin; proxy: CachingProxy }> {
  let started: { origin: Origin; proxy: CachingProxy } | undefined;
  afterEach(async () => {
    await started?.proxy.close();
    await started?.origin.close();
    started = undefined;
  });
  return async (handler, cache = {}, opts = {}) => {
    const origin = await startOrigin((req, res) => handler(req, res));
    try {
      started = { origin, proxy: await startCachingProxy(origin.addr, cache, opts) };
    } catch (err) {
      await origin.close();
      throw err;
    }
    return started;
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request over a fresh connection; the body read whole. */
export function send(
  port: number,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
