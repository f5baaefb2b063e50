/**
 * The steps `run`, `config verify` and `config repair` share: where the files are, compiling the
 * modules, loading the config — each failure printed for the operator.
 */
import { resolve } from 'node:path';
import { type CompiledModule, hasErrors, shouldUseColor } from '@proxycache/pcmod-lang';
import { type LoadConfigResult, loadConfig } from '../config/load-config.js';
import { builtinModsDir } from '../loader/builtin-mods-dir.js';
import { type LoadedModules, loadModules } from '../loader/load-modules.js';
import { flag, type ParsedArgs } from './args.js';
import type { CliIo } from './io.js';
import { formatConfigErrors, formatDiagnostics } from './report.js';

/** Where the CLI finds modules and config. */
export interface SourcePaths {
  readonly configFile: string;
  readonly builtinDir: string;
  readonly userDir: string | undefined;
}

export const DEFAULT_CONFIG_FILE = 'config.toml';

/** `--config` (default config.toml) and `--mods`, resolved against the working directory. */
export function sourcePaths(args: ParsedArgs, io: CliIo): SourcePaths {
  const mods = flag(args, 'mods');
  return {
    configFile: resolve(io.cwd, flag(args, 'config') ?? DEFAULT_CONFIG_FILE),
    // The override lets a packaged install or a test point at another set of built-ins.
    builtinDir: io.env.PROXYCACHE_BUILTIN_MODS
      ? resolve(io.cwd, io.env.PROXYCACHE_BUILTIN_MODS)
      : builtinModsDir(),
    userDir: mods === undefined ? undefined : resolve(io.cwd, mods),
  };
}

/** Compiles the modules and prints their diagnostics to stderr; `ok` is false when any is an error. */
export function compileModules(paths: SourcePaths, io: CliIo): LoadedModules & { ok: boolean } {
  const loaded = loadModules(paths);
  if (loaded.diagnostics.length > 0)
    io.stderr.write(formatDiagnostics(loaded.diagnostics, shouldUseColor(io.stderr, io.env)));
  return { ...loaded, ok: !hasErrors(loaded.diagnostics) };
}

/** Loads the config and prints its errors to stderr (notes are left to the caller). */
export function loadAndReportConfig(
  paths: SourcePaths,
  modules: readonly CompiledModule[],
  io: CliIo,
): LoadConfigResult {
  const result = loadConfig(paths.configFile, modules);
  if (result.errors.length > 0) io.stderr.write(formatConfigErrors(result.errors));
  return result;
}
