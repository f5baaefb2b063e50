import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeSignals, runMain, startMain } from './cli-io.js';

const cwd = mkdtempSync(join(tmpdir(), 'pc-cli-run-'));
const builtins = join(cwd, 'builtins');
mkdirSync(builtins);
const env = { PROXYCACHE_BUILTIN_MODS: builtins };
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function greeter(greeting: string): string {
  return `mod greeter\nversion 1.0\npriority 50\n\nconfig {\n  enabled bool true\n  greeting str "${greeting}"\n}\n\non_request {\n  respond 200 text "$greeting"\n}\n`;
}

/** A port that was free a moment ago (the CLI validates ports 1–65535, so listen(0) is not an option). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

async function textOf(url: string): Promise<string> {
  const response = await fetch(url);
  return `${response.status} ${await response.text()}`;
}

/** Polls until `fn` returns `expected` (a reload is asynchronous). */
async function eventually(fn: () => Promise<string>, expected: string): Promise<void> {
  let last = '';
  for (let i = 0; i < 100; i++) {
    last = await fn();
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(last).toBe(expected);
}

describe('proxycache run', () => {
  it('serves, reloads on SIGHUP, keeps the old pipeline on a broken reload, and exits 0 on SIGTERM', async () => {
    writeFileSync(join(builtins, 'greeter.pcmod'), greeter('hello'));
    const port = await freePort();
    writeFileSync(
      join(cwd, 'config.toml'),
      `[server]\nlisten_addr = "127.0.0.1:${port}"\nlog_level = "error"\n`,
    );
    const signals = fakeSignals();
    const run = startMain(['run'], { cwd, env, signals });
    await Promise.race([
      signals.subscribed('SIGTERM'),
      run.done.then((r) => Promise.reject(new Error(`run ended: ${JSON.stringify(r)}`))),
    ]);
    const url = `http://127.0.0.1:${port}/`;
    expect(await textOf(url)).toBe('200 hello');

    writeFileSync(
      join(cwd, 'config.toml'),
      `[server]\nlisten_addr = "127.0.0.1:${port}"\nlog_level = "fatal"\n\n[greeter]\ngreeting = "reloaded"\n`,
    );
    signals.emit('SIGHUP');
    await eventually(() => textOf(url), '200 reloaded');

    writeFileSync(
      join(builtins, 'greeter.pcmod'),
      'mod greeter\non_request {\n  respond 200 text $nope\n}\n',
    );
    signals.emit('SIGHUP');
    await new Promise((r) => setTimeout(r, 200));
    expect(await textOf(url)).toBe('200 reloaded');

    signals.emit('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('refuses to start on an invalid config, printing file:line:col and the key', async () => {
    writeFileSync(join(builtins, 'greeter.pcmod'), greeter('hello'));
    writeFileSync(join(cwd, 'bad.toml'), '[server]\nlisten_addr = "127.0.0.1"\n');
    expect(await runMain(['run', '--config', 'bad.toml'], { cwd, env })).toEqual({
      code: 1,
      stdout: '',
      stderr: `${join(cwd, 'bad.toml')}:2:15 - error PCM6004 server.listen_addr: invalid socket address "127.0.0.1": expected HOST:PORT\nproxycache: not starting: the config has errors\n`,
    });
  });

  it('refuses to start when a module has errors', async () => {
    writeFileSync(
      join(builtins, 'greeter.pcmod'),
      'mod greeter\non_request {\n  respond 200 text $nope\n}\n',
    );
    const result = await runMain(['run'], { cwd, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(builtins, 'greeter.pcmod')}:3:20 - error PCM2002:`);
    expect(result.stderr).toContain('proxycache: not starting: the modules above have errors\n');
  });

  it('with the built-in modules: the admin API answers status, stats, reload and config verify', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const file = join(cwd, 'builtin.toml');
    writeFileSync(
      file,
      `[server]\nlisten_addr = "127.0.0.1:${port}"\nlog_level = "error"\n\n[active_health]\nenabled = false\n\n[admin_api]\nlisten_addr = "127.0.0.1:${adminPort}"\napi_key = "k"\n`,
    );
    const signals = fakeSignals();
    const run = startMain(['run', '--config', 'builtin.toml'], { cwd, signals });
    await Promise.race([
      signals.subscribed('SIGTERM'),
      run.done.then((r) => Promise.reject(new Error(`run ended: ${JSON.stringify(r)}`))),
    ]);
    try {
      expect(await textOf(`http://127.0.0.1:${port}/health`)).toBe('200 {"status":"ok"}');

      const stats = await runMain(['stats', '--config', 'builtin.toml'], { cwd });
      expect(stats.code).toBe(0);
      expect(JSON.parse(stats.stdout)).toMatchObject({ requests_total: 1 });

      const reload = await runMain(['reload', '--config', 'builtin.toml'], { cwd });
      expect(reload.code).toBe(0);
      expect(JSON.parse(reload.stdout)).toMatchObject({ ok: true });

      const verify = await fetch(`http://127.0.0.1:${adminPort}/config/verify`, {
        headers: { authorization: 'Bearer k' },
      });
      expect(verify.status).toBe(200);
      expect(await verify.json()).toMatchObject({ ok: true, errors: [] });

      const denied = await runMain(['status', '--admin', `127.0.0.1:${adminPort}`], { cwd });
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain('answered 401');
    } finally {
      signals.emit('SIGTERM');
      expect((await run.done).code).toBe(0);
    }
  });
});
