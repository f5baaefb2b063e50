/**
 * Compiles every `.pcmod` of the built-in and user mods directories into `CompiledModule`s. Nothing is
 * half-loaded: a file with errors yields no module, only its diagnostics, and the caller refuses to
 * start (or, on reload, keeps the old pipeline).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CompiledModule,
  compile,
  createDiagnostic,
  type Diagnostic,
  duplicateModuleName,
  fileStart,
  type Range,
  sortDiagnostics,
} from '@proxycache/pcmod-lang';

export interface LoadModulesOptions {
  /** The built-in modules (see `builtinModsDir()`). */
  readonly builtinDir: string;
  /** The operator's own modules (`--mods DIR`), loaded after the built-ins. */
  readonly userDir?: string | undefined;
}

export interface LoadedModules {
  /** Modules that compiled without errors, by priority (then name). */
  readonly modules: CompiledModule[];
  /** Every diagnostic (errors and warnings) of every file, sorted; PCM5xxx for problems across files. */
  readonly diagnostics: Diagnostic[];
}

/** Compiles all modules; never throws. */
export function loadModules(options: LoadModulesOptions): LoadedModules {
  const diagnostics: Diagnostic[] = [];
  const byName = new Map<string, CompiledModule>();
  const dirs = options.userDir === undefined ? [options.builtinDir] : [options.builtinDir, options.userDir];
  for (const dir of dirs) {
    for (const file of pcmodFiles(dir, diagnostics)) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        diagnostics.push(createDiagnostic('PCM5002', file, fileStart, [file, (e as Error).message]));
        continue;
      }
      const result = compile(text, file);
      diagnostics.push(...result.diagnostics);
      const module = result.module;
      if (!module) continue;
      const first = byName.get(module.name);
      if (first) {
        diagnostics.push(duplicateModuleName(module.name, file, modNameRange(text), first.file));
        continue;
      }
      byName.set(module.name, module);
    }
  }
  const modules = [...byName.values()].sort(
    (a, b) => a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  return { modules, diagnostics: sortDiagnostics(diagnostics) };
}

/** The `.pcmod` files of `dir`, sorted by name so load order does not depend on the file system. */
function pcmodFiles(dir: string, diagnostics: Diagnostic[]): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.pcmod'))
      .map((entry) => entry.name)
      .sort()
      .map((name) => join(dir, name));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : (e as Error).message;
    diagnostics.push(createDiagnostic('PCM5002', dir, fileStart, [dir, why]));
    return [];
  }
}

/** The range of NAME in the `mod NAME` line (the checker's header node is not part of the module). */
function modNameRange(text: string): Range {
  const m = /^([ \t]*mod[ \t]+)([A-Za-z_][A-Za-z0-9_]*)/m.exec(text);
  if (!m) return fileStart;
  const offset = m.index + (m[1]?.length ?? 0);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  const end = offset + (m[2]?.length ?? 0);
  return { start: { line, column, offset }, end: { line, column: column + (end - offset), offset: end } };
}
