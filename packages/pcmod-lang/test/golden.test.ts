/**
 * Golden tests: every `cases/*.pcmod` is compiled; its diagnostics are rendered in a squiggle baseline
 * (TypeScript's format) and compared with `*.diagnostics.txt`; clean cases also compare the generated
 * JavaScript with `*.emit.js`. `npm run golden:accept` (PCMOD_ACCEPT=1) rewrites the baselines; CI fails
 * on any difference.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compile } from '../src/compile.js';
import type { Diagnostic } from '../src/diagnostics/diagnostic.js';

const casesDir = new URL('./cases/', import.meta.url).pathname;
const accept = process.env.PCMOD_ACCEPT === '1';

/** Renders source lines with `~` under each diagnostic's range and `!!! severity CODE: message` after. */
function squiggleBaseline(file: string, text: string, diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const out = [`==== ${file} (${errors} errors, ${warnings} warnings) ====`];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    out.push(`    ${line}`);
    for (const d of diagnostics.filter((x) => x.range.start.line === lineNo)) {
      const startCol = d.range.start.column - 1;
      const endCol =
        d.range.end.line === lineNo ? Math.max(d.range.end.column - 1, startCol + 1) : line.length;
      out.push(`    ${' '.repeat(startCol)}${'~'.repeat(Math.max(1, endCol - startCol))}`);
      out.push(`!!! ${d.severity} ${d.code}: ${d.message}`);
    }
  });
  return `${out.join('\n')}\n`;
}

function compare(path: string, actual: string): void {
  if (accept) {
    writeFileSync(path, actual);
    return;
  }
  expect(existsSync(path), `missing baseline ${path}; run npm run golden:accept`).toBe(true);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden cases', () => {
  const cases = readdirSync(casesDir)
    .filter((f) => f.endsWith('.pcmod'))
    .sort();
  test('there are cases', () => expect(cases.length).toBeGreaterThan(10));
  for (const name of cases) {
    test(name, () => {
      const text = readFileSync(join(casesDir, name), 'utf8');
      const result = compile(text, name);
      const base = join(casesDir, name.replace(/\.pcmod$/, ''));
      compare(`${base}.diagnostics.txt`, squiggleBaseline(name, text, result.diagnostics));
      const emitPath = `${base}.emit.js`;
      if (result.module) compare(emitPath, `${result.module.js}\n`);
      else if (accept && existsSync(emitPath)) unlinkSync(emitPath);
      else expect(existsSync(emitPath), `stale ${emitPath}`).toBe(false);
    });
  }
});
