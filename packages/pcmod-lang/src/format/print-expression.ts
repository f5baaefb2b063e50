/**
 * Prints expressions in canonical pcmod form on one line: single spaces around binary operators,
 * `["a", "b"]`, `{ "k" = "v" }`, strings re-escaped, legacy bare words quoted, parentheses only where the
 * source had them (they are `Paren` nodes, so re-parsing the output yields the same tree).
 */
import type { ExprNode, InterpolatedStringNode, MapLiteralNode } from '../ast/nodes.js';

/** Thrown for an `ErrorExpr`, which only exists in a tree with syntax errors; `format` keeps the text then. */
export class UnprintableError extends Error {}

const identifierContinue = /[A-Za-z0-9_]/;

/**
 * Escapes string content: `\\`, `\"`, `\n`, `\t`, `\r`, and `$` where it would otherwise start an
 * interpolation (`$name`, `${`). `next` is the character that follows the text in the literal, if any.
 */
export function escapeStringText(value: string, next = ''): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\r':
        out += '\\r';
        break;
      case '$': {
        const following = i + 1 < value.length ? (value[i + 1] as string) : next;
        out += /[A-Za-z_{]/.test(following) ? '\\$' : '$';
        break;
      }
      default:
        out += ch;
    }
  }
  return out;
}

/** A plain string literal with its quotes. */
export function quoteString(value: string): string {
  return `"${escapeStringText(value)}"`;
}

export function printExpression(e: ExprNode): string {
  switch (e.kind) {
    case 'StringLiteral':
      return quoteString(e.value);
    case 'BareWord':
      return quoteString(e.text);
    case 'InterpolatedString':
      return printInterpolated(e);
    case 'IntLiteral':
      return String(e.value);
    case 'BoolLiteral':
      return e.value ? 'true' : 'false';
    case 'QuantityLiteral':
      return e.text;
    case 'ListLiteral':
      return `[${e.elements.map(printExpression).join(', ')}]`;
    case 'MapLiteral':
      return e.entries.length === 0 ? '{}' : `{ ${e.entries.map(printMapEntry).join(', ')} }`;
    case 'ConfigRef':
      return `$${e.name}`;
    case 'NameRef':
      return e.name;
    case 'CtxRef':
      return `ctx.${e.key}`;
    case 'Call':
      return e.parens
        ? `${e.callee.join('.')}(${e.args.map(printExpression).join(', ')})`
        : e.callee.join('.');
    case 'Binary':
      return `${printExpression(e.left)} ${e.operator} ${printExpression(e.right)}`;
    case 'Unary':
      return `${e.operator}${printExpression(e.operand)}`;
    case 'Paren':
      return `(${printExpression(e.expression)})`;
    case 'ErrorExpr':
      throw new UnprintableError('cannot print a recovered expression');
  }
}

export function printMapEntry(entry: MapLiteralNode['entries'][number]): string {
  return `${printExpression(entry.key)} = ${printExpression(entry.value)}`;
}

function printInterpolated(e: InterpolatedStringNode): string {
  let out = '"';
  e.parts.forEach((part, i) => {
    const next = e.parts[i + 1];
    const nextChar = next?.kind === 'Text' ? next.value.charAt(0) : next ? '$' : '';
    if (part.kind === 'Text') {
      out += escapeStringText(part.value, nextChar);
    } else if (part.kind === 'ConfigRef' && !identifierContinue.test(nextChar)) {
      // The short `$field` form, unless the text after it would be read as part of the name.
      out += `$${part.name}`;
    } else {
      out += `\${${printExpression(part)}}`;
    }
  });
  return `${out}"`;
}
