import { describe, expect, it } from 'vitest';
import type { HeaderRecord } from '../../src/pipeline/host.js';
import { isAuthorized, isLoopbackAddr } from '../../src/stdlib/admin.js';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeExchange, FakeServices, testConfig } from './fakes.js';

const KEY = 's3cret-key';

describe('std.admin.authorized', () => {
  const authorized = createBindings(new FakeServices(), 'admin_api').fns['std.admin.authorized'];
  const withHeaders = (headers: HeaderRecord) => new FakeExchange({ listener: 'admin', headers });

  it('accepts Authorization: Bearer KEY and X-Api-Key: KEY', () => {
    expect(authorized?.(withHeaders({ authorization: `Bearer ${KEY}` }), KEY)).toBe(true);
    expect(authorized?.(withHeaders({ authorization: `bearer  ${KEY}` }), KEY)).toBe(true);
    expect(authorized?.(withHeaders({ 'x-api-key': KEY }), KEY)).toBe(true);
    expect(authorized?.(withHeaders({ authorization: 'Bearer wrong', 'x-api-key': KEY }), KEY)).toBe(true);
  });

  it('rejects wrong, partial, differently-schemed and missing keys', () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${KEY}x` },
      { authorization: `Bearer ${KEY.slice(0, -1)}` },
      { authorization: `Basic ${KEY}` },
      { authorization: KEY },
      { 'x-api-key': '' },
      { 'x-api-key': 'S3CRET-KEY' },
    ]) {
      expect(authorized?.(withHeaders(headers), KEY), JSON.stringify(headers)).toBe(false);
    }
  });

  it('allows everyone when no key is configured', () => {
    expect(isAuthorized({}, '')).toBe(true);
  });
});

describe('std.admin responses', () => {
  it('status, mods and stats are JSON', () => {
    const fns = createBindings(new FakeServices(), 'admin_api').fns;
    const status = JSON.parse(fns['std.admin.status']?.(new FakeExchange()) as string);
    expect(status).toMatchObject({ status: 'ok', pid: process.pid, listeners: { main: '127.0.0.1:3000' } });
    expect(typeof status.version).toBe('string');
    expect(JSON.parse(fns['std.admin.mods']?.(new FakeExchange()) as string)).toEqual({
      modules: [{ name: 'cache', version: '1.0.0', priority: 80, file: 'mods/cache.pcmod', enabled: true }],
    });
    expect(JSON.parse(fns['std.metrics.stats_json']?.(new FakeExchange()) as string)).toHaveProperty(
      'requests_total',
      1,
    );
  });

  it('reload answers 200 with the modules, or 422 with diagnostics', async () => {
    const services = new FakeServices();
    const fns = createBindings(services, 'admin_api').fns;
    const ok = new FakeExchange({ method: 'POST', listener: 'admin' });
    await fns['std.admin.reload']?.(ok);
    expect(ok.response?.status).toBe(200);
    expect(ok.response?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(String(ok.response?.body))).toEqual({ ok: true, modules: ['cache'] });

    const diagnostic = {
      code: 'PCM2001',
      file: 'mods/x.pcmod',
      line: 3,
      column: 5,
      message: "Unknown name 'y'.",
      severity: 'error',
    };
    services.reloadResult = { ok: false, diagnostics: [diagnostic], modules: [] };
    const bad = new FakeExchange({ method: 'POST', listener: 'admin' });
    await fns['std.admin.reload']?.(bad);
    expect(bad.response?.status).toBe(422);
    expect(JSON.parse(String(bad.response?.body))).toEqual({ ok: false, diagnostics: [diagnostic] });
  });

  it('config verify and repair report through the host, 501 when it cannot', async () => {
    const services = new FakeServices();
    const fns = createBindings(services, 'admin_api').fns;
    const repair = new FakeExchange({ method: 'POST' });
    await fns['std.admin.config_repair']?.(repair);
    expect(repair.response?.status).toBe(501);

    const error = {
      file: 'config.toml',
      line: 4,
      column: 1,
      key: 'cache.ttl_seconds',
      message: 'must be int',
    };
    services.verifyConfig = async () => ({ ok: false, file: 'config.toml', errors: [error] });
    services.repairConfig = async () => ({ ok: true, file: 'config.toml', errors: [], added: ['cache'] });
    const verified = JSON.parse((await fns['std.admin.config_verify']?.(new FakeExchange())) as string);
    expect(verified).toEqual({ ok: false, file: 'config.toml', errors: [error] });
    const repaired = new FakeExchange({ method: 'POST' });
    await fns['std.admin.config_repair']?.(repaired);
    expect(repaired.response?.status).toBe(200);
    expect(JSON.parse(String(repaired.response?.body))).toEqual({
      ok: true,
      file: 'config.toml',
      errors: [],
      added: ['cache'],
    });
  });
});

describe('std.admin.listen', () => {
  it('listens with the module instance on loopback', () => {
    const services = new FakeServices();
    const instance = { onRequest: () => {} };
    const fns = createBindings(services, 'admin_api', () => instance).fns;
    fns['std.admin.listen']?.(undefined, '127.0.0.1:9090', 16);
    expect(services.adminListens).toHaveLength(1);
    expect(services.adminListens[0]?.addr).toBe('127.0.0.1:9090');
    expect(services.adminListens[0]?.max).toBe(16);
    expect(services.adminListens[0]?.instance()).toBe(instance);
  });

  it('refuses a non-loopback address without an api_key, allows it with one', () => {
    const services = new FakeServices();
    const fns = createBindings(services, 'admin_api', () => ({})).fns;
    fns['std.admin.listen']?.(undefined, '0.0.0.0:9090', 16);
    expect(services.adminListens).toHaveLength(0);
    services.config = { ...testConfig, modules: { admin_api: { enabled: true, api_key: KEY } } };
    fns['std.admin.listen']?.(undefined, '0.0.0.0:9090', 16);
    expect(services.adminListens).toHaveLength(1);
  });

  it('recognises loopback addresses', () => {
    expect(['127.0.0.1:9090', '[::1]:9090', 'localhost:1', '127.8.9.1:2'].map(isLoopbackAddr)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['0.0.0.0:9090', '[::]:9090', '10.0.0.1:80', 'example.com:80'].map(isLoopbackAddr)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
