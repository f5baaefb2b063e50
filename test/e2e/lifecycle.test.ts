/**
 * Issue #3, the running process: reload through `POST /reload`, SIGHUP and `proxycache reload`
 * (a good module goes live, a broken one is refused with its diagnostics while the old pipeline keeps
 * serving), the admin commands of the CLI, and graceful shutdown on SIGTERM with a request in flight.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  echoHandler,
  httpRequest,
  type Origin,
  PROXYCACHE_BIN,
  type ProxyProcess,
  runCli,
  SLOW_TIMEOUT_MS,
  sleep,
  startOrigin,
  startProxy,
  stopAll,
} from './harness.js';

const greet = (body: string): string =>
  `mod greet\nversion 1.0\npriority 5\n\non_request {\n  if path == "/greet" {\n    respond 200 text "${body}"\n  }\n}\n`;
/** Line 7, column 27: an unexpected `+` (PCM1003). */
const BROKEN =
  'mod greet\nversion 1.0\npriority 5\n\non_request {\n  if path == "/greet" {\n    respond 200 text "v4" +\n  }\n}\n';

let origin: Origin;
let proxy: ProxyProcess;
let greetFile: string;

interface ReloadBody {
  ok: boolean;
  modules?: string[];
  diagnostics?: { code: string; file: string; line: number; column: number; severity: string }[];
}

beforeAll(async () => {
  const echo = echoHandler('slow-origin');
  origin = await startOrigin((req, body, res) => {
    if (req.url === '/slow') setTimeout(() => echo(req, body, res), 1500);
    else echo(req, body, res);
  });
  proxy = await startProxy({ backend: origin.addr, mods: { 'greet.pcmod': greet('v1') } });
  greetFile = join(proxy.modsDir as string, 'greet.pcmod');
}, SLOW_TIMEOUT_MS);

afterAll(stopAll);

const reloadedCount = (): number => proxy.logs().filter((l) => l.msg === 'reloaded').length;
const failedCount = (): number =>
  proxy.logs().filter((l) => String(l.msg).startsWith('reload failed')).length;

describe('reload', { timeout: SLOW_TIMEOUT_MS }, () => {
  test('POST /reload after changing a user module: 200 and the new behaviour is live', async () => {
    expect((await httpRequest(proxy.url('/greet'))).text).toBe('v1');
    writeFileSync(greetFile, greet('v2'));
    const r = await httpRequest(proxy.adminUrl('/reload'), { method: 'POST' });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text) as ReloadBody;
    expect(body.ok).toBe(true);
    expect(body.modules).toContain('greet');
    expect((await httpRequest(proxy.url('/greet'))).text).toBe('v2');
  });

  test('SIGHUP after changing a user module: the new behaviour is live', async () => {
    writeFileSync(greetFile, greet('v3'));
    const before = reloadedCount();
    process.kill(proxy.pid, 'SIGHUP');
    await proxy.waitForLog(() => reloadedCount() > before, 30_000);
    const r = await httpRequest(proxy.url('/greet'));
    expect(r.status).toBe(200);
    expect(r.text).toBe('v3');
  });

  test('POST /reload with a syntax error: 422 with the code and file:line, the old pipeline serves', async () => {
    writeFileSync(greetFile, BROKEN);
    const r = await httpRequest(proxy.adminUrl('/reload'), { method: 'POST' });
    expect(r.status).toBe(422);
    const body = JSON.parse(r.text) as ReloadBody;
    expect(body.ok).toBe(false);
    expect(body.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'PCM1003', file: greetFile, line: 7, column: 27, severity: 'error' }),
    );
    expect((await httpRequest(proxy.url('/greet'))).text).toBe('v3');
  });

  test('SIGHUP with the broken module: logged with its diagnostics, the old pipeline serves', async () => {
    const before = failedCount();
    process.kill(proxy.pid, 'SIGHUP');
    const line = await proxy.waitForLog(
      (l) => String(l.msg).startsWith('reload failed') && failedCount() > before,
      30_000,
    );
    expect(line.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'PCM1003', file: greetFile, line: 7 }),
    );
    expect((await httpRequest(proxy.url('/greet'))).text).toBe('v3');
  });

  test('proxycache reload: exit 1 naming the diagnostic while broken, exit 0 once fixed', async () => {
    const broken = await runCli(PROXYCACHE_BIN, ['reload', '--config', proxy.configFile]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('422');
    expect(broken.stderr).toContain('PCM1003');
    writeFileSync(greetFile, greet('v5'));
    const fixed = await runCli(PROXYCACHE_BIN, ['reload', '--config', proxy.configFile]);
    expect(fixed.code).toBe(0);
    expect((JSON.parse(fixed.stdout) as ReloadBody).ok).toBe(true);
    expect((await httpRequest(proxy.url('/greet'))).text).toBe('v5');
  });
});

describe('admin commands of the CLI', { timeout: SLOW_TIMEOUT_MS }, () => {
  test('proxycache status | stats | mods print the admin API JSON', async () => {
    const [status, stats, mods] = await Promise.all(
      ['status', 'stats', 'mods'].map((c) => runCli(PROXYCACHE_BIN, [c, '--config', proxy.configFile])),
    );
    expect(status?.code).toBe(0);
    expect(JSON.parse(status?.stdout ?? '')).toMatchObject({ status: 'ok', pid: proxy.pid });
    expect(stats?.code).toBe(0);
    expect(JSON.parse(stats?.stdout ?? '')).toHaveProperty('requests_total');
    expect(mods?.code).toBe(0);
    const names = (JSON.parse(mods?.stdout ?? '') as { modules: { name: string }[] }).modules.map(
      (m) => m.name,
    );
    expect(names).toContain('greet');
    expect(names).toContain('proxy_core');
  });
});

describe('graceful shutdown', { timeout: SLOW_TIMEOUT_MS }, () => {
  test('SIGTERM while a slow request is in flight: it completes, the process exits 0', async () => {
    const inFlight = httpRequest(proxy.url('/slow'));
    while (origin.count('/slow') === 0) await sleep(20);
    process.kill(proxy.pid, 'SIGTERM');
    const r = await inFlight;
    expect(r.status).toBe(200);
    expect(r.headers['x-origin']).toBe('slow-origin');
    expect(await proxy.exited).toBe(0);
    expect(proxy.logs().map((l) => l.msg)).toContain('stopped');
  });

  test('SIGHUP while draining (a logrotate during a stop) is ignored: the request completes, exit 0', async () => {
    const own = await startProxy({ backend: origin.addr });
    const before = origin.count('/slow');
    const inFlight = httpRequest(own.url('/slow'));
    while (origin.count('/slow') === before) await sleep(20);
    process.kill(own.pid, 'SIGTERM');
    await own.waitForLog((l) => l.msg === 'shutting down');
    process.kill(own.pid, 'SIGHUP');
    const r = await inFlight;
    expect(r.status).toBe(200);
    // Before: SIGHUP's default action ended the process (exit "SIGHUP"), the request got no answer.
    expect(await own.exited).toBe(0);
    expect(own.logs().map((l) => l.msg)).toEqual(
      expect.arrayContaining(['reload ignored: shutting down', 'stopped']),
    );
  });
});
