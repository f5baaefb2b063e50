/** The extension manifest: everything it contributes exists and is well-formed. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ext = fileURLToPath(new URL('../', import.meta.url));
const read = (p: string) => readFileSync(join(ext, p), 'utf8');
const manifest = JSON.parse(read('package.json'));

describe('extension manifest', () => {
  it('declares the pcmod language for *.pcmod with its language configuration', () => {
    const [lang] = manifest.contributes.languages;
    expect(lang.id).toBe('pcmod');
    expect(lang.extensions).toEqual(['.pcmod']);
    const config = JSON.parse(read(lang.configuration));
    expect(config.comments).toEqual({ lineComment: '#' });
    expect(config.brackets).toEqual([
      ['{', '}'],
      ['[', ']'],
      ['(', ')'],
    ]);
    expect(config.autoClosingPairs.map((p: { open: string }) => p.open)).toEqual(['{', '[', '(', '"']);
    expect(new RegExp(config.indentationRules.increaseIndentPattern).test('on_request {')).toBe(true);
    expect(new RegExp(config.indentationRules.decreaseIndentPattern).test('  }')).toBe(true);
  });

  it('points the grammar at a file with the same scope name', () => {
    const [grammar] = manifest.contributes.grammars;
    expect(grammar).toMatchObject({ language: 'pcmod', scopeName: 'source.pcmod' });
    expect(JSON.parse(read(grammar.path)).scopeName).toBe('source.pcmod');
  });

  it('ships snippets with a prefix and a body each, including mod, handlers and if', () => {
    const [snippets] = manifest.contributes.snippets;
    expect(snippets.language).toBe('pcmod');
    const entries = Object.values(JSON.parse(read(snippets.path))) as Array<{
      prefix: string;
      body: string[];
    }>;
    for (const e of entries) {
      expect(typeof e.prefix).toBe('string');
      expect(Array.isArray(e.body)).toBe(true);
    }
    expect(entries.map((e) => e.prefix)).toEqual(
      expect.arrayContaining(['mod', 'on_request', 'on_response', 'on_start', 'if']),
    );
  });

  it('contributes the two commands, and the client registers exactly those', () => {
    const ids = manifest.contributes.commands.map((c: { command: string }) => c.command);
    expect(ids).toEqual(['pcmod.checkWorkspace', 'pcmod.showCompiled']);
    const source = read('src/extension.js');
    const registered = [...source.matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]);
    expect(registered).toEqual(ids);
    // The server's own command ids differ, so the language client can register them without a clash.
    const serverCommands = readFileSync(join(ext, '../lsp/src/features/commands.ts'), 'utf8');
    for (const id of ids) expect(serverCommands).not.toContain(`'${id}'`);
  });

  it('has an entry point built from src/extension.js and activates on pcmod files', () => {
    expect(manifest.main).toBe('./out/extension.js');
    expect(existsSync(join(ext, 'src/extension.js'))).toBe(true);
    expect(read('scripts/build.mjs')).toContain("outfile: join(ext, 'out', 'extension.js')");
    expect(manifest.activationEvents).toContain('workspaceContains:**/*.pcmod');
    expect(manifest.engines.vscode).toMatch(/^\^1\.\d+\.\d+$/);
    expect(manifest.dependencies).toHaveProperty('vscode-languageclient');
  });
});
