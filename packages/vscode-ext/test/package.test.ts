/**
 * `npm run package` builds the client and the bundled server and produces a .vsix; the server inside it
 * starts and answers like the one in packages/lsp.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LspClient } from '../../lsp/test/lsp-client.js';
import { zipEntries } from './zip-entries.js';

const ext = fileURLToPath(new URL('../', import.meta.url));
const vsix = join(ext, 'pcmod-vscode.vsix');

beforeAll(async () => {
  rmSync(vsix, { force: true });
  // Asynchronous: a blocked worker would miss vitest's own heartbeats during the minute this takes.
  await promisify(execFile)('npm', ['run', 'package'], { cwd: ext, env: { ...process.env, CI: 'true' } });
}, 300_000);

describe('npm run package', () => {
  it('produces a .vsix with the client, the bundled server, the grammar and the built-in modules', () => {
    expect(existsSync(vsix)).toBe(true);
    const entries = zipEntries(vsix);
    expect(entries).toEqual(
      expect.arrayContaining([
        'extension/package.json',
        'extension/out/extension.js',
        'extension/server/pcmod-lsp.mjs',
        'extension/server/mods/health_check.pcmod',
        'extension/syntaxes/pcmod.tmLanguage.json',
        'extension/language-configuration.json',
        'extension/snippets/pcmod.json',
      ]),
    );
    expect(
      entries.filter(
        (e) =>
          e.includes('node_modules') || e.startsWith('extension/src/') || e.startsWith('extension/test/'),
      ),
    ).toEqual([]);
  });

  describe('the bundled server', () => {
    let client: LspClient;
    let dir: string;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'pcmod-vsix-'));
      client = new LspClient(join(ext, 'server', 'pcmod-lsp.mjs'));
      await client.initialize(dir, { builtinModsDir: join(ext, 'server', 'mods') });
    });
    afterAll(async () => {
      await client?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('publishes compiler diagnostics and checks config.toml against the bundled built-in modules', async () => {
      const mod = pathToFileURL(join(dir, 'a.pcmod')).href;
      await client.open(mod, 'mod a\non_request {\n  log loud "x"\n}\n');
      const diags = await client.diagnosticsFor(mod);
      expect(diags.map((d) => [d.code, d.range.start.line, d.range.start.character])).toEqual([
        ['PCM2015', 2, 6],
      ]);
      const toml = join(dir, 'config.toml');
      writeFileSync(toml, '[health_check]\nendpoint = 5\n');
      await client.open(pathToFileURL(toml).href, '[health_check]\nendpoint = 5\n', 'toml');
      const cfg = await client.diagnosticsFor(pathToFileURL(toml).href);
      expect(cfg.map((d) => d.message)).toEqual(['health_check.endpoint: expected str, got integer']);
    });
  });
});
