/**
 * The pcmod abstract syntax tree.
 *
 * State: **parsed**. Every node carries the source range it was parsed from. The tree is produced by
 * `parser/` (never throws; recovered nodes may have `recovered: true`), read by `checker/`, `emit/`,
 * `format/` and the language server. Nothing here is mutated after parsing.
 */

/** A point in a source file. `line` and `column` are 1-based; `offset` is the 0-based UTF-16 index. */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** A half-open source range: `start` is the first character, `end` is one past the last. */
export interface Range {
  readonly start: Position;
  readonly end: Position;
}

interface NodeBase {
  readonly range: Range;
}

// ---------------------------------------------------------------------------------------------
// Module structure

/** A whole `.pcmod` file. */
export interface ModuleNode extends NodeBase {
  readonly kind: 'Module';
  /** Header lines in source order (`mod`, `version`, `priority`, `overrides`). */
  readonly headers: HeaderNode[];
  /** `config { }` blocks in source order (more than one is diagnosed by the checker). */
  readonly configs: ConfigBlockNode[];
  /** `on_start`, `on_request`, `on_response` blocks in source order. */
  readonly handlers: HandlerNode[];
  /** Every `# comment` in the file, in source order (the formatter re-attaches them by line). */
  readonly comments: CommentNode[];
}

export type HeaderNode = ModHeaderNode | VersionHeaderNode | PriorityHeaderNode | OverridesHeaderNode;

export interface IdentifierNode extends NodeBase {
  readonly kind: 'Identifier';
  readonly name: string;
}

export interface ModHeaderNode extends NodeBase {
  readonly kind: 'ModHeader';
  readonly name: IdentifierNode;
}

export interface VersionHeaderNode extends NodeBase {
  readonly kind: 'VersionHeader';
  /** The version text exactly as written (`1.0`, `2.1.3`, `"1.0-beta"` without the quotes). */
  readonly value: string;
  readonly valueRange: Range;
}

export interface PriorityHeaderNode extends NodeBase {
  readonly kind: 'PriorityHeader';
  /** Integer priority; lower runs first. */
  readonly value: number;
  readonly valueRange: Range;
}

export interface OverridesHeaderNode extends NodeBase {
  readonly kind: 'OverridesHeader';
  readonly name: IdentifierNode;
}

export interface CommentNode extends NodeBase {
  readonly kind: 'Comment';
  /** Text after `#`, without the line break. */
  readonly text: string;
}

export interface ConfigBlockNode extends NodeBase {
  readonly kind: 'ConfigBlock';
  readonly fields: ConfigFieldNode[];
}

/** Scalar field types; `list` and `map` carry an element type. */
export type ScalarTypeName = 'bool' | 'int' | 'str' | 'duration' | 'size';
export type TypeName = ScalarTypeName | 'list' | 'map';

export interface TypeRefNode extends NodeBase {
  readonly kind: 'TypeRef';
  /** As written; an unknown name is kept here and diagnosed by the checker. */
  readonly name: string;
  /** `list<int>` → `int`; plain `list` → `str`; `map` → `str`. Undefined for scalars. */
  readonly element?: string;
}

/** `name type default` inside `config { }`. */
export interface ConfigFieldNode extends NodeBase {
  readonly kind: 'ConfigField';
  readonly name: IdentifierNode;
  readonly type: TypeRefNode;
  /** Absent when the line has no default (the checker reports it). */
  readonly default?: ExprNode;
}

export type HandlerEvent = 'on_start' | 'on_request' | 'on_response';

export interface HandlerNode extends NodeBase {
  readonly kind: 'Handler';
  readonly event: HandlerEvent;
  readonly eventRange: Range;
  readonly body: BlockNode;
}

export interface BlockNode extends NodeBase {
  readonly kind: 'Block';
  readonly statements: StatementNode[];
}

// ---------------------------------------------------------------------------------------------
// Statements

export type StatementNode =
  | IfNode
  | RespondNode
  | SetHeaderNode
  | RemoveHeaderNode
  | SetCtxNode
  | LogNode
  | LetNode
  | PassNode
  | CallStatementNode;

export interface IfBranchNode extends NodeBase {
  readonly kind: 'IfBranch';
  readonly condition: ExprNode;
  readonly body: BlockNode;
}

/** `if c { } else if c { } else { }` — `branches[0]` is the `if`, the rest are `else if`. */
export interface IfNode extends NodeBase {
  readonly kind: 'If';
  readonly branches: IfBranchNode[];
  readonly elseBody?: BlockNode;
}

/** Body kinds after the status of `respond`. */
export type RespondKind = 'text' | 'json' | 'html';

/** `respond STATUS [text|json|html|"content/type"] [BODY]`. */
export interface RespondNode extends NodeBase {
  readonly kind: 'Respond';
  readonly status: ExprNode;
  /** A keyword kind, an explicit content-type expression, or absent (text/plain when a body follows). */
  readonly contentType?: { readonly keyword: RespondKind; readonly range: Range } | ExprNode;
  readonly body?: ExprNode;
}

/** `set_header NAME VALUE`: request header in on_request, response header in on_response. */
export interface SetHeaderNode extends NodeBase {
  readonly kind: 'SetHeader';
  readonly name: ExprNode;
  readonly value: ExprNode;
}

export interface RemoveHeaderNode extends NodeBase {
  readonly kind: 'RemoveHeader';
  readonly name: ExprNode;
}

/** `set_ctx KEY VALUE`: the key is an identifier or a string literal. */
export interface SetCtxNode extends NodeBase {
  readonly kind: 'SetCtx';
  readonly key: IdentifierNode | StringLiteralNode;
  readonly value: ExprNode;
}

export interface LogNode extends NodeBase {
  readonly kind: 'Log';
  /** As written; the checker validates it against the known levels. */
  readonly level: IdentifierNode;
  readonly message: ExprNode;
}

export interface LetNode extends NodeBase {
  readonly kind: 'Let';
  readonly name: IdentifierNode;
  readonly value: ExprNode;
}

export interface PassNode extends NodeBase {
  readonly kind: 'Pass';
}

export interface CallStatementNode extends NodeBase {
  readonly kind: 'CallStatement';
  readonly call: CallNode;
}

// ---------------------------------------------------------------------------------------------
// Expressions

export type ExprNode =
  | StringLiteralNode
  | InterpolatedStringNode
  | IntLiteralNode
  | BoolLiteralNode
  | QuantityLiteralNode
  | ListLiteralNode
  | MapLiteralNode
  | BareWordNode
  | ConfigRefNode
  | NameRefNode
  | CtxRefNode
  | CallNode
  | BinaryNode
  | UnaryNode
  | ParenNode
  | ErrorExprNode;

/** A string with no interpolation. `value` has escapes resolved. */
export interface StringLiteralNode extends NodeBase {
  readonly kind: 'StringLiteral';
  readonly value: string;
}

/** A string with `$field` or `${expr}` parts. Text parts have escapes resolved. */
export interface InterpolatedStringNode extends NodeBase {
  readonly kind: 'InterpolatedString';
  readonly parts: Array<{ readonly kind: 'Text'; readonly value: string; readonly range: Range } | ExprNode>;
}

export interface IntLiteralNode extends NodeBase {
  readonly kind: 'IntLiteral';
  readonly value: number;
}

export interface BoolLiteralNode extends NodeBase {
  readonly kind: 'BoolLiteral';
  readonly value: boolean;
}

/** `30s`, `500ms`, `16MiB`, … `value` is normalised: seconds for durations, bytes for sizes. */
export interface QuantityLiteralNode extends NodeBase {
  readonly kind: 'QuantityLiteral';
  readonly quantity: 'duration' | 'size';
  readonly value: number;
  /** The literal as written (`500ms`), kept for the formatter. */
  readonly text: string;
}

export interface ListLiteralNode extends NodeBase {
  readonly kind: 'ListLiteral';
  readonly elements: ExprNode[];
}

/** `{ "/old" = "/new", "/a" = "/b" }` — only meaningful as a `map` default. */
export interface MapLiteralNode extends NodeBase {
  readonly kind: 'MapLiteral';
  readonly entries: Array<{ readonly key: ExprNode; readonly value: ExprNode; readonly range: Range }>;
}

/**
 * Legacy unquoted word (`/health`, `X-Processed`, `text/html`, or an identifier in a config default)
 * that stands for a string. Accepted with a PCM4xxx warning; `pcmod fmt` quotes it.
 */
export interface BareWordNode extends NodeBase {
  readonly kind: 'BareWord';
  readonly text: string;
}

/** `$field`: a config field of this module. */
export interface ConfigRefNode extends NodeBase {
  readonly kind: 'ConfigRef';
  readonly name: string;
  /** Range of the name without the `$`. */
  readonly nameRange: Range;
}

/** A bare identifier in expression position: a `let` variable or a request field (resolved by the checker). */
export interface NameRefNode extends NodeBase {
  readonly kind: 'NameRef';
  readonly name: string;
}

/** `ctx.key`. */
export interface CtxRefNode extends NodeBase {
  readonly kind: 'CtxRef';
  readonly key: string;
  readonly keyRange: Range;
}

/**
 * A call: `std.cache.check()`, `std.proxy.forward` (no parentheses, no arguments), `header("X")`.
 * `callee` is the dotted path as written (`['std', 'cache', 'check']`, `['header']`).
 */
export interface CallNode extends NodeBase {
  readonly kind: 'Call';
  readonly callee: string[];
  readonly calleeRange: Range;
  readonly args: ExprNode[];
  /** False for the legacy `std.proxy.forward` form without parentheses. */
  readonly parens: boolean;
}

export type BinaryOperator =
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | '&&'
  | '||'
  | 'starts_with'
  | 'ends_with'
  | 'contains'
  | 'matches'
  | 'in';

export interface BinaryNode extends NodeBase {
  readonly kind: 'Binary';
  readonly operator: BinaryOperator;
  readonly operatorRange: Range;
  readonly left: ExprNode;
  readonly right: ExprNode;
}

export interface UnaryNode extends NodeBase {
  readonly kind: 'Unary';
  readonly operator: '!' | '-';
  readonly operand: ExprNode;
}

export interface ParenNode extends NodeBase {
  readonly kind: 'Paren';
  readonly expression: ExprNode;
}

/** Placeholder where the parser recovered from a missing or broken expression (already diagnosed). */
export interface ErrorExprNode extends NodeBase {
  readonly kind: 'ErrorExpr';
}

export type AnyNode =
  | ModuleNode
  | HeaderNode
  | IdentifierNode
  | CommentNode
  | ConfigBlockNode
  | ConfigFieldNode
  | TypeRefNode
  | HandlerNode
  | BlockNode
  | IfBranchNode
  | StatementNode
  | ExprNode;
