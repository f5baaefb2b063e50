import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfigText, defaultConfig, loadConfig, verifyConfig } from '../../src/config/load-config.js';
import { testModules } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function check(text: string) {
  return checkConfigText(text, 'config.toml', testModules);
}

/** The errors as `line:col key: message` strings, the way a user reads them. */
function errorsOf(text: string): string[] {
  return check(text).errors.map((e) => `${e.line}:${e.column} ${e.key}: ${e.message}`);
}

describe('defaults', () => {
  it('fills [server] with DESIGN §6 defaults and every module with its config defaults', () => {
    const result = check('');
    expect(result.errors).toEqual([]);
    expect(result.config?.server).toEqual({
      listen_addr: '127.0.0.1:3000',
      backend_addr: '127.0.0.1:8080',
      max_connections: 10000,
      buffer_size: 8192,
      client_timeout: 30,
      backend_timeout: 30,
      max_header_size: 65536,
      max_body_size: 16 * 1024 * 1024,
      shutdown_timeout: 15,
      tls_cert: '',
      tls_key: '',
      http2: true,
      http3: false,
      http3_port: 0,
      h2_max_concurrent_streams: 128,
      h2_max_header_list_size: 65536,
      h2_initial_window_size: 262144,
      h2_max_session_memory: 32 * 1024 * 1024,
      trusted_proxies: [],
      log_level: 'info',
    });
    expect(result.config?.modules.rate_limiter).toEqual({
      enabled: true,
      requests_per_second: 100,
      burst: 50,
    });
    expect(result.config?.modules.url_rewriter).toEqual({
      enabled: true,
      rules: new Map([['/old', '/new']]),
    });
    expect(result.config?.file).toBe('config.toml');
  });

  it('a missing file runs on defaults with a note', () => {
    const file = join(dir, 'absent.toml');
    const result = loadConfig(file, testModules);
    expect(result.errors).toEqual([]);
    expect(result.config).toEqual(defaultConfig(testModules));
    expect(result.notes).toEqual([`config file ${file} not found; running on defaults`]);
  });

  it('no file at all runs on defaults with a note', () => {
    const result = loadConfig(undefined, testModules);
    expect(result.config?.file).toBeUndefined();
    expect(result.notes).toEqual(['no config file given; running on defaults']);
  });

  it('a directory is an error, not defaults', () => {
    const result = loadConfig(dir, testModules);
    expect(result.config).toBeUndefined();
    expect(result.errors).toEqual([
      {
        file: dir,
        line: 0,
        column: 0,
        key: '',
        message: 'cannot read config file: it is a directory',
        code: 'PCM6006',
      },
    ]);
  });
});

describe('overrides', () => {
  it('applies values of every type', () => {
    const result = check(`[server]
listen_addr = "[::1]:8443"
backend_addr = "backend.internal:80"
client_timeout = "500ms"
shutdown_timeout = 5
max_body_size = "1MiB"
buffer_size = 4096
trusted_proxies = ["10.0.0.0/8", "::1"]
log_level = "debug"
http2 = false

[cache]
ttl_seconds = "5m"
max_size = 1048576
warm_urls = ["/", "/index.html"]

[url_rewriter]
rules = { "/api/v1" = "/v1", "/old" = "/new" }

[load_balancer]
backends = ["127.0.0.1:8081", "127.0.0.1:8082"]
weights = [1, 2]

[rate_limiter]
enabled = false
`);
    expect(result.errors).toEqual([]);
    const config = result.config;
    expect(config?.server.listen_addr).toBe('[::1]:8443');
    expect(config?.server.backend_addr).toBe('backend.internal:80');
    expect(config?.server.client_timeout).toBe(0.5);
    expect(config?.server.shutdown_timeout).toBe(5);
    expect(config?.server.max_body_size).toBe(1024 * 1024);
    expect(config?.server.buffer_size).toBe(4096);
    expect(config?.server.trusted_proxies).toEqual(['10.0.0.0/8', '::1']);
    expect(config?.server.log_level).toBe('debug');
    expect(config?.server.http2).toBe(false);
    expect(config?.modules.cache).toEqual({
      enabled: true,
      ttl_seconds: 300,
      max_size: 1048576,
      warm_urls: ['/', '/index.html'],
    });
    expect(config?.modules.url_rewriter?.rules).toEqual(
      new Map([
        ['/api/v1', '/v1'],
        ['/old', '/new'],
      ]),
    );
    expect(config?.modules.load_balancer).toEqual({
      enabled: true,
      backends: ['127.0.0.1:8081', '127.0.0.1:8082'],
      weights: [1, 2],
    });
    expect(config?.modules.rate_limiter).toEqual({ enabled: false, requests_per_second: 100, burst: 50 });
  });

  it('clamps buffer_size below 1024, and zero backend_timeout / max_body_size mean the default', () => {
    const config = check('[server]\nbuffer_size = 100\nbackend_timeout = 0\nmax_body_size = 0\n').config;
    expect(config?.server.buffer_size).toBe(1024);
    expect(config?.server.backend_timeout).toBe(30);
    expect(config?.server.max_body_size).toBe(16 * 1024 * 1024);
  });

  it('accepts a map written as a sub-table and dotted keys', () => {
    const config = check('[url_rewriter.rules]\n"/a" = "/b"\n').config;
    expect(config?.modules.url_rewriter?.rules).toEqual(new Map([['/a', '/b']]));
    expect(check('cache.ttl_seconds = "2s"\n').config?.modules.cache?.ttl_seconds).toBe(2);
  });
});

describe('validation errors name line:col and the dotted key', () => {
  it('wrong type points at the value', () => {
    expect(errorsOf('[server]\nmax_connections = "many"\n')).toEqual([
      '2:19 server.max_connections: expected int, got string',
    ]);
    expect(errorsOf('[rate_limiter]\n  burst = true\n')).toEqual([
      '2:11 rate_limiter.burst: expected int, got boolean',
    ]);
    expect(errorsOf('[server]\nhttp2 = "yes"\n')).toEqual([
      '2:9 server.http2: expected bool (true or false), got string',
    ]);
  });

  it('unknown section points at its header', () => {
    expect(errorsOf('[server]\n\n[cahce]\nttl_seconds = 1\n')).toEqual([
      "3:1 cahce: unknown section [cahce]; did you mean 'cache'?; sections are server, admin_api, cache, load_balancer, rate_limiter, url_rewriter",
    ]);
  });

  it('unknown key points at the key', () => {
    expect(errorsOf('[rate_limiter]\nburst = 5\nrequests_per_secnd = 10\n')).toEqual([
      "3:1 rate_limiter.requests_per_secnd: unknown key 'requests_per_secnd' in [rate_limiter]; did you mean 'requests_per_second'?",
    ]);
    expect(errorsOf('[server]\nport = 80\n')).toEqual(["2:1 server.port: unknown key 'port' in [server]"]);
  });

  it('a top-level value is an unknown section', () => {
    expect(errorsOf('debug = true\n')[0]).toMatch(/^1:1 debug: unknown section \[debug\]/);
  });

  it('a module section that is not a table', () => {
    expect(errorsOf('cache = 5\n')).toEqual(['1:9 cache: [cache] must be a table, got integer']);
  });

  it('bad socket addresses', () => {
    const bad: [string, string][] = [
      ['127.0.0.1', 'expected HOST:PORT'],
      ['127.0.0.1:0', 'the port must be a number from 1 to 65535'],
      ['127.0.0.1:65536', 'the port must be a number from 1 to 65535'],
      ['127.0.0.1:http', 'the port must be a number from 1 to 65535'],
      ['::1:8080', 'IPv6 addresses must be written in brackets, e.g. "[::1]:8080"'],
      ['[::1:8080', 'missing "]" after the IPv6 address'],
      ['[zz]:80', '"zz" is not an IPv6 address'],
      ['300.1.1.1:80', '"300.1.1.1" is not an IPv4 address or host name'],
      [':80', 'the host is empty'],
    ];
    for (const [addr, why] of bad) {
      expect(errorsOf(`[server]\nlisten_addr = "${addr}"\n`)).toEqual([
        `2:15 server.listen_addr: invalid socket address "${addr}": ${why}`,
      ]);
    }
    for (const ok of ['127.0.0.1:1', '[::1]:65535', 'localhost:3000', '0.0.0.0:80']) {
      expect(errorsOf(`[server]\nbackend_addr = "${ok}"\n`)).toEqual([]);
    }
  });

  it('module *_addr fields are socket addresses too', () => {
    expect(errorsOf('[admin_api]\nlisten_addr = "9090"\n')).toEqual([
      '2:15 admin_api.listen_addr: invalid socket address "9090": expected HOST:PORT',
    ]);
  });

  it('durations and sizes', () => {
    expect(errorsOf('[server]\nclient_timeout = "30 seconds"\n')).toEqual([
      '2:18 server.client_timeout: expected a duration such as "500ms", "30s", "5m", "1h" or "1d", got "30 seconds"',
    ]);
    expect(errorsOf('[server]\nclient_timeout = -1\n')).toEqual([
      '2:18 server.client_timeout: a duration cannot be negative',
    ]);
    expect(errorsOf('[server]\nmax_body_size = "16XB"\n')).toEqual([
      '2:17 server.max_body_size: expected a size such as "512B", "64KiB" or "16MiB" (units B, KB, MB, GB, KiB, MiB, GiB), got "16XB"',
    ]);
    expect(errorsOf('[server]\nmax_body_size = 1.5\n')).toEqual([
      '2:17 server.max_body_size: expected a size (bytes as an int, or a string such as "16MiB"), got float',
    ]);
  });

  it('lists and maps check their elements', () => {
    expect(errorsOf('[cache]\nwarm_urls = ["/", 2]\n')).toEqual([
      '2:13 cache.warm_urls: element 1: expected str, got integer',
    ]);
    expect(errorsOf('[load_balancer]\nweights = [1, "2"]\n')).toEqual([
      '2:11 load_balancer.weights: element 1: expected int, got string',
    ]);
    expect(errorsOf('[url_rewriter]\nrules = { "/a" = 1 }\n')).toEqual([
      '2:9 url_rewriter.rules: entry "/a": expected str, got integer',
    ]);
    expect(errorsOf('[url_rewriter]\nrules = ["/a"]\n')).toEqual([
      '2:9 url_rewriter.rules: expected map (an inline table of strings, e.g. { "/old" = "/new" }), got array',
    ]);
  });

  it('trusted_proxies, log_level and positive limits', () => {
    expect(errorsOf('[server]\ntrusted_proxies = ["10.0.0.0/33"]\n')).toEqual([
      '2:19 server.trusted_proxies: element 0: expected an IP address or CIDR block such as "10.0.0.0/8", got "10.0.0.0/33"',
    ]);
    expect(errorsOf('[server]\nlog_level = "loud"\n')).toEqual([
      '2:13 server.log_level: unknown log level "loud"; expected one of trace, debug, info, warn, error, fatal, silent',
    ]);
    expect(errorsOf('[server]\nmax_connections = 0\n')).toEqual([
      '2:19 server.max_connections: must be greater than 0',
    ]);
    expect(errorsOf('[server]\nhttp3_port = 70000\n')).toEqual([
      '2:14 server.http3_port: must be a port number from 0 to 65535',
    ]);
  });

  it('TLS: one without the other, and missing files', () => {
    expect(errorsOf('[server]\ntls_cert = "cert.pem"\n')).toEqual([
      '2:1 server.tls_cert: tls_cert is set but tls_key is not; TLS needs both or neither',
    ]);
    expect(errorsOf('[server]\n\ntls_key = "key.pem"\n')).toEqual([
      '3:1 server.tls_key: tls_key is set but tls_cert is not; TLS needs both or neither',
    ]);
    writeFileSync(join(dir, 'cert.pem'), 'cert');
    writeFileSync(join(dir, 'tls.toml'), '[server]\ntls_cert = "cert.pem"\ntls_key = "key.pem"\n');
    const result = loadConfig(join(dir, 'tls.toml'), testModules);
    expect(result.errors).toEqual([
      {
        file: join(dir, 'tls.toml'),
        line: 3,
        column: 11,
        key: 'server.tls_key',
        message: `file not found: ${join(dir, 'key.pem')}`,
        code: 'PCM6004',
      },
    ]);
    writeFileSync(join(dir, 'key.pem'), 'key');
    const ok = loadConfig(join(dir, 'tls.toml'), testModules);
    expect(ok.errors).toEqual([]);
    expect(ok.config?.server.tls_cert).toBe(join(dir, 'cert.pem'));
    expect(ok.config?.server.tls_key).toBe(join(dir, 'key.pem'));
  });

  it('reports every error, sorted by position, and yields no config', () => {
    const result = check('[server]\nhttp3 = 1\nlisten_addr = "x"\n\n[nope]\n');
    expect(result.config).toBeUndefined();
    expect(result.errors.map((e) => [e.line, e.key])).toEqual([
      [2, 'server.http3'],
      [3, 'server.listen_addr'],
      [5, 'nope'],
    ]);
  });

  it('positions keys inside inline tables', () => {
    expect(errorsOf('server = { listen_addr = "127.0.0.1:3000", http2 = 1 }\n')).toEqual([
      '1:52 server.http2: expected bool (true or false), got integer',
    ]);
  });
});

describe('TOML syntax errors', () => {
  it('become one error with smol-toml’s line and column', () => {
    const result = check('[server]\nlisten_addr = "127.0.0.1:3000\nhttp2 = true\n');
    expect(result.config).toBeUndefined();
    expect(result.errors).toEqual([
      {
        file: 'config.toml',
        line: 2,
        column: 30,
        key: '',
        message: 'TOML syntax error: control characters are not allowed in strings',
        code: 'PCM6001',
      },
    ]);
  });

  it('a redefined key', () => {
    expect(check('[server]\nhttp2 = true\nhttp2 = false\n').errors).toEqual([
      {
        file: 'config.toml',
        line: 3,
        column: 1,
        key: '',
        message: 'TOML syntax error: trying to redefine an already defined table or value',
        code: 'PCM6001',
      },
    ]);
  });
});

describe('verifyConfig', () => {
  it('is valid for a good file and invalid with the errors for a bad one', () => {
    const good = join(dir, 'good.toml');
    writeFileSync(good, '[server]\nlisten_addr = "127.0.0.1:3001"\n');
    expect(verifyConfig(good, testModules)).toEqual({ valid: true, errors: [], notes: [] });
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, '[server]\nlisten_addr = 3001\n');
    expect(verifyConfig(bad, testModules)).toEqual({
      valid: false,
      errors: [
        {
          file: bad,
          line: 2,
          column: 15,
          key: 'server.listen_addr',
          message: 'expected str, got integer',
          code: 'PCM6004',
        },
      ],
      notes: [],
    });
  });
});
