/**
 * Lexing: text → significant tokens, comments and token-level diagnostics (PCM1002–PCM1007).
 *
 * Token positions are shifted by `base`, so the same function lexes a whole file and the body of a
 * `${…}` interpolation (whose tokens must carry absolute positions in the file).
 */
import type { IToken } from 'chevrotain';
import type { Position, Range } from '../ast/nodes.js';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { parseInteger, parseQuantity } from './literals.js';
import { type DecodedString, decodeString } from './string-scan.js';
import { IntLiteral, pcmodLexer, Quantity, StringLiteral, UnterminatedString } from './tokens.js';

/** Output of {@link lex}. `tokens` excludes whitespace and comments but keeps newlines. */
export interface LexResult {
  readonly tokens: IToken[];
  readonly comments: IToken[];
  readonly diagnostics: Diagnostic[];
  /** Decoded form of every string token, keyed by token (the parser reads it instead of re-decoding). */
  readonly strings: Map<IToken, DecodedString>;
}

const ORIGIN: Position = { line: 1, column: 1, offset: 0 };

/** Start position of a token (1-based line/column, 0-based offset). */
export function tokenStart(token: IToken): Position {
  return { line: token.startLine ?? 1, column: token.startColumn ?? 1, offset: token.startOffset };
}

/** Position just past the last character of a single-line token. */
export function tokenEnd(token: IToken): Position {
  return {
    line: token.endLine ?? token.startLine ?? 1,
    column: (token.endColumn ?? token.startColumn ?? 0) + 1,
    offset: (token.endOffset ?? token.startOffset) + 1,
  };
}

export function tokenRange(token: IToken): Range {
  return { start: tokenStart(token), end: tokenEnd(token) };
}

/** Range of `[from, to)` characters inside a single-line token. */
export function rangeInToken(token: IToken, from: number, to: number): Range {
  const line = token.startLine ?? 1;
  const column = token.startColumn ?? 1;
  return {
    start: { line, column: column + from, offset: token.startOffset + from },
    end: { line, column: column + to, offset: token.startOffset + to },
  };
}

function shift(token: IToken, base: Position): void {
  if (base.offset === 0 && base.line === 1 && base.column === 1) return;
  const onFirstLine = token.startLine === 1;
  token.startOffset += base.offset;
  if (token.endOffset !== undefined) token.endOffset += base.offset;
  if (onFirstLine) {
    if (token.startColumn !== undefined) token.startColumn += base.column - 1;
    if (token.endColumn !== undefined && token.endLine === 1) token.endColumn += base.column - 1;
  }
  if (token.startLine !== undefined) token.startLine += base.line - 1;
  if (token.endLine !== undefined) token.endLine += base.line - 1;
}

/** Lexes `text` whose first character sits at `base` in `file`. Never throws. */
export function lex(text: string, file: string, base: Position = ORIGIN): LexResult {
  const result = pcmodLexer.tokenize(text);
  const diagnostics: Diagnostic[] = [];
  for (const error of result.errors) {
    const start: Position = {
      line: (error.line ?? 1) + base.line - 1,
      column: (error.column ?? 1) + (error.line === 1 ? base.column - 1 : 0),
      offset: error.offset + base.offset,
    };
    const end: Position = {
      line: start.line,
      column: start.column + error.length,
      offset: start.offset + error.length,
    };
    diagnostics.push(createDiagnostic('PCM1003', file, { start, end }, [text.charAt(error.offset)]));
  }
  const strings = new Map<IToken, DecodedString>();
  for (const token of result.tokens) {
    shift(token, base);
    const type = token.tokenType;
    if (type === StringLiteral || type === UnterminatedString) {
      const terminated = type === StringLiteral;
      if (!terminated) diagnostics.push(createDiagnostic('PCM1002', file, tokenRange(token)));
      const decoded = decodeString(token.image, terminated);
      strings.set(token, decoded);
      for (const problem of decoded.problems) {
        const range = rangeInToken(token, problem.start, problem.end);
        diagnostics.push(
          problem.kind === 'escape'
            ? createDiagnostic('PCM1004', file, range, [problem.char])
            : createDiagnostic('PCM1005', file, range, [problem.detail]),
        );
      }
    } else if (type === IntLiteral) {
      if (parseInteger(token.image) === undefined)
        diagnostics.push(createDiagnostic('PCM1006', file, tokenRange(token), [token.image]));
    } else if (type === Quantity) {
      const quantity = parseQuantity(token.image);
      if (!quantity.safe) {
        diagnostics.push(
          createDiagnostic('PCM1006', file, rangeInToken(token, 0, quantity.unitStart), [
            token.image.slice(0, quantity.unitStart),
          ]),
        );
      }
      if (quantity.kind === undefined) {
        diagnostics.push(
          createDiagnostic('PCM1007', file, rangeInToken(token, quantity.unitStart, token.image.length), [
            token.image.slice(quantity.unitStart),
          ]),
        );
      }
    }
  }
  const comments = result.groups.comments ?? [];
  for (const comment of comments) shift(comment, base);
  return { tokens: result.tokens, comments, diagnostics, strings };
}
