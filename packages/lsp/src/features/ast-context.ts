/** Questions about where an offset sits in a module's AST: which block, which `let`s are in scope. */
import type {
  BlockNode,
  ConfigBlockNode,
  HandlerNode,
  LetNode,
  ModuleNode,
  StatementNode,
} from '@proxycache/pcmod-lang';

const inside = (r: { start: { offset: number }; end: { offset: number } }, offset: number) =>
  r.start.offset < offset && offset <= r.end.offset;

/** The handler whose braces contain `offset`. */
export function handlerAt(ast: ModuleNode, offset: number): HandlerNode | undefined {
  return ast.handlers.find((h) => inside(h.body.range, offset));
}

/** The `config {}` block whose braces contain `offset`. */
export function configBlockAt(ast: ModuleNode, offset: number): ConfigBlockNode | undefined {
  return ast.configs.find((c) => inside(c.range, offset) && offset > c.range.start.offset + 'config'.length);
}

/** `let` declarations of `handler` that start before `offset` (in enclosing or earlier blocks). */
export function letsBefore(handler: HandlerNode, offset: number): LetNode[] {
  const out: LetNode[] = [];
  const visit = (block: BlockNode) => {
    for (const s of block.statements) visitStatement(s);
  };
  const visitStatement = (s: StatementNode) => {
    if (s.range.start.offset >= offset) return;
    if (s.kind === 'Let') out.push(s);
    if (s.kind === 'If') {
      for (const b of s.branches) if (inside(b.body.range, offset)) visit(b.body);
      if (s.elseBody && inside(s.elseBody.range, offset)) visit(s.elseBody);
    }
  };
  visit(handler.body);
  return out;
}
