/**
 * What a position in a `.pcmod` file refers to: a config field (`$field` or its declaration), a module
 * (`overrides NAME`, `mod NAME`), a stdlib call, a request field, a `let` variable or a log level.
 * Hover, definition, references and rename all start here.
 */

import type { Range as PcRange } from '@proxycache/pcmod-lang';
import {
  type AnyNode,
  type CallNode,
  childrenOf,
  type LetNode,
  lookupFunction,
  lookupRequestField,
  nodePathAt,
  type RequestField,
  type StdFunction,
} from '@proxycache/pcmod-lang';
import type { Analysis, FieldInfo } from '../analysis/analysis.js';

export type Target =
  | {
      readonly kind: 'config-field';
      readonly field: FieldInfo | undefined;
      readonly name: string;
      readonly range: PcRange;
    }
  | { readonly kind: 'module'; readonly name: string; readonly range: PcRange }
  | {
      readonly kind: 'function';
      readonly fn: StdFunction | undefined;
      readonly call: CallNode;
      readonly range: PcRange;
    }
  | { readonly kind: 'request-field'; readonly field: RequestField; readonly range: PcRange }
  | { readonly kind: 'let'; readonly decl: LetNode; readonly range: PcRange }
  | { readonly kind: 'log-level'; readonly level: string; readonly range: PcRange };

const within = (r: PcRange, offset: number) => r.start.offset <= offset && offset <= r.end.offset;

/** The symbol at `offset`, if any. */
export function targetAt(a: Analysis, offset: number): Target | undefined {
  const path = nodePathAt(a.parsed.ast, offset);
  const node = path[path.length - 1] as AnyNode;
  const parent = path[path.length - 2];
  const field = (name: string) => a.fields.find((f) => f.name === name);
  switch (node.kind) {
    case 'ConfigRef':
      return { kind: 'config-field', field: field(node.name), name: node.name, range: node.nameRange };
    case 'Identifier':
      if (parent?.kind === 'ConfigField' && parent.name === node)
        return { kind: 'config-field', field: field(node.name), name: node.name, range: node.range };
      if (parent?.kind === 'OverridesHeader' || parent?.kind === 'ModHeader')
        return { kind: 'module', name: node.name, range: node.range };
      if (parent?.kind === 'Log') return { kind: 'log-level', level: node.name, range: node.range };
      if (parent?.kind === 'Let') return { kind: 'let', decl: parent, range: node.range };
      return undefined;
    case 'Call':
      if (!within(node.calleeRange, offset)) return undefined;
      return {
        kind: 'function',
        fn: lookupFunction(node.callee.join('.')),
        call: node,
        range: node.calleeRange,
      };
    case 'NameRef': {
      const resolved = a.checked?.names.get(node);
      if (resolved?.kind === 'let') return { kind: 'let', decl: resolved.decl, range: node.range };
      const rf = resolved?.kind === 'field' ? resolved.field : lookupRequestField(node.name);
      return rf ? { kind: 'request-field', field: rf, range: node.range } : undefined;
    }
    default:
      return undefined;
  }
}

/** Every `$name` reference in the module (ranges of the names without `$`). */
export function configRefRanges(a: Analysis, name: string): PcRange[] {
  const out: PcRange[] = [];
  const visit = (node: AnyNode) => {
    if (node.kind === 'ConfigRef' && node.name === name) out.push(node.nameRange);
    for (const child of childrenOf(node)) visit(child);
  };
  for (const h of a.parsed.ast.handlers) visit(h);
  for (const c of a.parsed.ast.configs) visit(c);
  return out.sort((x, y) => x.start.offset - y.start.offset);
}
