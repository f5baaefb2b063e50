/**
 * Handlers and their statements: phases, statement operands, `let` scoping and reachability.
 */
import type {
  BlockNode,
  ExprNode,
  HandlerEvent,
  HandlerNode,
  LetNode,
  LogNode,
  Range,
  RespondNode,
  StatementNode,
} from '../ast/nodes.js';
import { logLevels, lookupFunction } from '../stdlib/table.js';
import type { CheckContext } from './check-context.js';
import { checkCall, checkExpr, type HandlerEnv } from './check-expression.js';
import { Scope } from './scope.js';
import { leadingRange, spanRange } from './source-range.js';
import { closestName } from './suggest.js';
import { type CheckType, showType } from './value-type.js';

/** RFC 9110 `token`: the characters a header name may contain. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** `type/subtype`, optionally followed by parameters (`; charset=utf-8`). */
const CONTENT_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$/;
const HEADER_VALUE_TYPES: readonly CheckType[] = ['str', 'int', 'bool'];
const CTX_VALUE_TYPES: readonly CheckType[] = ['str', 'int', 'bool', 'duration', 'size'];

interface BlockEnv extends HandlerEnv {
  /** False inside code that already follows the end of the handler (reported once, at the outermost level). */
  readonly reachable: boolean;
}

/**
 * Checks every handler: duplicates, empty bodies, then the statements of each. `syntaxErrors` are the
 * parser's error ranges: a handler followed by one may look empty only because the parser dropped its body.
 */
export function checkHandlers(
  ctx: CheckContext,
  handlers: readonly HandlerNode[],
  syntaxErrors: readonly Range[],
): void {
  const seen = new Map<HandlerEvent, HandlerNode>();
  handlers.forEach((handler, i) => {
    const first = seen.get(handler.event);
    if (first) {
      ctx.report('PCM2019', handler.eventRange, [handler.event], {
        related: [ctx.related(`First '${handler.event}' handler is here.`, first.eventRange)],
      });
    } else {
      seen.set(handler.event, handler);
    }
    // The parser may drop a broken body entirely, so look up to the next handler, not just this range.
    const from = handler.range.start.offset;
    const to = handlers[i + 1]?.range.start.offset ?? Number.POSITIVE_INFINITY;
    const broken = syntaxErrors.some((r) => r.start.offset >= from && r.start.offset < to);
    if (handler.body.statements.length === 0 && !broken)
      ctx.report('PCM4003', handler.eventRange, [handler.event]);
    checkBlock(ctx, handler.event, undefined, handler.body, true);
  });
}

/** Checks a block in a new scope; returns whether every path through it ends the handler. */
function checkBlock(
  ctx: CheckContext,
  event: HandlerEvent,
  parent: Scope | undefined,
  block: BlockNode,
  reachable: boolean,
): boolean {
  const scope = new Scope(parent);
  let ended = false;
  let unreachable: { first: StatementNode; last: StatementNode } | undefined;
  for (const statement of block.statements) {
    if (ended) {
      if (unreachable) unreachable.last = statement;
      else unreachable = { first: statement, last: statement };
    }
    const env: BlockEnv = { ctx, event, scope, reachable: reachable && !ended };
    if (checkStatement(env, statement)) ended = true;
  }
  if (unreachable && reachable)
    ctx.report('PCM3004', spanRange(unreachable.first.range, unreachable.last.range));
  for (const binding of scope.own()) {
    const name = binding.decl.name.name;
    // A let whose initializer is already an error is not worth a second warning.
    if (!binding.used && binding.type !== 'error' && !name.startsWith('_'))
      ctx.report('PCM4002', binding.decl.name.range, [name]);
  }
  return ended;
}

/** Checks one statement; returns whether it always ends the handler. */
function checkStatement(env: BlockEnv, statement: StatementNode): boolean {
  const { ctx } = env;
  switch (statement.kind) {
    case 'If': {
      let allEnd = true;
      for (const branch of statement.branches) {
        const t = checkExpr(env, branch.condition);
        if (t !== 'error' && t !== 'bool') ctx.report('PCM2007', branch.condition.range, [showType(t)]);
        if (!checkBlock(ctx, env.event, env.scope, branch.body, env.reachable)) allEnd = false;
      }
      if (!statement.elseBody) return false;
      return checkBlock(ctx, env.event, env.scope, statement.elseBody, env.reachable) && allEnd;
    }
    case 'Respond':
      checkRespond(env, statement);
      return true;
    case 'SetHeader':
      checkPhase(env, statement, 'set_header', ['on_request', 'on_response']);
      checkHeaderName(env, statement.name);
      expectOneOf(env, statement.value, 'header value', HEADER_VALUE_TYPES);
      return false;
    case 'RemoveHeader':
      checkPhase(env, statement, 'remove_header', ['on_request', 'on_response']);
      checkHeaderName(env, statement.name);
      return false;
    case 'SetCtx':
      if (statement.key.kind === 'StringLiteral') ctx.typed(statement.key, 'str');
      expectOneOf(env, statement.value, 'ctx value', CTX_VALUE_TYPES);
      return false;
    case 'Log':
      checkLog(env, statement);
      return false;
    case 'Let':
      checkLet(env, statement);
      return false;
    case 'Pass':
      return true;
    case 'CallStatement':
      checkCall(env, statement.call, false);
      return lookupFunction(statement.call.callee.join('.'))?.effects.responds === 'always';
  }
}

/** PCM3003 on the statement keyword when the statement has no meaning in this handler. */
function checkPhase(
  env: BlockEnv,
  statement: StatementNode,
  keyword: string,
  allowed: readonly HandlerEvent[],
): void {
  if (!allowed.includes(env.event)) {
    env.ctx.report('PCM3003', leadingRange(statement.range, keyword.length), [keyword, env.event]);
  }
}

/** Checks that `expr` is one of `allowed` types (PCM2026 names it `what`); returns its type. */
function expectOneOf(env: BlockEnv, expr: ExprNode, what: string, allowed: readonly CheckType[]): CheckType {
  const t = checkExpr(env, expr);
  if (t !== 'error' && !allowed.includes(t)) {
    const expected =
      allowed.length === 1 ? String(allowed[0]) : `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}`;
    env.ctx.report('PCM2026', expr.range, [what, expected, showType(t)]);
  }
  return t;
}

/** The text of a constant string operand (a literal or a legacy bare word), if it is one. */
function constantText(expr: ExprNode): string | undefined {
  if (expr.kind === 'StringLiteral') return expr.value;
  if (expr.kind === 'BareWord') return expr.text;
  return undefined;
}

function checkHeaderName(env: BlockEnv, name: ExprNode): void {
  const t = expectOneOf(env, name, 'header name', ['str']);
  const text = constantText(name);
  if (t === 'str' && text !== undefined && !HEADER_NAME.test(text))
    env.ctx.report('PCM2023', name.range, [text]);
}

function checkRespond(env: BlockEnv, node: RespondNode): void {
  checkPhase(env, node, 'respond', ['on_request']);
  const status = expectOneOf(env, node.status, 'status', ['int']);
  const literal = constantInt(node.status);
  if (status === 'int' && literal !== undefined && (literal < 100 || literal > 599)) {
    env.ctx.report('PCM2016', node.status.range, [literal]);
  }
  const type = node.contentType;
  if (type && !('keyword' in type)) {
    const t = expectOneOf(env, type, 'content type', ['str']);
    const text = constantText(type);
    if (t === 'str' && text !== undefined && !CONTENT_TYPE.test(text))
      env.ctx.report('PCM2025', type.range, [text]);
  }
  if (node.body) checkExpr(env, node.body);
}

/** The value of an integer literal, possibly negated or parenthesised. */
function constantInt(expr: ExprNode): number | undefined {
  if (expr.kind === 'IntLiteral') return expr.value;
  if (expr.kind === 'Paren') return constantInt(expr.expression);
  if (expr.kind === 'Unary' && expr.operator === '-') {
    const inner = constantInt(expr.operand);
    return inner === undefined ? undefined : -inner;
  }
  return undefined;
}

function checkLog(env: BlockEnv, node: LogNode): void {
  const level = node.level.name;
  const levels: readonly string[] = logLevels;
  if (level !== '' && !levels.includes(level)) {
    const guess = closestName(level, levels);
    env.ctx.report('PCM2015', node.level.range, [level, levels.join(', ')], {
      ...(guess !== undefined && {
        fix: { title: `Change to '${guess}'`, edits: [{ range: node.level.range, newText: guess }] },
      }),
    });
  }
  checkExpr(env, node.message);
}

function checkLet(env: BlockEnv, node: LetNode): void {
  // The initializer is checked before the name exists: `let x = x` reads an outer x or a request field.
  const type = checkExpr(env, node.value);
  const name = node.name.name;
  if (name === '') return;
  const existing = env.scope.lookup(name);
  if (existing) {
    env.ctx.report('PCM2011', node.name.range, [name], {
      related: [env.ctx.related(`'${name}' is first defined here.`, existing.decl.name.range)],
    });
    return;
  }
  env.scope.declare({ decl: node, type, used: false });
}
