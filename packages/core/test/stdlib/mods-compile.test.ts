import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CompiledModule, compile } from '@proxycache/pcmod-lang';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const modsDir = join(root, 'mods');
const examplesDir = join(root, 'examples');

const pcmodFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.pcmod'))
    .sort()
    .map((f) => join(dir, f));

function compileFile(file: string) {
  return compile(readFileSync(file, 'utf8'), file);
}

/** Priorities of DESIGN §6, one module per file named after it. */
const builtins: Record<string, number> = {
  active_health: 10,
  request_id: 20,
  rate_limiter: 30,
  circuit_breaker: 40,
  health_check: 50,
  metrics_exporter: 60,
  admin_api: 70,
  cache: 80,
  url_rewriter: 90,
  compression: 100,
  load_balancer: 110,
  proxy_core: 120,
  raw_tcp: 130,
};

describe('built-in modules', () => {
  it('are exactly the thirteen of DESIGN §6', () => {
    expect(pcmodFiles(modsDir).map((f) => f.slice(modsDir.length + 1))).toEqual(
      Object.keys(builtins)
        .map((n) => `${n}.pcmod`)
        .sort(),
    );
  });

  it.each(Object.entries(builtins))(
    '%s compiles clean with priority %i and an enabled field',
    (name, priority) => {
      const result = compileFile(join(modsDir, `${name}.pcmod`));
      expect(result.diagnostics).toEqual([]);
      const module = result.module as CompiledModule;
      expect(module.name).toBe(name);
      expect(module.priority).toBe(priority);
      const enabled = module.configSchema.find((f) => f.name === 'enabled');
      expect(enabled?.type).toBe('bool');
      // raw_tcp opens the backend port to any non-HTTP client, so it is the one module off by default.
      expect(enabled?.default).toBe(name !== 'raw_tcp');
    },
  );

  it('declare the config keys and defaults the docs promise', () => {
    const defaults = (name: string) =>
      Object.fromEntries(
        (compileFile(join(modsDir, `${name}.pcmod`)).module as CompiledModule).configSchema.map((f) => [
          f.name,
          f.default,
        ]),
      );
    expect(defaults('health_check')).toMatchObject({ endpoint: '/health' });
    expect(defaults('metrics_exporter')).toMatchObject({ endpoint: '/metrics' });
    expect(defaults('request_id')).toMatchObject({ header: 'X-Request-Id' });
    expect(defaults('admin_api')).toMatchObject({
      listen_addr: '127.0.0.1:9090',
      api_key: '',
      max_connections: 16,
    });
    expect(defaults('rate_limiter')).toHaveProperty('requests_per_second');
    expect(defaults('rate_limiter')).toHaveProperty('burst');
    expect(defaults('cache')).toMatchObject({ warm_urls: [] });
    expect(defaults('cache')).toHaveProperty('ttl_seconds');
    expect(defaults('cache')).toHaveProperty('max_size');
    expect(defaults('circuit_breaker')).toMatchObject({ failure_threshold: 5, recovery_timeout: 30 });
    expect(defaults('compression')).toMatchObject({ min_size: 1024 });
    expect(defaults('url_rewriter').rules).toEqual(new Map());
    expect(defaults('load_balancer')).toMatchObject({ backends: [] });
    expect(defaults('active_health')).toMatchObject({ interval: 10, path: '/health', timeout: 2 });
  });
});

describe('examples', () => {
  it.each(pcmodFiles(examplesDir).filter((f) => !f.endsWith('legacy-hello.pcmod')))(
    '%s compiles clean',
    (file) => {
      const result = compileFile(file);
      expect(result.diagnostics).toEqual([]);
      expect(result.module).toBeDefined();
    },
  );

  it('legacy-hello.pcmod (DESIGN §4) compiles with only legacy-value warnings', () => {
    const result = compileFile(join(examplesDir, 'legacy-hello.pcmod'));
    expect(result.module?.name).toBe('my_module');
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics.map((d) => `${d.code} ${d.severity}`)).toEqual(
      result.diagnostics.map(() => 'PCM4001 warning'),
    );
  });
});
