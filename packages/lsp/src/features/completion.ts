/**
 * Completion in `.pcmod` files. The context comes from the compiler's AST (which block the cursor is
 * in, which `let`s are in scope) and from the text just before the cursor (`$`, `std.`, `log `, …);
 * everything offered comes from the module itself, the stdlib table or the workspace.
 */
import {
  type HandlerEvent,
  logLevels,
  requestFields,
  stdFunctions,
  stdNamespaces,
} from '@proxycache/pcmod-lang';
import {
  type CompletionItem,
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type Position,
  type Range,
} from 'vscode-languageserver/node.js';
import type { Analysis } from '../analysis/analysis.js';
import type { EditedView } from '../analysis/edited-view.js';
import { linePrefix } from '../text/ranges.js';
import type { Workspace } from '../workspace/workspace.js';
import { configBlockAt, handlerAt, letsBefore } from './ast-context.js';
import { configFieldMarkdown, functionMarkdown, requestFieldMarkdown, signatureOf } from './stdlib-text.js';

const md = (value: string) => ({ kind: MarkupKind.Markdown, value });

const snippet = (label: string, body: string, detail: string): CompletionItem => ({
  label,
  kind: CompletionItemKind.Snippet,
  detail,
  insertText: body,
  insertTextFormat: InsertTextFormat.Snippet,
});

const topLevelSnippets: CompletionItem[] = [
  snippet(
    'mod',
    'mod ${1:name}\nversion ${2:1.0.0}\npriority ${3:100}\n\nconfig {\n  enabled bool true\n}\n\non_request {\n  $0\n}\n',
    'module header with config and on_request',
  ),
  snippet('config', 'config {\n  enabled bool true\n  $0\n}', 'config block'),
  snippet('on_start', 'on_start {\n  $0\n}', 'handler: once per load'),
  snippet('on_request', 'on_request {\n  $0\n}', 'handler: every request'),
  snippet('on_response', 'on_response {\n  $0\n}', 'handler: every response, in reverse order'),
  ...['version', 'priority', 'overrides'].map((k) => ({
    label: k,
    kind: CompletionItemKind.Keyword,
    detail: 'header',
  })),
];

const statementSnippets: CompletionItem[] = [
  snippet('if', 'if ${1:condition} {\n  $0\n}', 'if statement'),
  snippet('ifelse', 'if ${1:condition} {\n  $2\n} else {\n  $0\n}', 'if / else statement'),
  snippet('respond', 'respond ${1:200} ${2|text,json,html|} "${3}"', 'respond STATUS KIND BODY'),
  snippet('set_header', 'set_header "${1:X-Header}" ${2:"value"}', 'set a header'),
  snippet('remove_header', 'remove_header "${1:X-Header}"', 'remove a header'),
  snippet('set_ctx', 'set_ctx ${1:key} ${2:"value"}', 'store a value in the request context'),
  snippet('log', 'log ${1|trace,debug,info,warn,error|} "${2}"', 'log LEVEL MESSAGE'),
  snippet('let', 'let ${1:name} = ${0}', 'local variable'),
  { label: 'pass', kind: CompletionItemKind.Keyword, detail: 'end this handler, continue the pipeline' },
  { label: 'else', kind: CompletionItemKind.Keyword },
];

const fieldTypes = ['bool', 'int', 'str', 'duration', 'size', 'list', 'list<int>', 'map'];
const operatorWords = ['starts_with', 'ends_with', 'contains', 'matches', 'in'];

/**
 * Completion items at `pos`. The text before the cursor is read from the current document; the block
 * structure and `let`s from the last analysis (see {@link EditedView}), so a keystroke costs no parse.
 */
export function completion(view: EditedView, pos: Position, workspace: Workspace): CompletionItem[] {
  const a = view.analysis;
  const doc = view.doc;
  const prefix = linePrefix(doc, pos);
  const replace = (length: number): Range => ({
    start: { line: pos.line, character: pos.character - length },
    end: pos,
  });
  const ast = a.parsed.ast;
  const offset = view.toAnalysed(doc.offsetAt(pos));
  const handler = handlerAt(ast, offset);

  const dollar = /\$([A-Za-z_]\w*)?$/.exec(prefix);
  if (dollar) return configFields(a, replace((dollar[1] ?? '').length));
  const std = /\bstd((?:\.[A-Za-z_]\w*)*)\.([A-Za-z_]\w*)?$/.exec(prefix);
  if (std) return stdMembers(`std${std[1] ?? ''}`, handler?.event, replace((std[2] ?? '').length));
  if (inCommentOrString(prefix)) return [];

  const word = /([A-Za-z_]\w*)?$/.exec(prefix)?.[1] ?? '';
  const before = prefix.slice(0, prefix.length - word.length);
  if (/^\s*log\s+$/.test(before)) {
    return logLevels.map((l) => ({ label: l, kind: CompletionItemKind.EnumMember, detail: 'log level' }));
  }
  if (/^\s*overrides\s+$/.test(before)) {
    return workspace
      .configModules()
      .filter((m) => m.moduleName && m.moduleName.name !== a.moduleName?.name)
      .map((m) => ({
        label: m.moduleName?.name ?? '',
        kind: CompletionItemKind.Module,
        detail: m.uri.split('/').pop(),
      }));
  }
  if (/^\s*respond\s+\S+\s+$/.test(before)) {
    return ['text', 'json', 'html'].map((k) => ({
      label: k,
      kind: CompletionItemKind.Keyword,
      detail: 'response body kind',
    }));
  }
  const lineStart = /^\s*$/.test(before);
  if (configBlockAt(ast, offset)) {
    return /^\s*[A-Za-z_]\w*\s+$/.test(before)
      ? fieldTypes.map((t) => ({
          label: t,
          kind: CompletionItemKind.TypeParameter,
          detail: 'config field type',
        }))
      : [];
  }
  if (!handler) return lineStart ? topLevelSnippets : [];
  const lets = [...letsBefore(handler, offset).map((l) => l.name.name), ...letsTypedSince(view, pos)];
  const items = expressionItems(a, handler.event, [...new Set(lets)]);
  if (lineStart)
    return [
      ...statementSnippets,
      ...items.filter((i) => i.kind === CompletionItemKind.Function || i.label === 'std'),
    ];
  if (
    /[\w")\]]\s+$/.test(before) &&
    !/(==|!=|<=|>=|<|>|&&|\|\||!|\(|,|=)\s*$/.test(before) &&
    !/^\s*(if|let\s+\w+\s*=|respond|set_header|remove_header|set_ctx|log\s+\w+)\s+$/.test(before)
  ) {
    return operatorWords.map((o) => ({ label: o, kind: CompletionItemKind.Operator, detail: 'comparison' }));
  }
  return items;
}

function configFields(a: Analysis, range: Range): CompletionItem[] {
  return a.fields.map((f) => ({
    label: `$${f.name}`,
    filterText: f.name,
    kind: CompletionItemKind.Variable,
    detail: `${f.type} = ${f.defaultText}`,
    documentation: md(configFieldMarkdown(f, a.moduleName?.name)),
    textEdit: { range, newText: f.name },
  }));
}

function stdMembers(path: string, event: HandlerEvent | undefined, range: Range): CompletionItem[] {
  const items: CompletionItem[] = [];
  if (path === 'std') {
    for (const ns of stdNamespaces())
      items.push({
        label: ns,
        kind: CompletionItemKind.Module,
        detail: `std.${ns}`,
        textEdit: { range, newText: ns },
      });
  }
  const depth = path.split('.').length;
  for (const fn of stdFunctions) {
    const parts = fn.name.split('.');
    if (parts.length !== depth + 1 || parts.slice(0, depth).join('.') !== path) continue;
    const last = parts[depth] as string;
    const allowed = !event || fn.phases.includes(event);
    const args = fn.params.filter((p) => !p.optional).map((p, i) => `\${${i + 1}:${p.name}}`);
    items.push({
      label: last,
      kind: CompletionItemKind.Function,
      detail: signatureOf(fn),
      documentation: md(functionMarkdown(fn)),
      textEdit: { range, newText: `${last}(${args.join(', ')})` },
      insertTextFormat: InsertTextFormat.Snippet,
      sortText: `${allowed ? '0' : '1'}${last}`,
    });
  }
  return items;
}

function expressionItems(a: Analysis, event: HandlerEvent, lets: readonly string[]): CompletionItem[] {
  const items: CompletionItem[] = [];
  for (const name of lets) items.push({ label: name, kind: CompletionItemKind.Variable, detail: 'let' });
  for (const f of requestFields) {
    if (!f.phases.includes(event)) continue;
    items.push({
      label: f.name,
      kind: CompletionItemKind.Field,
      detail: f.type,
      documentation: md(requestFieldMarkdown(f)),
    });
  }
  for (const fn of stdFunctions) {
    if (fn.name.startsWith('std.') || !fn.phases.includes(event)) continue;
    const args = fn.params.map((p, i) => `\${${i + 1}:${p.name}}`);
    items.push({
      label: fn.name,
      kind: CompletionItemKind.Function,
      detail: signatureOf(fn),
      documentation: md(functionMarkdown(fn)),
      insertText: `${fn.name}(${args.join(', ')})`,
      insertTextFormat: InsertTextFormat.Snippet,
    });
  }
  items.push({ label: 'std', kind: CompletionItemKind.Module, detail: 'standard library' });
  items.push({ label: 'ctx', kind: CompletionItemKind.Module, detail: 'request context values (ctx.key)' });
  for (const f of a.fields) {
    items.push({
      label: `$${f.name}`,
      kind: CompletionItemKind.Variable,
      detail: `${f.type} = ${f.defaultText}`,
      documentation: md(configFieldMarkdown(f, a.moduleName?.name)),
    });
  }
  for (const b of ['true', 'false'])
    items.push({ label: b, kind: CompletionItemKind.Constant, detail: 'bool' });
  return items;
}

/** Names of `let`s typed since the last analysis, on lines of the edit before the cursor. */
function letsTypedSince(view: EditedView, pos: Position): string[] {
  const { start } = view.changed;
  const cursor = view.doc.offsetAt(pos);
  if (view.changed.end === start || cursor <= start) return [];
  const from = view.doc.offsetAt({ line: view.doc.positionAt(start).line, character: 0 });
  const to = view.doc.offsetAt({ line: pos.line, character: 0 });
  if (to <= from) return [];
  return [
    ...view.doc
      .getText()
      .slice(from, to)
      .matchAll(/^\s*let\s+([A-Za-z_]\w*)\s*=/gm),
  ].map((m) => m[1] as string);
}

/** Whether the end of `prefix` is inside a `#` comment or a string (outside any `${…}`). */
function inCommentOrString(prefix: string): boolean {
  let inString = false;
  let interp = 0;
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix[i];
    if (inString && interp === 0) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      else if (c === '$' && prefix[i + 1] === '{') {
        interp = 1;
        i++;
      }
    } else if (interp > 0) {
      if (c === '{') interp++;
      else if (c === '}') interp--;
    } else if (c === '"') inString = true;
    else if (c === '#') return true;
  }
  return inString && interp === 0;
}
