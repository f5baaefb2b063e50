/**
 * Where the built-in `.pcmod` files live: the repository's `mods/`, found from this file's location so
 * it works from `src/` (tests), `dist/` (the CLI) and any working directory.
 */
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built-in mods directory: the nearest `mods/` above this package that holds `.pcmod` files. */
export function builtinModsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // packages/core/{src,dist}/loader → four levels up is the repository root.
  const expected = join(here, '..', '..', '..', '..', 'mods');
  for (let dir = here; ; ) {
    const candidate = join(dir, 'mods');
    if (isDirectory(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return expected;
    dir = parent;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
