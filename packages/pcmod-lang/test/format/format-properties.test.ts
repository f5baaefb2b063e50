import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { format } from '../../src/format/format.js';
import { parse } from '../../src/parser/parse.js';
import { shapeOf } from './ast-shape.js';
import { moduleText } from './module-generator.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Every `.pcmod` file in the repository (built-in mods, examples, golden cases, docs). */
function repoModules(dir = repoRoot): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...repoModules(path));
    else if (entry.name.endsWith('.pcmod')) found.push(path);
  }
  return found;
}

const hasSyntaxErrors = (text: string) =>
  parse(text, 'm.pcmod').diagnostics.some((d) => d.severity === 'error');

/** The two promises of the formatter, for one input. */
function expectStableAndFaithful(text: string, file: string): void {
  const once = format(text, file);
  expect(format(once.text, file).text, `${file}: formatting twice changes the text`).toBe(once.text);
  expect(shapeOf(parse(once.text, file).ast), `${file}: formatting changes the tree`).toEqual(
    shapeOf(parse(text, file).ast),
  );
}

describe('format properties', () => {
  it('is idempotent and meaning-preserving on every .pcmod file in the repository', () => {
    const files = repoModules();
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      const result = format(text, path);
      if (hasSyntaxErrors(text)) {
        // Deliberately broken golden cases: left exactly as they are.
        expect(result.text).toBe(text);
        continue;
      }
      expectStableAndFaithful(text, path);
    }
  });

  it('generates only valid modules (guards the generator itself)', () => {
    fc.assert(
      fc.property(moduleText, (text) => {
        const errors = parse(text, 'gen.pcmod').diagnostics.filter((d) => d.severity === 'error');
        expect(
          errors.map((d) => `${d.code} ${d.range.start.line}:${d.range.start.column} ${d.message}`),
          text,
        ).toEqual([]);
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it('is idempotent and meaning-preserving on generated modules', () => {
    fc.assert(
      fc.property(moduleText, (text) => {
        expectStableAndFaithful(text, 'gen.pcmod');
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('leaves generated modules with a syntax error untouched', () => {
    fc.assert(
      fc.property(moduleText, fc.nat(), fc.constantFrom('{', '"', '= =', ')'), (text, at, junk) => {
        const lines = text.split('\n');
        const index = at % lines.length;
        lines[index] = `${lines[index]} ${junk}`;
        const broken = lines.join('\n');
        fc.pre(hasSyntaxErrors(broken));
        const result = format(broken, 'gen.pcmod');
        expect(result.text).toBe(broken);
        expect(result.changed).toBe(false);
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});
