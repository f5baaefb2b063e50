/**
 * `config { }` blocks: field types, defaults (type-checked and evaluated to runtime values) and the
 * module's config schema. Every module has an `enabled bool` field, declared or not.
 */
import type { ConfigBlockNode, ConfigFieldNode, ExprNode, TypeRefNode } from '../ast/nodes.js';
import type { ConfigFieldSchema, ConfigValue } from '../runtime/contract.js';
import type { PcType } from '../stdlib/types.js';
import { type CheckContext, reportBareWord } from './check-context.js';
import { leadingRange } from './source-range.js';
import { type CheckType, elementOf, fits, isList, showType } from './value-type.js';

const SCALARS = new Set(['bool', 'int', 'str', 'duration', 'size']);

/**
 * Checks every config block and returns the schema in declaration order (the implicit `enabled` first
 * when the module does not declare it). Also fills `ctx.configFields` for `$field` references.
 */
export function checkConfig(ctx: CheckContext, blocks: readonly ConfigBlockNode[]): ConfigFieldSchema[] {
  const schema: ConfigFieldSchema[] = [];
  blocks.forEach((block, i) => {
    if (i > 0) ctx.report('PCM2020', leadingRange(block.range, 'config'.length));
    for (const field of block.fields) {
      const entry = checkField(ctx, field);
      if (entry) schema.push(entry);
    }
  });
  if (!ctx.configFields.has('enabled')) {
    schema.unshift({ name: 'enabled', type: 'bool', default: true, line: 0 });
  }
  return schema;
}

function checkField(ctx: CheckContext, field: ConfigFieldNode): ConfigFieldSchema | undefined {
  const name = field.name.name;
  const declared = fieldType(ctx, field.type);
  const earlier = ctx.configFields.get(name);
  if (earlier) {
    ctx.report('PCM2010', field.name.range, [name], {
      related: [ctx.related(`'${name}' is first declared here.`, earlier.node.name.range)],
    });
  } else {
    ctx.configFields.set(name, { node: field, type: name === 'enabled' ? 'bool' : declared });
  }

  if (name === 'enabled' && declared !== 'bool') {
    // The field's type is the mistake; checking the default against it would report the same mistake twice.
    if (declared !== 'error') ctx.report('PCM2022', field.type.range);
    const value = field.default?.kind === 'BoolLiteral' ? field.default.value : true;
    return earlier ? undefined : { name, type: 'bool', default: value, line: field.range.start.line };
  }

  let value: ConfigValue | undefined;
  if (!field.default) {
    ctx.report('PCM2021', field.range, [name]);
  } else if (declared !== 'error') {
    value = constant(ctx, field.default, declared, name);
  }
  if (earlier || declared === 'error') return undefined;
  return { name, type: declared, default: value ?? zeroValue(declared), line: field.range.start.line };
}

/** The declared type of a field, or `error` after reporting an unknown type. */
function fieldType(ctx: CheckContext, ref: TypeRefNode): PcType | 'error' {
  if (ref.name === '') return 'error'; // recovered by the parser, already reported
  if (SCALARS.has(ref.name) && ref.element === undefined) return ref.name as PcType;
  if (ref.name === 'list' && (ref.element === undefined || ref.element === 'str')) return 'list<str>';
  if (ref.name === 'list' && ref.element === 'int') return 'list<int>';
  if (ref.name === 'map' && (ref.element === undefined || ref.element === 'str')) return 'map';
  const written = ref.element === undefined ? ref.name : `${ref.name}<${ref.element}>`;
  ctx.report('PCM2009', ref.range, [written]);
  return 'error';
}

/** Placeholder value for a field whose default is missing or wrong (the module will not be emitted). */
function zeroValue(type: PcType): ConfigValue {
  switch (type) {
    case 'bool':
      return false;
    case 'str':
      return '';
    case 'list<str>':
    case 'list<int>':
      return [];
    case 'map':
      return new Map<string, string>();
    default:
      return 0;
  }
}

/** Where a constant sits: the whole default, a list element or a map key or value (each has its own code). */
type Slot = 'default' | 'element' | 'entry';

/**
 * Evaluates a default of type `expected` for the field `label`. Returns undefined after reporting a
 * diagnostic (or for a parser placeholder).
 */
function constant(
  ctx: CheckContext,
  expr: ExprNode,
  expected: PcType,
  label: string,
  slot: Slot = 'default',
): ConfigValue | undefined {
  const mismatch = (got: CheckType): undefined => {
    if (slot === 'element') ctx.report('PCM2027', expr.range, [showType(expected), showType(got)]);
    else if (slot === 'entry') ctx.report('PCM2029', expr.range, [showType(got)]);
    else ctx.report('PCM2008', expr.range, [label, showType(expected), showType(got)]);
    return undefined;
  };
  const scalar = (type: CheckType, value: ConfigValue): ConfigValue | undefined => {
    ctx.typed(expr, type);
    return fits(type, expected) ? value : mismatch(type);
  };

  switch (expr.kind) {
    case 'ErrorExpr':
      return undefined;
    case 'Paren': {
      const value = constant(ctx, expr.expression, expected, label);
      const inner = ctx.types.get(expr.expression);
      if (inner) ctx.typed(expr, inner);
      return value;
    }
    case 'IntLiteral':
      return scalar('int', expr.value);
    case 'Unary':
      if (expr.operator === '-' && expr.operand.kind === 'IntLiteral') {
        ctx.typed(expr.operand, 'int');
        return scalar('int', -expr.operand.value);
      }
      break;
    case 'BoolLiteral':
      return scalar('bool', expr.value);
    case 'QuantityLiteral':
      return scalar(expr.quantity, expr.value);
    case 'StringLiteral':
      return scalar('str', expr.value);
    case 'BareWord':
    case 'NameRef': {
      // A bare identifier as a default can only be a legacy unquoted word, however the parser tagged it.
      const text = expr.kind === 'BareWord' ? expr.text : expr.name;
      ctx.typed(expr, 'str');
      if (expected !== 'str') return mismatch('str');
      reportBareWord(ctx, { kind: 'BareWord', text, range: expr.range });
      return text;
    }
    case 'ListLiteral': {
      if (!isList(expected)) return mismatch(shallowListType(expr.elements));
      ctx.typed(expr, expected);
      const element = elementOf(expected) as PcType;
      const values: ConfigValue[] = [];
      let ok = true;
      expr.elements.forEach((e) => {
        const v = constant(ctx, e, element, label, 'element');
        if (v === undefined) ok = false;
        else values.push(v);
      });
      return ok ? (values as string[] | number[]) : undefined;
    }
    case 'MapLiteral': {
      if (expected !== 'map') return mismatch('map');
      ctx.typed(expr, 'map');
      const map = new Map<string, string>();
      let ok = true;
      for (const entry of expr.entries) {
        const key = constant(ctx, entry.key, 'str', label, 'entry');
        const value = constant(ctx, entry.value, 'str', label, 'entry');
        if (typeof key === 'string' && typeof value === 'string') map.set(key, value);
        else ok = false;
      }
      return ok ? map : undefined;
    }
    default:
      break;
  }
  ctx.report('PCM2028', expr.range, [label]);
  return undefined;
}

/** What a list default looks like, for the message when a list is given to a non-list field. */
function shallowListType(elements: readonly ExprNode[]): CheckType {
  const first = elements[0];
  if (first?.kind === 'IntLiteral') return 'list<int>';
  if (first?.kind === 'StringLiteral' || first?.kind === 'BareWord') return 'list<str>';
  return 'list<?>';
}
