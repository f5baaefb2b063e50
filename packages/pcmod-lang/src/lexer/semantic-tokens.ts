/**
 * Tokens with a highlighting category, for the language server's semantic tokens. Categories come from
 * the token types, refined by a little context (a name before `(` or in a dotted call is a function, the
 * second word of a config field is a type) — no parse is needed, so this stays fast on every keystroke.
 */
import type { IToken, TokenType } from 'chevrotain';
import type { Range } from '../ast/nodes.js';
import { tokenRange } from './lex.js';
import {
  CmpOp,
  Config,
  ConfigRef,
  Decimal,
  Dot,
  HyphenWord,
  Identifier,
  IntLiteral,
  Keyword,
  LCurly,
  LParen,
  Lt,
  Newline,
  PathWord,
  pcmodLexer,
  Quantity,
  RCurly,
  StringLiteral,
  UnterminatedString,
} from './tokens.js';

/** Highlighting category; the names match LSP semantic token types where one exists. */
export type TokenCategory =
  | 'keyword'
  | 'string'
  | 'number'
  | 'comment'
  | 'variable'
  | 'property'
  | 'function'
  | 'type'
  | 'operator'
  | 'punctuation';

export interface SemanticToken {
  readonly category: TokenCategory;
  /** The token text as written. */
  readonly text: string;
  readonly range: Range;
}

function hasCategory(type: TokenType, category: TokenType): boolean {
  return type.CATEGORIES?.includes(category) ?? false;
}

/** Lexes `text` into highlighted tokens in source order (comments included, newlines and errors left out). Never throws. */
export function tokenize(text: string): SemanticToken[] {
  const lexed = pcmodLexer.tokenize(text);
  const all = [...lexed.tokens, ...(lexed.groups.comments ?? [])].sort(
    (a, b) => a.startOffset - b.startOffset,
  );
  const out: SemanticToken[] = [];
  let configDepth = -1;
  let braceDepth = 0;
  let wordOnLine = 0;
  for (let i = 0; i < all.length; i++) {
    const token = all[i] as IToken;
    const type = token.tokenType;
    if (type === Newline) {
      wordOnLine = 0;
      continue;
    }
    const category = categorize(all, i, configDepth >= 0 && braceDepth === configDepth + 1, wordOnLine);
    if (type === LCurly) {
      if (all[i - 1]?.tokenType === Config) configDepth = braceDepth;
      braceDepth++;
    } else if (type === RCurly) {
      braceDepth = Math.max(0, braceDepth - 1);
      if (braceDepth === configDepth) configDepth = -1;
    }
    if (category !== undefined) out.push({ category, text: token.image, range: tokenRange(token) });
    if (category !== 'comment') wordOnLine++;
  }
  return out;
}

function categorize(
  tokens: readonly IToken[],
  i: number,
  inConfig: boolean,
  wordOnLine: number,
): TokenCategory | undefined {
  const token = tokens[i] as IToken;
  const type = token.tokenType;
  if (type.name === 'Comment') return 'comment';
  if (type === StringLiteral || type === UnterminatedString || type === PathWord || type === HyphenWord)
    return 'string';
  if (type === IntLiteral || type === Quantity || type === Decimal) return 'number';
  if (type === ConfigRef) return 'variable';
  if (inConfig && (type === Identifier || hasCategory(type, Keyword))) {
    if (wordOnLine === 0) return 'property';
    if (wordOnLine === 1 || tokens[i - 1]?.tokenType === Lt) return 'type';
  }
  if (hasCategory(type, CmpOp)) return hasCategory(type, Keyword) ? 'keyword' : 'operator';
  if (hasCategory(type, Keyword)) return 'keyword';
  if (type === Identifier) {
    const previous = tokens[i - 1]?.tokenType;
    const next = tokens[i + 1]?.tokenType;
    if (token.image === 'ctx' && next === Dot) return 'variable';
    if (previous === Dot && tokens[i - 2]?.image === 'ctx') return 'property';
    if (next === LParen || next === Dot || previous === Dot) return 'function';
    return 'variable';
  }
  if (/^[(){}[\],.]$/.test(token.image)) return 'punctuation';
  return 'operator';
}
