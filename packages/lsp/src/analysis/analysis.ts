/**
 * One analysed `.pcmod` text: parsed and checked by the compiler's own `parse` and `check`, plus what the
 * editor features read from it (the module's name, overrides and config fields). State: **checked**.
 */
import {
  type CheckResult,
  type ConfigFieldNode,
  type ConfigValue,
  check,
  type Diagnostic,
  type ModuleNode,
  type ParseResult,
  type Range as PcRange,
  parse,
} from '@proxycache/pcmod-lang';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { reparse } from './incremental-parse.js';

/** A `config {}` field as completion, hover and config.toml checking see it. */
export interface FieldInfo {
  readonly name: string;
  /** The declared type (`list<str>`, …) or the unknown name as written. */
  readonly type: string;
  /** The evaluated default, when the checker could evaluate it. */
  readonly default: ConfigValue | undefined;
  /** The default as written in the source. */
  readonly defaultText: string;
  /** A comment on the field's line or on the line above it. */
  readonly doc: string | undefined;
  readonly node: ConfigFieldNode;
}

export interface Analysis {
  readonly uri: string;
  /** The text analysed, as a document (for offset ↔ position conversion). */
  readonly doc: TextDocument;
  readonly parsed: ParseResult;
  readonly checked: CheckResult | undefined;
  /** Parse and check diagnostics in source order. */
  readonly diagnostics: readonly Diagnostic[];
  /** The `mod NAME`, when present. */
  readonly moduleName: { readonly name: string; readonly range: PcRange } | undefined;
  readonly overrides: ReadonlyArray<{ readonly name: string; readonly range: PcRange }>;
  readonly fields: readonly FieldInfo[];
}

/**
 * Parses and checks `doc`; given the parse of an earlier text of the same file, re-parses only the
 * statements an edit touched when it can (see incremental-parse.ts). Never throws: a compiler crash
 * becomes one PCM1001 diagnostic at the start.
 */
export function analyze(source: TextDocument, file: string, previous?: ParseResult): Analysis {
  const text = source.getText();
  // Open documents are updated in place by incremental sync: keep a snapshot the ranges belong to.
  const doc = TextDocument.create(source.uri, source.languageId, source.version, text);
  const parsed = (previous && safeReparse(previous, text)) || safeParse(text, file);
  let checked: CheckResult | undefined;
  let crash: Diagnostic | undefined;
  try {
    checked = check(parsed);
  } catch (error) {
    crash = internalError(file, error);
  }
  const diagnostics = [
    ...parsed.diagnostics,
    ...(checked?.diagnostics ?? []),
    ...(crash ? [crash] : []),
  ].sort(
    (a, b) => a.range.start.offset - b.range.start.offset || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
  const ast = parsed.ast;
  let moduleName: Analysis['moduleName'];
  const overrides: Array<{ name: string; range: PcRange }> = [];
  for (const h of ast.headers) {
    if (h.kind === 'ModHeader' && !moduleName && h.name.name !== '')
      moduleName = { name: h.name.name, range: h.name.range };
    if (h.kind === 'OverridesHeader' && h.name.name !== '')
      overrides.push({ name: h.name.name, range: h.name.range });
  }
  return {
    uri: doc.uri,
    doc,
    parsed,
    checked,
    diagnostics,
    moduleName,
    overrides,
    fields: fieldInfos(parsed, checked),
  };
}

function safeReparse(previous: ParseResult, text: string): ParseResult | undefined {
  try {
    return reparse(previous, text);
  } catch {
    return undefined; // a full parse follows, and reports what went wrong if anything does
  }
}

function safeParse(text: string, file: string): ParseResult {
  try {
    return parse(text, file);
  } catch (error) {
    const start = { line: 1, column: 1, offset: 0 };
    const ast: ModuleNode = {
      kind: 'Module',
      range: { start, end: start },
      headers: [],
      configs: [],
      handlers: [],
      comments: [],
    };
    return { file, text, ast, diagnostics: [internalError(file, error)] };
  }
}

function internalError(file: string, error: unknown): Diagnostic {
  const start = { line: 1, column: 1, offset: 0 };
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 'PCM1001',
    severity: 'error',
    message: `internal compiler error: ${message}`,
    file,
    range: { start, end: start },
  };
}

function fieldInfos(parsed: ParseResult, checked: CheckResult | undefined): FieldInfo[] {
  const schema = new Map((checked?.configSchema ?? []).map((f) => [f.name, f]));
  const commentByLine = new Map(parsed.ast.comments.map((c) => [c.range.start.line, c]));
  const docOf = (line: number, ownLine: boolean): string | undefined => {
    const c = commentByLine.get(line);
    if (!c) return undefined;
    // A comment on the line above documents the field only when it stands alone on its line.
    const before = parsed.text.slice(c.range.start.offset - (c.range.start.column - 1), c.range.start.offset);
    return ownLine || before.trim() === '' ? c.text.trim() : undefined;
  };
  const out: FieldInfo[] = [];
  for (const block of parsed.ast.configs) {
    for (const node of block.fields) {
      const declared = schema.get(node.name.name);
      const type =
        declared?.type ??
        (node.type.element && node.type.name === 'list' ? `list<${node.type.element}>` : node.type.name);
      const line = node.range.start.line;
      const defaultText = node.default
        ? parsed.text.slice(node.default.range.start.offset, node.default.range.end.offset)
        : '';
      out.push({
        name: node.name.name,
        type: type === 'list' ? 'list<str>' : type,
        default: declared?.default,
        defaultText,
        doc: docOf(line, true) ?? docOf(line - 1, false),
        node,
      });
    }
  }
  return out;
}

/** A document for text read from disk (not open in the editor). */
export function diskDocument(uri: string, text: string): TextDocument {
  return TextDocument.create(uri, 'pcmod', 0, text);
}
