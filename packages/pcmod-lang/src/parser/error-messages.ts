/**
 * Wording of syntax errors. Most errors are reported by the parser's own rules (which know the context,
 * e.g. which block a `}` should close); this provider covers what chevrotain itself still detects.
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { chevrotain } from '../lexer/chevrotain-runtime.js';

const { EOF } = chevrotain;

import { Newline } from '../lexer/tokens.js';

/** `'x'`, or `end of line` / `end of file` for the invisible tokens. */
export function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return 'end of file';
  if (token.tokenType === Newline) return 'end of line';
  const image = token.image.length > 40 ? `${token.image.slice(0, 40)}…` : token.image;
  return `'${image}'`;
}

function label(type: TokenType): string {
  return type.LABEL ?? type.name;
}

function alternatives(paths: TokenType[][][]): string {
  const firsts = new Set<string>();
  for (const alt of paths) for (const path of alt) if (path[0] !== undefined) firsts.add(label(path[0]));
  const list = [...firsts];
  if (list.length <= 1) return list[0] ?? 'something else';
  return `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

export const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `Expected ${label(expected)} but found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `Unexpected ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, customUserDescription }) {
    const found = actual[0];
    const expected = customUserDescription ?? alternatives(expectedPathsPerAlt);
    return found === undefined
      ? `Expected ${expected}`
      : `Expected ${expected} but found ${describeToken(found)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, customUserDescription }) {
    const found = actual[0];
    const expected = customUserDescription ?? alternatives([expectedIterationPaths]);
    return found === undefined
      ? `Expected ${expected}`
      : `Expected ${expected} but found ${describeToken(found)}`;
  },
};
