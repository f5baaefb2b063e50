/**
 * Builds ASTs and `CheckResult`s by hand, for emitter tests that need input no parser would produce
 * (config field names or ctx keys full of quotes and line breaks) or that must not depend on the
 * checker's type table (the emitter then infers types itself).
 */
import type {
  BlockNode,
  CallNode,
  ExprNode,
  HandlerEvent,
  HandlerNode,
  ModuleNode,
  Range,
  StatementNode,
} from '../../src/ast/nodes.js';
import type { CheckResult } from '../../src/checker/check-result.js';
import type { ConfigFieldSchema } from '../../src/runtime/contract.js';

/** A range on `line` (1-based) starting at `column`. */
export function at(line = 1, column = 1): Range {
  return { start: { line, column, offset: 0 }, end: { line, column: column + 1, offset: 1 } };
}

export const str = (value: string, range = at()): ExprNode => ({ kind: 'StringLiteral', value, range });
export const int = (value: number, range = at()): ExprNode => ({ kind: 'IntLiteral', value, range });
export const cfg = (name: string, range = at()): ExprNode => ({
  kind: 'ConfigRef',
  name,
  nameRange: range,
  range,
});
export const ref = (name: string, range = at()): ExprNode => ({ kind: 'NameRef', name, range });
export const ctxRef = (key: string, range = at()): ExprNode => ({
  kind: 'CtxRef',
  key,
  keyRange: range,
  range,
});

export function call(name: string, args: ExprNode[] = [], range = at()): CallNode {
  return { kind: 'Call', callee: name.split('.'), calleeRange: range, args, parens: true, range };
}

export function interp(...parts: Array<string | ExprNode>): ExprNode {
  return {
    kind: 'InterpolatedString',
    parts: parts.map((p) => (typeof p === 'string' ? { kind: 'Text', value: p, range: at() } : p)),
    range: at(),
  };
}

export function binary(
  left: ExprNode,
  operator: Extract<ExprNode, { kind: 'Binary' }>['operator'],
  right: ExprNode,
): ExprNode {
  return { kind: 'Binary', left, operator, right, operatorRange: at(), range: left.range };
}

export const block = (...statements: StatementNode[]): BlockNode => ({
  kind: 'Block',
  statements,
  range: at(),
});

export const stmt = {
  respond: (status: number, body?: ExprNode, line = 1): StatementNode => ({
    kind: 'Respond',
    status: int(status),
    ...(body ? { body } : {}),
    range: at(line),
  }),
  setHeader: (name: ExprNode, value: ExprNode, line = 1): StatementNode => ({
    kind: 'SetHeader',
    name,
    value,
    range: at(line),
  }),
  removeHeader: (name: ExprNode, line = 1): StatementNode => ({
    kind: 'RemoveHeader',
    name,
    range: at(line),
  }),
  setCtx: (key: string, value: ExprNode, line = 1): StatementNode => ({
    kind: 'SetCtx',
    key: { kind: 'StringLiteral', value: key, range: at(line) },
    value,
    range: at(line),
  }),
  log: (level: string, message: ExprNode, line = 1): StatementNode => ({
    kind: 'Log',
    level: { kind: 'Identifier', name: level, range: at(line) },
    message,
    range: at(line),
  }),
  let: (name: string, value: ExprNode, line = 1): StatementNode => ({
    kind: 'Let',
    name: { kind: 'Identifier', name, range: at(line) },
    value,
    range: at(line),
  }),
  call: (c: CallNode, line = 1): StatementNode => ({ kind: 'CallStatement', call: c, range: at(line) }),
  if: (condition: ExprNode, then: BlockNode, otherwise?: BlockNode, line = 1): StatementNode => ({
    kind: 'If',
    branches: [{ kind: 'IfBranch', condition, body: then, range: at(line) }],
    ...(otherwise ? { elseBody: otherwise } : {}),
    range: at(line),
  }),
};

export function handler(event: HandlerEvent, ...statements: StatementNode[]): HandlerNode {
  return { kind: 'Handler', event, eventRange: at(), body: block(...statements), range: at() };
}

/** A checked module with empty type and name tables, as if the checker had typed nothing. */
export function checked(
  handlers: HandlerNode[],
  configSchema: ConfigFieldSchema[] = [],
  file = 'hand.pcmod',
): CheckResult {
  const ast: ModuleNode = { kind: 'Module', headers: [], configs: [], handlers, comments: [], range: at() };
  return {
    file,
    ast,
    diagnostics: [],
    header: { name: 'hand', version: '0.0.0', priority: 100, overrides: [] },
    configSchema,
    types: new WeakMap(),
    names: new WeakMap(),
  };
}
