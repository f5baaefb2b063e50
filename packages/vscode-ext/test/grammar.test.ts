/**
 * The TextMate grammar: annotated samples checked with vscode-tmgrammar-test, and every built-in module
 * and example tokenized line by line without errors.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import oniguruma from 'vscode-oniguruma';
import textmate from 'vscode-textmate';

const ext = fileURLToPath(new URL('../', import.meta.url));
const root = join(ext, '..', '..');
const grammarPath = join(ext, 'syntaxes', 'pcmod.tmLanguage.json');
const require = createRequire(import.meta.url);

async function loadGrammar(): Promise<textmate.IGrammar> {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope: string) =>
      scope === 'source.pcmod'
        ? textmate.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath)
        : null,
  });
  const grammar = await registry.loadGrammar('source.pcmod');
  if (!grammar) throw new Error('grammar did not load');
  return grammar;
}

const pcmodFiles = (dir: string) =>
  readdirSync(join(root, dir))
    .filter((n) => n.endsWith('.pcmod'))
    .map((n) => join(dir, n));

describe('TextMate grammar', () => {
  it('passes the annotated samples', () => {
    const bin = join(root, 'node_modules', 'vscode-tmgrammar-test', 'dist', 'unit.js');
    const out = execFileSync(
      process.execPath,
      [bin, '-g', grammarPath, join(ext, 'test', 'grammar', '*.pcmod')],
      { encoding: 'utf8' },
    );
    expect(out).toContain('legacy.pcmod run successfuly');
    expect(out).toContain('module.pcmod run successfuly');
  });

  it('tokenizes every built-in module and example without invalid tokens', async () => {
    const grammar = await loadGrammar();
    const files = [...pcmodFiles('mods'), ...pcmodFiles('examples')];
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      let stack = textmate.INITIAL;
      const lines = readFileSync(join(root, file), 'utf8').split('\n');
      for (const [n, line] of lines.entries()) {
        const result = grammar.tokenizeLine(line, stack);
        stack = result.ruleStack;
        const covered = result.tokens.at(-1)?.endIndex ?? 0;
        expect(covered, `${file}:${n + 1}`).toBeGreaterThanOrEqual(line.length);
        const invalid = result.tokens.filter((t) => t.scopes.some((s) => s.startsWith('invalid')));
        expect(invalid, `${file}:${n + 1}`).toEqual([]);
      }
      // Every file closes whatever it opened (config blocks, strings): the stack is back at the top.
      expect(
        stack.equals(textmate.INITIAL) || (stack as unknown as { depth: number }).depth === 1,
        file,
      ).toBe(true);
    }
  });
});
