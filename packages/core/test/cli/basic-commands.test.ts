import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runMain } from './cli-io.js';

const cwd = mkdtempSync(join(tmpdir(), 'pc-cli-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('help, version and usage errors', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(await runMain(['--version'], { cwd })).toEqual({
      code: 0,
      stdout: `proxycache ${pkg.version}\n`,
      stderr: '',
    });
  });

  it('--help prints usage on stdout; no command prints it on stderr with exit 2', async () => {
    const help = await runMain(['--help'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('proxycache run [--config FILE] [--mods DIR]');
    const none = await runMain([], { cwd });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage:');
  });

  it('unknown commands and options exit 2 with a one-line message', async () => {
    expect(await runMain(['serve'], { cwd })).toEqual({
      code: 2,
      stdout: '',
      stderr: "proxycache: unknown command 'serve'\nRun 'proxycache --help' for usage.\n",
    });
    expect((await runMain(['run', '--port', '80'], { cwd })).stderr).toBe(
      "proxycache: unknown option '--port'\nRun 'proxycache --help' for usage.\n",
    );
    expect((await runMain(['run', '--config'], { cwd })).stderr).toBe(
      "proxycache: option '--config' needs a value\nRun 'proxycache --help' for usage.\n",
    );
    expect((await runMain(['config'], { cwd })).stderr).toBe(
      "proxycache: 'config' needs a subcommand: verify or repair\nRun 'proxycache --help' for usage.\n",
    );
    expect((await runMain(['status', '--mods', 'x'], { cwd })).stderr).toBe(
      "proxycache: 'status' does not take --mods\nRun 'proxycache --help' for usage.\n",
    );
  });
});

describe('admin commands', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function adminServer(): Promise<{
    addr: string;
    seen: { method: string; url: string; auth: string }[];
  }> {
    const seen: { method: string; url: string; auth: string }[] = [];
    const s = createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization ?? '' });
      if (req.url === '/stats') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"requests_total":3,"latency_avg_ms":1.5}');
      } else if (req.url === '/reload' && req.method === 'POST') {
        res.writeHead(409, { 'content-type': 'application/json' }).end('{"ok":false}');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      }
    });
    server = s;
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return { addr: `127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
  }

  it('stats prints the admin API’s JSON, pretty', async () => {
    const { addr, seen } = await adminServer();
    const result = await runMain(['stats', '--admin', addr, '--api-key', 's3cret'], { cwd });
    expect(result).toEqual({
      code: 0,
      stdout: '{\n  "requests_total": 3,\n  "latency_avg_ms": 1.5\n}\n',
      stderr: '',
    });
    expect(seen).toEqual([{ method: 'GET', url: '/stats', auth: 'Bearer s3cret' }]);
  });

  it('reads the admin address and key from [admin_api] in the config', async () => {
    const { addr, seen } = await adminServer();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(cwd, 'admin.toml'), `[admin_api]\nlisten_addr = "${addr}"\napi_key = "from-config"\n`);
    const result = await runMain(['status', '--config', 'admin.toml'], { cwd });
    expect(result.code).toBe(0);
    expect(seen).toEqual([{ method: 'GET', url: '/status', auth: 'Bearer from-config' }]);
  });

  it('a config that cannot be read or parsed is an error, not a silent fall back to 127.0.0.1:9090', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(cwd, 'broken.toml'), '[admin_api\nlisten_addr = "127.0.0.1:1"\n');
    const broken = await runMain(['reload', '--config', 'broken.toml'], { cwd });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /^proxycache: cannot read the admin address from .*broken\.toml: .*; pass --admin HOST:PORT\n$/,
    );
    const missing = await runMain(['status', '--config', 'nope.toml'], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.toml: ENOENT; pass --admin HOST:PORT');
  });

  it('a non-2xx answer exits 1 and shows the body', async () => {
    const { addr } = await adminServer();
    const result = await runMain(['reload', '--admin', addr], { cwd });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `proxycache: POST http://${addr}/reload answered 409 Conflict:\n{\n  "ok": false\n}\n`,
    );
  });

  it('an unreachable admin API exits 1 with a clear message', async () => {
    const { addr } = await adminServer();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const result = await runMain(['mods', '--admin', addr], { cwd });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `proxycache: cannot reach the admin API at http://${addr}: connection refused; is proxycache running with admin_api enabled?\n`,
    });
  });

  it('a bad --admin address is a usage error', async () => {
    const result = await runMain(['status', '--admin', 'localhost'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'proxycache: --admin: invalid socket address "localhost": expected HOST:PORT',
    );
  });
});
