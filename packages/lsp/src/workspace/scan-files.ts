/** Finds the files the server cares about under the workspace folders. */
import { type Dirent, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Folders never worth descending into. */
const SKIPPED = new Set(['node_modules', '.git', 'dist', 'out', 'coverage', '.vscode-test']);
/** A bound so that opening a huge folder cannot stall the server. */
const MAX_FILES = 5000;

/** Every path under `roots` for which `wanted(name)` holds, depth first, at most {@link MAX_FILES}. */
export function scanFiles(roots: readonly string[], wanted: (name: string) => boolean): string[] {
  const out: string[] = [];
  const stack = [...roots];
  while (stack.length > 0 && out.length < MAX_FILES) {
    const dir = stack.pop() as string;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable or vanished: nothing to report from here
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED.has(e.name) && !e.name.startsWith('.')) stack.push(path);
      } else if (e.isFile() && wanted(e.name)) out.push(path);
    }
  }
  return out.sort();
}
