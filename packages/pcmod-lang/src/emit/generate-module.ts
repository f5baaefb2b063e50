/**
 * Code generation: a checked module → the body of a factory `(b, config) => ModuleInstance`.
 *
 * Everything a request needs that does not depend on the request is hoisted into the factory and
 * runs once per instantiation: stdlib bindings (`f0`), config values (`c0`), constant lists and maps
 * (`k0`), compiled regexes (`r0`) and source locations (`S`, `L0`). Script identifiers never reach
 * the output (variables are `v0`, `v1`, …) and script text only as `jsString` literals, so no script
 * can break out of the generated source.
 *
 * Each handler keeps the index of the statement it is executing in a local `s`, so an exception is
 * rethrown as a `PC_ERR_SCRIPT` error naming the `.pcmod` file:line:column at the cost of one
 * integer store per statement.
 *
 * Handlers are plain functions: a promise is created only on a path that reaches an async call (see
 * "handlers and statements" below), so the pipeline awaits nothing on the others.
 */
import type {
  BinaryNode,
  BlockNode,
  CallNode,
  CallStatementNode,
  ExprNode,
  HandlerEvent,
  HandlerNode,
  IfBranchNode,
  IfNode,
  InterpolatedStringNode,
  LetNode,
  NameRefNode,
  Position,
  RespondKind,
  RespondNode,
  StatementNode,
} from '../ast/nodes.js';
import type { CheckResult, NameResolution } from '../checker/check-result.js';
import { lookupFunction, lookupRequestField } from '../stdlib/table.js';
import type { PcType, RespondsEffect, StdFunction } from '../stdlib/types.js';
import { CodeWriter, type Fragment, Mark } from './code-writer.js';
import { jsNumber, jsString } from './js-literal.js';
import type { MappingSegment } from './source-map.js';
import { forEachCallInExpr, ownExpressions } from './walk-calls.js';

/** `js` for `new Function`, `ts` for `pcmod compile --emit ts` (the same code with type annotations). */
export type Dialect = 'js' | 'ts';

export interface GeneratedModule {
  /** The factory body: statements ending in `return { onRequest, … }`. */
  readonly code: string;
  /** Generated positions (relative to `code`) of statements and calls. */
  readonly segments: readonly MappingSegment[];
  /** Stdlib names the code binds at instantiation; the host must provide each one. */
  readonly functions: readonly string[];
  /** Handler events present, in source order. */
  readonly events: readonly HandlerEvent[];
}

/** Error code of an exception thrown while a handler runs. */
export const SCRIPT_ERROR_CODE = 'PC_ERR_SCRIPT';

const TEXT_PLAIN = 'text/plain; charset=utf-8';

const contentTypes: Readonly<Record<RespondKind, string>> = {
  text: TEXT_PLAIN,
  json: 'application/json',
  html: 'text/html; charset=utf-8',
};

const handlerNames: Readonly<Record<HandlerEvent, string>> = {
  on_start: 'onStart',
  on_request: 'onRequest',
  on_response: 'onResponse',
};

/** Request fields become `x.NAME`; the table only holds such names, and this guards that. */
const fieldNamePattern = /^[a-z_][a-z0-9_]*$/;

const respondsRank: Readonly<Record<RespondsEffect, number>> = { never: 0, maybe: 1, always: 2 };

/** A hoisted continuation `name(x, …args)`: the statements after an `if` whose branches may await. */
interface Tail {
  readonly name: string;
  /** The generated names of the `let`s in scope at the `if`, passed through as parameters. */
  readonly args: readonly string[];
  /** Their TypeScript types (dialect `ts`). */
  readonly types: readonly string[];
  /** Whether some path through it makes an async call (it may return a promise). */
  readonly mayPromise: boolean;
}

/** Thrown for a tree the checker should have rejected; `compile` turns it into PCM1001. */
class EmitError extends Error {}

export function generateModule(checked: CheckResult, dialect: Dialect, depth = 0): GeneratedModule {
  return new ModuleGenerator(checked, dialect).run(depth);
}

function tsType(type: PcType): string {
  switch (type) {
    case 'bool':
      return 'boolean';
    case 'int':
    case 'duration':
    case 'size':
      return 'number';
    case 'str':
      return 'string';
    case 'list<str>':
      return 'readonly string[]';
    case 'list<int>':
      return 'readonly number[]';
    case 'map':
      return 'ReadonlyMap<string, string>';
    case 'void':
      return 'void';
  }
}

/** The id `ids` holds for `name`, or a new one (`prefix` + its index) made and recorded on first use. */
function internedId(ids: Map<string, string>, prefix: string, name: string): string {
  let id = ids.get(name);
  if (id === undefined) {
    id = `${prefix}${ids.size}`;
    ids.set(name, id);
  }
  return id;
}

function isLiteral(e: ExprNode): boolean {
  switch (e.kind) {
    case 'StringLiteral':
    case 'BareWord':
    case 'IntLiteral':
    case 'BoolLiteral':
    case 'QuantityLiteral':
      return true;
    case 'InterpolatedString':
      return e.parts.every((p) => p.kind === 'Text');
    default:
      return false;
  }
}

/** The text of a string that is known when compiling, or undefined. */
function constantString(e: ExprNode): string | undefined {
  switch (e.kind) {
    case 'StringLiteral':
      return e.value;
    case 'BareWord':
      return e.text;
    case 'Paren':
      return constantString(e.expression);
    case 'InterpolatedString': {
      let text = '';
      for (const p of e.parts) {
        if (p.kind !== 'Text') return undefined;
        text += p.value;
      }
      return text;
    }
    default:
      return undefined;
  }
}

/** A fragment usable before `.method(…)`: only a bare number literal needs parentheses. */
function receiver(f: Fragment): Fragment {
  return typeof f === 'string' && /^[0-9]/.test(f) ? ['(', f, ')'] : f;
}

function join(parts: readonly Fragment[], separator: string): Fragment[] {
  return parts.flatMap((p, i) => (i === 0 ? [p] : [separator, p]));
}

class ModuleGenerator {
  readonly #checked: CheckResult;
  readonly #ts: boolean;
  /** Source positions of statements and regexes, emitted as `S`; `s` and `rx` index into it. */
  readonly #sites: Position[] = [];
  readonly #functions = new Map<string, string>();
  readonly #config = new Map<string, string>();
  readonly #constants: Array<{ readonly id: string; readonly init: Fragment }> = [];
  readonly #regexes = new Map<string, { readonly id: string; readonly init: string }>();
  readonly #logSites: Array<{ readonly id: string; readonly site: number }> = [];
  readonly #lets = new Map<LetNode, string>();
  #scopes: Array<Map<string, LetNode>> = [];
  #event: HandlerEvent = 'on_request';
  #handlerDepth = 0;
  /** Hoisted continuations, written after the handlers. */
  readonly #tails: CodeWriter[] = [];
  #tailCount = 0;
  #usesGuard = false;
  readonly #asyncStatements = new Map<StatementNode, boolean>();

  constructor(checked: CheckResult, dialect: Dialect) {
    this.#checked = checked;
    this.#ts = dialect === 'ts';
  }

  run(depth: number): GeneratedModule {
    const body = new CodeWriter(depth);
    const events: HandlerEvent[] = [];
    for (const h of this.#checked.ast.handlers) {
      if (events.includes(h.event)) throw new EmitError(`duplicate ${h.event} handler`);
      events.push(h.event);
      this.#handler(h, body);
    }
    for (const t of this.#tails) body.append(t);
    const out = new CodeWriter(depth);
    this.#prelude(out);
    out.append(body);
    const names = events.map((e) => handlerNames[e]);
    out.line(`return Object.freeze({ ${names.map((n) => `${n}: ${n}`).join(', ')} });`);
    return { code: out.toString(), segments: out.segments, functions: [...this.#functions.keys()], events };
  }

  // ---- hoisted declarations -----------------------------------------------------------------

  #prelude(w: CodeWriter): void {
    const ts = this.#ts;
    if (!ts) w.line('"use strict";');
    w.line(`const F = ${jsString(this.#checked.file)};`);
    w.line(`const S${ts ? ': readonly SourceLocation[]' : ''} = [`);
    w.indent();
    for (const p of this.#sites) w.line(`{ file: F, line: ${p.line}, column: ${p.column} },`);
    w.dedent();
    w.line('];');
    const tails = this.#tails.length > 0;
    w.line(
      `function fail(e${ts ? ': unknown' : ''}, i${ts ? ': number' : ''})${ts ? (tails ? ': unknown' : ': Error') : ''} {`,
    );
    w.indent();
    if (tails) w.line('if (i < 0) return e;');
    w.line(`const at = S[i]${ts ? ' as SourceLocation' : ''};`);
    w.line('const message = e instanceof Error ? e.message : String(e);');
    w.line('const where = at.file + ":" + at.line + ":" + at.column;');
    w.line(
      `return Object.assign(new Error(where + ": " + message, { cause: e }), { code: ${jsString(SCRIPT_ERROR_CODE)}, location: at });`,
    );
    w.dedent();
    w.line('}');
    if (this.#usesGuard) {
      // The handler returns this promise; a rejection becomes a script error at the call's site.
      w.line(
        `function guard(p${ts ? ': unknown' : ''}, i${ts ? ': number' : ''})${ts ? ': Promise<void>' : ''} {`,
      );
      w.line(
        `  return Promise.resolve(p).then(()${ts ? ': void' : ''} => {}, (e${ts ? ': unknown' : ''}) => {`,
      );
      w.line('    throw fail(e, i);');
      w.line('  });');
      w.line('}');
    }
    if (this.#regexes.size > 0) {
      w.line(`function rx(p${ts ? ': string' : ''}, i${ts ? ': number' : ''})${ts ? ': RegExp' : ''} {`);
      w.indent();
      w.line('try {');
      w.line('  return new RegExp(p);');
      w.line('} catch (e) {');
      w.line('  throw fail(e, i);');
      w.line('}');
      w.dedent();
      w.line('}');
    }
    const binding = ts ? ' as StdImplementation' : '';
    for (const [name, id] of this.#functions) w.line(`const ${id} = b.fns[${jsString(name)}]${binding};`);
    for (const [name, id] of this.#config) {
      const cast = ts ? ` as ${tsType(this.#configType(name))}` : '';
      w.line(`const ${id} = config[${jsString(name)}]${cast};`);
    }
    for (const c of this.#constants) w.line(`const ${c.id} = `, c.init, ';');
    for (const r of this.#regexes.values()) w.line(`const ${r.id} = ${r.init};`);
    for (const l of this.#logSites) w.line(`const ${l.id} = S[${l.site}]${ts ? ' as SourceLocation' : ''};`);
  }

  #site(at: Position): number {
    this.#sites.push(at);
    return this.#sites.length - 1;
  }

  #functionId(name: string): string {
    return internedId(this.#functions, 'f', name);
  }

  #configType(name: string): PcType {
    const field = this.#checked.configSchema.find((f) => f.name === name);
    if (!field) throw new EmitError(`unknown config field '${name}'`);
    return field.type;
  }

  #configId(name: string): string {
    this.#configType(name);
    return internedId(this.#config, 'c', name);
  }

  #constant(init: Fragment): string {
    const id = `k${this.#constants.length}`;
    this.#constants.push({ id, init });
    return id;
  }

  /** The hoisted regex for the right side of `matches` (a string literal or a `$field`). */
  #regex(pattern: ExprNode): string {
    let inner = pattern;
    while (inner.kind === 'Paren') inner = inner.expression;
    let key: string;
    let source: string;
    if (inner.kind === 'ConfigRef') {
      key = `config:${inner.name}`;
      source = this.#configId(inner.name);
    } else {
      const text = constantString(inner);
      if (text === undefined) throw new EmitError('the pattern of matches is not constant');
      key = `literal:${text}`;
      source = jsString(text);
    }
    let regex = this.#regexes.get(key);
    if (!regex) {
      regex = { id: `r${this.#regexes.size}`, init: `rx(${source}, ${this.#site(inner.range.start)})` };
      this.#regexes.set(key, regex);
    }
    return regex.id;
  }

  // ---- handlers and statements --------------------------------------------------------------
  //
  // Every handler is a plain function. Statements without an async call run synchronously; the first
  // statement that makes one starts an async continuation holding the rest of the handler,
  // `return (async () => { … })();`, so only the paths that really await allocate a promise. When
  // that statement sits inside an `if` that is followed by more statements, those statements become
  // a hoisted continuation `nextN(x, …lets)` that both the synchronous fall-through and the async
  // branches call (`return nextN(…)`), so they run exactly once and the code stays linear in size.

  #handler(h: HandlerNode, w: CodeWriter): void {
    this.#event = h.event;
    this.#scopes = [];
    this.#handlerDepth = w.depth;
    const mayPromise = this.#blockHasAsync(h.body);
    const name = handlerNames[h.event];
    const param = `x${this.#exchangeType()}`;
    const head = `function ${name}(${param})${this.#returnType(mayPromise)} {`;
    if (h.body.statements.length === 0) {
      w.line(new Mark(h.range.start), head, '}');
      return;
    }
    w.line(new Mark(h.range.start), head);
    this.#guardedBody(w, () => this.#syncBlock(h.body, w, undefined));
    w.line('}');
  }

  /** `let s = 0; try { … } catch (e) { throw fail(e, s); }` around `body`, one level deeper. */
  #guardedBody(w: CodeWriter, body: () => void): void {
    w.indent();
    w.line('let s = 0;');
    this.#tryFail(w, body);
    w.dedent();
  }

  /** `try { … } catch (e) { throw fail(e, s); }` around `body`, at the current level. */
  #tryFail(w: CodeWriter, body: () => void): void {
    w.line('try {');
    w.indent();
    body();
    w.dedent();
    w.line('} catch (e) {');
    w.line('  throw fail(e, s);');
    w.line('}');
  }

  #exchangeType(): string {
    if (!this.#ts) return '';
    return this.#event === 'on_start' ? ': StartScope' : ': Exchange';
  }

  #returnType(mayPromise: boolean): string {
    if (!this.#ts) return '';
    return mayPromise ? ': void | Promise<void>' : ': void';
  }

  /** A block whose statements run synchronously until one makes an async call; true if it always returns. */
  #syncBlock(block: BlockNode, w: CodeWriter, tail: Tail | undefined): boolean {
    this.#scopes.push(new Map());
    const closed = this.#syncSeq(block.statements, 0, w, tail, false);
    this.#scopes.pop();
    return closed;
  }

  /**
   * Statements `from…` of the current block in synchronous code. `tail` is what runs after the
   * enclosing blocks' end; async continuations started here call it when they fall off their end,
   * and so does this sequence when `fallThrough` is set (a hoisted continuation's body). Returns true
   * when the code written always returns, so nothing after it in the same function would run.
   */
  #syncSeq(
    statements: readonly StatementNode[],
    from: number,
    w: CodeWriter,
    tail: Tail | undefined,
    fallThrough: boolean,
  ): boolean {
    for (let i = from; i < statements.length; i++) {
      const st = statements[i] as StatementNode;
      if (!this.#hasAsync(st)) {
        this.#statement(st, w);
        if (this.#terminates(st)) return true;
        continue;
      }
      if (this.#isGuardedCall(st)) {
        this.#guardedCall(st, w);
        return true;
      }
      if (st.kind === 'If' && !this.#exprHasAsync((st.branches[0] as IfBranchNode).condition)) {
        // Statements after an `if` whose every branch returns are unreachable (the checker warns).
        if (this.#syncIf(st, statements.slice(i + 1), w, tail)) return true;
        continue;
      }
      this.#asyncContinuation(w, () => this.#inlineSeq(statements, i, w, tail));
      return true;
    }
    if (!fallThrough || !tail) return false;
    this.#tailCall(tail, w);
    return true;
  }

  /**
   * An `if` with an async call in some branch body or `else if` condition, in synchronous code.
   * Branches without one stay synchronous; from the first `else if` whose condition is async, the
   * rest of the chain runs in an async continuation. Returns true when the code written always
   * returns: `rest` went into a hoisted continuation (called here), or every branch returns. Otherwise
   * the caller goes on with `rest` inline.
   */
  #syncIf(st: IfNode, rest: readonly StatementNode[], w: CodeWriter, tail: Tail | undefined): boolean {
    const { branches } = st;
    let firstAsync = branches.findIndex((b) => this.#exprHasAsync(b.condition));
    if (firstAsync < 0) firstAsync = branches.length;
    const remainder = firstAsync < branches.length;
    let asyncFallsThrough = false;
    for (let i = 0; i < firstAsync; i++) {
      const body = (branches[i] as IfBranchNode).body;
      if (this.#blockHasAsync(body) && !this.#blockTerminates(body)) asyncFallsThrough = true;
    }
    if (remainder) {
      const ends =
        st.elseBody !== undefined &&
        this.#blockTerminates(st.elseBody) &&
        branches.slice(firstAsync).every((b) => this.#blockTerminates(b.body));
      if (!ends) asyncFallsThrough = true;
    } else if (st.elseBody && this.#blockHasAsync(st.elseBody) && !this.#blockTerminates(st.elseBody)) {
      asyncFallsThrough = true;
    }
    const hoist = rest.length > 0 && asyncFallsThrough;
    // With no statements after the `if`, its branches continue where the enclosing block does; with
    // statements that no async path reaches, async paths never fall off their end.
    const inner = rest.length === 0 ? tail : hoist ? this.#newTail(rest, tail) : undefined;

    const site = this.#site(st.range.start);
    const head: Fragment = [new Mark(st.range.start), `s = ${site}; `];
    // Whether every branch written returns (an async remainder always does).
    let closed = remainder || st.elseBody !== undefined;
    for (let i = 0; i < firstAsync; i++) {
      const branch = branches[i] as IfBranchNode;
      this.#branchHead(branch, i === 0 ? head : undefined, true, w);
      w.indent();
      if (!this.#syncBlock(branch.body, w, inner)) closed = false;
      w.dedent();
    }
    if (remainder) {
      w.line('} else {');
      w.indent();
      this.#asyncContinuation(w, () => {
        this.#inlineIfChain(st, firstAsync, undefined, w);
        if (asyncFallsThrough && inner) this.#tailCall(inner, w);
      });
      w.dedent();
    } else if (st.elseBody) {
      w.line('} else {');
      w.indent();
      if (!this.#syncBlock(st.elseBody, w, inner)) closed = false;
      w.dedent();
    }
    w.line('}');
    if (!hoist || !inner) return closed;
    if (!closed) this.#tailCall(inner, w);
    this.#writeTail(inner, rest, tail);
    return true;
  }

  /** `if (…) {`, `} else if (…) {` or, opening an async remainder, `if ((s = …, …)) {`. */
  #branchHead(branch: IfBranchNode, head: Fragment | undefined, continues: boolean, w: CodeWriter): void {
    const condition = this.#expr(branch.condition);
    if (head !== undefined) {
      w.line(head, 'if (', condition, ') {');
      return;
    }
    // Point `s` at the `else if` so an error in its condition names that line.
    const site = this.#site(branch.range.start);
    const open = continues ? '} else if (' : 'if (';
    w.line(open, new Mark(branch.range.start), `(s = ${site}, `, condition, ')) {');
  }

  /** `return (async () => { try { … } catch (e) { throw fail(e, s); } })();` */
  #asyncContinuation(w: CodeWriter, body: () => void): void {
    w.line(`return (async ()${this.#ts ? ': Promise<void>' : ''} => {`);
    w.indent();
    this.#tryFail(w, body);
    w.dedent();
    w.line('})();');
  }

  /** Statements `from…` written in place, awaiting async calls (inside an async continuation, or code with none). */
  #inlineSeq(
    statements: readonly StatementNode[],
    from: number,
    w: CodeWriter,
    tail: Tail | undefined,
  ): void {
    for (let i = from; i < statements.length; i++) {
      const st = statements[i] as StatementNode;
      if (st.kind === 'If') {
        const site = this.#site(st.range.start);
        this.#inlineIfChain(st, 0, [new Mark(st.range.start), `s = ${site}; `], w);
      } else {
        this.#statement(st, w);
      }
      if (this.#terminates(st)) return;
    }
    if (tail) this.#tailCall(tail, w);
  }

  #inlineBlock(block: BlockNode, w: CodeWriter): void {
    this.#scopes.push(new Map());
    this.#inlineSeq(block.statements, 0, w, undefined);
    this.#scopes.pop();
  }

  /** Branches `from…` and the `else` of an `if`, written in place; `head` is given for the whole `if`. */
  #inlineIfChain(st: IfNode, from: number, head: Fragment | undefined, w: CodeWriter): void {
    for (let i = from; i < st.branches.length; i++) {
      const branch = st.branches[i] as IfBranchNode;
      this.#branchHead(branch, i === from ? head : undefined, i > from, w);
      w.indent();
      this.#inlineBlock(branch.body, w);
      w.dedent();
    }
    if (st.elseBody) {
      w.line('} else {');
      w.indent();
      this.#inlineBlock(st.elseBody, w);
      w.dedent();
    }
    w.line('}');
  }

  /** A continuation for `rest`, taking every `let` in scope; its body is written by `#writeTail`. */
  #newTail(rest: readonly StatementNode[], outer: Tail | undefined): Tail {
    const lets: LetNode[] = [];
    for (const scope of this.#scopes) for (const decl of scope.values()) lets.push(decl);
    const args = lets.map((decl) => {
      const id = this.#lets.get(decl);
      if (id === undefined) throw new EmitError(`'${decl.name.name}' has no generated name`);
      return id;
    });
    const types = lets.map((decl) => tsType(this.#typeOf(decl.value)));
    const mayPromise = rest.some((st) => this.#hasAsync(st)) || (outer?.mayPromise ?? false);
    const tail: Tail = { name: `next${this.#tailCount}`, args, types, mayPromise };
    this.#tailCount++;
    return tail;
  }

  /** `function nextN(x, …lets) { … }`, hoisted next to the handlers. */
  #writeTail(tail: Tail, rest: readonly StatementNode[], outer: Tail | undefined): void {
    const w = new CodeWriter(this.#handlerDepth);
    this.#tails.push(w);
    const params = tail.args.map((id, i) => `, ${id}${this.#ts ? `: ${tail.types[i]}` : ''}`).join('');
    w.line(`function ${tail.name}(x${this.#exchangeType()}${params})${this.#returnType(tail.mayPromise)} {`);
    this.#guardedBody(w, () => this.#syncSeq(rest, 0, w, outer, true));
    w.line('}');
  }

  /**
   * `s = -1` first: the continuation maps its own errors, and `fail` passes an error through
   * unchanged for a negative site, so the caller's catch does not wrap it a second time.
   */
  #tailCall(tail: Tail, w: CodeWriter): void {
    w.line(`s = -1; return ${tail.name}(x${tail.args.map((a) => `, ${a}`).join('')});`);
  }

  /** An async call that always responds, with no async call among its arguments. */
  #isGuardedCall(st: StatementNode): st is CallStatementNode {
    if (st.kind !== 'CallStatement') return false;
    const fn = this.#function(st.call);
    return (
      fn.effects.async && fn.effects.responds === 'always' && !st.call.args.some((a) => this.#exprHasAsync(a))
    );
  }

  /** It ends the handler, so its promise is the handler's result; `guard` maps a rejection to the site. */
  #guardedCall(st: CallStatementNode, w: CodeWriter): void {
    const site = this.#site(st.range.start);
    this.#usesGuard = true;
    w.line(new Mark(st.range.start), `s = ${site}; return guard(`, this.#callCode(st.call), `, ${site});`);
  }

  #exprHasAsync(e: ExprNode): boolean {
    let found = false;
    forEachCallInExpr(e, (c) => {
      if (this.#function(c).effects.async) found = true;
    });
    return found;
  }

  /** Whether a statement, nested blocks included, makes an async call (memoised: asked at every level). */
  #hasAsync(st: StatementNode): boolean {
    let known = this.#asyncStatements.get(st);
    if (known === undefined) {
      known = ownExpressions(st).some((e) => this.#exprHasAsync(e));
      if (!known && st.kind === 'If') {
        known =
          st.branches.some((b) => this.#blockHasAsync(b.body)) ||
          (st.elseBody !== undefined && this.#blockHasAsync(st.elseBody));
      }
      this.#asyncStatements.set(st, known);
    }
    return known;
  }

  #blockHasAsync(block: BlockNode): boolean {
    return block.statements.some((st) => this.#hasAsync(st));
  }

  /** Whether a statement always ends the handler (code after it is unreachable). */
  #terminates(st: StatementNode): boolean {
    switch (st.kind) {
      case 'Respond':
      case 'Pass':
        return true;
      case 'If':
        return (
          st.elseBody !== undefined &&
          this.#blockTerminates(st.elseBody) &&
          st.branches.every((b) => this.#blockTerminates(b.body))
        );
      default:
        return this.#respondsEffect(st) === 'always';
    }
  }

  #blockTerminates(block: BlockNode): boolean {
    return block.statements.some((st) => this.#terminates(st));
  }

  #statement(st: StatementNode, w: CodeWriter): void {
    const site = this.#site(st.range.start);
    const head: Fragment = [new Mark(st.range.start), `s = ${site}; `];
    switch (st.kind) {
      case 'If':
        this.#inlineIfChain(st, 0, head, w);
        return;
      case 'Respond':
        w.line(head, this.#respond(st), ' return;');
        return;
      case 'Pass':
        w.line(head, 'return;');
        return;
      case 'SetHeader':
        w.line(
          head,
          `x.setHeader(${jsString(this.#event)}, `,
          this.#string(st.name),
          ', ',
          this.#string(st.value),
          ');',
          this.#respondsTail(st),
        );
        return;
      case 'RemoveHeader':
        w.line(
          head,
          `x.removeHeader(${jsString(this.#event)}, `,
          this.#string(st.name),
          ');',
          this.#respondsTail(st),
        );
        return;
      case 'SetCtx': {
        const key = st.key.kind === 'Identifier' ? st.key.name : st.key.value;
        w.line(head, `x.ctxSet(${jsString(key)}, `, this.#string(st.value), ');', this.#respondsTail(st));
        return;
      }
      case 'Log': {
        const id = `L${this.#logSites.length}`;
        this.#logSites.push({ id, site });
        w.line(
          head,
          `b.log(${jsString(st.level.name)}, `,
          this.#string(st.message),
          `, ${id}, x);`,
          this.#respondsTail(st),
        );
        return;
      }
      case 'Let': {
        const value = this.#expr(st.value);
        const id = `v${this.#lets.size}`;
        this.#lets.set(st, id);
        this.#scopes[this.#scopes.length - 1]?.set(st.name.name, st);
        w.line(head, `const ${id} = `, value, ';', this.#respondsTail(st));
        return;
      }
      case 'CallStatement': {
        const fn = this.#function(st.call);
        w.line(head, fn.effects.async ? 'await ' : '', this.#callCode(st.call), ';', this.#respondsTail(st));
        return;
      }
    }
  }

  #respond(st: RespondNode): Fragment {
    let contentType: Fragment;
    if (st.contentType === undefined) contentType = st.body ? jsString(TEXT_PLAIN) : 'undefined';
    else if ('keyword' in st.contentType) contentType = jsString(contentTypes[st.contentType.keyword]);
    else contentType = this.#string(st.contentType);
    const body = st.body ? this.#string(st.body) : 'undefined';
    return ['x.respond(', this.#expr(st.status), ', ', contentType, ', ', body, ');'];
  }

  /** The strongest `responds` effect among the calls a statement makes itself. */
  #respondsEffect(st: StatementNode): RespondsEffect {
    let effect: RespondsEffect = 'never';
    for (const e of ownExpressions(st)) {
      forEachCallInExpr(e, (c) => {
        const responds = this.#function(c).effects.responds;
        if (respondsRank[responds] > respondsRank[effect]) effect = responds;
      });
    }
    return effect;
  }

  /** After a call that may respond, the handler stops once a response exists; after one that always does, it stops. */
  #respondsTail(st: StatementNode): string {
    const effect = this.#respondsEffect(st);
    if (effect === 'always') return ' return;';
    if (effect === 'maybe') return ' if (x.responded) return;';
    return '';
  }

  // ---- expressions --------------------------------------------------------------------------

  #function(call: CallNode): StdFunction {
    const name = call.callee.join('.');
    const fn = lookupFunction(name);
    if (!fn) throw new EmitError(`unknown function '${name}'`);
    return fn;
  }

  /** `fN(x, args…)` with a source-map mark on the call. */
  #callCode(call: CallNode): Fragment {
    const id = this.#functionId(this.#function(call).name);
    const args = call.args.map((a) => [', ', this.#expr(a)]);
    return [new Mark(call.range.start), `${id}(x`, args, ')'];
  }

  #callExpr(call: CallNode): Fragment {
    const fn = this.#function(call);
    if (fn.returns === 'void') throw new EmitError(`'${fn.name}' returns no value`);
    const code = this.#callCode(call);
    const value = fn.effects.async ? ['(await ', code, ')'] : code;
    return this.#ts ? ['(', value, ` as ${tsType(fn.returns)})`] : value;
  }

  #expr(e: ExprNode): Fragment {
    switch (e.kind) {
      case 'StringLiteral':
        return jsString(e.value);
      case 'BareWord':
        return jsString(e.text);
      case 'InterpolatedString':
        return this.#interpolation(e);
      case 'IntLiteral':
      case 'QuantityLiteral':
        return jsNumber(e.value);
      case 'BoolLiteral':
        return e.value ? 'true' : 'false';
      case 'ListLiteral': {
        const list = [
          '[',
          join(
            e.elements.map((el) => this.#expr(el)),
            ', ',
          ),
          ']',
        ];
        return e.elements.every(isLiteral) ? this.#constant(['Object.freeze(', list, ')']) : list;
      }
      case 'MapLiteral': {
        const entries = e.entries.map((en) => ['[', this.#string(en.key), ', ', this.#string(en.value), ']']);
        const map = [this.#ts ? 'new Map<string, string>([' : 'new Map([', join(entries, ', '), '])'];
        return e.entries.every((en) => isLiteral(en.key) && isLiteral(en.value)) ? this.#constant(map) : map;
      }
      case 'ConfigRef':
        return this.#configId(e.name);
      case 'NameRef':
        return this.#name(e);
      case 'CtxRef':
        return ['x.ctxGet(', jsString(e.key), ')'];
      case 'Call':
        return this.#callExpr(e);
      case 'Binary':
        return this.#binary(e);
      case 'Unary':
        return [`(${e.operator}`, this.#expr(e.operand), ')'];
      case 'Paren':
        return ['(', this.#expr(e.expression), ')'];
      case 'ErrorExpr':
        throw new EmitError('cannot emit a recovered expression');
    }
  }

  #binary(e: BinaryNode): Fragment {
    const left = this.#expr(e.left);
    switch (e.operator) {
      case '==':
        return ['(', left, ' === ', this.#expr(e.right), ')'];
      case '!=':
        return ['(', left, ' !== ', this.#expr(e.right), ')'];
      case '<':
      case '<=':
      case '>':
      case '>=':
      case '&&':
      case '||':
        return ['(', left, ` ${e.operator} `, this.#expr(e.right), ')'];
      case 'starts_with':
        return [receiver(left), '.startsWith(', this.#expr(e.right), ')'];
      case 'ends_with':
        return [receiver(left), '.endsWith(', this.#expr(e.right), ')'];
      case 'contains': {
        const method = this.#typeOf(e.left) === 'map' ? '.has(' : '.includes(';
        return [receiver(left), method, this.#expr(e.right), ')'];
      }
      case 'in': {
        const method = this.#typeOf(e.right) === 'map' ? '.has(' : '.includes(';
        return [receiver(this.#expr(e.right)), method, left, ')'];
      }
      case 'matches':
        return [`${this.#regex(e.right)}.test(`, left, ')'];
    }
  }

  /** Concatenation of text parts and stringified expressions. */
  #interpolation(e: InterpolatedStringNode): Fragment {
    const parts: Fragment[] = [];
    let text = '';
    for (const p of e.parts) {
      if (p.kind === 'Text') {
        text += p.value;
        continue;
      }
      if (text !== '') parts.push(jsString(text));
      text = '';
      parts.push(this.#string(p));
    }
    if (text !== '') parts.push(jsString(text));
    if (parts.length === 0) return '""';
    if (parts.length === 1) return parts[0] as Fragment;
    return ['(', join(parts, ' + '), ')'];
  }

  /** The expression converted to the string pcmod shows for its type. */
  #string(e: ExprNode): Fragment {
    const code = this.#expr(e);
    switch (this.#typeOf(e)) {
      case 'str':
        return code;
      case 'int':
      case 'duration':
      case 'size':
      case 'bool':
        return ['String(', code, ')'];
      case 'list<str>':
      case 'list<int>':
        return [receiver(code), '.join(",")'];
      case 'map':
        return ['JSON.stringify(Object.fromEntries(', code, '))'];
      case 'void':
        throw new EmitError('a void value has no text');
    }
  }

  #resolve(n: NameRefNode): NameResolution {
    const known = this.#checked.names.get(n);
    if (known) return known;
    for (let i = this.#scopes.length - 1; i >= 0; i--) {
      const decl = this.#scopes[i]?.get(n.name);
      if (decl) return { kind: 'let', decl };
    }
    const field = lookupRequestField(n.name);
    if (field) return { kind: 'field', field };
    throw new EmitError(`unknown name '${n.name}'`);
  }

  #name(n: NameRefNode): Fragment {
    const r = this.#resolve(n);
    if (r.kind === 'let') {
      const id = this.#lets.get(r.decl);
      if (id === undefined) throw new EmitError(`'${n.name}' is used before its let`);
      return id;
    }
    if (!fieldNamePattern.test(r.field.name) || lookupRequestField(r.field.name) === undefined) {
      throw new EmitError(`unknown request field '${r.field.name}'`);
    }
    return `x.${r.field.name}`;
  }

  /** The checker's type, or the type the node's shape implies where the checker recorded none. */
  #typeOf(e: ExprNode): PcType {
    const known = this.#checked.types.get(e);
    if (known) return known;
    switch (e.kind) {
      case 'StringLiteral':
      case 'BareWord':
      case 'InterpolatedString':
      case 'CtxRef':
        return 'str';
      case 'IntLiteral':
        return 'int';
      case 'BoolLiteral':
        return 'bool';
      case 'QuantityLiteral':
        return e.quantity;
      case 'ListLiteral':
        return e.elements[0] && this.#typeOf(e.elements[0]) === 'int' ? 'list<int>' : 'list<str>';
      case 'MapLiteral':
        return 'map';
      case 'ConfigRef':
        return this.#configType(e.name);
      case 'NameRef': {
        const r = this.#resolve(e);
        return r.kind === 'let' ? this.#typeOf(r.decl.value) : r.field.type;
      }
      case 'Call':
        return this.#function(e).returns;
      case 'Binary':
        return 'bool';
      case 'Unary':
        return e.operator === '!' ? 'bool' : this.#typeOf(e.operand);
      case 'Paren':
        return this.#typeOf(e.expression);
      case 'ErrorExpr':
        throw new EmitError('cannot type a recovered expression');
    }
  }
}
