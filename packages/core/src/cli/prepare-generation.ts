/**
 * Everything a new pipeline needs, read fresh from disk: compiled modules and the validated config.
 * Used at start and by every reload (SIGHUP, admin `/reload`), so both apply exactly the same checks.
 */
import type { CompiledModule, Diagnostic } from '@proxycache/pcmod-lang';
import { hasErrors } from '@proxycache/pcmod-lang';
import { loadConfig } from '../config/load-config.js';
import type { ConfigError, ProxyConfig } from '../config/types.js';
import { loadModules } from '../loader/load-modules.js';
import type { ReloadResult } from '../pipeline/host.js';
import type { SourcePaths } from './modules-and-config.js';

/** The `code` a config error carries in a `ReloadResult` (config errors have no catalogue code). */
export const CONFIG_ERROR_CODE = 'PC_ERR_CONFIG';

export type ReloadDiagnostic = ReloadResult['diagnostics'][number];

export type PreparedGeneration =
  | {
      readonly ok: true;
      readonly modules: CompiledModule[];
      readonly config: ProxyConfig;
      /** Warnings of the modules (the new pipeline runs despite them). */
      readonly warnings: Diagnostic[];
      readonly notes: string[];
    }
  | {
      readonly ok: false;
      readonly diagnostics: Diagnostic[];
      readonly configErrors: ConfigError[];
    };

/** Compiles the modules, then loads the config against them. */
export function prepareGeneration(paths: SourcePaths): PreparedGeneration {
  const loaded = loadModules(paths);
  if (hasErrors(loaded.diagnostics)) return { ok: false, diagnostics: loaded.diagnostics, configErrors: [] };
  const config = loadConfig(paths.configFile, loaded.modules);
  if (!config.config) return { ok: false, diagnostics: loaded.diagnostics, configErrors: config.errors };
  return {
    ok: true,
    modules: loaded.modules,
    config: config.config,
    warnings: loaded.diagnostics,
    notes: config.notes,
  };
}

/** Module diagnostics and config errors in the flat shape of `ReloadResult.diagnostics`. */
export function toReloadDiagnostics(
  diagnostics: readonly Diagnostic[],
  configErrors: readonly ConfigError[],
): ReloadDiagnostic[] {
  return [
    ...diagnostics.map((d) => ({
      code: d.code,
      file: d.file,
      line: d.range.start.line,
      column: d.range.start.column,
      message: d.message,
      severity: d.severity,
    })),
    ...configErrors.map((e) => ({
      code: CONFIG_ERROR_CODE,
      file: e.file,
      line: e.line,
      column: e.column,
      message: e.key === '' ? e.message : `${e.key}: ${e.message}`,
      severity: 'error',
    })),
  ];
}
