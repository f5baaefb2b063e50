/** Completion, hover and go-to-definition inside config.toml, from {@link configSections}. */
import {
  type CompletionItem,
  CompletionItemKind,
  type Hover,
  InsertTextFormat,
  type Location,
  MarkupKind,
  type Position,
} from 'vscode-languageserver/node.js';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis } from '../analysis/analysis.js';
import { linePrefix } from '../text/ranges.js';
import { configSections, type KeySpec, type SectionSpec } from './config-schema.js';
import { tomlLineContext } from './toml-context.js';

/** Section names after `[`, keys (with type, default and doc) elsewhere in a section. */
export function configCompletion(
  doc: TextDocument,
  pos: Position,
  modules: readonly Analysis[],
): CompletionItem[] {
  const sections = configSections(modules);
  const prefix = linePrefix(doc, pos);
  if (/^\s*\[[A-Za-z0-9_.-]*$/.test(prefix)) {
    return sections.map((s) => ({
      label: s.name,
      kind: CompletionItemKind.Module,
      detail: s.declaration ? 'module section' : 'proxy server settings',
      documentation: { kind: MarkupKind.Markdown, value: sectionDoc(s) },
    }));
  }
  if (!/^\s*[A-Za-z0-9_-]*$/.test(prefix)) return [];
  const { section } = tomlLineContext(doc.getText(), pos.line);
  const spec = sections.find((s) => s.name === section);
  if (!spec) return [];
  const present = presentKeys(doc.getText(), section);
  return spec.keys
    .filter((k) => !present.has(k.name))
    .map((k) => ({
      label: k.name,
      kind: CompletionItemKind.Property,
      detail: `${k.type} = ${k.defaultToml}`,
      documentation: { kind: MarkupKind.Markdown, value: keyDoc(spec, k) },
      insertText: `${k.name} = \${1:${k.defaultToml.replace(/[$}\\]/g, '\\$&')}}`,
      insertTextFormat: InsertTextFormat.Snippet,
    }));
}

/** The declaration of the key (or section) under the cursor. */
export function configHover(doc: TextDocument, pos: Position, modules: readonly Analysis[]): Hover | null {
  const target = targetAt(doc, pos, modules);
  if (!target) return null;
  const value = target.key ? keyDoc(target.section, target.key) : sectionDoc(target.section);
  return { contents: { kind: MarkupKind.Markdown, value }, range: target.range };
}

/** The `.pcmod` line that declares the key (or the module's `mod` line for a section header). */
export function configDefinition(
  doc: TextDocument,
  pos: Position,
  modules: readonly Analysis[],
): Location | null {
  const target = targetAt(doc, pos, modules);
  const decl = target?.key
    ? (target.key.declaration ?? target.section.declaration)
    : target?.section.declaration;
  return decl ? { uri: decl.uri, range: decl.range } : null;
}

interface Target {
  readonly section: SectionSpec;
  readonly key: KeySpec | undefined;
  readonly range: { start: Position; end: Position };
}

function targetAt(doc: TextDocument, pos: Position, modules: readonly Analysis[]): Target | undefined {
  const ctx = tomlLineContext(doc.getText(), pos.line);
  const sections = configSections(modules);
  const span = (start: number, end: number) => ({
    start: { line: pos.line, character: start },
    end: { line: pos.line, character: end },
  });
  const within = (s: { start: number; end: number }) => pos.character >= s.start && pos.character <= s.end;
  if (ctx.header && within(ctx.header)) {
    const section = sections.find((s) => s.name === ctx.header?.name);
    return section && { section, key: undefined, range: span(ctx.header.start, ctx.header.end) };
  }
  if (ctx.key && within(ctx.key)) {
    const section = sections.find((s) => s.name === ctx.section);
    const key = section?.keys.find((k) => k.name === ctx.key?.name);
    return section && key && { section, key, range: span(ctx.key.start, ctx.key.end) };
  }
  return undefined;
}

function sectionDoc(s: SectionSpec): string {
  const head = s.declaration
    ? `**[${s.name}]** — module \`${s.name}\``
    : `**[${s.name}]** — proxy server settings`;
  const rows = s.keys.map((k) => `- \`${k.name}\` ${k.type} = \`${k.defaultToml}\``);
  return [head, '', ...rows].join('\n');
}

function keyDoc(s: SectionSpec, k: KeySpec): string {
  const lines = [
    '```pcmod',
    `${k.name} ${k.type} ${k.defaultToml}`,
    '```',
    `Key of \`[${s.name}]\`; default \`${k.defaultToml}\`.`,
  ];
  if (k.doc) lines.push('', k.doc);
  return lines.join('\n');
}

function presentKeys(text: string, section: string): Set<string> {
  const out = new Set<string>();
  const lines = text.split(/\r?\n/);
  let current = '';
  for (const line of lines) {
    const h = /^\s*\[\[?\s*([A-Za-z0-9_.-]*)/.exec(line);
    if (h) current = h[1] ?? '';
    else if (current === section) {
      const k = /^\s*([A-Za-z0-9_-]+)\s*=/.exec(line);
      if (k?.[1]) out.add(k[1]);
    }
  }
  return out;
}
