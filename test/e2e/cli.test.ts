/**
 * Issue #3, the command-line contract: the installed bins, `pcmod check`, `proxycache config verify`
 * and `repair` on real files, and a bad `.pcmod` in `--mods` stopping start-up with its diagnostics.
 * (The admin commands status|stats|mods|reload run against a live proxy in lifecycle.test.ts.)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  freePort,
  PCMOD_BIN,
  PROXYCACHE_BIN,
  ROOT,
  runCli,
  SLOW_TIMEOUT_MS,
  stopAll,
  tempDir,
} from './harness.js';

afterAll(stopAll);

describe.concurrent('CLI', { timeout: SLOW_TIMEOUT_MS }, () => {
  test('node_modules/.bin has proxycache, pcmod and pcmod-lsp', () => {
    for (const bin of ['proxycache', 'pcmod', 'pcmod-lsp'])
      expect(existsSync(join(ROOT, 'node_modules/.bin', bin)), bin).toBe(true);
  });

  test('pcmod check mods exits 0', async () => {
    const r = await runCli(PCMOD_BIN, ['check', 'mods']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('config verify on a bad file exits 1 naming each bad key with file:line', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.toml');
    writeFileSync(
      file,
      '[server]\nlisten_addr = "127.0.0.1:3000"\nlisten_adr = "127.0.0.1:3001"\n\n[rate_limiter]\nburst = "lots"\n',
    );
    const r = await runCli(PROXYCACHE_BIN, ['config', 'verify', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${file}:3:\\d+ - error PCM6003 server\\.listen_adr: `));
    expect(r.stderr).toMatch(new RegExp(`${file}:6:\\d+ - error PCM6004 rate_limiter\\.burst: `));
  });

  test('config verify on a good file exits 0', async () => {
    const dir = tempDir();
    const file = join(dir, 'good.toml');
    writeFileSync(file, '[server]\nlisten_addr = "127.0.0.1:3000"\n\n[cache]\nttl_seconds = 5\n');
    const r = await runCli(PROXYCACHE_BIN, ['config', 'verify', '--config', file], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('good.toml: valid');
  });

  test('config repair keeps what the user wrote as a prefix and adds the missing sections', async () => {
    const dir = tempDir();
    const file = join(dir, 'partial.toml');
    const original =
      '# my proxy\n[server]\nlisten_addr = "127.0.0.1:3000"   # keep this comment\n\n[cache]\nttl_seconds = 5\n';
    writeFileSync(file, original);
    const r = await runCli(PROXYCACHE_BIN, ['config', 'repair', '--config', file], { cwd: dir });
    expect(r.code).toBe(0);
    const repaired = readFileSync(file, 'utf8');
    expect(repaired.startsWith(original)).toBe(true);
    expect(repaired).toContain('[rate_limiter]');
    expect(repaired).not.toMatch(/^\[cache\][\s\S]*^\[cache\]/m);
    const again = await runCli(PROXYCACHE_BIN, ['config', 'verify', '--config', file], { cwd: dir });
    expect(again.code).toBe(0);
  });

  test('a bad .pcmod in --mods stops start-up with its diagnostics and exit 1', async () => {
    const dir = tempDir();
    const mods = join(dir, 'mods');
    mkdirSync(mods);
    const bad = join(mods, 'broken.pcmod');
    writeFileSync(
      bad,
      'mod broken\nversion 1.0\npriority 5\n\non_request {\n  if path == "/x" {\n    respond 200 text "x" +\n  }\n}\n',
    );
    const [port, admin] = [await freePort(), await freePort()];
    const config = join(dir, 'config.toml');
    writeFileSync(
      config,
      `[server]\nlisten_addr = "127.0.0.1:${port}"\n\n[admin_api]\nlisten_addr = "127.0.0.1:${admin}"\n`,
    );
    const r = await runCli(PROXYCACHE_BIN, ['run', '--config', config, '--mods', mods]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:7:26 - error PCM1003`);
    expect(r.stderr).toContain('not starting');
    expect(r.stdout).not.toContain('listening on');
  });
});
