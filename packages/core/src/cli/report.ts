/**
 * How the proxycache CLI prints module diagnostics and config errors: one heading line each,
 * `file:line:col - error CODE-or-key: message`, module diagnostics with their source excerpt.
 */
import { readFileSync } from 'node:fs';
import { type Diagnostic, renderDiagnostic } from '@proxycache/pcmod-lang';
import type { ConfigError } from '../config/types.js';

/** Renders module diagnostics with excerpts from their files (read once per file). */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], color = false): string {
  const sources = new Map<string, string>();
  const sourceOf = (file: string): string => {
    let text = sources.get(file);
    if (text === undefined) {
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        text = '';
      }
      sources.set(file, text);
    }
    return text;
  };
  return diagnostics.map((d) => `${renderDiagnostic(d, sourceOf(d.file), { color })}\n`).join('');
}

/** One line per config error; line 0 (no place in the file) prints the file alone. */
export function formatConfigErrors(errors: readonly ConfigError[]): string {
  return errors
    .map((e) => {
      const where = e.line > 0 ? `${e.file}:${e.line}:${e.column}` : e.file;
      const code = e.code === undefined ? '' : `${e.code} `;
      return `${where} - error ${code}${e.key === '' ? '' : `${e.key}: `}${e.message}\n`;
    })
    .join('');
}
