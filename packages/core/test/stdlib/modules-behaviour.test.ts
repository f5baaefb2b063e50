/**
 * The built-in `.pcmod` modules run against the real stdlib bindings and a fake exchange: what each
 * module answers, and when it stays out of the way.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CompiledModule, type ConfigValue, compile, type ModuleInstance } from '@proxycache/pcmod-lang';
import { describe, expect, it } from 'vitest';
import { NOTE_UPSTREAM_BACKEND } from '../../src/pipeline/host.js';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeExchange, type FakeExchangeInit, FakeServices, manualClock } from './fakes.js';

function load(name: string): CompiledModule {
  const file = fileURLToPath(new URL(`../../../../mods/${name}.pcmod`, import.meta.url));
  const result = compile(readFileSync(file, 'utf8'), file);
  if (result.module === undefined) throw new Error(`${name}: ${JSON.stringify(result.diagnostics)}`);
  return result.module;
}

function instantiate(
  name: string,
  overrides: Record<string, ConfigValue> = {},
  services = new FakeServices(),
) {
  const module = load(name);
  const config: Record<string, ConfigValue> = Object.fromEntries(
    module.configSchema.map((f) => [f.name, f.default]),
  );
  Object.assign(config, overrides);
  services.config = { ...services.config, modules: { ...services.config.modules, [name]: config } };
  const clock = manualClock();
  let instance: ModuleInstance | undefined;
  const bindings = createBindings(services, name, () => instance, { now: clock.now });
  instance = module.instantiate(bindings, config);
  const onRequest = async (init: FakeExchangeInit = {}) => {
    const x = new FakeExchange(init);
    await instance?.onRequest?.(x);
    return x;
  };
  return { instance, services, clock, onRequest };
}

const body = (x: FakeExchange): string => String(x.response?.body ?? '');

describe('built-in modules at work', () => {
  it('health_check answers its endpoint with {"status":"ok"} and passes other paths', async () => {
    const { onRequest } = instantiate('health_check');
    const hit = await onRequest({ path: '/health' });
    expect(hit.response?.status).toBe(200);
    expect(hit.response?.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(body(hit))).toEqual({ status: 'ok' });
    expect((await onRequest({ path: '/other' })).responded).toBe(false);
  });

  it('rate_limiter answers 429 once the burst is spent', async () => {
    const { onRequest } = instantiate('rate_limiter', { requests_per_second: 1, burst: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await onRequest()).response?.status ?? 0);
    expect(statuses).toEqual([0, 0, 0, 429]);
  });

  it('circuit_breaker answers 503 naming the circuit breaker while open', async () => {
    const { instance, onRequest } = instantiate('circuit_breaker', { failure_threshold: 2 });
    for (let i = 0; i < 2; i++) {
      const x = await onRequest();
      x.response = { status: 502, headers: {}, body: undefined };
      x.notes.set(NOTE_UPSTREAM_BACKEND, '127.0.0.1:8080');
      await instance?.onResponse?.(x);
    }
    const open = await onRequest();
    expect(open.response?.status).toBe(503);
    expect(body(open)).toContain('circuit_breaker');
  });

  it('request_id sets ctx.request_id and echoes it on the response', async () => {
    const { instance, onRequest } = instantiate('request_id');
    const x = await onRequest({ headers: { 'x-request-id': 'abc' } });
    x.response = { status: 200, headers: {}, body: undefined };
    await instance?.onResponse?.(x);
    expect(x.response.headers['x-request-id']).toBe('abc');
  });

  it('metrics_exporter serves Prometheus text on GET and 405 otherwise', async () => {
    const { onRequest } = instantiate('metrics_exporter');
    const ok = await onRequest({ path: '/metrics' });
    expect(ok.response?.status).toBe(200);
    expect(ok.response?.headers['content-type']).toMatch(/^text\/plain/);
    expect(body(ok)).toContain('proxycache_requests_total');
    expect((await onRequest({ path: '/metrics', method: 'POST' })).response?.status).toBe(405);
    expect((await onRequest({ path: '/other' })).responded).toBe(false);
  });

  it('proxy_core forwards to ctx.backend', async () => {
    const { services, instance } = instantiate('proxy_core');
    const x = new FakeExchange();
    x.ctxSet('backend', '10.0.0.7:80');
    await instance?.onRequest?.(x);
    expect(services.forwarded.map((f) => f.backend)).toEqual(['10.0.0.7:80']);
    expect(x.response?.status).toBe(200);
  });

  it('load_balancer and url_rewriter act on the exchange', async () => {
    const lb = instantiate('load_balancer', { backends: ['10.0.0.1:80', '10.0.0.2:80'] });
    expect([(await lb.onRequest()).ctxGet('backend'), (await lb.onRequest()).ctxGet('backend')]).toEqual([
      '10.0.0.1:80',
      '10.0.0.2:80',
    ]);
    const rw = instantiate('url_rewriter', { rules: new Map([['/old/', '/new/']]) });
    expect((await rw.onRequest({ path: '/old/page' })).path).toBe('/new/page');
  });
});

describe('admin_api module', () => {
  const KEY = 'k3y';
  const admin = (init: FakeExchangeInit) => ({
    listener: 'admin',
    ...init,
    headers: { 'x-api-key': KEY, ...(init.headers ?? {}) },
  });

  it('opens its listener at start and passes requests on the main listener', async () => {
    const { instance, services, onRequest } = instantiate('admin_api', { api_key: KEY });
    await instance?.onStart?.({ ctxGet: () => '', ctxSet: () => {} });
    expect(services.adminListens.map((l) => [l.addr, l.max])).toEqual([['127.0.0.1:9090', 16]]);
    expect(services.adminListens[0]?.instance()).toBe(instance);
    expect((await onRequest({ path: '/status' })).responded).toBe(false);
  });

  it('routes the admin endpoints with 401, 404 and 405', async () => {
    const { onRequest } = instantiate('admin_api', { api_key: KEY });
    const status = async (init: FakeExchangeInit) => (await onRequest(init)).response?.status;
    expect(await status({ listener: 'admin', path: '/status' })).toBe(401);
    expect(
      await status({ listener: 'admin', path: '/status', headers: { authorization: 'Bearer nope' } }),
    ).toBe(401);
    expect(await status(admin({ path: '/status' }))).toBe(200);
    expect(await status(admin({ path: '/stats' }))).toBe(200);
    expect(await status(admin({ path: '/mods' }))).toBe(200);
    expect(await status(admin({ path: '/config/verify' }))).toBe(200);
    expect(await status(admin({ path: '/reload', method: 'POST' }))).toBe(200);
    expect(await status(admin({ path: '/config/repair', method: 'POST' }))).toBe(501);
    expect(await status(admin({ path: '/reload' }))).toBe(405);
    expect(await status(admin({ path: '/status', method: 'DELETE' }))).toBe(405);
    expect(await status(admin({ path: '/nope' }))).toBe(404);
    const mods = await onRequest(admin({ path: '/mods' }));
    expect(JSON.parse(body(mods)).modules[0].name).toBe('cache');
  });

  it('answers HEAD like GET; a 405 names the allowed methods in Allow, a 401 its scheme (RFC 9110 §15.5)', async () => {
    const { instance, onRequest } = instantiate('admin_api', { api_key: KEY });
    const both = async (init: FakeExchangeInit) => {
      const x = await onRequest(init);
      await instance?.onResponse?.(x);
      return x.response;
    };
    expect((await both(admin({ path: '/status', method: 'HEAD' })))?.status).toBe(200);
    const cases: [FakeExchangeInit, string][] = [
      [admin({ path: '/status', method: 'POST' }), 'GET, HEAD'],
      [admin({ path: '/reload' }), 'POST'],
      [admin({ path: '/cache' }), 'PURGE, DELETE'],
    ];
    for (const [init, allow] of cases) {
      const r = await both(init);
      expect([r?.status, r?.headers.allow], init.path).toEqual([405, allow]);
    }
    const denied = await both({ listener: 'admin', path: '/status' });
    expect([denied?.status, denied?.headers['www-authenticate']]).toEqual([
      401,
      'Bearer realm="proxycache admin"',
    ]);
  });
});
