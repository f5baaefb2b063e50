/**
 * The one diagnostic shape. The parser and checker produce it, the CLI renders it (text or JSON),
 * the language server publishes it, the core's module loader reports it. Nobody rebuilds it.
 */
import type { Range } from '../ast/nodes.js';
import { catalogue, type DiagnosticCode } from './catalogue.js';

export type Severity = 'error' | 'warning' | 'info' | 'hint';

/** A text replacement: `range` in the same file is replaced by `newText`. */
export interface TextEdit {
  readonly range: Range;
  readonly newText: string;
}

/** A quick fix the CLI can print and the language server offers as a code action. */
export interface Fix {
  readonly title: string;
  readonly edits: readonly TextEdit[];
}

export interface RelatedInformation {
  readonly message: string;
  readonly file: string;
  readonly range: Range;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  readonly range: Range;
  readonly related?: readonly RelatedInformation[];
  readonly fix?: Fix;
}

/**
 * Builds a diagnostic from the catalogue: severity and message template come from the code;
 * `args` fill `{0}`, `{1}`, … in the template.
 */
export function createDiagnostic(
  code: DiagnosticCode,
  file: string,
  range: Range,
  args: readonly (string | number)[] = [],
  extra: { related?: readonly RelatedInformation[]; fix?: Fix } = {},
): Diagnostic {
  const entry = catalogue[code];
  const message = entry.message.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));
  return { code, severity: entry.severity, message, file, range, ...extra };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, then position, then code — a stable order for output and golden files. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.range.start.offset - b.range.start.offset ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}
