/**
 * Typing of expressions inside handlers: names, calls, operators, literals. Every typed expression is
 * recorded in `ctx.types`; a sub-expression typed `error` silences diagnostics about its parents.
 */
import type {
  BinaryNode,
  CallNode,
  ConfigRefNode,
  ExprNode,
  HandlerEvent,
  ListLiteralNode,
  NameRefNode,
  Range,
  UnaryNode,
} from '../ast/nodes.js';
import { lookupFunction, lookupRequestField, requestFields, stdFunctions } from '../stdlib/table.js';
import type { StdFunction } from '../stdlib/types.js';
import { type CheckContext, reportBareWord } from './check-context.js';
import type { Scope } from './scope.js';
import { closestName } from './suggest.js';
import { type CheckType, comparable, elementOf, fits, isList, isNumeric, showType } from './value-type.js';

/** Where an expression is checked: the module-wide context, the handler's phase and the current scope. */
export interface HandlerEnv {
  readonly ctx: CheckContext;
  readonly event: HandlerEvent;
  readonly scope: Scope;
}

/** Types `expr` as a value (a void call here is an error). */
export function checkExpr(env: HandlerEnv, expr: ExprNode): CheckType {
  const { ctx } = env;
  switch (expr.kind) {
    case 'ErrorExpr':
      return 'error';
    case 'StringLiteral':
      return ctx.typed(expr, 'str');
    case 'InterpolatedString':
      for (const part of expr.parts) {
        if (part.kind !== 'Text') checkExpr(env, part);
      }
      return ctx.typed(expr, 'str');
    case 'IntLiteral':
      return ctx.typed(expr, 'int');
    case 'BoolLiteral':
      return ctx.typed(expr, 'bool');
    case 'QuantityLiteral':
      return ctx.typed(expr, expr.quantity);
    case 'ListLiteral':
      return ctx.typed(expr, checkList(env, expr));
    case 'MapLiteral':
      for (const entry of expr.entries) {
        for (const side of [entry.key, entry.value]) {
          const t = checkExpr(env, side);
          if (!fits(t, 'str')) ctx.report('PCM2029', side.range, [showType(t)]);
        }
      }
      return ctx.typed(expr, 'map');
    case 'BareWord':
      reportBareWord(ctx, expr);
      return ctx.typed(expr, 'str');
    case 'ConfigRef':
      return ctx.typed(expr, checkConfigRef(env, expr));
    case 'NameRef':
      return ctx.typed(expr, checkNameRef(env, expr));
    case 'CtxRef':
      return ctx.typed(expr, 'str');
    case 'Call':
      return checkCall(env, expr, true);
    case 'Binary':
      return ctx.typed(expr, checkBinary(env, expr));
    case 'Unary':
      return ctx.typed(expr, checkUnary(env, expr));
    case 'Paren':
      return ctx.typed(expr, checkExpr(env, expr.expression));
  }
}

function checkList(env: HandlerEnv, list: ListLiteralNode): CheckType {
  let element: CheckType | undefined;
  let reported = false;
  for (const e of list.elements) {
    const t = checkExpr(env, e);
    if (t === 'error' || reported) continue;
    // Durations and sizes are numbers at run time, so they may sit in a list of int.
    const normal: CheckType = isNumeric(t) ? 'int' : t;
    if (normal !== 'str' && normal !== 'int') {
      env.ctx.report('PCM2027', e.range, [element ? showType(element) : 'str or int', showType(t)]);
      reported = true;
    } else if (element === undefined) {
      element = normal;
    } else if (element !== normal) {
      env.ctx.report('PCM2027', e.range, [showType(element), showType(t)]);
      reported = true;
    }
  }
  if (reported) return 'error';
  if (element === undefined) return list.elements.length === 0 ? 'list<?>' : 'error';
  return element === 'int' ? 'list<int>' : 'list<str>';
}

function checkConfigRef(env: HandlerEnv, ref: ConfigRefNode): CheckType {
  const field = env.ctx.configFields.get(ref.name);
  if (field) return field.type;
  if (ref.name === '') return 'error';
  const binding = env.scope.lookup(ref.name);
  if (binding) {
    // `"$a"` reads config; the author most likely meant the let `a`. Offer `${a}` and count it as a use,
    // so the one mistake is not also reported as an unused variable.
    binding.used = true;
    const edit = { range: ref.range, newText: `\${${ref.name}}` };
    env.ctx.report('PCM2002', ref.range, [ref.name], {
      related: [
        env.ctx.related(
          `'${ref.name}' is a let variable; read it with \${${ref.name}}.`,
          binding.decl.name.range,
        ),
      ],
      fix: { title: `Change to \${${ref.name}}`, edits: [edit] },
    });
    return binding.type;
  }
  env.ctx.report('PCM2002', ref.range, [ref.name]);
  return 'error';
}

function checkNameRef(env: HandlerEnv, ref: NameRefNode): CheckType {
  const { ctx } = env;
  const binding = env.scope.lookup(ref.name);
  if (binding) {
    binding.used = true;
    ctx.names.set(ref, { kind: 'let', decl: binding.decl });
    return binding.type;
  }
  const field = lookupRequestField(ref.name);
  if (field) {
    ctx.names.set(ref, { kind: 'field', field });
    if (!field.phases.includes(env.event)) ctx.report('PCM3001', ref.range, [ref.name, env.event]);
    return field.type;
  }
  if (ref.name === '') return 'error';
  const fn = lookupFunction(ref.name);
  if (fn) {
    // A function named without parentheses, e.g. `header` alone: that is a call with no arguments.
    reportArity(ctx, ref.range, fn, 0);
    return 'error';
  }
  const guess = closestName(ref.name, [...letNames(env.scope), ...requestFields.map((f) => f.name)]);
  ctx.report('PCM2001', ref.range, [ref.name], suggestion(env.ctx, ref.range, guess));
  return 'error';
}

function* letNames(scope: Scope | undefined): Iterable<string> {
  for (let s = scope; s; s = s.parent) for (const b of s.own()) yield b.decl.name.name;
}

/** A "did you mean" note plus the quick fix that applies it. */
function suggestion(ctx: CheckContext, range: Range, guess: string | undefined) {
  if (guess === undefined) return {};
  return {
    related: [ctx.related(`Did you mean '${guess}'?`, range)],
    fix: { title: `Change to '${guess}'`, edits: [{ range, newText: guess }] },
  };
}

/**
 * Checks a call against the stdlib table. `asValue` is false for a call statement, where a void result
 * is fine. Returns the declared return type (`error` when the function is unknown or void-as-value).
 */
export function checkCall(env: HandlerEnv, call: CallNode, asValue: boolean): CheckType {
  const { ctx } = env;
  const name = call.callee.join('.');
  const fn = lookupFunction(name);
  const argTypes = call.args.map((a) => checkExpr(env, a));
  if (!fn) {
    if (call.callee.every((part) => part !== '')) {
      const guess = closestName(
        name,
        stdFunctions.map((f) => f.name),
      );
      ctx.report('PCM2003', call.calleeRange, [name], suggestion(ctx, call.calleeRange, guess));
    }
    return 'error';
  }

  checkArguments(env, call, fn, argTypes);
  if (!fn.phases.includes(env.event)) {
    ctx.report('PCM3002', call.calleeRange, [name, env.event, fn.phases.join(', ')]);
  }
  if (fn.returns === 'void') {
    if (!asValue) return ctx.typed(call, 'void');
    ctx.report('PCM2018', call.range, [name]);
    return 'error';
  }
  return ctx.typed(call, fn.returns);
}

function checkArguments(
  env: HandlerEnv,
  call: CallNode,
  fn: StdFunction,
  argTypes: readonly CheckType[],
): void {
  if (!reportArity(env.ctx, call.range, fn, call.args.length)) return;
  fn.params.forEach((param, i) => {
    const arg = call.args[i];
    const t = argTypes[i];
    if (arg === undefined || t === undefined || fits(t, param.type)) return;
    env.ctx.report('PCM2005', arg.range, [i + 1, fn.name, param.type, showType(t)]);
  });
}

/** Reports PCM2004 when `count` arguments do not fit `fn`; returns whether the count is right. */
function reportArity(ctx: CheckContext, range: Range, fn: StdFunction, count: number): boolean {
  const required = fn.params.filter((p) => !p.optional).length;
  const max = fn.params.length;
  if (count >= required && count <= max) return true;
  const expected = required === max ? `${max}` : `${required} to ${max}`;
  ctx.report('PCM2004', range, [fn.name, expected, count]);
  return false;
}

function checkBinary(env: HandlerEnv, node: BinaryNode): CheckType {
  const op = node.operator;
  const left = checkExpr(env, node.left);
  const right = op === 'matches' ? checkPattern(env, node.right) : checkExpr(env, node.right);
  if (left === 'error' || right === 'error') return 'bool';
  let ok: boolean;
  switch (op) {
    case '==':
    case '!=':
      ok = comparable(left, right);
      break;
    case '<':
    case '<=':
    case '>':
    case '>=':
      ok = isNumeric(left) && isNumeric(right) && comparable(left, right);
      break;
    case '&&':
    case '||':
      ok = left === 'bool' && right === 'bool';
      break;
    case 'starts_with':
    case 'ends_with':
    case 'matches':
      ok = left === 'str' && right === 'str';
      break;
    case 'contains':
      ok = (left === 'str' && right === 'str') || (isList(left) && elementFits(right, left));
      break;
    case 'in':
      ok = isList(right) && elementFits(left, right);
      break;
  }
  if (!ok) env.ctx.report('PCM2006', node.range, [op, showType(left), showType(right)]);
  return 'bool';
}

function elementFits(value: CheckType, list: CheckType): boolean {
  return list === 'list<?>' || comparable(value, elementOf(list));
}

/**
 * The right side of `matches`: regexes are compiled once at load time, so the pattern must be a constant
 * string (validated here) or a `$field`.
 */
function checkPattern(env: HandlerEnv, pattern: ExprNode): CheckType {
  let inner = pattern;
  while (inner.kind === 'Paren') inner = inner.expression;
  const t = checkExpr(env, pattern);
  if (inner.kind === 'ErrorExpr' || inner.kind === 'ConfigRef') return t;
  if (inner.kind !== 'StringLiteral' && inner.kind !== 'BareWord') {
    env.ctx.report('PCM2024', pattern.range);
    return 'error';
  }
  const source = inner.kind === 'StringLiteral' ? inner.value : inner.text;
  try {
    new RegExp(source);
  } catch (err) {
    // V8 says "Invalid regular expression: /src/flags: reason"; keep the reason, which is stable.
    const reason =
      err instanceof Error
        ? err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')
        : String(err);
    env.ctx.report('PCM2017', pattern.range, [reason]);
    return 'error';
  }
  return t;
}

function checkUnary(env: HandlerEnv, node: UnaryNode): CheckType {
  const t = checkExpr(env, node.operand);
  const want = node.operator === '!' ? 'bool' : 'int';
  if (t !== 'error' && t !== want) env.ctx.report('PCM2030', node.range, [node.operator, showType(t)]);
  return want;
}
