/**
 * Turns diagnostics into text for people (`file:line:col - error PCM2001: message`, the source line and
 * an underline) and into JSON for tools. The CLI prints these; the shape itself is never rebuilt here.
 */
import type { Range } from '../ast/nodes.js';
import type { Diagnostic, Severity } from './diagnostic.js';

/** Options for {@link renderDiagnostic}. */
export interface RenderOptions {
  /** Wrap the severity, location and underline in ANSI colour codes. Default: false. */
  readonly color?: boolean;
}

const ansi = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  yellow: '\u001b[33m',
  blue: '\u001b[34m',
  cyan: '\u001b[36m',
} as const;

const severityColour: Record<Severity, string> = {
  error: ansi.red,
  warning: ansi.yellow,
  info: ansi.blue,
  hint: ansi.dim,
};

/**
 * Renders one diagnostic:
 *
 * ```
 * mods/a.pcmod:3:11 - error PCM2001: Unknown name 'foo'.
 *   3 |   if foo == "x" {
 *     |      ^~~
 *   fix: Quote the value
 * ```
 *
 * The underline covers the range on its first line (a multi-line range is underlined to the end of that
 * line); an empty range gets a single caret. `sourceText` is the text the diagnostic's range refers to; when
 * the line is not in it (stale text), only the heading line is printed. Ends without a trailing newline.
 */
export function renderDiagnostic(d: Diagnostic, sourceText: string, options: RenderOptions = {}): string {
  const paint = (code: string, s: string): string => (options.color ? `${code}${s}${ansi.reset}` : s);
  const { line, column } = d.range.start;
  const heading =
    `${paint(ansi.cyan, `${d.file}:${line}:${column}`)} - ` +
    `${paint(severityColour[d.severity], d.severity)} ${paint(ansi.dim, d.code)}: ${d.message}`;
  const out = [heading, ...excerpt(d.range, sourceText, (s) => paint(severityColour[d.severity], s))];
  for (const r of d.related ?? []) {
    out.push(`  note: ${r.file}:${r.range.start.line}:${r.range.start.column}: ${r.message}`);
  }
  if (d.fix) out.push(`  fix: ${d.fix.title}`);
  return out.join('\n');
}

/** The source line of `range.start` with a gutter, and the underline below it. */
function excerpt(range: Range, sourceText: string, paintUnderline: (s: string) => string): string[] {
  // The same line breaks as the lexer, so line numbers agree.
  const lines = sourceText.split(/\r\n|\r|\n/);
  const lineNo = range.start.line;
  const text = lines[lineNo - 1];
  if (text === undefined) return [];
  const startIndex = Math.min(Math.max(range.start.column - 1, 0), text.length);
  const endIndex =
    range.end.line === lineNo
      ? Math.min(Math.max(range.end.column - 1, startIndex), text.length)
      : text.length;
  const width = Math.max(endIndex - startIndex, 1);
  // Keep tabs in the padding so the underline lines up under tab-indented code.
  const padding = text.slice(0, startIndex).replace(/[^\t]/g, ' ');
  const gutter = String(lineNo);
  const blank = ' '.repeat(gutter.length);
  return [`  ${gutter} | ${text}`, `  ${blank} | ${padding}${paintUnderline(`^${'~'.repeat(width - 1)}`)}`];
}

/** One-line heading of each diagnostic followed by its excerpt, separated by blank lines. */
export function renderDiagnostics(
  diagnostics: readonly Diagnostic[],
  sourceFor: (file: string) => string,
  options: RenderOptions = {},
): string {
  return diagnostics.map((d) => renderDiagnostic(d, sourceFor(d.file), options)).join('\n\n');
}

/**
 * The diagnostics as a JSON array with a stable key order (code, severity, message, file, range, related,
 * fix), whatever order the producer built the objects in. Optional keys appear only when present.
 */
export function renderJson(diagnostics: readonly Diagnostic[]): string {
  return JSON.stringify(diagnostics.map(canonicalDiagnostic), null, 2);
}

function canonicalDiagnostic(d: Diagnostic): object {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.file,
    range: canonicalRange(d.range),
    ...(d.related
      ? {
          related: d.related.map((r) => ({
            message: r.message,
            file: r.file,
            range: canonicalRange(r.range),
          })),
        }
      : {}),
    ...(d.fix
      ? {
          fix: {
            title: d.fix.title,
            edits: d.fix.edits.map((e) => ({ range: canonicalRange(e.range), newText: e.newText })),
          },
        }
      : {}),
  };
}

function canonicalRange(r: Range): object {
  return {
    start: { line: r.start.line, column: r.start.column, offset: r.start.offset },
    end: { line: r.end.line, column: r.end.column, offset: r.end.offset },
  };
}

/** Colour only for a terminal, and never when `NO_COLOR` is set (https://no-color.org). */
export function shouldUseColor(
  stream: { readonly isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}
