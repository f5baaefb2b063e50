/**
 * Lays out a parsed module in canonical form: headers first in their order, then the `config` and handler
 * sections in source order with one blank line between sections, 2-space indentation, one statement per line.
 */
import type {
  BlockNode,
  ConfigBlockNode,
  ConfigFieldNode,
  HandlerNode,
  HeaderNode,
  IfNode,
  MapLiteralNode,
  ModuleNode,
  Range,
  StatementNode,
  TypeRefNode,
} from '../ast/nodes.js';
import { LineWriter } from './line-writer.js';
import { printExpression, printMapEntry, quoteString } from './print-expression.js';

/** Beyond this width a map default is split into one entry per line. */
const maxLineWidth = 100;

export function printModule(ast: ModuleNode, text: string): string {
  const w = new LineWriter(ast.comments, text);
  const sections = [...ast.configs, ...ast.handlers].sort(
    (a, b) => a.range.start.offset - b.range.start.offset,
  );
  for (const header of ast.headers) w.item(0, printHeader(header), header.range.start, header.range.end.line);
  for (const section of sections) {
    if (ast.headers.length > 0 || section !== sections[0]) w.breakSection();
    if (section.kind === 'ConfigBlock') printConfig(w, section, text);
    else printHandler(w, section, text);
  }
  w.flushComments(Number.POSITIVE_INFINITY, 0);
  return w.toString();
}

function printHeader(h: HeaderNode): string {
  switch (h.kind) {
    case 'ModHeader':
      return `mod ${h.name.name}`;
    case 'VersionHeader':
      // Dotted numbers stay bare as most modules write them; anything else needs quotes to re-parse.
      return `version ${/^\d+(\.\d+)*$/.test(h.value) ? h.value : quoteString(h.value)}`;
    case 'PriorityHeader':
      return `priority ${h.value}`;
    case 'OverridesHeader':
      return `overrides ${h.name.name}`;
  }
}

/** Source position of the block's closing `}` (the last character of its range). */
function closingBrace(block: { readonly range: Range }, text: string): { line: number; offset: number } {
  const offset = text.lastIndexOf('}', block.range.end.offset - 1);
  const line = block.range.end.line;
  return { line, offset: offset >= block.range.start.offset ? offset : block.range.end.offset };
}

function printConfig(w: LineWriter, config: ConfigBlockNode, text: string): void {
  const close = closingBrace(config, text);
  if (config.fields.length === 0 && !hasCommentsBefore(w, config, close.offset)) {
    w.item(0, 'config {}', config.range.start, close.line);
    return;
  }
  w.item(0, 'config {', config.range.start, config.range.start.line);
  w.openBlock();
  for (const field of config.fields) printField(w, field, text);
  w.flushComments(close.offset, 1);
  w.continuation(0, '}', close.line);
}

function printType(t: TypeRefNode): string {
  return t.name === 'list' && t.element !== undefined && t.element !== 'str' ? `list<${t.element}>` : t.name;
}

function printField(w: LineWriter, field: ConfigFieldNode, text: string): void {
  const head = `${field.name.name} ${printType(field.type)}`;
  const value = field.default;
  if (value === undefined) {
    w.item(1, head, field.range.start, field.range.end.line);
    return;
  }
  if (value.kind === 'MapLiteral' && value.entries.length > 0 && wantsMultiLineMap(value, head, text)) {
    printMultiLineMap(w, head, value, field.range.start, text);
    return;
  }
  w.item(1, `${head} ${printExpression(value)}`, field.range.start, field.range.end.line);
}

/** Long maps, maps written over several lines, and maps with comments inside get one entry per line. */
function wantsMultiLineMap(map: MapLiteralNode, head: string, text: string): boolean {
  const flat = `  ${head} ${printExpression(map)}`;
  const source = text.slice(map.range.start.offset, map.range.end.offset);
  return flat.length > maxLineWidth || source.includes('\n') || source.includes('#');
}

function printMultiLineMap(
  w: LineWriter,
  head: string,
  map: MapLiteralNode,
  start: { line: number; offset: number },
  text: string,
): void {
  w.item(1, `${head} {`, start, map.range.start.line);
  w.openBlock();
  for (const entry of map.entries) w.item(2, printMapEntry(entry), entry.range.start, entry.range.end.line);
  const close = closingBrace(map, text);
  w.flushComments(close.offset, 2);
  w.continuation(1, '}', close.line);
}

function printHandler(w: LineWriter, handler: HandlerNode, text: string): void {
  printBlock(w, handler.event, handler.body, 0, handler.range.start, text);
}

function hasCommentsBefore(w: LineWriter, node: { readonly range: Range }, offset: number): boolean {
  return w.hasPendingCommentBetween(node.range.start.offset, offset);
}

/**
 * `HEAD {`, the statements one level deeper, `}`. An empty block without comments prints as `HEAD {}`.
 */
function printBlock(
  w: LineWriter,
  head: string,
  block: BlockNode,
  indent: number,
  start: { line: number; offset: number },
  text: string,
): void {
  const close = closingBrace(block, text);
  if (block.statements.length === 0 && !hasCommentsBefore(w, block, close.offset)) {
    w.item(indent, `${head} {}`, start, close.line);
    return;
  }
  w.item(indent, `${head} {`, start, block.range.start.line);
  printBody(w, block, indent, close.offset);
  w.continuation(indent, '}', close.line);
}

function printBody(w: LineWriter, block: BlockNode, indent: number, closeOffset: number): void {
  w.openBlock();
  for (const statement of block.statements) printStatement(w, statement, indent + 1);
  w.flushComments(closeOffset, indent + 1);
}

function printStatement(w: LineWriter, s: StatementNode, indent: number): void {
  if (s.kind === 'If') {
    printIf(w, s, indent);
    return;
  }
  w.item(indent, printSimpleStatement(s), s.range.start, s.range.end.line);
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

function printIf(w: LineWriter, s: IfNode, indent: number): void {
  const text = w.sourceText;
  s.branches.forEach((branch, i) => {
    const head = `if ${printExpression(branch.condition)} {`;
    if (i === 0) w.item(indent, head, s.range.start, branch.body.range.start.line);
    else w.continuation(indent, `} else ${head}`, branch.body.range.start.line);
    printBody(w, branch.body, indent, closingBrace(branch.body, text).offset);
  });
  if (s.elseBody) {
    w.continuation(indent, '} else {', s.elseBody.range.start.line);
    printBody(w, s.elseBody, indent, closingBrace(s.elseBody, text).offset);
  }
  const last = s.elseBody ?? (s.branches[s.branches.length - 1] as (typeof s.branches)[number]).body;
  w.continuation(indent, '}', closingBrace(last, text).line);
}
