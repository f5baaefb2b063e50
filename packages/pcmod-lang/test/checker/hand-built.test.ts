/**
 * Checker tests on hand-built trees: shapes the parser produces only after recovery (ErrorExpr
 * placeholders, empty names), which must never cascade into further diagnostics.
 */
import type { ExprNode, HandlerNode, ModuleNode, Range, StatementNode } from '@proxycache/pcmod-lang';
import { check } from '@proxycache/pcmod-lang';
import { describe, expect, test } from 'vitest';

/** A one-line range on `line` from column `from` to column `to` (offsets are fake but ordered). */
function at(line: number, from: number, to: number): Range {
  return {
    start: { line, column: from, offset: line * 1000 + from },
    end: { line, column: to, offset: line * 1000 + to },
  };
}

const error = (line: number): ExprNode => ({ kind: 'ErrorExpr', range: at(line, 5, 5) });

function moduleWith(statements: StatementNode[]): ModuleNode {
  const handler: HandlerNode = {
    kind: 'Handler',
    event: 'on_request',
    eventRange: at(2, 1, 11),
    range: at(2, 1, 40),
    body: { kind: 'Block', range: at(2, 12, 40), statements },
  };
  return {
    kind: 'Module',
    range: at(1, 1, 40),
    headers: [
      { kind: 'ModHeader', range: at(1, 1, 6), name: { kind: 'Identifier', name: 'm', range: at(1, 5, 6) } },
    ],
    configs: [],
    handlers: [handler],
    comments: [],
  };
}

function codes(statements: StatementNode[]): string[] {
  const result = check({ file: 'm.pcmod', text: '', ast: moduleWith(statements), diagnostics: [] });
  return result.diagnostics.map((d) => d.code);
}

describe('checker on recovered trees', () => {
  test('an ErrorExpr anywhere produces no checker diagnostic', () => {
    const statements: StatementNode[] = [
      {
        kind: 'If',
        range: at(3, 1, 20),
        branches: [
          {
            kind: 'IfBranch',
            range: at(3, 1, 20),
            condition: error(3),
            body: { kind: 'Block', range: at(3, 8, 20), statements: [] },
          },
        ],
      },
      { kind: 'Respond', range: at(4, 1, 20), status: error(4), body: error(4) },
    ];
    expect(codes(statements)).toEqual([]);
  });

  test('operators over an ErrorExpr do not cascade', () => {
    const cond: ExprNode = {
      kind: 'Binary',
      operator: '&&',
      operatorRange: at(3, 8, 10),
      range: at(3, 4, 20),
      left: error(3),
      right: { kind: 'Unary', operator: '!', range: at(3, 11, 20), operand: error(3) },
    };
    const statements: StatementNode[] = [
      {
        kind: 'Let',
        range: at(3, 1, 20),
        name: { kind: 'Identifier', name: 'x', range: at(3, 5, 6) },
        value: cond,
      },
      {
        kind: 'SetHeader',
        range: at(4, 1, 20),
        name: { kind: 'StringLiteral', value: 'X-A', range: at(4, 12, 17) },
        value: { kind: 'NameRef', name: 'x', range: at(4, 18, 19) },
      },
    ];
    expect(codes(statements)).toEqual([]);
  });

  test('names left empty by recovery are not reported', () => {
    const statements: StatementNode[] = [
      {
        kind: 'Log',
        range: at(3, 1, 10),
        level: { kind: 'Identifier', name: '', range: at(3, 5, 5) },
        message: error(3),
      },
      {
        kind: 'Let',
        range: at(4, 1, 10),
        name: { kind: 'Identifier', name: '', range: at(4, 5, 5) },
        value: error(4),
      },
    ];
    expect(codes(statements)).toEqual([]);
  });
});
