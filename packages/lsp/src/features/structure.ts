/** Document symbols (outline) and folding ranges of a module, from its AST. */
import type { AnyNode, BlockNode, StatementNode } from '@proxycache/pcmod-lang';
import {
  type DocumentSymbol,
  type FoldingRange,
  FoldingRangeKind,
  SymbolKind,
} from 'vscode-languageserver/node.js';
import type { Analysis } from '../analysis/analysis.js';
import { toLspRange } from '../text/ranges.js';

/** Outline: the module (with its headers), its config block and fields, its handlers. */
export function documentSymbols(a: Analysis): DocumentSymbol[] {
  const ast = a.parsed.ast;
  const sym = (
    name: string,
    detail: string,
    kind: SymbolKind,
    node: AnyNode,
    selection: AnyNode['range'] = node.range,
    children: DocumentSymbol[] = [],
  ): DocumentSymbol => ({
    name: name || '?',
    detail,
    kind,
    range: toLspRange(a.doc, node.range),
    selectionRange: toLspRange(a.doc, selection),
    children,
  });
  const out: DocumentSymbol[] = [];
  for (const h of ast.headers) {
    if (h.kind === 'ModHeader') out.push(sym(h.name.name, 'mod', SymbolKind.Module, h, h.name.range));
    else if (h.kind === 'OverridesHeader')
      out.push(sym(h.name.name, 'overrides', SymbolKind.Module, h, h.name.range));
    else if (h.kind === 'VersionHeader') out.push(sym('version', h.value, SymbolKind.Constant, h));
    else out.push(sym('priority', String(h.value), SymbolKind.Constant, h));
  }
  for (const c of ast.configs) {
    const fields = c.fields.map((f) =>
      sym(
        f.name.name,
        f.type.element ? `${f.type.name}<${f.type.element}>` : f.type.name,
        SymbolKind.Field,
        f,
        f.name.range,
      ),
    );
    out.push(sym('config', `${fields.length} field(s)`, SymbolKind.Struct, c, c.range, fields));
  }
  for (const h of ast.handlers) {
    const lets = collectLets(h.body).map((l) =>
      sym(l.name.name, 'let', SymbolKind.Variable, l, l.name.range),
    );
    out.push(sym(h.event, 'handler', SymbolKind.Event, h, h.eventRange, lets));
  }
  return out;
}

/** Folds for multi-line blocks (config, handlers, if branches) and runs of comment lines. */
export function foldingRanges(a: Analysis): FoldingRange[] {
  const out: FoldingRange[] = [];
  const fold = (r: AnyNode['range']) => {
    const range = toLspRange(a.doc, r);
    if (range.end.line > range.start.line)
      out.push({ startLine: range.start.line, endLine: range.end.line - 1 });
  };
  const visitBlock = (b: BlockNode) => {
    for (const s of b.statements) visitStatement(s);
  };
  const visitStatement = (s: StatementNode) => {
    if (s.kind !== 'If') return;
    for (const br of s.branches) {
      fold(br.body.range);
      visitBlock(br.body);
    }
    if (s.elseBody) {
      fold(s.elseBody.range);
      visitBlock(s.elseBody);
    }
  };
  for (const c of a.parsed.ast.configs) fold(c.range);
  for (const h of a.parsed.ast.handlers) {
    fold(h.range);
    visitBlock(h.body);
  }
  let run: { start: number; end: number } | undefined;
  const flush = () => {
    if (run && run.end > run.start)
      out.push({ startLine: run.start, endLine: run.end, kind: FoldingRangeKind.Comment });
    run = undefined;
  };
  for (const c of a.parsed.ast.comments) {
    const line = c.range.start.line - 1;
    if (run && line === run.end + 1) run.end = line;
    else {
      flush();
      run = { start: line, end: line };
    }
  }
  flush();
  return out.sort((x, y) => x.startLine - y.startLine);
}

function collectLets(block: BlockNode): Array<Extract<StatementNode, { kind: 'Let' }>> {
  const out: Array<Extract<StatementNode, { kind: 'Let' }>> = [];
  for (const s of block.statements) {
    if (s.kind === 'Let') out.push(s);
    else if (s.kind === 'If') {
      for (const b of s.branches) out.push(...collectLets(b.body));
      if (s.elseBody) out.push(...collectLets(s.elseBody));
    }
  }
  return out;
}
