import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { repairConfig } from '../../src/config/repair-config.js';
import { builtinModsDir } from '../../src/loader/builtin-mods-dir.js';
import { loadModules } from '../../src/loader/load-modules.js';
import { testModules } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-repair-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function fileWith(text: string): string {
  const file = join(dir, `config-${counter++}.toml`);
  writeFileSync(file, text);
  return file;
}

describe('repairConfig', () => {
  // Dotted keys define `cache` implicitly; no trailing newline at the end.
  const original = `# my proxy\ncache.ttl_seconds = "1m"\n[server]\nlisten_addr = "127.0.0.1:3005"   # odd spacing kept\n\n[rate_limiter]\nburst = 7`;

  it('appends only the missing module sections, keeping every existing byte as a prefix', () => {
    const file = fileWith(original);
    const result = repairConfig(file, testModules);
    expect(result).toEqual({
      changed: true,
      added: ['admin_api', 'url_rewriter', 'load_balancer'],
      errors: [],
    });
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(original)).toBe(true);
    expect(text.slice(original.length)).toBe(
      [
        '',
        '',
        '# module admin_api (version 1.0, admin_api.pcmod): defaults',
        '[admin_api]',
        'enabled = true',
        'listen_addr = "127.0.0.1:9090"',
        'api_key = ""',
        '',
        '# module url_rewriter (version 1.0, url_rewriter.pcmod): defaults',
        '[url_rewriter]',
        'enabled = true',
        'rules = { "/old" = "/new" }',
        '',
        '# module load_balancer (version 1.0, load_balancer.pcmod): defaults',
        '[load_balancer]',
        'enabled = true',
        'backends = []',
        'weights = []',
        '',
      ].join('\n'),
    );
  });

  it("keeps a CRLF file CRLF: what it appends uses the file's line endings", () => {
    const crlf = original.replace(/\n/g, '\r\n');
    const file = fileWith(crlf);
    expect(repairConfig(file, testModules).changed).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(crlf)).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(repairConfig(file, testModules).changed).toBe(false);
  });

  it('is idempotent', () => {
    const file = fileWith(original);
    repairConfig(file, testModules);
    const once = readFileSync(file, 'utf8');
    expect(repairConfig(file, testModules)).toEqual({ changed: false, added: [], errors: [] });
    expect(readFileSync(file, 'utf8')).toBe(once);
  });

  it('adds [server] when missing and the result loads clean with the defaults', () => {
    const file = fileWith('[cache]\nttl_seconds = 10\n');
    const result = repairConfig(file, testModules);
    expect(result.added).toEqual(['server', 'rate_limiter', 'admin_api', 'url_rewriter', 'load_balancer']);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(
      [
        '# server: listeners, backend, limits and timeouts (defaults)',
        '[server]',
        'listen_addr = "127.0.0.1:3000"',
        'backend_addr = "127.0.0.1:8080"',
        'max_connections = 10000',
        'buffer_size = "8KiB"',
        'client_timeout = 30',
        'backend_timeout = 30',
        'max_header_size = "64KiB"',
        'max_body_size = "16MiB"',
        'shutdown_timeout = 15',
        'tls_cert = ""',
        'tls_key = ""',
        'http2 = true',
        'http3 = false',
        'http3_port = 0',
        'h2_max_concurrent_streams = 128',
        'h2_max_header_list_size = "64KiB"',
        'h2_initial_window_size = "256KiB"',
        'h2_max_session_memory = "32MiB"',
        'trusted_proxies = []',
        'log_level = "info"',
      ].join('\n'),
    );
    const loaded = loadConfig(file, testModules);
    expect(loaded.errors).toEqual([]);
    expect(loaded.config?.modules.cache?.ttl_seconds).toBe(10);
    expect(loaded.config?.modules.cache?.max_size).toBe(64 * 1024 * 1024);
    expect(loaded.config?.server.max_body_size).toBe(16 * 1024 * 1024);
  });

  it('creates a missing file with everything', () => {
    const file = join(dir, 'new.toml');
    const result = repairConfig(file, testModules);
    expect(result.changed).toBe(true);
    expect(result.added[0]).toBe('server');
    expect(loadConfig(file, testModules).errors).toEqual([]);
  });

  it('leaves a file with a TOML syntax error untouched and reports the error', () => {
    const broken = '[server\nlisten_addr = 1\n';
    const file = fileWith(broken);
    const result = repairConfig(file, testModules);
    expect(result.changed).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.line).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe(broken);
  });

  it('reports values it does not fix', () => {
    const file = fileWith('[server]\nlisten_addr = "nowhere"\n');
    const result = repairConfig(file, testModules);
    expect(result.changed).toBe(true);
    expect(result.errors.map((e) => `${e.line}:${e.column} ${e.key}`)).toEqual(['2:15 server.listen_addr']);
  });

  it('escapes strings and quotes keys it renders', () => {
    const file = fileWith('');
    const modules = [
      {
        name: 'odd',
        configSchema: [
          { name: 'greeting', type: 'str' as const, default: 'say "hi"\\\n\u007f', line: 1 },
          { name: 'rules', type: 'map' as const, default: new Map([['a b', 'c.d']]), line: 2 },
          { name: 'wait', type: 'duration' as const, default: 0.25, line: 3 },
        ],
      },
    ];
    repairConfig(file, modules);
    const loaded = loadConfig(file, modules);
    expect(loaded.errors).toEqual([]);
    expect(loaded.config?.modules.odd).toEqual({
      enabled: true,
      greeting: 'say "hi"\\\n\u007f',
      rules: new Map([['a b', 'c.d']]),
      wait: 0.25,
    });
    expect(readFileSync(file, 'utf8')).toContain('wait = "250ms"');
  });

  it('with the real built-in modules, repairing an empty file yields a config that loads clean', () => {
    const { modules, diagnostics } = loadModules({ builtinDir: builtinModsDir() });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const file = fileWith('');
    const result = repairConfig(file, modules);
    expect(result.errors).toEqual([]);
    expect(result.added).toEqual(['server', ...modules.map((m) => m.name)]);
    const loaded = loadConfig(file, modules);
    expect(loaded.errors).toEqual([]);
    expect(loaded.config?.modules).toEqual(loadConfig(undefined, modules).config?.modules);
  });
});
