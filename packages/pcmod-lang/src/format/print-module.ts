/**
 * Lays out a parsed module in canonical form: headers first in their order, then the `config` and handler
 * sections in source order with one blank line between sections, 2-space indentation, one statement per line.
 */
import type {
  BlockNode,
  ConfigBlockNode,
  ConfigFieldNode,
  HeaderNode,
  IfNode,
  ListLiteralNode,
  MapLiteralNode,
  ModuleNode,
  Range,
  StatementNode,
  TypeRefNode,
} from '../ast/nodes.js';
import { LineWriter } from './line-writer.js';
import { printExpression, printMapEntry, quoteString } from './print-expression.js';

/** Beyond this width a map or list default is split into one entry per line. */
const maxLineWidth = 100;

type SourcePoint = { readonly line: number; readonly offset: number };

export function printModule(ast: ModuleNode, text: string): string {
  const w = new LineWriter(ast.comments, text);
  const sections = [...ast.configs, ...ast.handlers].sort(
    (a, b) => a.range.start.offset - b.range.start.offset,
  );
  for (const header of ast.headers) w.item(0, printHeader(header), header.range.start, header.range.end.line);
  sections.forEach((section, i) => {
    if (ast.headers.length > 0 || i > 0) w.breakSection();
    if (section.kind === 'ConfigBlock') printConfig(w, section);
    else printBlock(w, section.event, section.body, 0, section.range.start);
  });
  w.flushComments(Number.POSITIVE_INFINITY, 0);
  return w.toString();
}

function printHeader(h: HeaderNode): string {
  switch (h.kind) {
    case 'ModHeader':
      return `mod ${h.name.name}`;
    case 'VersionHeader':
      // The value is the raw text between the quotes (escapes unresolved), so it goes back verbatim.
      return `version ${/^\d+(\.\d+)*$/.test(h.value) ? h.value : `"${h.value}"`}`;
    case 'PriorityHeader':
      return `priority ${h.value}`;
    case 'OverridesHeader':
      return `overrides ${h.name.name}`;
  }
}

/** Source position of the closing bracket `close` that ends `node`'s range. */
function closing(w: LineWriter, node: { readonly range: Range }, close: '}' | ']'): SourcePoint {
  const offset = w.sourceText.lastIndexOf(close, node.range.end.offset - 1);
  return {
    line: node.range.end.line,
    offset: offset >= node.range.start.offset ? offset : node.range.end.offset,
  };
}

function printConfig(w: LineWriter, config: ConfigBlockNode): void {
  const close = closing(w, config, '}');
  if (config.fields.length === 0 && !w.hasPendingCommentBetween(config.range.start.offset, close.offset)) {
    w.item(0, 'config {}', config.range.start, close.line);
    return;
  }
  w.item(0, 'config {', config.range.start, config.range.start.line);
  w.openBlock();
  for (const field of config.fields) printField(w, field);
  w.flushComments(close.offset, 1);
  w.continuation(0, '}', close.line);
}

function printType(t: TypeRefNode): string {
  return t.name === 'list' && t.element !== undefined && t.element !== 'str' ? `list<${t.element}>` : t.name;
}

function printField(w: LineWriter, field: ConfigFieldNode): void {
  const head = `${field.name.name} ${printType(field.type)}`;
  const value = field.default;
  if (value === undefined) {
    w.item(1, head, field.range.start, field.range.end.line);
    return;
  }
  const line = `${head} ${printExpression(value)}`;
  if ((value.kind === 'MapLiteral' || value.kind === 'ListLiteral') && wantsOneEntryPerLine(w, value, line)) {
    printEntryPerLine(w, head, value, field.range.start);
    return;
  }
  w.item(1, line, field.range.start, field.range.end.line);
}

/**
 * Long collections, collections written over several lines, and collections with comments inside get one
 * entry per line; the rest stay on one line.
 */
function wantsOneEntryPerLine(
  w: LineWriter,
  value: MapLiteralNode | ListLiteralNode,
  flatLine: string,
): boolean {
  const count = value.kind === 'MapLiteral' ? value.entries.length : value.elements.length;
  if (count === 0) return false;
  const { start, end } = value.range;
  return (
    `  ${flatLine}`.length > maxLineWidth ||
    end.line > start.line ||
    w.hasPendingCommentBetween(start.offset, end.offset)
  );
}

/** `head {` / `head [`, one entry per line (list elements with a trailing comma), then the closer. */
function printEntryPerLine(
  w: LineWriter,
  head: string,
  value: MapLiteralNode | ListLiteralNode,
  start: SourcePoint,
): void {
  const [open, close] = value.kind === 'MapLiteral' ? (['{', '}'] as const) : (['[', ']'] as const);
  w.item(1, `${head} ${open}`, start, value.range.start.line);
  w.openBlock();
  if (value.kind === 'MapLiteral') {
    for (const entry of value.entries)
      w.item(2, printMapEntry(entry), entry.range.start, entry.range.end.line);
  } else {
    for (const element of value.elements)
      w.item(2, `${printExpression(element)},`, element.range.start, element.range.end.line);
  }
  const end = closing(w, value, close);
  w.flushComments(end.offset, 2);
  w.continuation(1, close, end.line);
}

/** `HEAD {`, the statements one level deeper, `}`. An empty block without comments prints as `HEAD {}`. */
function printBlock(w: LineWriter, head: string, block: BlockNode, indent: number, start: SourcePoint): void {
  const close = closing(w, block, '}');
  if (block.statements.length === 0 && !w.hasPendingCommentBetween(block.range.start.offset, close.offset)) {
    w.item(indent, `${head} {}`, start, close.line);
    return;
  }
  w.item(indent, `${head} {`, start, block.range.start.line);
  printBody(w, block, indent);
  w.continuation(indent, '}', close.line);
}

/**
 * The statements of a block and the comments up to `until` (by default its `}`; the braces are the
 * caller's).
 */
function printBody(
  w: LineWriter,
  block: BlockNode,
  indent: number,
  until = closing(w, block, '}').offset,
): void {
  w.openBlock();
  for (const statement of block.statements) {
    if (statement.kind === 'If') printIf(w, statement, indent + 1);
    else w.item(indent + 1, printSimpleStatement(statement), statement.range.start, statement.range.end.line);
  }
  w.flushComments(until, indent + 1);
}

function printSimpleStatement(s: Exclude<StatementNode, IfNode>): string {
  switch (s.kind) {
    case 'Respond': {
      const parts = ['respond', printExpression(s.status)];
      if (s.contentType)
        parts.push('keyword' in s.contentType ? s.contentType.keyword : printExpression(s.contentType));
      if (s.body) parts.push(printExpression(s.body));
      return parts.join(' ');
    }
    case 'SetHeader':
      return `set_header ${printExpression(s.name)} ${printExpression(s.value)}`;
    case 'RemoveHeader':
      return `remove_header ${printExpression(s.name)}`;
    case 'SetCtx':
      return `set_ctx ${s.key.kind === 'Identifier' ? s.key.name : quoteString(s.key.value)} ${printExpression(s.value)}`;
    case 'Log':
      return `log ${s.level.name} ${printExpression(s.message)}`;
    case 'Let':
      return `let ${s.name.name} = ${printExpression(s.value)}`;
    case 'Pass':
      return 'pass';
    case 'CallStatement':
      return printExpression(s.call);
  }
}

/**
 * `if c {`, `} else if c {`, `} else {`, `}` — bodies always on their own lines. Comments written between a
 * `}` and the `else` that follows it (on the next line) go to the end of the body before.
 */
function printIf(w: LineWriter, s: IfNode, indent: number): void {
  // Where each body's comments end: the next `else` keyword (an else-if branch starts at it), the else
  // body's `{` (nothing valid stands between `else` and `{`), or the body's own `}`.
  const nextStarts = [
    ...s.branches.slice(1).map((b) => b.range.start.offset),
    s.elseBody?.range.start.offset,
  ];
  s.branches.forEach((branch, i) => {
    const head = `if ${printExpression(branch.condition)} {`;
    if (i === 0) w.item(indent, head, s.range.start, branch.body.range.start.line);
    else w.continuation(indent, `} else ${head}`, branch.body.range.start.line);
    printBody(w, branch.body, indent, nextStarts[i]);
  });
  if (s.elseBody) {
    w.continuation(indent, '} else {', s.elseBody.range.start.line);
    printBody(w, s.elseBody, indent);
  }
  w.continuation(indent, '}', s.range.end.line);
}
