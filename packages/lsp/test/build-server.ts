/** Builds packages/lsp (and, through project references, pcmod-lang and core) before spawning the server. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export async function buildServer(): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, [
      `${root}node_modules/typescript/bin/tsc`,
      '-b',
      `${root}packages/lsp`,
    ]);
  } catch (error) {
    // tsc -b still emits when a package has type errors; only a missing build is fatal here.
    if (!existsSync(`${root}packages/lsp/dist/main.js`)) throw error;
  }
}

export const repoRoot = root;
