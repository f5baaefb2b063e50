/**
 * chevrotain's runtime, loaded from the single-file ESM bundle the package ships
 * (`lib/chevrotain.mjs`) instead of its default entry, which pulls in several hundred lodash-es
 * modules: the bundle loads in well under 100 ms where the module graph took about a second, and
 * every `pcmod` / `proxycache` start and every language-server start pays that once.
 * Types still come from `chevrotain` itself; the bundle is the same build of the same version.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Chevrotain from 'chevrotain';

async function load(): Promise<typeof Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve('chevrotain');
    const bundle = join(dirname(entry), '..', 'chevrotain.mjs');
    if (existsSync(bundle)) return (await import(pathToFileURL(bundle).href)) as typeof Chevrotain;
  } catch {
    // Bundled into another file (the VS Code extension's server) or an unusual layout: use the entry.
  }
  return import('chevrotain');
}

export const chevrotain: typeof Chevrotain = await load();
