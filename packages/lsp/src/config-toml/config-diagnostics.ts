/**
 * config.toml diagnostics: the text is validated by core's own `checkConfigText` against the modules'
 * `config {}` schemas (unknown sections and keys, wrong value types, bad addresses, TOML syntax), so
 * the editor says exactly what `proxycache config verify` would, with core's catalogue code (PCM6xxx).
 */
import { type ConfigModule, checkConfigText } from '@proxycache/core/config/load-config';
import type { DiagnosticCode } from '@proxycache/pcmod-lang';
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver/node.js';
import type { Analysis } from '../analysis/analysis.js';
import { tomlTokenSpan } from './toml-context.js';

/** The code of a config error that core reports without one (every error core creates carries one). */
const FALLBACK_CODE: DiagnosticCode = 'PCM6004';

/** Diagnostics for config.toml `text` at `file`, checked against `modules`. */
export function configDiagnostics(text: string, file: string, modules: readonly Analysis[]): Diagnostic[] {
  const schemas: ConfigModule[] = modules.flatMap((m) =>
    m.moduleName && m.checked ? [{ name: m.moduleName.name, configSchema: m.checked.configSchema }] : [],
  );
  const lines = text.split(/\r?\n/);
  const { errors } = checkConfigText(text, file, schemas);
  return errors.map((e) => {
    const line = Math.max(0, e.line - 1);
    const lineText = lines[line] ?? '';
    const span = e.line > 0 ? tomlTokenSpan(lineText, Math.max(0, e.column - 1)) : { start: 0, end: 0 };
    return {
      range: {
        start: { line, character: span.start },
        end: { line, character: Math.min(span.end, Math.max(lineText.length, span.start)) },
      },
      severity: DiagnosticSeverity.Error,
      code: e.code ?? FALLBACK_CODE,
      source: 'pcmod',
      message: e.key ? `${e.key}: ${e.message}` : e.message,
    };
  });
}
