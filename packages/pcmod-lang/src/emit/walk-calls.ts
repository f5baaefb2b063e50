/**
 * Finds the calls a statement or block makes, for the decisions the emitter takes per statement
 * (synchronous or in an async continuation; check for a response afterwards or not).
 */
import type { BlockNode, CallNode, ExprNode, StatementNode } from '../ast/nodes.js';

/** Visits every call inside an expression, outermost first. */
export function forEachCallInExpr(e: ExprNode, visit: (call: CallNode) => void): void {
  switch (e.kind) {
    case 'Call':
      visit(e);
      for (const a of e.args) forEachCallInExpr(a, visit);
      return;
    case 'InterpolatedString':
      for (const p of e.parts) if (p.kind !== 'Text') forEachCallInExpr(p, visit);
      return;
    case 'ListLiteral':
      for (const el of e.elements) forEachCallInExpr(el, visit);
      return;
    case 'MapLiteral':
      for (const entry of e.entries) {
        forEachCallInExpr(entry.key, visit);
        forEachCallInExpr(entry.value, visit);
      }
      return;
    case 'Binary':
      forEachCallInExpr(e.left, visit);
      forEachCallInExpr(e.right, visit);
      return;
    case 'Unary':
      forEachCallInExpr(e.operand, visit);
      return;
    case 'Paren':
      forEachCallInExpr(e.expression, visit);
      return;
    default:
      return;
  }
}

/** The expressions a statement evaluates itself (not those of nested blocks). */
export function ownExpressions(st: StatementNode): ExprNode[] {
  switch (st.kind) {
    case 'If':
      return st.branches.map((b) => b.condition);
    case 'Respond': {
      const out: ExprNode[] = [st.status];
      if (st.contentType && !('keyword' in st.contentType)) out.push(st.contentType);
      if (st.body) out.push(st.body);
      return out;
    }
    case 'SetHeader':
      return [st.name, st.value];
    case 'RemoveHeader':
      return [st.name];
    case 'SetCtx':
      return [st.value];
    case 'Log':
      return [st.message];
    case 'Let':
      return [st.value];
    case 'CallStatement':
      return [st.call];
    case 'Pass':
      return [];
  }
}

/** Visits every call in a block, nested blocks included. */
export function forEachCallInBlock(block: BlockNode, visit: (call: CallNode) => void): void {
  for (const st of block.statements) {
    for (const e of ownExpressions(st)) forEachCallInExpr(e, visit);
    if (st.kind === 'If') {
      for (const b of st.branches) forEachCallInBlock(b.body, visit);
      if (st.elseBody) forEachCallInBlock(st.elseBody, visit);
    }
  }
}
