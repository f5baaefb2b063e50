import { readFileSync } from 'node:fs';
import type { AnyNode, ExprNode, NameRefNode } from '@proxycache/pcmod-lang';
import { childrenOf, nodeAt, nodePathAt } from '@proxycache/pcmod-lang';
import { describe, expect, test } from 'vitest';
import { checkSource, found, inHandler, rangeOf } from './helpers.js';

const casesDir = new URL('../cases/', import.meta.url);
const fullModule = readFileSync(new URL('ok-full-module.pcmod', casesDir), 'utf8');
const legacyModule = readFileSync(new URL('ok-legacy-design-example.pcmod', casesDir), 'utf8');

const EXPRESSION_KINDS = new Set([
  'StringLiteral',
  'InterpolatedString',
  'IntLiteral',
  'BoolLiteral',
  'QuantityLiteral',
  'ListLiteral',
  'MapLiteral',
  'BareWord',
  'ConfigRef',
  'NameRef',
  'CtxRef',
  'Call',
  'Binary',
  'Unary',
  'Paren',
  'ErrorExpr',
]);

function expressionsOf(node: AnyNode): ExprNode[] {
  const own = EXPRESSION_KINDS.has(node.kind) ? [node as ExprNode] : [];
  return [...own, ...childrenOf(node).flatMap(expressionsOf)];
}

describe('check result', () => {
  test('a realistic module checks clean', () => {
    expect(found(fullModule)).toEqual([]);
  });

  test('the design example checks with only its legacy warnings', () => {
    expect(checkSource(legacyModule).diagnostics.map((d) => d.code)).toEqual([
      'PCM4001',
      'PCM4001',
      'PCM4001',
    ]);
  });

  test('every expression of a clean module is typed', () => {
    const result = checkSource(fullModule);
    const untyped = expressionsOf(result.ast).filter((e) => !result.types.has(e));
    expect(untyped.map((e) => e.kind)).toEqual([]);
  });

  test('types of some expressions', () => {
    const src = inHandler(
      'on_response',
      '  let ua = header("User-Agent")\n  log info "${status} $ttl ${ua}"',
      '  ttl duration 30s',
    );
    const result = checkSource(src);
    const byText = (snippet: string): string | undefined => {
      const range = rangeOf(src, snippet);
      const node = expressionsOf(result.ast).find(
        (e) => e.range.start.offset === range.start.offset && e.range.end.offset === range.end.offset,
      );
      return node ? result.types.get(node) : undefined;
    };
    expect(byText('header("User-Agent")')).toBe('str');
    expect(byText('status')).toBe('int');
    expect(byText('$ttl')).toBe('duration');
  });

  test('every NameRef is resolved to its let or request field', () => {
    const src = inHandler('on_request', '  let p = path\n  respond 200 p');
    const result = checkSource(src);
    const refs = expressionsOf(result.ast).filter((e): e is NameRefNode => e.kind === 'NameRef');
    expect(refs.map((r) => r.name)).toEqual(['path', 'p']);
    const [path, p] = refs.map((r) => result.names.get(r));
    expect(path).toMatchObject({ kind: 'field', field: { name: 'path', type: 'str' } });
    expect(p?.kind).toBe('let');
    expect(p?.kind === 'let' && p.decl.name.name).toBe('p');
  });

  test('nodeAt finds the innermost node at an offset (for the language server)', () => {
    const src = inHandler('on_request', '  if path starts_with "/api" {\n    pass\n  }');
    const result = checkSource(src);
    const at = rangeOf(src, 'path').start.offset + 2;
    expect(nodeAt(result.ast, at)).toMatchObject({ kind: 'NameRef', name: 'path' });
    expect(nodePathAt(result.ast, at).map((n) => n.kind)).toEqual([
      'Module',
      'Handler',
      'Block',
      'If',
      'IfBranch',
      'Binary',
      'NameRef',
    ]);
  });
});
