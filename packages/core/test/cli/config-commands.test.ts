import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from './cli-io.js';

const cwd = mkdtempSync(join(tmpdir(), 'pc-cli-config-'));
const builtins = join(cwd, 'builtins');
mkdirSync(builtins);
writeFileSync(
  join(builtins, 'greeter.pcmod'),
  'mod greeter\nversion 1.0\npriority 50\n\nconfig {\n  enabled bool true\n  greeting str "hello"\n  listen_addr str "127.0.0.1:9191"\n}\n\non_request {\n  if path == "/hello" {\n    respond 200 text "$greeting"\n  }\n}\n',
);
const env = { PROXYCACHE_BUILTIN_MODS: builtins };
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('proxycache config verify', () => {
  it('exits 0 for a valid file', async () => {
    writeFileSync(
      join(cwd, 'good.toml'),
      '[server]\nlisten_addr = "127.0.0.1:3001"\n\n[greeter]\ngreeting = "hi"\n',
    );
    expect(await runMain(['config', 'verify', '--config', 'good.toml'], { cwd, env })).toEqual({
      code: 0,
      stdout: 'good.toml: valid (1 module)\n',
      stderr: '',
    });
  });

  it('exits 1 for a --config file that does not exist (run would start on defaults; verify names it)', async () => {
    expect(await runMain(['config', 'verify', '--config', 'typo.toml'], { cwd, env })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'typo.toml: not found\n',
    });
  });

  it('exits 1 naming file:line:col and the key of each error', async () => {
    const file = join(cwd, 'bad.toml');
    writeFileSync(
      file,
      '[server]\nlisten_addr = "127.0.0.1:99999"\n\n[greeter]\ngreting = "hi"\nlisten_addr = "nope"\n',
    );
    expect(await runMain(['config', 'verify', '--config', 'bad.toml'], { cwd, env })).toEqual({
      code: 1,
      stdout: '',
      stderr: [
        `${file}:2:15 - error PCM6004 server.listen_addr: invalid socket address "127.0.0.1:99999": the port must be a number from 1 to 65535`,
        `${file}:5:1 - error PCM6003 greeter.greting: unknown key 'greting' in [greeter]; did you mean 'greeting'?`,
        `${file}:6:15 - error PCM6004 greeter.listen_addr: invalid socket address "nope": expected HOST:PORT`,
        'bad.toml: invalid (3 errors)',
        '',
      ].join('\n'),
    });
  });

  it('a TOML syntax error exits 1 at its position', async () => {
    const file = join(cwd, 'syntax.toml');
    writeFileSync(file, '[server\n');
    const result = await runMain(['config', 'verify', '--config', file], { cwd, env });
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:\\d+ - error PCM6001 TOML syntax error: `,
      ),
    );
  });

  it('a missing file is valid (defaults) with a note', async () => {
    const result = await runMain(['config', 'verify'], { cwd, env });
    expect(result).toEqual({
      code: 0,
      stdout: `config file ${join(cwd, 'config.toml')} not found; running on defaults\nconfig.toml: valid (1 module)\n`,
      stderr: '',
    });
  });

  it('modules with errors exit 1 with their diagnostics', async () => {
    const userMods = join(cwd, 'user-mods');
    mkdirSync(userMods, { recursive: true });
    writeFileSync(join(userMods, 'broken.pcmod'), 'mod broken\non_request {\n  respond 200 text $nope\n}\n');
    const result = await runMain(['config', 'verify', '--mods', 'user-mods'], { cwd, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(userMods, 'broken.pcmod')}:3:20 - error PCM2002:`);
    expect(result.stderr).toContain('proxycache: cannot verify the config: the modules above have errors\n');
    rmSync(userMods, { recursive: true });
  });
});

describe('proxycache config repair', () => {
  it('appends the missing sections, then has nothing to do', async () => {
    const file = join(cwd, 'repair.toml');
    const original = '[server]\nlisten_addr = "127.0.0.1:3002"\n';
    writeFileSync(file, original);
    expect(await runMain(['config', 'repair', '--config', 'repair.toml'], { cwd, env })).toEqual({
      code: 0,
      stdout: 'repair.toml: added [greeter]\n',
      stderr: '',
    });
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(
      `${original}\n# module greeter (version 1.0, greeter.pcmod): defaults\n[greeter]\nenabled = true\ngreeting = "hello"\nlisten_addr = "127.0.0.1:9191"\n`,
    );
    expect(await runMain(['config', 'repair', '--config', 'repair.toml'], { cwd, env })).toEqual({
      code: 0,
      stdout: 'repair.toml: nothing to repair\n',
      stderr: '',
    });
    expect((await runMain(['config', 'verify', '--config', 'repair.toml'], { cwd, env })).code).toBe(0);
  });
});
