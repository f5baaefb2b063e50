/**
 * Re-parsing after an edit inside one handler without parsing the whole module again: the top-level
 * statements of the handler that the edit touches are parsed on their own (wrapped in a one-handler
 * module) and spliced into the previous AST, whose later positions are shifted by the edit. The result
 * is the AST a full `parse` would give (a test compares them); whenever that cannot be guaranteed —
 * the previous parse had diagnostics, the new lines do not parse cleanly on their own, the edit touches
 * a header, the config block or a brace of the handler — it returns undefined and the caller parses
 * the whole text.
 */
import {
  type HandlerNode,
  MAX_LINES,
  type ModuleNode,
  type ParseResult,
  type Position,
  parse,
} from '@proxycache/pcmod-lang';

const WRAP_HEAD = 'mod incremental\non_request {\n';
/** The wrapped statements start on this (1-based) line. */
const WRAP_LINE = 3;

/** The AST of `text` from `previous` (the parse of an earlier text), or undefined to parse in full. */
export function reparse(previous: ParseResult, text: string): ParseResult | undefined {
  if (previous.diagnostics.length > 0) return undefined;
  const before = previous.text;
  if (before === text) return previous;
  // The edit: [from, oldEnd) of the old text became [from, oldEnd + delta) of the new one.
  const limit = Math.min(before.length, text.length);
  let from = 0;
  while (from < limit && before.charCodeAt(from) === text.charCodeAt(from)) from++;
  let suffix = 0;
  while (
    suffix < limit - from &&
    before.charCodeAt(before.length - 1 - suffix) === text.charCodeAt(text.length - 1 - suffix)
  )
    suffix++;
  let oldEnd = before.length - suffix;
  const delta = text.length - before.length;
  // Whole lines added or removed at a line start: see the edit as starting at the previous line's end
  // (the same edit), so that it does not reach into the line after it (often the handler's `}`).
  const newLine = (t: string, i: number) => t.charCodeAt(i) === 10;
  if (
    from > 0 &&
    newLine(before, from - 1) &&
    (oldEnd === from || newLine(before, oldEnd - 1)) &&
    (oldEnd + delta === from || newLine(text, oldEnd + delta - 1))
  ) {
    from--;
    oldEnd--;
  }

  const ast = previous.ast;
  const handlerIndex = ast.handlers.findIndex(
    (h) => h.body.range.start.offset < from && oldEnd < h.body.range.end.offset - 1,
  );
  const handler = ast.handlers[handlerIndex];
  if (!handler) return undefined;
  const statements = handler.body.statements;
  // Whole lines: from the start of the first line touched (or of the first statement touched) to the end
  // of the last one.
  let start = lineStart(before, from);
  let end = lineEnd(before, oldEnd);
  const touched = statements.filter((s) => s.range.start.offset <= end && s.range.end.offset >= start);
  for (const s of touched) {
    start = Math.min(start, lineStart(before, s.range.start.offset));
    end = Math.max(end, lineEnd(before, s.range.end.offset));
  }
  const open = handler.body.range.start.offset;
  const close = handler.body.range.end.offset - 1;
  if (start <= open || end >= close || lineEnd(before, open) >= start || lineStart(before, close) <= end)
    return undefined;
  const kept = statements.filter((s) => s.range.end.offset < start || s.range.start.offset > end);
  if (kept.length + touched.length !== statements.length) return undefined;

  const region = text.slice(start, end + delta);
  const wrapped = parse(`${WRAP_HEAD}${region}\n}\n`, previous.file);
  const inner = wrapped.ast.handlers[0];
  if (wrapped.diagnostics.length > 0 || !inner || wrapped.ast.handlers.length !== 1) return undefined;
  const lines = countLines(text);
  if (lines > MAX_LINES) return undefined;

  const startLine = countLines(before.slice(0, start));
  const lineDelta = countLines(region) - countLines(before.slice(start, end));
  const fromWrapped = (p: Position): Position => ({
    line: p.line - WRAP_LINE + startLine,
    column: p.column,
    offset: p.offset - WRAP_HEAD.length + start,
  });
  const afterEdit = (p: Position): Position =>
    p.offset > end ? { line: p.line + lineDelta, column: p.column, offset: p.offset + delta } : p;

  const fresh = shifted(inner.body.statements, fromWrapped);
  const earlier = kept.filter((s) => s.range.end.offset < start);
  const later = kept.filter((s) => s.range.start.offset > end);
  const newHandler: HandlerNode = {
    ...handler,
    range: shifted(handler.range, afterEdit),
    body: {
      ...handler.body,
      range: shifted(handler.body.range, afterEdit),
      statements: [...earlier, ...fresh, ...shifted(later, afterEdit)],
    },
  };
  const comments = [
    ...ast.comments.filter((c) => c.range.end.offset <= start),
    ...shifted(wrapped.ast.comments, fromWrapped),
    ...shifted(
      ast.comments.filter((c) => c.range.start.offset > end),
      afterEdit,
    ),
  ];
  const module: ModuleNode = {
    ...ast,
    range: shifted(ast.range, afterEdit),
    headers: shifted(ast.headers, afterEdit),
    configs: shifted(ast.configs, afterEdit),
    handlers: ast.handlers.map((h, i) => (i === handlerIndex ? newHandler : shifted(h, afterEdit))),
    comments,
  };
  return { file: previous.file, text, ast: module, diagnostics: [] };
}

/**
 * `value` with every position mapped by `move`: a subtree is copied when a position in it moves and
 * shared otherwise (nodes are never mutated, and the checker keys its tables by node per run).
 */
function shifted<T>(value: T, move: (p: Position) => Position): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const moved = shifted(item, move);
      if (moved === item) continue;
      out ??= value.slice();
      out[i] = moved;
    }
    return (out ?? value) as T;
  }
  const o = value as Record<string, unknown>;
  if (typeof o.offset === 'number' && typeof o.line === 'number' && typeof o.column === 'number')
    return move(o as unknown as Position) as T;
  let out: Record<string, unknown> | undefined;
  for (const key in o) {
    const item = o[key];
    const moved = shifted(item, move);
    if (moved === item) continue;
    out ??= { ...o };
    out[key] = moved;
  }
  return (out ?? value) as T;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function lineEnd(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i < 0 ? text.length : i;
}

/** 1-based number of the line at the end of `text`. */
function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
