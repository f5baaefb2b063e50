/**
 * `parse(text, file)`: pcmod source → {@link ParseResult} (state **parsed**). Never throws.
 *
 * Steps: enforce the line limit (PCM1010) → lex (PCM1002–PCM1007) → layout and nesting limit (PCM1011)
 * → parse with the shared parser (PCM1001) → parse `${…}` interpolations (PCM1005) → one diagnostic
 * per line for syntax errors, so a typo does not cascade.
 */
import type { IToken } from 'chevrotain';
import type { CommentNode, ExprNode, ModuleNode, Position, Range } from '../ast/nodes.js';
import { createDiagnostic, type Diagnostic, sortDiagnostics } from '../diagnostics/diagnostic.js';
import { layout, MAX_NESTING } from '../lexer/layout.js';
import { lex, tokenRange } from '../lexer/lex.js';
import { Newline } from '../lexer/tokens.js';
import type { ParseResult } from './parse-result.js';
import { type ModuleParts, pcmodParser, type SyntaxProblem } from './pcmod-parser.js';

export { type SemanticToken, type TokenCategory, tokenize } from '../lexer/semantic-tokens.js';
export type { ParseResult } from './parse-result.js';

/** Most lines a module may have (PCM1010). */
export const MAX_LINES = 10_000;

const ORIGIN: Position = { line: 1, column: 1, offset: 0 };

/** Parses a pcmod module. Syntax problems are diagnostics; the AST is always complete. */
export function parse(text: string, file: string): ParseResult {
  try {
    return parseModule(text, file);
  } catch (error) {
    // Last resort: an internal bug must not take down the CLI or the language server.
    const message = error instanceof Error ? error.message : String(error);
    const at: Range = { start: ORIGIN, end: ORIGIN };
    return {
      file,
      text,
      ast: emptyModule(text),
      diagnostics: [createDiagnostic('PCM1001', file, at, [`Internal parser error: ${message}`])],
    };
  }
}

function parseModule(text: string, file: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const lines = lineLimit(text);
  const source = lines === undefined ? text : text.slice(0, lines.cut);
  if (lines !== undefined)
    diagnostics.push(createDiagnostic('PCM1010', file, lines.range, [lines.count, MAX_LINES]));

  const lexed = lex(source, file);
  diagnostics.push(...lexed.diagnostics);
  const laidOut = layout(lexed.tokens);
  let tokens = laidOut.tokens;
  if (laidOut.tooDeep !== undefined) {
    diagnostics.push(
      createDiagnostic('PCM1011', file, tokenRange(laidOut.tooDeep.token), [
        laidOut.tooDeep.depth,
        MAX_NESTING,
      ]),
    );
    tokens = tokensBeforeLineOf(tokens, laidOut.tooDeep.token);
  }

  pcmodParser.jobs = [];
  pcmodParser.begin(tokens, lexed.strings);
  const parts: ModuleParts | undefined = pcmodParser.moduleFile();
  // Past a nesting violation the token stream is cut, so "missing }" errors there are noise.
  if (laidOut.tooDeep === undefined) {
    diagnostics.push(...syntaxDiagnostics(file, pcmodParser.problems, pcmodParser.errors, 'PCM1001'));
  }
  parseInterpolations(file, diagnostics);

  const ast: ModuleNode = {
    kind: 'Module',
    headers: parts?.headers ?? [],
    configs: parts?.configs ?? [],
    handlers: parts?.handlers ?? [],
    comments: lexed.comments.map(commentNode),
    range: { start: ORIGIN, end: endOf(text) },
  };
  return { file, text, ast, diagnostics: onePerLine(diagnostics) };
}

/** Parses queued `${…}` bodies (breadth-first; nested interpolations enqueue more) and patches the AST. */
function parseInterpolations(file: string, diagnostics: Diagnostic[]): void {
  const jobs = pcmodParser.jobs;
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i];
    if (job === undefined) continue;
    const lexed = lex(job.source, file, job.base);
    diagnostics.push(...lexed.diagnostics);
    const laidOut = layout(lexed.tokens, job.level);
    const placeholder = job.parts[job.index] as ExprNode;
    if (laidOut.tooDeep !== undefined) {
      diagnostics.push(
        createDiagnostic('PCM1011', file, tokenRange(laidOut.tooDeep.token), [
          laidOut.tooDeep.depth,
          MAX_NESTING,
        ]),
      );
      continue;
    }
    pcmodParser.begin(laidOut.tokens, lexed.strings, job.level);
    const expression = pcmodParser.interpolation();
    const problems = syntaxDiagnostics(file, pcmodParser.problems, pcmodParser.errors, 'PCM1005');
    diagnostics.push(...problems);
    job.parts[job.index] = expression ?? placeholder;
  }
  pcmodParser.jobs = [];
}

interface ChevrotainError {
  readonly message: string;
  readonly token: IToken;
  readonly previousToken?: IToken;
}

function syntaxDiagnostics(
  file: string,
  problems: readonly SyntaxProblem[],
  errors: readonly ChevrotainError[],
  code: 'PCM1001' | 'PCM1005',
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const problem of problems) {
    const related =
      problem.related === undefined
        ? undefined
        : [{ message: problem.related.message, file, range: problem.related.range }];
    out.push(
      createDiagnostic(
        code,
        file,
        problem.range,
        [problem.message],
        related === undefined ? {} : { related },
      ),
    );
  }
  for (const error of errors) out.push(createDiagnostic(code, file, errorRange(error), [error.message]));
  return out;
}

function isPlaced(token: IToken | undefined): token is IToken {
  return (
    token !== undefined &&
    !Number.isNaN(token.startOffset) &&
    token.tokenType !== Newline &&
    token.image !== ''
  );
}

/** chevrotain reports some errors on a virtual token; anchor those to the previous real token. */
function errorRange(error: ChevrotainError): Range {
  if (isPlaced(error.token)) return tokenRange(error.token);
  if (isPlaced(error.previousToken)) return tokenRange(error.previousToken);
  return { start: ORIGIN, end: ORIGIN };
}

/**
 * Keeps the first syntax error of each line and drops PCM1001s on lines that already have a lexical error:
 * after one mistake the rest of the line is rarely worth a second message.
 */
function onePerLine(diagnostics: Diagnostic[]): Diagnostic[] {
  const sorted = sortDiagnostics(diagnostics);
  const lexicalLines = new Set<number>();
  for (const d of sorted)
    if (d.code !== 'PCM1001' && d.code !== 'PCM1010' && d.code !== 'PCM1011')
      lexicalLines.add(d.range.start.line);
  const syntaxLines = new Set<number>();
  return sorted.filter((d) => {
    if (d.code !== 'PCM1001') return true;
    const line = d.range.start.line;
    if (lexicalLines.has(line) || syntaxLines.has(line)) return false;
    syntaxLines.add(line);
    return true;
  });
}

function tokensBeforeLineOf(tokens: IToken[], token: IToken): IToken[] {
  const index = tokens.indexOf(token);
  let cut = index;
  while (cut > 0 && tokens[cut - 1]?.tokenType !== Newline) cut--;
  return tokens.slice(0, Math.max(cut, 0));
}

function commentNode(token: IToken): CommentNode {
  return { kind: 'Comment', text: token.image.slice(1), range: tokenRange(token) };
}

/** Line count and where to cut when the text has more than {@link MAX_LINES} lines. */
function lineLimit(text: string): { count: number; cut: number; range: Range } | undefined {
  let count = 0;
  let cut = -1;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      count++;
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
      if (count === MAX_LINES) cut = i;
      continue;
    }
    i++;
  }
  const lastLineOpen =
    text.length > 0 && text.charCodeAt(text.length - 1) !== 10 && text.charCodeAt(text.length - 1) !== 13;
  if (lastLineOpen) count++;
  if (count <= MAX_LINES || cut < 0) return undefined;
  let end = cut;
  while (end < text.length && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
  const line = MAX_LINES + 1;
  return {
    count,
    cut,
    range: { start: { line, column: 1, offset: cut }, end: { line, column: end - cut + 1, offset: end } },
  };
}

function endOf(text: string): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) continue;
    if (c === 10 || c === 13) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: text.length - lineStart + 1, offset: text.length };
}

function emptyModule(text: string): ModuleNode {
  return {
    kind: 'Module',
    headers: [],
    configs: [],
    handlers: [],
    comments: [],
    range: { start: ORIGIN, end: endOf(text) },
  };
}
