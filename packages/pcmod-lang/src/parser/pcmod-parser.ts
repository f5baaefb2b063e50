/**
 * The pcmod grammar as a chevrotain embedded-actions parser that builds the AST of `ast/nodes.ts`
 * directly. Built once (`pcmodParser`) and reused: `parse()` feeds it tokens and reads the results.
 *
 * Error handling, in order of preference:
 * 1. Missing pieces the grammar can name (a `}`, a name, an expression) are reported by the rule itself
 *    with a message that says what was expected where, and parsing continues as if it were there.
 * 2. Anything that cannot start the expected construct is skipped to the end of the line (braces kept
 *    balanced) with one diagnostic — the statement-level resync.
 * 3. chevrotain's own recovery (token insertion/deletion, follow-set resync) catches the rest.
 */
import type { IRecognitionException, IToken, ParserMethod, TokenType } from 'chevrotain';
import type {
  BinaryOperator,
  BlockNode,
  CallNode,
  ConfigBlockNode,
  ConfigFieldNode,
  ErrorExprNode,
  ExprNode,
  HandlerEvent,
  HandlerNode,
  HeaderNode,
  IdentifierNode,
  IfBranchNode,
  IfNode,
  InterpolatedStringNode,
  MapLiteralNode,
  Position,
  Range,
  RespondKind,
  RespondNode,
  StatementNode,
  StringLiteralNode,
  TypeRefNode,
} from '../ast/nodes.js';
import { chevrotain } from '../lexer/chevrotain-runtime.js';
import { rangeInToken, tokenEnd, tokenRange, tokenStart } from '../lexer/lex.js';
import { parseInteger, parseQuantity } from '../lexer/literals.js';
import type { DecodedString } from '../lexer/string-scan.js';
import {
  AndAnd,
  AnyToken,
  Assign,
  allTokens,
  Bang,
  CmpOp,
  Comma,
  Config,
  ConfigRef,
  Decimal,
  Dot,
  Else,
  False,
  Gt,
  HyphenWord,
  Identifier,
  If,
  IntLiteral,
  LBracket,
  LCurly,
  Let,
  Log,
  LParen,
  Lt,
  Minus,
  Mod,
  NameLike,
  Newline,
  OnRequest,
  OnResponse,
  OnStart,
  OrOr,
  Overrides,
  Pass,
  PathWord,
  Priority,
  Quantity,
  RBracket,
  RCurly,
  RemoveHeader,
  Respond,
  RParen,
  SetCtx,
  SetHeader,
  StringLike,
  StringLiteral,
  True,
  UnterminatedString,
  Version,
} from '../lexer/tokens.js';
import { describeToken, errorMessages } from './error-messages.js';

const { EmbeddedActionsParser, EOF } = chevrotain;

/** A syntax problem found by a rule (becomes PCM1001, or PCM1005 inside an interpolation). */
export interface SyntaxProblem {
  readonly message: string;
  readonly range: Range;
  readonly related?: { readonly message: string; readonly range: Range };
}

/** A `${…}` part whose expression is parsed after the enclosing parse finishes (the parser is not re-entrant). */
export interface InterpolationJob {
  readonly parts: Array<InterpolatedStringNode['parts'][number]>;
  readonly index: number;
  readonly source: string;
  readonly base: Position;
  /** How many interpolations enclose this one (bounded by the nesting limit). */
  readonly level: number;
}

/** What the module rule returns; `parse()` adds the range and the comments. */
export interface ModuleParts {
  readonly headers: HeaderNode[];
  readonly configs: ConfigBlockNode[];
  readonly handlers: HandlerNode[];
}

const PRIMARY_START: ReadonlySet<TokenType> = new Set([
  StringLiteral,
  UnterminatedString,
  IntLiteral,
  Quantity,
  True,
  False,
  LBracket,
  ConfigRef,
  LParen,
  PathWord,
  HyphenWord,
  Identifier,
]);
const BLOCK_END: ReadonlySet<TokenType> = new Set([RCurly, EOF, Config, OnStart, OnRequest, OnResponse]);
const TOP_LEVEL: ReadonlySet<TokenType> = new Set([Config, OnStart, OnRequest, OnResponse, Mod]);
const RESPOND_KINDS: ReadonlySet<string> = new Set(['text', 'json', 'html']);
const DEFAULT_ELEMENT: Readonly<Record<string, string>> = { list: 'str', map: 'str' };

function isReal(token: IToken | undefined): token is IToken {
  return token !== undefined && token.tokenType !== EOF && !Number.isNaN(token.startOffset);
}

function span(start: Range, end: Range): Range {
  return { start: start.start, end: end.end };
}

export class PcmodParser extends EmbeddedActionsParser {
  /** Problems reported by rules during the current run. */
  problems: SyntaxProblem[] = [];
  /** Interpolations waiting to be parsed; `parse()` drains this queue. */
  jobs: InterpolationJob[] = [];
  private strings: ReadonlyMap<IToken, DecodedString> = new Map();
  private level = 0;
  private silenceNextJunk = false;
  /**
   * False while chevrotain records the grammar. A few places skip a SUBRULE at run time (when the next
   * token cannot start it) so that a missing operand becomes an `ErrorExpr` instead of an exception; the
   * grammar must still see the SUBRULE, so it is always taken while recording.
   */
  private analysed = false;

  constructor() {
    super(allTokens as TokenType[], {
      recoveryEnabled: true,
      maxLookahead: 1,
      errorMessageProvider: errorMessages,
    });
    this.performSelfAnalysis();
    this.analysed = true;
  }

  /** Prepares a run over `tokens`; `level` is the interpolation nesting of these tokens. */
  begin(tokens: IToken[], strings: ReadonlyMap<IToken, DecodedString>, level = 0): void {
    this.input = tokens;
    this.problems = [];
    this.strings = strings;
    this.level = level;
    this.silenceNextJunk = false;
  }

  // ---------------------------------------------------------------------------------------------
  // Module structure

  public moduleFile = this.RULE('moduleFile', (): ModuleParts => {
    const headers: HeaderNode[] = [];
    const configs: ConfigBlockNode[] = [];
    const handlers: HandlerNode[] = [];
    this.MANY({
      GATE: () => this.LA(1).tokenType !== EOF,
      DEF: () => {
        this.OR({
          IGNORE_AMBIGUITIES: true,
          DEF: [
            { ALT: () => this.CONSUME(Newline) },
            {
              ALT: () => {
                const header = this.SUBRULE(this.header);
                this.ACTION(() => header && headers.push(header));
                this.SUBRULE(this.endOfLine, { ARGS: [false] });
              },
            },
            {
              ALT: () => {
                const config = this.SUBRULE(this.configBlock);
                this.ACTION(() => config && configs.push(config));
                this.SUBRULE2(this.endOfLine, { ARGS: [false] });
              },
            },
            {
              ALT: () => {
                const handler = this.SUBRULE(this.handler);
                this.ACTION(() => handler && handlers.push(handler));
                this.SUBRULE3(this.endOfLine, { ARGS: [false] });
              },
            },
            {
              ALT: () =>
                this.SUBRULE(this.junk, {
                  ARGS: [false, 'a header (mod, version, priority, overrides), config block or handler'],
                }),
            },
          ],
        });
      },
    });
    return { headers, configs, handlers };
  });

  private header = this.RULE('header', (): HeaderNode | undefined =>
    this.OR([
      {
        ALT: () => {
          const kw = this.CONSUME(Mod);
          const name = this.SUBRULE(this.requiredName, { ARGS: ["a module name after 'mod'"] });
          return this.ACTION(
            () => ({ kind: 'ModHeader', name, range: span(tokenRange(kw), name.range) }) as const,
          );
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(Version);
          const value = this.OPTION(() =>
            this.OR2([
              { ALT: () => this.CONSUME(Decimal) },
              { ALT: () => this.CONSUME(IntLiteral) },
              { ALT: () => this.CONSUME(StringLike) },
              { ALT: () => this.CONSUME(NameLike) },
            ]),
          );
          return this.ACTION(() => {
            if (value === undefined) {
              this.expected("a version after 'version' (for example 1.0)");
              const at = this.anchor();
              return {
                kind: 'VersionHeader',
                value: '',
                valueRange: at,
                range: span(tokenRange(kw), at),
              } as const;
            }
            const range = tokenRange(value);
            const text =
              value.tokenType === StringLiteral
                ? value.image.slice(1, -1)
                : value.tokenType === UnterminatedString
                  ? value.image.slice(1)
                  : value.image;
            return {
              kind: 'VersionHeader',
              value: text,
              valueRange: range,
              range: span(tokenRange(kw), range),
            } as const;
          });
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(Priority);
          const minus = this.OPTION2(() => this.CONSUME(Minus));
          const digits = this.OPTION3(() => this.CONSUME2(IntLiteral));
          return this.ACTION(() => {
            if (digits === undefined) {
              this.expected("an integer after 'priority'");
              const at = this.anchor();
              return {
                kind: 'PriorityHeader',
                value: 0,
                valueRange: at,
                range: span(tokenRange(kw), at),
              } as const;
            }
            const magnitude = parseInteger(digits.image) ?? Number(digits.image);
            const valueRange = span(tokenRange(minus ?? digits), tokenRange(digits));
            return {
              kind: 'PriorityHeader',
              value: minus ? -magnitude : magnitude,
              valueRange,
              range: span(tokenRange(kw), valueRange),
            } as const;
          });
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(Overrides);
          const name = this.SUBRULE2(this.requiredName, { ARGS: ["a module name after 'overrides'"] });
          return this.ACTION(
            () => ({ kind: 'OverridesHeader', name, range: span(tokenRange(kw), name.range) }) as const,
          );
        },
      },
    ]),
  );

  private configBlock = this.RULE('configBlock', (): ConfigBlockNode => {
    const kw = this.CONSUME(Config);
    const open = this.OPTION(() => this.CONSUME(LCurly));
    this.ACTION(() => open === undefined && this.expected("'{' after 'config'"));
    const fields = this.bodyLines(this.configField, 'a config field (name type default)');
    const close = this.OPTION2(() => this.CONSUME(RCurly));
    return this.ACTION(() => {
      const end = this.closeBrace(close, 'config block', open ?? kw);
      return { kind: 'ConfigBlock', fields, range: span(tokenRange(kw), end) };
    });
  });

  private configField = this.RULE('configField', (): ConfigFieldNode => {
    // Consumed directly (not via `requiredName`) so the rule cannot match empty inside the block's MANY.
    const nameToken = this.CONSUME(NameLike);
    const type = this.SUBRULE(this.typeRef);
    const value = this.OPTION({
      GATE: () => !this.atLineEnd(true),
      DEF: () => this.SUBRULE(this.defaultValue),
    });
    return this.ACTION(() => {
      const name: IdentifierNode = {
        kind: 'Identifier',
        name: nameToken.image,
        range: tokenRange(nameToken),
      };
      const last = value?.range ?? (type.name === '' ? name.range : type.range);
      const node: ConfigFieldNode = { kind: 'ConfigField', name, type, range: span(name.range, last) };
      return value === undefined ? node : { ...node, default: value };
    });
  });

  private typeRef = this.RULE('typeRef', (): TypeRefNode => {
    const name = this.OPTION(() => this.CONSUME(NameLike));
    const element = this.OPTION2(() => {
      const lt = this.CONSUME(Lt);
      const inner = this.OPTION3(() => this.CONSUME2(NameLike));
      const gt = this.OPTION4(() => this.CONSUME(Gt));
      return { lt, inner, gt };
    });
    return this.ACTION(() => {
      if (name === undefined) {
        this.expected('a type (bool, int, str, duration, size, list or map)');
        return { kind: 'TypeRef', name: '', range: this.anchor() };
      }
      let end = tokenRange(name);
      let elementName = DEFAULT_ELEMENT[name.image];
      if (element !== undefined) {
        end = tokenRange(element.lt);
        if (element.inner === undefined) this.expected("an element type after '<'");
        else {
          elementName = element.inner.image;
          end = tokenRange(element.inner);
        }
        if (element.gt === undefined) this.expected("'>' to close the element type");
        else end = tokenRange(element.gt);
      }
      const range = span(tokenRange(name), end);
      return elementName === undefined
        ? { kind: 'TypeRef', name: name.image, range }
        : { kind: 'TypeRef', name: name.image, element: elementName, range };
    });
  });

  private defaultValue = this.RULE(
    'defaultValue',
    (): ExprNode =>
      this.OR({
        IGNORE_AMBIGUITIES: true,
        DEF: [
          {
            // Legacy: `name str hello` — a lone word as a default stands for a string.
            GATE: () =>
              this.LA(1).tokenType !== True && this.LA(1).tokenType !== False && this.atLineEnd(true, 2),
            ALT: () => {
              const word = this.CONSUME(NameLike);
              return this.ACTION(
                () => ({ kind: 'BareWord', text: word.image, range: tokenRange(word) }) as const,
              );
            },
          },
          { ALT: () => this.SUBRULE(this.mapLiteral) },
          { ALT: () => this.SUBRULE(this.expression) },
        ],
      }),
  );

  private mapLiteral = this.RULE('mapLiteral', (): MapLiteralNode => {
    const open = this.CONSUME(LCurly);
    const entries: Array<MapLiteralNode['entries'][number]> = [];
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(Newline) },
        { ALT: () => this.CONSUME(Comma) },
        {
          ALT: () => {
            const key = this.SUBRULE(this.expression);
            const eq = this.OPTION(() => this.CONSUME(Assign));
            this.ACTION(() => eq === undefined && this.expected("'=' after the map key"));
            const value = this.SUBRULE2(this.expression);
            this.ACTION(() => entries.push({ key, value, range: span(key.range, value.range) }));
          },
        },
      ]);
    });
    const close = this.OPTION2(() => this.CONSUME(RCurly));
    return this.ACTION(() => ({
      kind: 'MapLiteral',
      entries,
      range: span(tokenRange(open), this.closeBrace(close, 'map literal', open)),
    }));
  });

  private handler = this.RULE('handler', (): HandlerNode => {
    const kw = this.OR([
      { ALT: () => this.CONSUME(OnStart) },
      { ALT: () => this.CONSUME(OnRequest) },
      { ALT: () => this.CONSUME(OnResponse) },
    ]);
    const body = this.SUBRULE(this.block, { ARGS: [`${kw.image} block`] });
    return this.ACTION(() => ({
      kind: 'Handler',
      event: kw.image as HandlerEvent,
      eventRange: tokenRange(kw),
      body,
      range: span(tokenRange(kw), body.range),
    }));
  });

  /** `{ statements }`; `label` names the block in messages (`on_request block`, `if block`). */
  private block = this.RULE(
    'block',
    (label: string): BlockNode => {
      let reported = false;
      // `if x = 1 {`: report once and skip to the `{` so the block itself still parses.
      this.OPTION3({
        GATE: () => this.LA(1).tokenType !== LCurly && this.braceLaterOnLine(),
        DEF: () => {
          this.ACTION(() => {
            this.expected(`'{' to open the ${label}`);
            reported = true;
          });
          this.CONSUME(AnyToken);
          this.MANY2({ GATE: () => this.LA(1).tokenType !== LCurly, DEF: () => this.CONSUME2(AnyToken) });
        },
      });
      const open = this.OPTION(() => this.CONSUME(LCurly));
      this.ACTION(() => open === undefined && !reported && this.expected(`'{' to open the ${label}`));
      const statements = this.bodyLines(this.statement, 'a statement');
      const close = this.OPTION2(() => this.CONSUME(RCurly));
      return this.ACTION(() => {
        const start = open === undefined ? this.anchorAfter(this.LA(0)) : tokenRange(open);
        const end = this.closeBrace(close, label, open);
        return { kind: 'Block', statements, range: span(start, end) };
      });
    },
    {
      recoveryValueFunc: (e: IRecognitionException) =>
        ({ kind: 'Block', statements: [], range: this.rangeOfError(e) }) as BlockNode,
    },
  );

  // ---------------------------------------------------------------------------------------------
  // Statements

  private statement = this.RULE('statement', (): StatementNode | undefined =>
    this.OR([
      { ALT: () => this.SUBRULE(this.ifStatement) },
      { ALT: () => this.SUBRULE(this.respond) },
      {
        ALT: () => {
          const kw = this.CONSUME(SetHeader);
          const name = this.SUBRULE(this.expression);
          const value = this.SUBRULE2(this.expression);
          return this.ACTION(
            () => ({ kind: 'SetHeader', name, value, range: span(tokenRange(kw), value.range) }) as const,
          );
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(RemoveHeader);
          const name = this.SUBRULE3(this.expression);
          return this.ACTION(
            () => ({ kind: 'RemoveHeader', name, range: span(tokenRange(kw), name.range) }) as const,
          );
        },
      },
      { ALT: () => this.SUBRULE(this.setCtx) },
      {
        ALT: () => {
          const kw = this.CONSUME(Log);
          const level = this.SUBRULE(this.requiredName, {
            ARGS: ["a log level after 'log' (debug, info, warn or error)"],
          });
          const message = this.SUBRULE4(this.expression);
          return this.ACTION(
            () => ({ kind: 'Log', level, message, range: span(tokenRange(kw), message.range) }) as const,
          );
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(Let);
          const name = this.SUBRULE2(this.requiredName, { ARGS: ["a variable name after 'let'"] });
          const eq = this.OPTION(() => this.CONSUME(Assign));
          this.ACTION(() => eq === undefined && this.expected("'=' after the variable name"));
          const value = this.SUBRULE5(this.expression);
          return this.ACTION(
            () => ({ kind: 'Let', name, value, range: span(tokenRange(kw), value.range) }) as const,
          );
        },
      },
      {
        ALT: () => {
          const kw = this.CONSUME(Pass);
          return this.ACTION(() => ({ kind: 'Pass', range: tokenRange(kw) }) as const);
        },
      },
      { ALT: () => this.SUBRULE(this.callStatement) },
    ]),
  );

  private ifStatement = this.RULE('ifStatement', (): IfNode => {
    const kw = this.CONSUME(If);
    const condition = this.SUBRULE(this.expression);
    const body = this.SUBRULE(this.block, { ARGS: ['if block'] });
    const branches: IfBranchNode[] = [];
    this.ACTION(() =>
      branches.push({ kind: 'IfBranch', condition, body, range: span(tokenRange(kw), body.range) }),
    );
    let elseBody: BlockNode | undefined;
    this.MANY({
      GATE: () => elseBody === undefined && this.elseAhead(),
      DEF: () => {
        this.MANY2(() => this.CONSUME(Newline));
        const elseKw = this.CONSUME(Else);
        // `block` may start without its `{` (reported), so its first set overlaps `if`: `else if` wins.
        this.OR({
          IGNORE_AMBIGUITIES: true,
          DEF: [
            {
              ALT: () => {
                this.CONSUME2(If);
                const elseCondition = this.SUBRULE2(this.expression);
                const elseIfBody = this.SUBRULE2(this.block, { ARGS: ['else if block'] });
                this.ACTION(() =>
                  branches.push({
                    kind: 'IfBranch',
                    condition: elseCondition,
                    body: elseIfBody,
                    range: span(tokenRange(elseKw), elseIfBody.range),
                  }),
                );
              },
            },
            {
              ALT: () => {
                elseBody = this.SUBRULE3(this.block, { ARGS: ['else block'] });
              },
            },
          ],
        });
      },
    });
    return this.ACTION(() => {
      const last = elseBody ?? (branches[branches.length - 1] as IfBranchNode);
      const node: IfNode = { kind: 'If', branches, range: span(tokenRange(kw), last.range) };
      return elseBody === undefined ? node : { ...node, elseBody };
    });
  });

  private respond = this.RULE('respond', (): RespondNode => {
    const kw = this.CONSUME(Respond);
    const status = this.SUBRULE(this.expression);
    let contentType: RespondNode['contentType'];
    let body: ExprNode | undefined;
    this.OPTION({
      GATE: () => !this.atLineEnd(true),
      DEF: () => {
        this.OR({
          IGNORE_AMBIGUITIES: true,
          DEF: [
            {
              GATE: () => this.LA(1).tokenType === Identifier && RESPOND_KINDS.has(this.LA(1).image),
              ALT: () => {
                const word = this.CONSUME(Identifier);
                this.ACTION(() => {
                  contentType = { keyword: word.image as RespondKind, range: tokenRange(word) };
                });
                body = this.OPTION2({
                  GATE: () => !this.atLineEnd(true),
                  DEF: () => this.SUBRULE2(this.expression),
                });
              },
            },
            {
              GATE: () => this.LA(2).tokenType !== EOF && this.startsExpression(this.LA(2).tokenType),
              ALT: () => {
                contentType = this.SUBRULE(this.stringLiteral);
                body = this.SUBRULE3(this.expression);
              },
            },
            {
              ALT: () => {
                body = this.SUBRULE4(this.expression);
              },
            },
          ],
        });
      },
    });
    return this.ACTION(() => {
      const last =
        body?.range ??
        (contentType && 'keyword' in contentType ? contentType.range : contentType?.range) ??
        status.range;
      const node: RespondNode = { kind: 'Respond', status, range: span(tokenRange(kw), last) };
      return {
        ...node,
        ...(contentType === undefined ? {} : { contentType }),
        ...(body === undefined ? {} : { body }),
      };
    });
  });

  private setCtx = this.RULE('setCtx', (): StatementNode => {
    const kw = this.CONSUME(SetCtx);
    const key = this.OPTION(() =>
      this.OR([
        {
          ALT: () => {
            const word = this.CONSUME(NameLike);
            return this.ACTION(
              (): IdentifierNode => ({ kind: 'Identifier', name: word.image, range: tokenRange(word) }),
            );
          },
        },
        {
          ALT: () => {
            const str = this.CONSUME(StringLike);
            return this.ACTION(
              (): StringLiteralNode => ({
                kind: 'StringLiteral',
                value: this.plainText(str),
                range: tokenRange(str),
              }),
            );
          },
        },
      ]),
    );
    this.ACTION(() => key === undefined && this.expected("a context key after 'set_ctx'"));
    const value = this.SUBRULE(this.expression);
    return this.ACTION(() => {
      const k = key ?? { kind: 'Identifier', name: '', range: this.anchorAfter(kw) };
      return { kind: 'SetCtx', key: k, value, range: span(tokenRange(kw), value.range) } as const;
    });
  });

  private callStatement = this.RULE('callStatement', (): StatementNode | undefined => {
    const target = this.SUBRULE(this.reference);
    return this.ACTION(() => {
      if (target.kind === 'Call')
        return { kind: 'CallStatement', call: target, range: target.range } as const;
      if (target.kind === 'NameRef') {
        if (!this.atLineEnd(true)) {
          this.report(`Unknown statement '${target.name}'`, target.range);
          this.silenceNextJunk = true;
          return undefined;
        }
        const call: CallNode = {
          kind: 'Call',
          callee: [target.name],
          calleeRange: target.range,
          args: [],
          parens: false,
          range: target.range,
        };
        return { kind: 'CallStatement', call, range: target.range } as const;
      }
      if (target.kind !== 'ErrorExpr')
        this.report('Expected a statement; a context value cannot stand alone', target.range);
      return undefined;
    });
  });

  /** Whatever is left on a line after a complete construct: reported once and skipped. */
  private endOfLine = this.RULE('endOfLine', (inBlock: boolean): void => {
    this.OPTION({
      GATE: () => !this.atLineEnd(inBlock),
      DEF: () => this.SUBRULE(this.junk, { ARGS: [inBlock, this.takeSilence() ? undefined : 'end of line'] }),
    });
  });

  /**
   * Skips tokens to the end of the line, keeping braces balanced (a skipped `{ … }` is skipped whole, so
   * its `}` does not close the enclosing block). Reports one problem unless `expected` is undefined.
   */
  private junk = this.RULE('junk', (inBlock: boolean, expected: string | undefined): void => {
    let depth = 0;
    const first = this.CONSUME(AnyToken);
    this.ACTION(() => {
      if (expected !== undefined)
        this.report(`Unexpected ${describeToken(first)}; expected ${expected}`, tokenRange(first));
      if (first.tokenType === LCurly) depth++;
    });
    this.MANY({
      GATE: () => this.junkContinues(inBlock, depth),
      DEF: () => {
        const token = this.CONSUME2(AnyToken);
        this.ACTION(() => {
          if (token.tokenType === LCurly) depth++;
          else if (token.tokenType === RCurly && depth > 0) depth--;
        });
      },
    });
  });

  // ---------------------------------------------------------------------------------------------
  // Expressions, lowest precedence first

  public expression = this.RULE('expression', (): ExprNode => this.leftAssociative(OrOr, this.andExpr), {
    recoveryValueFunc: (e: IRecognitionException) => this.errorExpr(e),
  });

  private andExpr = this.RULE('andExpr', (): ExprNode => this.leftAssociative(AndAnd, this.comparison), {
    recoveryValueFunc: (e: IRecognitionException) => this.errorExpr(e),
  });

  private comparison = this.RULE(
    'comparison',
    (): ExprNode =>
      this.leftAssociative(CmpOp, this.unary, (op, index) => {
        if (index === 1)
          this.report(
            `Comparison operators cannot be chained; add parentheses before '${op.image}'`,
            tokenRange(op),
          );
      }),
    { recoveryValueFunc: (e: IRecognitionException) => this.errorExpr(e) },
  );

  /** Prefix operators are collected in a loop, so `!!!!…x` cannot recurse deeply. */
  private unary = this.RULE(
    'unary',
    (): ExprNode => {
      const ops: IToken[] = [];
      this.MANY(() => {
        const op = this.OR([{ ALT: () => this.CONSUME(Bang) }, { ALT: () => this.CONSUME(Minus) }]);
        this.ACTION(() => ops.push(op));
      });
      let operand: ExprNode | undefined;
      if (!this.analysed || PRIMARY_START.has(this.LA(1).tokenType)) operand = this.SUBRULE(this.primary);
      return this.ACTION(() => {
        let result = operand ?? this.missingExpression();
        for (let i = ops.length - 1; i >= 0; i--) {
          const op = ops[i] as IToken;
          result = {
            kind: 'Unary',
            operator: op.image as '!' | '-',
            operand: result,
            range: span(tokenRange(op), result.range),
          };
        }
        return result;
      });
    },
    { recoveryValueFunc: (e: IRecognitionException) => this.errorExpr(e) },
  );

  private primary = this.RULE(
    'primary',
    (): ExprNode =>
      this.OR([
        { ALT: () => this.SUBRULE(this.stringLiteral) },
        {
          ALT: () => {
            const t = this.CONSUME(IntLiteral);
            return this.ACTION(
              () =>
                ({
                  kind: 'IntLiteral',
                  value: parseInteger(t.image) ?? Number(t.image),
                  range: tokenRange(t),
                }) as const,
            );
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(Quantity);
            return this.ACTION(() => {
              const q = parseQuantity(t.image);
              return {
                kind: 'QuantityLiteral',
                quantity: q.kind ?? 'duration',
                value: q.value,
                text: t.image,
                range: tokenRange(t),
              } as const;
            });
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(True);
            return this.ACTION(() => ({ kind: 'BoolLiteral', value: true, range: tokenRange(t) }) as const);
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(False);
            return this.ACTION(() => ({ kind: 'BoolLiteral', value: false, range: tokenRange(t) }) as const);
          },
        },
        { ALT: () => this.SUBRULE(this.listLiteral) },
        {
          ALT: () => {
            const t = this.CONSUME(ConfigRef);
            return this.ACTION(
              () =>
                ({
                  kind: 'ConfigRef',
                  name: t.image.slice(1),
                  nameRange: rangeInToken(t, 1, t.image.length),
                  range: tokenRange(t),
                }) as const,
            );
          },
        },
        {
          ALT: () => {
            const open = this.CONSUME(LParen);
            const expression = this.SUBRULE(this.expression);
            const close = this.OPTION(() => this.CONSUME(RParen));
            return this.ACTION(() => {
              const end =
                close === undefined
                  ? this.missingClose("')' to close '('", open, expression.range)
                  : tokenRange(close);
              return { kind: 'Paren', expression, range: span(tokenRange(open), end) } as const;
            });
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(PathWord);
            return this.ACTION(() => ({ kind: 'BareWord', text: t.image, range: tokenRange(t) }) as const);
          },
        },
        {
          ALT: () => {
            const t = this.CONSUME(HyphenWord);
            return this.ACTION(() => ({ kind: 'BareWord', text: t.image, range: tokenRange(t) }) as const);
          },
        },
        { ALT: () => this.SUBRULE(this.reference) },
      ]),
    { recoveryValueFunc: (e: IRecognitionException) => this.errorExpr(e) },
  );

  private listLiteral = this.RULE('listLiteral', (): ExprNode => {
    const open = this.CONSUME(LBracket);
    const elements: ExprNode[] = [];
    this.OPTION(() => {
      const first = this.SUBRULE(this.expression);
      this.ACTION(() => elements.push(first));
      this.MANY(() => {
        this.CONSUME(Comma);
        this.ACTION(() => this.LA(1).tokenType === Comma && this.expected("an expression after ','"));
        this.OPTION2(() => {
          const next = this.SUBRULE2(this.expression);
          this.ACTION(() => elements.push(next));
        });
      });
    });
    const close = this.OPTION3(() => this.CONSUME(RBracket));
    return this.ACTION(() => {
      const last = elements[elements.length - 1]?.range ?? tokenRange(open);
      const end =
        close === undefined ? this.missingClose("']' to close the list", open, last) : tokenRange(close);
      return { kind: 'ListLiteral', elements, range: span(tokenRange(open), end) };
    });
  });

  /** `name`, `ctx.key`, `std.a.b`, `std.a.b(args)`, `header("X")`. */
  private reference = this.RULE(
    'reference',
    (): ExprNode => {
      const first = this.CONSUME(Identifier);
      const parts: IToken[] = [first];
      this.MANY(() => {
        const dot = this.CONSUME(Dot);
        const part = this.OPTION(() => this.CONSUME(NameLike));
        this.ACTION(() => {
          if (part === undefined) this.report("Expected a name after '.'", this.errorRange(dot));
          else parts.push(part);
        });
      });
      const call = this.OPTION2(() => {
        const open = this.CONSUME(LParen);
        const args: ExprNode[] = [];
        this.OPTION3(() => {
          const arg = this.SUBRULE(this.expression);
          this.ACTION(() => args.push(arg));
          this.MANY2(() => {
            this.CONSUME(Comma);
            this.ACTION(() => this.LA(1).tokenType === Comma && this.expected("an expression after ','"));
            this.OPTION4(() => {
              const next = this.SUBRULE2(this.expression);
              this.ACTION(() => args.push(next));
            });
          });
        });
        const close = this.OPTION5(() => this.CONSUME(RParen));
        return { open, args, close };
      });
      return this.ACTION((): ExprNode => {
        const last = parts[parts.length - 1] as IToken;
        const calleeRange = span(tokenRange(first), tokenRange(last));
        const names = parts.map((p) => p.image);
        if (call === undefined) {
          if (names.length === 1) return { kind: 'NameRef', name: first.image, range: calleeRange };
          if (names[0] === 'ctx' && names.length === 2) {
            return { kind: 'CtxRef', key: last.image, keyRange: tokenRange(last), range: calleeRange };
          }
          return { kind: 'Call', callee: names, calleeRange, args: [], parens: false, range: calleeRange };
        }
        const lastInside = call.args[call.args.length - 1]?.range ?? tokenRange(call.open);
        const end =
          call.close === undefined
            ? this.missingClose(`')' to close the arguments of '${names.join('.')}'`, call.open, lastInside)
            : tokenRange(call.close);
        return {
          kind: 'Call',
          callee: names,
          calleeRange,
          args: call.args,
          parens: true,
          range: span(calleeRange, end),
        };
      });
    },
    { recoveryValueFunc: (e: IRecognitionException) => this.errorExpr(e) },
  );

  private stringLiteral = this.RULE('stringLiteral', (): ExprNode => {
    const t = this.CONSUME(StringLike);
    return this.ACTION(() => this.stringNode(t));
  });

  /** Entry point for the body of a `${…}` interpolation. */
  public interpolation = this.RULE('interpolation', (): ExprNode => this.SUBRULE(this.expression));

  /** A name where one is required; reports and returns an empty placeholder when it is missing. */
  private requiredName = this.RULE('requiredName', (what: string): IdentifierNode => {
    const t = this.OPTION(() => this.CONSUME(NameLike));
    return this.ACTION(() => {
      if (t !== undefined) return { kind: 'Identifier', name: t.image, range: tokenRange(t) };
      this.expected(what);
      return { kind: 'Identifier', name: '', range: this.anchor() };
    });
  });

  // ---------------------------------------------------------------------------------------------
  // Helpers (not grammar)

  /**
   * `operand (operator operand)*` folded to the left, for the binary-operator rules; `onOperator` sees
   * each operator with its index (0 for the first) before it is folded in. Called from inside a rule, so
   * its MANY and SUBRULE/SUBRULE2 belong to that rule.
   */
  private leftAssociative(
    operator: TokenType,
    operand: ParserMethod<[], ExprNode>,
    onOperator?: (op: IToken, index: number) => void,
  ): ExprNode {
    let left = this.SUBRULE(operand);
    let count = 0;
    this.MANY(() => {
      const op = this.CONSUME(operator);
      const right = this.SUBRULE2(operand);
      this.ACTION(() => {
        onOperator?.(op, count++);
        left = this.binary(left, op, right);
      });
    });
    return left;
  }

  private binary(left: ExprNode, op: IToken, right: ExprNode): ExprNode {
    return {
      kind: 'Binary',
      operator: op.image as BinaryOperator,
      operatorRange: tokenRange(op),
      left,
      right,
      range: span(left.range, right.range),
    };
  }

  private stringNode(token: IToken): ExprNode {
    const decoded = this.strings.get(token);
    const range = tokenRange(token);
    if (decoded === undefined || !decoded.interpolated) {
      return { kind: 'StringLiteral', value: this.plainText(token), range };
    }
    const parts: Array<InterpolatedStringNode['parts'][number]> = [];
    for (const segment of decoded.segments) {
      const segmentRange = rangeInToken(token, segment.start, segment.end);
      switch (segment.kind) {
        case 'text':
          parts.push({ kind: 'Text', value: segment.value, range: segmentRange });
          break;
        case 'field':
          parts.push({
            kind: 'ConfigRef',
            name: segment.name,
            nameRange: rangeInToken(token, segment.start + 1, segment.end),
            range: segmentRange,
          });
          break;
        case 'broken':
          parts.push({ kind: 'ErrorExpr', range: segmentRange });
          break;
        case 'expr': {
          const placeholder: ErrorExprNode = { kind: 'ErrorExpr', range: segmentRange };
          this.jobs.push({
            parts,
            index: parts.length,
            source: segment.source,
            base: rangeInToken(token, segment.bodyStart, segment.bodyStart).start,
            level: this.level + 1,
          });
          parts.push(placeholder);
          break;
        }
      }
    }
    return { kind: 'InterpolatedString', parts, range };
  }

  /** The text of a string token with escapes resolved and interpolation kept literally. */
  private plainText(token: IToken): string {
    const decoded = this.strings.get(token);
    if (decoded === undefined) return token.image.replace(/^"|"$/g, '');
    let text = '';
    for (const segment of decoded.segments) {
      if (segment.kind === 'text') text += segment.value;
      else if (segment.kind === 'field') text += `$${segment.name}`;
    }
    return text;
  }

  private startsExpression(type: TokenType): boolean {
    return PRIMARY_START.has(type) || type === Bang || type === Minus;
  }

  /** True at the end of a line (or of a block when `inBlock`), looking `k` tokens ahead. */
  private atLineEnd(inBlock: boolean, k = 1): boolean {
    const type = this.LA(k).tokenType;
    if (type === Newline || type === EOF || (inBlock && type === RCurly)) return true;
    // A construct that ended early (a block missing its `}`) leaves us at the start of the next line.
    return k === 1 && this.LA(0).tokenType === Newline;
  }

  private braceLaterOnLine(): boolean {
    for (let k = 1; ; k++) {
      const type = this.LA(k).tokenType;
      if (type === LCurly) return true;
      if (type === Newline || type === EOF || type === RCurly) return false;
    }
  }

  private elseAhead(): boolean {
    for (let k = 1; ; k++) {
      const type = this.LA(k).tokenType;
      if (type !== Newline) return type === Else;
    }
  }

  private junkContinues(inBlock: boolean, depth: number): boolean {
    const type = this.LA(1).tokenType;
    if (type === EOF) return false;
    if (depth === 0) return type !== Newline && !(inBlock && type === RCurly);
    // An unbalanced `{` in skipped text must not swallow the rest of the file: stop at a top-level keyword
    // that starts a line.
    return !(TOP_LEVEL.has(type) && this.LA(0).tokenType === Newline);
  }

  private takeSilence(): boolean {
    const silent = this.silenceNextJunk;
    this.silenceNextJunk = false;
    return silent;
  }

  private report(message: string, range: Range, related?: SyntaxProblem['related']): void {
    this.problems.push(related === undefined ? { message, range } : { message, range, related });
  }

  private expected(what: string): void {
    this.report(`Expected ${what}`, this.errorRange());
  }

  private missingExpression(): ExprNode {
    const previous = this.LA(0);
    const after =
      isReal(previous) && previous.tokenType !== Newline ? ` after ${describeToken(previous)}` : '';
    const range = this.errorRange();
    this.report(`Expected an expression${after}`, range);
    return { kind: 'ErrorExpr', range };
  }

  /** Reports a missing closing bracket and returns where the construct ends instead. */
  private missingClose(what: string, open: IToken, last: Range): Range {
    this.report(`Expected ${what}`, this.errorRange(), { message: 'opened here', range: tokenRange(open) });
    return last;
  }

  /**
   * The lines inside a `{ … }` up to its `}` (or the next top-level keyword), shared by config blocks and
   * statement blocks: blank lines are skipped, each `item` must end its line, and a line no `item` can
   * start is skipped as junk, reported as expecting `expected`. Called from inside a rule, so its DSL
   * calls (MANY, OR, SUBRULE) belong to that rule and must not clash with the caller's own indices.
   */
  private bodyLines<T>(item: ParserMethod<[], T | undefined>, expected: string): T[] {
    const items: T[] = [];
    this.MANY({
      GATE: () => !BLOCK_END.has(this.LA(1).tokenType),
      DEF: () => {
        this.OR({
          IGNORE_AMBIGUITIES: true,
          DEF: [
            { ALT: () => this.CONSUME(Newline) },
            {
              ALT: () => {
                const node = this.SUBRULE(item);
                this.ACTION(() => node && items.push(node));
                this.SUBRULE(this.endOfLine, { ARGS: [true] });
              },
            },
            { ALT: () => this.SUBRULE(this.junk, { ARGS: [true, expected] }) },
          ],
        });
      },
    });
    return items;
  }

  /** Range of the `}` closing a block, or — when it is missing — reports and returns the last token's range. */
  private closeBrace(close: IToken | undefined, label: string, open: IToken | undefined): Range {
    if (close !== undefined && isReal(close)) return tokenRange(close);
    const related =
      open !== undefined && isReal(open)
        ? { message: `${label} opened here`, range: tokenRange(open) }
        : undefined;
    this.report(`Expected '}' to close ${label}`, this.errorRange(), related);
    return this.anchor();
  }

  /** Where to put an error about the next token: on it, or on the previous token at a line end. */
  private errorRange(fallback?: IToken): Range {
    const next = this.LA(1);
    if (isReal(next) && next.tokenType !== Newline) return tokenRange(next);
    const previous = this.previousSignificant() ?? fallback;
    return previous === undefined ? this.origin() : tokenRange(previous);
  }

  private previousSignificant(): IToken | undefined {
    for (let k = 0; k > -10_000; k--) {
      const token = this.LA(k);
      if (!isReal(token)) return undefined;
      if (token.tokenType !== Newline) return token;
    }
    return undefined;
  }

  /** An empty range just after the previous significant token (for nodes that are missing). */
  private anchor(): Range {
    const previous = this.previousSignificant();
    return previous === undefined ? this.origin() : this.anchorAfter(previous);
  }

  private anchorAfter(token: IToken): Range {
    if (!isReal(token)) return this.anchor();
    const end = tokenEnd(token);
    return { start: end, end };
  }

  private origin(): Range {
    const first = this.LA(1);
    const start: Position = isReal(first) ? tokenStart(first) : { line: 1, column: 1, offset: 0 };
    return { start, end: start };
  }

  private rangeOfError(e: IRecognitionException): Range {
    if (isReal(e.token) && e.token.tokenType !== Newline) return tokenRange(e.token);
    return this.anchor();
  }

  private errorExpr(e: IRecognitionException): ErrorExprNode {
    return { kind: 'ErrorExpr', range: this.rangeOfError(e) };
  }
}

/** The one parser instance (chevrotain parsers are expensive to build and cheap to reuse). */
export const pcmodParser = new PcmodParser();
