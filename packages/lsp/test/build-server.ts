/** Builds packages/lsp (and, through project references, pcmod-lang and core) before spawning the server. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export function buildServer(): void {
  try {
    execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b', `${root}packages/lsp`], { stdio: 'pipe' });
  } catch (error) {
    // tsc -b still emits when a package has type errors; only a missing build is fatal here.
    if (!existsSync(`${root}packages/lsp/dist/main.js`)) throw error;
  }
}

export const repoRoot = root;
