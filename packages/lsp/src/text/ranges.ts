/**
 * Conversions between pcmod source ranges (1-based line/column plus a 0-based UTF-16 offset) and LSP
 * ranges (0-based line/character). Offsets are the authority: they survive any column convention.
 */
import type { Range as PcRange } from '@proxycache/pcmod-lang';
import type { Position, Range } from 'vscode-languageserver/node.js';
import type { TextDocument } from 'vscode-languageserver-textdocument';

/** The LSP range of a pcmod range inside `doc` (the text the range was computed from). */
export function toLspRange(doc: TextDocument, range: PcRange): Range {
  const start = doc.positionAt(range.start.offset);
  const end = range.end.offset > range.start.offset ? doc.positionAt(range.end.offset) : start;
  return { start, end };
}

/** The LSP range of a pcmod range in a text that is not at hand, from its 1-based lines and columns. */
export function lineColumnRange(range: PcRange): Range {
  const at = (p: PcRange['start']): Position => ({
    line: Math.max(0, p.line - 1),
    character: Math.max(0, p.column - 1),
  });
  return { start: at(range.start), end: at(range.end) };
}

/** Whether LSP position `pos` lies in `range` (both ends included, so a cursor just after a name counts). */
export function containsPosition(range: Range, pos: Position): boolean {
  const afterStart =
    pos.line > range.start.line || (pos.line === range.start.line && pos.character >= range.start.character);
  const beforeEnd =
    pos.line < range.end.line || (pos.line === range.end.line && pos.character <= range.end.character);
  return afterStart && beforeEnd;
}

/** Whether two LSP ranges overlap or touch. */
export function rangesTouch(a: Range, b: Range): boolean {
  return containsPosition(a, b.start) || containsPosition(a, b.end) || containsPosition(b, a.start);
}

/** The text of the line holding `pos`, up to the cursor. */
export function linePrefix(doc: TextDocument, pos: Position): string {
  return doc.getText({ start: { line: pos.line, character: 0 }, end: pos });
}
