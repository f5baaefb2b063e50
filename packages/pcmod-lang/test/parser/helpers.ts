/** Shared helpers for the parser tests: compact, exact views of diagnostics and ranges. */
import type { Diagnostic, Range } from '../../src/index.js';
import { parse } from '../../src/parser/parse.js';

/** `L:C-L:C` of a range. */
export function at(range: Range): string {
  return `${range.start.line}:${range.start.column}-${range.end.line}:${range.end.column}`;
}

/** `CODE L:C-L:C message` for each diagnostic. */
export function describe(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.code} ${at(d.range)} ${d.message}`);
}

/** Parses `text` and returns the diagnostics in compact form. */
export function diagnosticsOf(text: string): string[] {
  return describe(parse(text, 'test.pcmod').diagnostics);
}

/** Parses a module that must have no diagnostics. */
export function parseClean(text: string) {
  const result = parse(text, 'test.pcmod');
  if (result.diagnostics.length > 0)
    throw new Error(`unexpected diagnostics:\n${describe(result.diagnostics).join('\n')}`);
  return result.ast;
}

/** Wraps statements in `mod t` + `on_request { … }` and returns the handler's statements. */
export function statementsOf(body: string) {
  const ast = parseClean(`mod t\non_request {\n${body}\n}\n`);
  const handler = ast.handlers[0];
  if (handler === undefined) throw new Error('no handler');
  return handler.body.statements;
}

/** Recursively drops `range`-like keys, for comparing AST shapes. */
export function shape(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v: unknown) => (key === 'range' || key.endsWith('Range') ? undefined : v)),
  );
}
