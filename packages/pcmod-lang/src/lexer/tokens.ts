/**
 * The pcmod token vocabulary and the one chevrotain lexer built from it.
 *
 * Order matters: chevrotain takes the first pattern that matches, so numbers with units come before
 * plain integers, legacy bare words (`X-Processed`, `text/html`) before keywords, and keywords before
 * identifiers (with `longer_alt` so `index` is not `in` + `dex`). Every token type belongs to `AnyToken`,
 * which lets the parser skip arbitrary tokens while resynchronising; names (identifiers and keywords)
 * belong to `NameLike`, which makes keywords contextual where a name is expected.
 */
import type { CustomPatternMatcherReturn, TokenType } from 'chevrotain';
import { chevrotain } from './chevrotain-runtime.js';

const { createToken, Lexer } = chevrotain;

import { scanStringExtent } from './string-scan.js';

/** Category of every token: lets the parser consume "whatever comes next" while skipping junk. */
export const AnyToken = createToken({ name: 'AnyToken', pattern: Lexer.NA });
/** Identifiers and keywords: anything that may stand where a name is expected. */
export const NameLike = createToken({ name: 'NameLike', pattern: Lexer.NA, label: 'a name' });
/** Keywords (used for semantic highlighting). */
export const Keyword = createToken({ name: 'Keyword', pattern: Lexer.NA, categories: [NameLike] });
/** Comparison and membership operators (one precedence level, non-associative). */
export const CmpOp = createToken({ name: 'CmpOp', pattern: Lexer.NA, label: 'a comparison operator' });
/** Terminated and unterminated string literals. */
export const StringLike = createToken({ name: 'StringLike', pattern: Lexer.NA, label: 'a string' });

export const Newline = createToken({
  name: 'Newline',
  pattern: /\r\n|\r|\n/,
  line_breaks: true,
  label: 'end of line',
  categories: [AnyToken],
});
export const Whitespace = createToken({
  name: 'Whitespace',
  pattern: /[ \t\f\v\u00a0\ufeff]+/,
  group: Lexer.SKIPPED,
});
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: 'comments' });

function matchString(terminated: boolean) {
  return (text: string, offset: number): CustomPatternMatcherReturn | null => {
    if (text.charCodeAt(offset) !== 34 /* " */) return null;
    const extent = scanStringExtent(text, offset);
    if (extent.terminated !== terminated) return null;
    return [text.slice(offset, extent.end)] as unknown as CustomPatternMatcherReturn;
  };
}

export const StringLiteral = createToken({
  name: 'String',
  pattern: { exec: matchString(true) },
  start_chars_hint: ['"'],
  line_breaks: false,
  label: 'a string',
  categories: [AnyToken, StringLike],
});
/** A string cut off by the end of the line (PCM1002); parsed as if it were closed there. */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: { exec: matchString(false) },
  start_chars_hint: ['"'],
  line_breaks: false,
  label: 'a string',
  categories: [AnyToken, StringLike],
});

/** `1.0`, `1.2.3`: only meaningful as a version. */
export const Decimal = createToken({
  name: 'Decimal',
  pattern: /\d+(?:\.\d+)+/,
  label: 'a version number',
  categories: [AnyToken],
});
/** `30s`, `16MiB`; an unknown unit is diagnosed (PCM1007). */
export const Quantity = createToken({
  name: 'Quantity',
  pattern: /\d+[A-Za-z_]\w*/,
  label: 'a quantity',
  categories: [AnyToken],
});
export const IntLiteral = createToken({
  name: 'Int',
  pattern: /\d+/,
  label: 'an integer',
  categories: [AnyToken],
});
/** `$field` in one token, so the field may be called anything, keywords included. */
export const ConfigRef = createToken({
  name: 'ConfigRef',
  pattern: /\$[A-Za-z_]\w*/,
  label: "a '$field'",
  categories: [AnyToken],
});
/** Legacy unquoted path such as `/health`. */
export const PathWord = createToken({
  name: 'PathWord',
  pattern: /\/[^\s"#(){}[\],]*/,
  label: 'a path',
  categories: [AnyToken],
});
/** Legacy unquoted word with `-` or `/` such as `X-Processed` or `text/html`. */
export const HyphenWord = createToken({
  name: 'HyphenWord',
  pattern: /[A-Za-z_]\w*(?:[-/][\w.+]*)+/,
  label: 'a word',
  categories: [AnyToken],
});
export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_]\w*/,
  label: 'a name',
  categories: [AnyToken, NameLike],
});

function keyword(word: string, extra: TokenType[] = []): TokenType {
  return createToken({
    name: `Kw_${word}`,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    label: `'${word}'`,
    categories: [AnyToken, Keyword, ...extra],
  });
}

export const Mod = keyword('mod');
export const Version = keyword('version');
export const Priority = keyword('priority');
export const Overrides = keyword('overrides');
export const Config = keyword('config');
export const OnStart = keyword('on_start');
export const OnRequest = keyword('on_request');
export const OnResponse = keyword('on_response');
export const If = keyword('if');
export const Else = keyword('else');
export const Respond = keyword('respond');
export const SetHeader = keyword('set_header');
export const RemoveHeader = keyword('remove_header');
export const SetCtx = keyword('set_ctx');
export const Log = keyword('log');
export const Let = keyword('let');
export const Pass = keyword('pass');
export const True = keyword('true');
export const False = keyword('false');
export const StartsWith = keyword('starts_with', [CmpOp]);
export const EndsWith = keyword('ends_with', [CmpOp]);
export const Contains = keyword('contains', [CmpOp]);
export const Matches = keyword('matches', [CmpOp]);
export const In = keyword('in', [CmpOp]);

function punct(name: string, pattern: RegExp, label: string, extra: TokenType[] = []): TokenType {
  return createToken({ name, pattern, label: `'${label}'`, categories: [AnyToken, ...extra] });
}

export const EqEq = punct('EqEq', /==/, '==', [CmpOp]);
export const NotEq = punct('NotEq', /!=/, '!=', [CmpOp]);
export const LtEq = punct('LtEq', /<=/, '<=', [CmpOp]);
export const GtEq = punct('GtEq', />=/, '>=', [CmpOp]);
export const Lt = punct('Lt', /</, '<', [CmpOp]);
export const Gt = punct('Gt', />/, '>', [CmpOp]);
export const AndAnd = punct('AndAnd', /&&/, '&&');
export const OrOr = punct('OrOr', /\|\|/, '||');
export const Bang = punct('Bang', /!/, '!');
export const Assign = punct('Assign', /=/, '=');
export const Minus = punct('Minus', /-/, '-');
export const LParen = punct('LParen', /\(/, '(');
export const RParen = punct('RParen', /\)/, ')');
export const LBracket = punct('LBracket', /\[/, '[');
export const RBracket = punct('RBracket', /]/, ']');
export const LCurly = punct('LCurly', /{/, '{');
export const RCurly = punct('RCurly', /}/, '}');
export const Comma = punct('Comma', /,/, ',');
export const Dot = punct('Dot', /\./, '.');

/** Every keyword token, in lexer order. */
export const keywordTokens: readonly TokenType[] = [
  Mod,
  Version,
  Priority,
  Overrides,
  Config,
  OnStart,
  OnRequest,
  OnResponse,
  If,
  Else,
  Respond,
  SetHeader,
  RemoveHeader,
  SetCtx,
  Log,
  Let,
  Pass,
  True,
  False,
  StartsWith,
  EndsWith,
  Contains,
  Matches,
  In,
];

/** All token types in lexer order (categories last: they match nothing themselves). */
export const allTokens: readonly TokenType[] = [
  Newline,
  Whitespace,
  Comment,
  StringLiteral,
  UnterminatedString,
  Decimal,
  Quantity,
  IntLiteral,
  ConfigRef,
  PathWord,
  HyphenWord,
  ...keywordTokens,
  Identifier,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  AndAnd,
  OrOr,
  Bang,
  Assign,
  Minus,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
  Comma,
  Dot,
  AnyToken,
  NameLike,
  Keyword,
  CmpOp,
  StringLike,
];

/** The lexer, built once. `positionTracking: 'full'` gives every token its line/column range. */
export const pcmodLexer = new Lexer(allTokens as TokenType[], {
  positionTracking: 'full',
  ensureOptimizations: true,
  recoveryEnabled: true,
});
