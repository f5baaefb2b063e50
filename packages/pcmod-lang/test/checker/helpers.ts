/** Shared helpers for checker tests: parse + check a source, and locate snippets as exact ranges. */
import type { CheckResult, Diagnostic, Position, Range } from '@proxycache/pcmod-lang';
import { check } from '@proxycache/pcmod-lang';
import { expect } from 'vitest';
import { parse } from '../../src/parser/parse.js';

/** Parses (asserting the source is free of syntax errors) and checks. */
export function checkSource(text: string): CheckResult {
  const parsed = parse(text, 'test.pcmod');
  expect(parsed.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return check(parsed);
}

function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column, offset };
}

/**
 * The range of the `nth` (0-based) occurrence of `snippet` in `text`. When the snippet marks a part with
 * `«…»` (`let «a» = host`), the whole snippet is located and the range covers only the marked part.
 */
export function rangeOf(text: string, snippet: string, nth = 0): Range {
  const open = snippet.indexOf('«');
  const close = snippet.indexOf('»');
  const plain = snippet.replace('«', '').replace('»', '');
  let offset = -1;
  for (let i = 0; i <= nth; i++) {
    offset = text.indexOf(plain, offset + 1);
    if (offset < 0) throw new Error(`snippet ${JSON.stringify(snippet)} #${nth} not in source`);
  }
  const from = open < 0 ? offset : offset + open;
  const to = open < 0 ? offset + plain.length : offset + close - 1;
  return { start: positionAt(text, from), end: positionAt(text, to) };
}

/** Code and range of every checker diagnostic, in source order. */
export function found(text: string): Array<{ code: string; range: Range }> {
  return sorted(checkSource(text).diagnostics).map((d) => ({ code: d.code, range: d.range }));
}

function sorted(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) => a.range.start.offset - b.range.start.offset || a.code.localeCompare(b.code),
  );
}

/** Expect exactly one diagnostic: `code` over `snippet` (its `nth` occurrence). Returns it. */
export function expectOnly(text: string, code: string, snippet: string, nth = 0): Diagnostic {
  const diagnostics = sorted(checkSource(text).diagnostics);
  expect(diagnostics.map((d) => ({ code: d.code, range: d.range }))).toEqual([
    { code, range: rangeOf(text, snippet, nth) },
  ]);
  return diagnostics[0] as Diagnostic;
}

/** A module named `t` with one handler. */
export function inHandler(
  event: 'on_start' | 'on_request' | 'on_response',
  body: string,
  config = '',
): string {
  const cfg = config === '' ? '' : `config {\n${config}\n}\n\n`;
  return `mod t\n\n${cfg}${event} {\n${body}\n}\n`;
}
