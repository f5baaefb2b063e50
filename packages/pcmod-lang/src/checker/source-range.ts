/** Small range constructors for diagnostics that point at part of a node. */
import type { Position, Range } from '../ast/nodes.js';

/** A zero-width range at `pos`. */
export function emptyRangeAt(pos: Position): Range {
  return { start: pos, end: pos };
}

/**
 * The first `length` characters of `range`: the keyword that starts a statement or block. Keywords never
 * span lines, so the end stays on the start line; the result is clamped to the node's own range.
 */
export function leadingRange(range: Range, length: number): Range {
  const n = Math.max(0, Math.min(length, range.end.offset - range.start.offset));
  const end: Position = {
    line: range.start.line,
    column: range.start.column + n,
    offset: range.start.offset + n,
  };
  return { start: range.start, end };
}

/** From the start of `first` to the end of `last`. */
export function spanRange(first: Range, last: Range): Range {
  return { start: first.start, end: last.end };
}
