/**
 * Bad TOML and bad `.pcmod` against the built CLI (`npx tsc -b` first): at start-up a clear file:line:col
 * message and exit 1; at reload (SIGHUP and the admin API) the same diagnostics while the old pipeline
 * keeps serving. test/e2e covers a broken `.pcmod` at start and at reload and packages/core/test/cli a
 * schema error at start; these are the TOML syntax and value cases next to them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, type Origin, sleep, startOrigin } from './harness.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'packages/core/bin/proxycache.js');

const dir = mkdtempSync(join(tmpdir(), 'pc-robust-cfg-'));
const children = new Set<ChildProcess>();

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Proc {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | null>;
}

function run(args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('bad config at start-up', () => {
  it('a TOML syntax error: exit 1, file:line:col first, nothing listens', async () => {
    const port = await freePort();
    const file = join(dir, 'syntax.toml');
    writeFileSync(file, `[server]\nlisten_addr = "127.0.0.1:${port}"\nbackend_addr = "127.0.0.1:1\n`);
    const p = run(['run', '--config', file]);
    expect(await p.exited).toBe(1);
    const lines = p.stderr().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${esc(file)}:3:28 - error PCM6001 TOML syntax error: `));
    expect(p.stderr()).toContain('proxycache: not starting: the config has errors\n');
    expect(p.stdout()).toBe('');
    await expect(get(port)).rejects.toThrow();
  });

  it('a value of the wrong type: exit 1 naming file:line:col and the key', async () => {
    const file = join(dir, 'type.toml');
    writeFileSync(file, '[server]\nclient_timeout = "soon"\n');
    const p = run(['run', '--config', file]);
    expect(await p.exited).toBe(1);
    expect(p.stderr().split('\n')[0]).toBe(
      `${file}:2:18 - error PCM6004 server.client_timeout: expected a duration such as "500ms", "30s", "5m", "1h" or "1d", got "soon"`,
    );
  });
});

describe('bad config at reload', () => {
  let origin: Origin;
  let proc: Proc;
  let port: number;
  let adminPort: number;
  let file: string;
  let good: string;

  beforeAll(async () => {
    origin = await startOrigin();
    [port, adminPort] = [await freePort(), await freePort()];
    file = join(dir, 'live.toml');
    mkdirSync(join(dir, 'mods'), { recursive: true });
    writeFileSync(
      join(dir, 'mods', 'tag.pcmod'),
      'mod tag\nversion 1.0\npriority 5\n\nconfig {\n  enabled bool true\n  value str "one"\n}\n\non_request {\n  if path == "/tag" {\n    respond 200 text "$value"\n  }\n}\n',
    );
    good = [
      '[server]',
      `listen_addr = "127.0.0.1:${port}"`,
      `backend_addr = "${origin.addr}"`,
      'log_level = "info"',
      '',
      '[active_health]',
      'enabled = false',
      '',
      '[admin_api]',
      `listen_addr = "127.0.0.1:${adminPort}"`,
      '',
      '[tag]',
      'value = "one"',
      '',
    ].join('\n');
    writeFileSync(file, good);
    proc = run(['run', '--config', file, '--mods', join(dir, 'mods')]);
    for (let i = 0; i < 250; i++) {
      if (proc.child.exitCode !== null) throw new Error(`proxy exited: ${proc.stderr()}`);
      try {
        if ((await get(port, '/tag')).body === 'one') return;
      } catch {}
      await sleep(100);
    }
    throw new Error(`proxy did not start: ${proc.stderr()}`);
  }, 30_000);

  afterAll(async () => {
    if (proc !== undefined && proc.child.exitCode === null) {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
    await origin?.close();
  });

  const reloadFailures = (): Record<string, unknown>[] =>
    proc
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => String(l.msg).startsWith('reload failed'));

  it('SIGHUP with a TOML syntax error: logged with file:line, the old pipeline serves', async () => {
    writeFileSync(file, `${good.replace('value = "one"', 'value = "two')}`);
    const before = reloadFailures().length;
    proc.child.kill('SIGHUP');
    for (let i = 0; i < 100 && reloadFailures().length === before; i++) await sleep(50);
    const failure = reloadFailures()[before];
    expect(failure?.diagnostics).toEqual([
      expect.objectContaining({ code: 'PC_ERR_CONFIG', file, line: 13, severity: 'error' }),
    ]);
    expect(String(((failure?.diagnostics ?? []) as { message: string }[])[0]?.message)).toMatch(
      /^TOML syntax error: /,
    );
    expect((await get(port, '/tag')).body).toBe('one');
    expect((await get(port, '/proxied')).body).toBe('origin GET /proxied');
  });

  it('POST /reload with a bad value: 422 with file:line:col and the key, the old pipeline serves', async () => {
    writeFileSync(file, good.replace('value = "one"', 'value = 3'));
    const r = await fetch(`http://127.0.0.1:${adminPort}/reload`, { method: 'POST' });
    expect(r.status).toBe(422);
    const body = (await r.json()) as { ok: boolean; diagnostics: Record<string, unknown>[] };
    expect(body.ok).toBe(false);
    expect(body.diagnostics).toEqual([
      expect.objectContaining({ code: 'PC_ERR_CONFIG', file, line: 13, column: 9, severity: 'error' }),
    ]);
    expect(String(body.diagnostics[0]?.message)).toMatch(/^tag\.value: /);
    expect((await get(port, '/tag')).body).toBe('one');
  });

  it('after the bad reloads, a good one goes live', async () => {
    writeFileSync(file, good.replace('value = "one"', 'value = "three"'));
    const r = await fetch(`http://127.0.0.1:${adminPort}/reload`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect((await get(port, '/tag')).body).toBe('three');
  });
});
