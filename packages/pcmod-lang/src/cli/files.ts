/**
 * Expands the CLI's PATH arguments into `.pcmod` files and reads them, turning file-system failures into
 * usage errors with a plain message (`cannot read 'x': no such file or directory`).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, normalize, resolve } from 'node:path';
import { UsageError } from './io.js';

/** A file to process: `display` is the path as the user sees it (used in diagnostics), `absolute` for I/O. */
export interface SourceFile {
  readonly display: string;
  readonly absolute: string;
}

/** Directories never searched: dependencies and hidden folders such as `.git`. */
function isSkippedDirectory(name: string): boolean {
  return name === 'node_modules' || (name.startsWith('.') && name !== '.' && name !== '..');
}

/**
 * Every `.pcmod` file under the given paths, in a stable order, without duplicates. A path naming a file is
 * taken whatever its extension (the user asked for it); directories are searched recursively.
 * Throws {@link UsageError} for a path that does not exist or cannot be read, and when nothing is found.
 */
export async function collectSourceFiles(paths: readonly string[], cwd: string): Promise<SourceFile[]> {
  const found: SourceFile[] = [];
  for (const given of paths) {
    const absolute = resolve(cwd, given);
    const info = await stat(absolute).catch((error: unknown) => {
      throw new UsageError(`cannot read '${given}': ${describeFsError(error)}`);
    });
    if (info.isDirectory()) {
      await walk(absolute, normalize(given), found);
    } else {
      found.push({ display: normalize(given), absolute });
    }
  }
  if (found.length === 0)
    throw new UsageError(`no .pcmod files found in ${paths.map((p) => `'${p}'`).join(', ')}`);
  const seen = new Set<string>();
  return found.filter((f) => !seen.has(f.absolute) && seen.add(f.absolute));
}

async function walk(absolute: string, display: string, into: SourceFile[]): Promise<void> {
  const entries = await readdir(absolute, { withFileTypes: true }).catch((error: unknown) => {
    throw new UsageError(`cannot read '${display}': ${describeFsError(error)}`);
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const childAbsolute = join(absolute, entry.name);
    const childDisplay = join(display, entry.name);
    // Symlinked directories are not followed, so a link cycle cannot hang the walk.
    if (entry.isDirectory()) {
      if (!isSkippedDirectory(entry.name)) await walk(childAbsolute, childDisplay, into);
    } else if ((entry.isFile() || entry.isSymbolicLink()) && entry.name.endsWith('.pcmod')) {
      into.push({ display: childDisplay, absolute: childAbsolute });
    }
  }
}

/** Reads a source file as UTF-8; throws {@link UsageError} when it cannot. */
export async function readSource(file: SourceFile): Promise<string> {
  return readFile(file.absolute, 'utf8').catch((error: unknown) => {
    throw new UsageError(`cannot read '${file.display}': ${describeFsError(error)}`);
  });
}

/** `ENOENT` → `no such file or directory`; the OS wording people know from the shell. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
