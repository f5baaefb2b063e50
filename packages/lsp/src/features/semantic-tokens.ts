/**
 * Semantic tokens: the compiler's own token stream (`tokenize`) classified by token type, refined by the
 * AST where a name's role depends on context (request field, `let` variable, function, config type,
 * log level, declarations).
 */
import { type AnyNode, childrenOf, type Range as PcRange, tokenize } from '@proxycache/pcmod-lang';
import {
  type SemanticTokens,
  SemanticTokensBuilder,
  type SemanticTokensLegend,
} from 'vscode-languageserver/node.js';
import type { Analysis } from '../analysis/analysis.js';

// The first entries are the compiler's token categories (minus punctuation); the rest come from the AST.
const tokenTypes = [
  'keyword',
  'string',
  'number',
  'comment',
  'variable',
  'property',
  'function',
  'type',
  'operator',
  'namespace',
  'enumMember',
] as const;
const tokenModifiers = ['declaration', 'readonly', 'defaultLibrary'] as const;
type TokenKind = (typeof tokenTypes)[number];

export const semanticTokensLegend: SemanticTokensLegend = {
  tokenTypes: [...tokenTypes],
  tokenModifiers: [...tokenModifiers],
};

const typeIndex = (k: TokenKind) => tokenTypes.indexOf(k);
const DECLARATION = 1 << 0;
const READONLY = 1 << 1;
const LIBRARY = 1 << 2;

interface Role {
  readonly kind: TokenKind;
  readonly modifiers: number;
}

/** Semantic tokens of the whole module. */
export function semanticTokens(a: Analysis): SemanticTokens {
  const roles = nameRoles(a);
  const builder = new SemanticTokensBuilder();
  for (const t of tokenize(a.doc.getText())) {
    if (t.category === 'punctuation' || t.text.length === 0 || t.range.start.line !== t.range.end.line)
      continue;
    const refined =
      t.category === 'variable' || t.category === 'function' || t.category === 'keyword'
        ? roles.get(t.range.start.offset)
        : undefined;
    const role: Role = refined ?? {
      kind: t.category,
      modifiers: t.category === 'variable' && t.text.startsWith('$') ? READONLY : 0,
    };
    const pos = a.doc.positionAt(t.range.start.offset);
    builder.push(
      pos.line,
      pos.character,
      t.range.end.offset - t.range.start.offset,
      typeIndex(role.kind),
      role.modifiers,
    );
  }
  return builder.build();
}

/** Role of each identifier by its start offset, from the AST. */
function nameRoles(a: Analysis): Map<number, Role> {
  const roles = new Map<number, Role>();
  const set = (r: PcRange, kind: TokenKind, modifiers = 0) => roles.set(r.start.offset, { kind, modifiers });
  const visit = (node: AnyNode) => {
    switch (node.kind) {
      case 'ModHeader':
      case 'OverridesHeader':
        set(node.name.range, 'namespace', node.kind === 'ModHeader' ? DECLARATION : 0);
        break;
      case 'ConfigField':
        set(node.name.range, 'property', DECLARATION | READONLY);
        set(node.type.range, 'type');
        break;
      case 'Log':
        set(node.level.range, 'enumMember');
        break;
      case 'Let':
        set(node.name.range, 'variable', DECLARATION);
        break;
      case 'SetCtx':
        if (node.key.kind === 'Identifier') set(node.key.range, 'property');
        break;
      case 'NameRef': {
        const resolved = a.checked?.names.get(node);
        set(
          node.range,
          resolved?.kind === 'let' ? 'variable' : 'property',
          resolved?.kind === 'field' ? LIBRARY : 0,
        );
        break;
      }
      case 'CtxRef':
        roles.set(node.range.start.offset, { kind: 'namespace', modifiers: 0 });
        roles.set(node.keyRange.start.offset, { kind: 'property', modifiers: 0 });
        break;
      case 'Call': {
        // `std.cache.check`: namespaces, then the function; offsets follow the dotted path as written.
        const text = a.doc.getText().slice(node.calleeRange.start.offset, node.calleeRange.end.offset);
        let at = node.calleeRange.start.offset;
        node.callee.forEach((part, i) => {
          const idx = text.indexOf(part, at - node.calleeRange.start.offset);
          if (idx >= 0) at = node.calleeRange.start.offset + idx;
          const last = i === node.callee.length - 1;
          roles.set(at, { kind: last ? 'function' : 'namespace', modifiers: LIBRARY });
          at += part.length;
        });
        break;
      }
      default:
        break;
    }
    for (const child of childrenOf(node)) visit(child);
  };
  visit(a.parsed.ast);
  return roles;
}
