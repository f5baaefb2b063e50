/** Go to definition, find references and rename for config fields, modules and `let` variables. */
import {
  type Location,
  type Position,
  type Range,
  ResponseError,
  type WorkspaceEdit,
} from 'vscode-languageserver/node.js';
import type { Analysis } from '../analysis/analysis.js';
import { tomlMentions } from '../config-toml/key-locations.js';
import { toLspRange } from '../text/ranges.js';
import type { Workspace } from '../workspace/workspace.js';
import { configRefRanges, targetAt } from './navigation.js';

/** `$field` → its `config {}` line; `overrides NAME` → that module's file; a `let` use → the `let`. */
export function definition(a: Analysis, pos: Position, workspace: Workspace): Location | null {
  const target = targetAt(a, a.doc.offsetAt(pos));
  if (!target) return null;
  switch (target.kind) {
    case 'config-field':
      return target.field ? { uri: a.uri, range: toLspRange(a.doc, target.field.node.name.range) } : null;
    case 'module': {
      const m = workspace.moduleNamed(target.name);
      return m?.moduleName ? { uri: m.uri, range: toLspRange(m.doc, m.moduleName.range) } : null;
    }
    case 'let':
      return { uri: a.uri, range: toLspRange(a.doc, target.decl.name.range) };
    default:
      return null;
  }
}

/** References of a config field (its uses, and its key in config.toml) or of a module (overrides, sections). */
export function references(
  a: Analysis,
  pos: Position,
  includeDeclaration: boolean,
  workspace: Workspace,
): Location[] {
  const target = targetAt(a, a.doc.offsetAt(pos));
  if (target?.kind === 'config-field' && target.field) {
    const out: Location[] = [];
    if (includeDeclaration) out.push({ uri: a.uri, range: toLspRange(a.doc, target.field.node.name.range) });
    for (const r of configRefRanges(a, target.name)) out.push({ uri: a.uri, range: toLspRange(a.doc, r) });
    if (a.moduleName) out.push(...tomlLocations(workspace, a.moduleName.name, target.name));
    return out;
  }
  if (target?.kind === 'module') {
    const out: Location[] = [];
    for (const m of workspace.modules()) {
      if (includeDeclaration && m.moduleName?.name === target.name)
        out.push({ uri: m.uri, range: toLspRange(m.doc, m.moduleName.range) });
      for (const o of m.overrides)
        if (o.name === target.name) out.push({ uri: m.uri, range: toLspRange(m.doc, o.range) });
    }
    out.push(...tomlLocations(workspace, target.name, undefined));
    return out;
  }
  return [];
}

/** The name under the cursor when it is a declared config field (the only thing rename changes). */
export function prepareRename(a: Analysis, pos: Position): Range | null {
  const target = targetAt(a, a.doc.offsetAt(pos));
  return target?.kind === 'config-field' && target.field ? toLspRange(a.doc, target.range) : null;
}

/** Renames a config field: its declaration, every `$field` and its key under the module's config.toml section. */
export function rename(
  a: Analysis,
  pos: Position,
  newName: string,
  workspace: Workspace,
): WorkspaceEdit | ResponseError<void> {
  const target = targetAt(a, a.doc.offsetAt(pos));
  if (target?.kind !== 'config-field' || !target.field)
    return new ResponseError(-32602, 'Only config fields can be renamed.');
  const name = newName.startsWith('$') ? newName.slice(1) : newName;
  if (!/^[A-Za-z_]\w*$/.test(name))
    return new ResponseError(-32602, `'${newName}' is not a valid field name.`);
  if (a.fields.some((f) => f.name === name))
    return new ResponseError(-32602, `Config field '${name}' already exists.`);
  const changes: Record<string, Array<{ range: Range; newText: string }>> = {};
  for (const loc of references(a, pos, true, workspace)) {
    const edits = changes[loc.uri] ?? [];
    edits.push({ range: loc.range, newText: name });
    changes[loc.uri] = edits;
  }
  return { changes };
}

function tomlLocations(workspace: Workspace, section: string, key: string | undefined): Location[] {
  return workspace.configUrisAll().flatMap((uri) => {
    const text = workspace.text(uri);
    return text === undefined ? [] : tomlMentions(text, section, key).map((range) => ({ uri, range }));
  });
}
