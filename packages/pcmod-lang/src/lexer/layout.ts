/**
 * Layout pass over the token stream, run before parsing:
 * - drops newlines inside `( )` and `[ ]` (statements are newline-terminated, but an argument list or a
 *   list literal may span lines; map literals handle their own newlines in the parser);
 * - measures nesting (blocks, brackets, parentheses and runs of prefix `!`/`-`) so that input nested
 *   deeper than {@link MAX_NESTING} is rejected *before* the recursive-descent parser could overflow the
 *   stack on it.
 */
import type { IToken, TokenType } from 'chevrotain';
import {
  Bang,
  Config,
  Else,
  If,
  LBracket,
  LCurly,
  Let,
  Log,
  LParen,
  Minus,
  Mod,
  Newline,
  OnRequest,
  OnResponse,
  OnStart,
  Overrides,
  Pass,
  Priority,
  RBracket,
  RCurly,
  RemoveHeader,
  Respond,
  RParen,
  SetCtx,
  SetHeader,
} from './tokens.js';

/** Tokens that can only start a line: a newline before one (or before a `}`) ends any unclosed `(`/`[`. */
const LINE_STARTERS: ReadonlySet<TokenType> = new Set([
  If,
  Else,
  Respond,
  SetHeader,
  RemoveHeader,
  SetCtx,
  Log,
  Let,
  Pass,
  Config,
  OnStart,
  OnRequest,
  OnResponse,
  Mod,
  Priority,
  Overrides,
]);

/** Deepest nesting of blocks, brackets and parentheses a module may use (PCM1011). */
export const MAX_NESTING = 64;

export interface LayoutResult {
  readonly tokens: IToken[];
  /** Set when nesting exceeds the limit: the first token beyond it and the deepest level reached. */
  readonly tooDeep?: { readonly token: IToken; readonly depth: number };
}

/** Applies the layout rules; `baseDepth` is the nesting already open around these tokens. */
export function layout(tokens: readonly IToken[], baseDepth = 0): LayoutResult {
  const out: IToken[] = [];
  const stack: TokenType[] = [];
  let prefixRun = 0;
  let maxDepth = 0;
  let first: IToken | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as IToken;
    const type = token.tokenType;
    if (type === Newline) {
      const top = stack[stack.length - 1];
      if (top === LParen || top === LBracket) {
        const next = tokens[i + 1]?.tokenType;
        // A forgotten `)` must not glue the following statements onto this line.
        if (next === undefined || (next !== RCurly && !LINE_STARTERS.has(next))) continue;
        while (stack.length > 0 && stack[stack.length - 1] !== LCurly) stack.pop();
      }
      out.push(token);
      prefixRun = 0;
      continue;
    }
    out.push(token);
    if (type === Bang || type === Minus) prefixRun++;
    else prefixRun = 0;
    if (type === LParen || type === LBracket) stack.push(type);
    else if (type === LCurly) {
      // A `{` cannot sit inside an unclosed `(`/`[` on purpose; treat those as closed so a missing `)`
      // does not swallow the newlines of the whole block that follows.
      while (stack.length > 0 && stack[stack.length - 1] !== LCurly) stack.pop();
      stack.push(LCurly);
    } else if (type === RParen || type === RBracket) {
      const open = type === RParen ? LParen : LBracket;
      while (stack.length > 0 && stack[stack.length - 1] !== LCurly && stack[stack.length - 1] !== open)
        stack.pop();
      if (stack[stack.length - 1] === open) stack.pop();
    } else if (type === RCurly) {
      while (stack.length > 0 && stack.pop() !== LCurly) {
        // pop through unclosed brackets down to the block this brace closes
      }
    }
    const depth = baseDepth + stack.length + prefixRun;
    if (depth > maxDepth) maxDepth = depth;
    if (depth > MAX_NESTING && first === undefined) first = token;
  }
  return first === undefined ? { tokens: out } : { tokens: out, tooDeep: { token: first, depth: maxDepth } };
}
