/**
 * Keeps the docs honest: the stdlib reference is generated from the table, every diagnostic code is
 * documented in docs/pcmod.md and exercised by at least one test, and the docs mention no code that
 * does not exist (Fastify's errors test does the same for its codes).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { allCodes, catalogue, compile, renderStdlibMarkdown } from '@proxycache/pcmod-lang';
import { describe, expect, test } from 'vitest';
// @ts-expect-error plain ESM script without types
import { renderCatalogue, withCatalogue } from '../scripts/render-catalogue.mjs';

const root = new URL('..', import.meta.url).pathname;

function filesUnder(dir: string, match: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...filesUnder(full, match));
    else if (match(full)) out.push(full);
  }
  return out;
}

describe('docs', () => {
  test('docs/stdlib.md is generated from the declaration table (run `npm run docs`)', () => {
    expect(readFileSync(join(root, 'docs/stdlib.md'), 'utf8')).toBe(renderStdlibMarkdown());
  });

  const pcmodDoc = readFileSync(join(root, 'docs/pcmod.md'), 'utf8');

  test('docs/pcmod.md documents every diagnostic code', () => {
    const missing = allCodes.filter((code) => !pcmodDoc.includes(`### ${code}`));
    expect(missing).toEqual([]);
  });

  test('the catalogue in docs/pcmod.md is up to date (run `npm run docs`)', () => {
    expect(pcmodDoc).toBe(withCatalogue(pcmodDoc, renderCatalogue({ compile, catalogue })));
  });

  test('docs/pcmod.md lists no code that does not exist', () => {
    const documented = new Set(pcmodDoc.match(/PCM\d{4}/g) ?? []);
    const unknown = [...documented].filter((code) => !(allCodes as string[]).includes(code));
    expect(unknown).toEqual([]);
  });

  test('every diagnostic code is exercised by a test or golden case', () => {
    const testText = [
      ...filesUnder(join(root, 'packages'), (f) => f.includes('/test/') && /\.(ts|txt|pcmod)$/.test(f)),
      ...filesUnder(
        join(root, 'test'),
        (f) => /\.(ts|txt|pcmod)$/.test(f) && !f.endsWith('docs-sync.test.ts'),
      ),
    ]
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const untested = allCodes.filter((code) => !testText.includes(code));
    expect(untested).toEqual([]);
  });
});
