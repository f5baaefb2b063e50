import { expect, describe as group, it } from 'vitest';
import type { ExprNode } from '../../src/index.js';
import { at, parseClean, shape, statementsOf } from './helpers.js';

/** Parses `respond 200 EXPR` and returns EXPR. */
function expr(source: string): ExprNode {
  const [statement] = statementsOf(`  respond 200 ${source}`);
  if (statement?.kind !== 'Respond' || statement.body === undefined) throw new Error('no body');
  return statement.body;
}

group('headers', () => {
  it('accepts every header form in any order, between blocks, in source order', () => {
    const ast = parseClean(
      'priority -5\nmod m\non_start {\n}\nversion "1.0-beta"\noverrides a\noverrides b\nversion 1.2.3\nversion 2\n',
    );
    expect(shape(ast.headers)).toEqual([
      { kind: 'PriorityHeader', value: -5 },
      { kind: 'ModHeader', name: { kind: 'Identifier', name: 'm' } },
      { kind: 'VersionHeader', value: '1.0-beta' },
      { kind: 'OverridesHeader', name: { kind: 'Identifier', name: 'a' } },
      { kind: 'OverridesHeader', name: { kind: 'Identifier', name: 'b' } },
      { kind: 'VersionHeader', value: '1.2.3' },
      { kind: 'VersionHeader', value: '2' },
    ]);
    const priority = ast.headers[0]!;
    expect(priority.kind === 'PriorityHeader' && at(priority.valueRange)).toBe('1:10-1:12');
    expect(at(priority.range)).toBe('1:1-1:12');
  });

  it('tolerates blank lines, comments and CRLF line ends', () => {
    const ast = parseClean('\r\n# leading\r\n\r\nmod m   # trailing\r\n\r\n');
    expect(shape(ast.headers)).toEqual([{ kind: 'ModHeader', name: { kind: 'Identifier', name: 'm' } }]);
    expect(ast.comments.map((c) => [c.text, at(c.range)])).toEqual([
      [' leading', '2:1-2:10'],
      [' trailing', '4:9-4:19'],
    ]);
  });
});

group('config', () => {
  it('parses types with element types, maps across lines, lists, quantities and bare words', () => {
    const ast = parseClean(`mod m
config {
  enabled bool true
  count int 3
  ttl duration 30s
  max size 16MiB
  tags list ["a", "b"]
  ports list<int> [
    80,
    443,
  ]
  rules map {
    "/old" = "/new",
    "/a" = "/b",
  }
  empty map {}
  inline map { "k" = "v", "x" = "y" }
  mode str fast
  version str "1"
  text str text
  odd widget 1
  nodefault int
}
`);
    const fields = ast.configs[0]!.fields;
    expect(fields.map((f) => [f.name.name, f.type.name, f.type.element, f.default?.kind])).toEqual([
      ['enabled', 'bool', undefined, 'BoolLiteral'],
      ['count', 'int', undefined, 'IntLiteral'],
      ['ttl', 'duration', undefined, 'QuantityLiteral'],
      ['max', 'size', undefined, 'QuantityLiteral'],
      ['tags', 'list', 'str', 'ListLiteral'],
      ['ports', 'list', 'int', 'ListLiteral'],
      ['rules', 'map', 'str', 'MapLiteral'],
      ['empty', 'map', 'str', 'MapLiteral'],
      ['inline', 'map', 'str', 'MapLiteral'],
      ['mode', 'str', undefined, 'BareWord'],
      ['version', 'str', undefined, 'StringLiteral'],
      ['text', 'str', undefined, 'BareWord'],
      ['odd', 'widget', undefined, 'IntLiteral'],
      ['nodefault', 'int', undefined, undefined],
    ]);
    expect(fields[6]!.default).toMatchObject({
      entries: [
        { key: { kind: 'StringLiteral', value: '/old' }, value: { kind: 'StringLiteral', value: '/new' } },
        { key: { kind: 'StringLiteral', value: '/a' }, value: { kind: 'StringLiteral', value: '/b' } },
      ],
    });
    expect(at(fields[6]!.default!.range)).toBe('12:13-15:4');
    expect(at(fields[5]!.type.range)).toBe('8:9-8:18');
    expect(shape(fields[5]!.default)).toEqual({
      kind: 'ListLiteral',
      elements: [
        { kind: 'IntLiteral', value: 80 },
        { kind: 'IntLiteral', value: 443 },
      ],
    });
    expect(fields[13]!.default).toBeUndefined();
    expect(at(fields[13]!.range)).toBe('22:3-22:16');
  });
});

group('handlers and statements', () => {
  it('parses the three handlers', () => {
    const ast = parseClean('mod m\non_start {\n  pass\n}\non_request { pass }\non_response {\n}\n');
    expect(ast.handlers.map((h) => [h.event, h.body.statements.length])).toEqual([
      ['on_start', 1],
      ['on_request', 1],
      ['on_response', 0],
    ]);
  });

  it('parses if / else if / else with else on the same line or the next', () => {
    const [node] = statementsOf(
      '  if a {\n    pass\n  } else if b {\n    pass\n  }\n  else if c { pass }\n\n  else {\n    pass\n  }',
    );
    if (node?.kind !== 'If') throw new Error('expected If');
    expect(node.branches.map((b) => shape(b.condition))).toEqual([
      { kind: 'NameRef', name: 'a' },
      { kind: 'NameRef', name: 'b' },
      { kind: 'NameRef', name: 'c' },
    ]);
    expect(node.elseBody?.statements.map((s) => s.kind)).toEqual(['Pass']);
    expect(at(node.range)).toBe('3:3-12:4');
    expect(at(node.branches[1]!.range)).toBe('5:5-7:4');
  });

  it('parses every respond form', () => {
    const statements = statementsOf(
      [
        'respond 200 text "a"',
        'respond 200 json $x',
        'respond 404 html',
        'respond 200 "text/csv" "a,b"',
        'respond 200 "hello"',
        'respond 204',
        'respond $code "x" == "y"',
      ]
        .map((s) => `  ${s}`)
        .join('\n'),
    );
    expect(shape(statements)).toEqual([
      {
        kind: 'Respond',
        status: { kind: 'IntLiteral', value: 200 },
        contentType: { keyword: 'text' },
        body: { kind: 'StringLiteral', value: 'a' },
      },
      {
        kind: 'Respond',
        status: { kind: 'IntLiteral', value: 200 },
        contentType: { keyword: 'json' },
        body: { kind: 'ConfigRef', name: 'x' },
      },
      { kind: 'Respond', status: { kind: 'IntLiteral', value: 404 }, contentType: { keyword: 'html' } },
      {
        kind: 'Respond',
        status: { kind: 'IntLiteral', value: 200 },
        contentType: { kind: 'StringLiteral', value: 'text/csv' },
        body: { kind: 'StringLiteral', value: 'a,b' },
      },
      {
        kind: 'Respond',
        status: { kind: 'IntLiteral', value: 200 },
        body: { kind: 'StringLiteral', value: 'hello' },
      },
      { kind: 'Respond', status: { kind: 'IntLiteral', value: 204 } },
      {
        kind: 'Respond',
        status: { kind: 'ConfigRef', name: 'code' },
        body: {
          kind: 'Binary',
          operator: '==',
          left: { kind: 'StringLiteral', value: 'x' },
          right: { kind: 'StringLiteral', value: 'y' },
        },
      },
    ]);
    const kw = statements[0]!;
    expect(
      kw.kind === 'Respond' && kw.contentType && 'keyword' in kw.contentType && at(kw.contentType.range),
    ).toBe('3:15-3:19');
  });

  it('parses the other statements', () => {
    const statements = statementsOf(
      [
        'set_header "X-A" "b"',
        'remove_header "X-A"',
        'set_ctx key "v"',
        'set_ctx "other key" 1',
        'set_ctx version true',
        'log warn "careful"',
        'log shout "x"',
        'let x = 1',
        'pass',
        'std.cache.check()',
        'std.rate_limit(10, 20, client_ip)',
        'header("x")',
        'std.proxy.forward',
      ]
        .map((s) => `  ${s}`)
        .join('\n'),
    );
    expect(shape(statements)).toEqual([
      {
        kind: 'SetHeader',
        name: { kind: 'StringLiteral', value: 'X-A' },
        value: { kind: 'StringLiteral', value: 'b' },
      },
      { kind: 'RemoveHeader', name: { kind: 'StringLiteral', value: 'X-A' } },
      {
        kind: 'SetCtx',
        key: { kind: 'Identifier', name: 'key' },
        value: { kind: 'StringLiteral', value: 'v' },
      },
      {
        kind: 'SetCtx',
        key: { kind: 'StringLiteral', value: 'other key' },
        value: { kind: 'IntLiteral', value: 1 },
      },
      {
        kind: 'SetCtx',
        key: { kind: 'Identifier', name: 'version' },
        value: { kind: 'BoolLiteral', value: true },
      },
      {
        kind: 'Log',
        level: { kind: 'Identifier', name: 'warn' },
        message: { kind: 'StringLiteral', value: 'careful' },
      },
      {
        kind: 'Log',
        level: { kind: 'Identifier', name: 'shout' },
        message: { kind: 'StringLiteral', value: 'x' },
      },
      { kind: 'Let', name: { kind: 'Identifier', name: 'x' }, value: { kind: 'IntLiteral', value: 1 } },
      { kind: 'Pass' },
      {
        kind: 'CallStatement',
        call: { kind: 'Call', callee: ['std', 'cache', 'check'], args: [], parens: true },
      },
      {
        kind: 'CallStatement',
        call: {
          kind: 'Call',
          callee: ['std', 'rate_limit'],
          args: [
            { kind: 'IntLiteral', value: 10 },
            { kind: 'IntLiteral', value: 20 },
            { kind: 'NameRef', name: 'client_ip' },
          ],
          parens: true,
        },
      },
      {
        kind: 'CallStatement',
        call: {
          kind: 'Call',
          callee: ['header'],
          args: [{ kind: 'StringLiteral', value: 'x' }],
          parens: true,
        },
      },
      {
        kind: 'CallStatement',
        call: { kind: 'Call', callee: ['std', 'proxy', 'forward'], args: [], parens: false },
      },
    ]);
    const call = statements[10]!;
    expect(call.kind === 'CallStatement' && [at(call.range), at(call.call.calleeRange)]).toEqual([
      '13:3-13:36',
      '13:3-13:17',
    ]);
  });

  it('lets argument lists and lists span lines', () => {
    const [statement] = statementsOf('  std.rate_limit(\n    10,\n    20\n  )');
    expect(statement?.kind === 'CallStatement' && statement.call.args.length).toBe(2);
    expect(at(statement!.range)).toBe('3:3-6:4');
  });
});

group('expressions', () => {
  it('follows the precedence || < && < comparison < unary < primary', () => {
    expect(shape(expr('!a || b && c == -1'))).toEqual({
      kind: 'Binary',
      operator: '||',
      left: { kind: 'Unary', operator: '!', operand: { kind: 'NameRef', name: 'a' } },
      right: {
        kind: 'Binary',
        operator: '&&',
        left: { kind: 'NameRef', name: 'b' },
        right: {
          kind: 'Binary',
          operator: '==',
          left: { kind: 'NameRef', name: 'c' },
          right: { kind: 'Unary', operator: '-', operand: { kind: 'IntLiteral', value: 1 } },
        },
      },
    });
    expect(shape(expr('(a || b) && c'))).toMatchObject({
      operator: '&&',
      left: { kind: 'Paren', expression: { operator: '||' } },
    });
    expect(shape(expr('a || b || c'))).toMatchObject({ operator: '||', left: { operator: '||' } });
  });

  it('parses every comparison operator', () => {
    for (const op of [
      '==',
      '!=',
      '<',
      '<=',
      '>',
      '>=',
      'starts_with',
      'ends_with',
      'contains',
      'matches',
      'in',
    ]) {
      expect(expr(`a ${op} b`)).toMatchObject({ kind: 'Binary', operator: op });
    }
  });

  it('parses literals, references and calls', () => {
    expect(shape(expr('[1, "a", true, false]'))).toEqual({
      kind: 'ListLiteral',
      elements: [
        { kind: 'IntLiteral', value: 1 },
        { kind: 'StringLiteral', value: 'a' },
        { kind: 'BoolLiteral', value: true },
        { kind: 'BoolLiteral', value: false },
      ],
    });
    expect(shape(expr('[]'))).toEqual({ kind: 'ListLiteral', elements: [] });
    expect(shape(expr('$version'))).toEqual({ kind: 'ConfigRef', name: 'version' });
    expect(shape(expr('ctx.log'))).toEqual({ kind: 'CtxRef', key: 'log' });
    expect(shape(expr('ctx'))).toEqual({ kind: 'NameRef', name: 'ctx' });
    expect(shape(expr('std.metrics.prometheus()'))).toEqual({
      kind: 'Call',
      callee: ['std', 'metrics', 'prometheus'],
      args: [],
      parens: true,
    });
    expect(shape(expr('std.load_balance($backends)'))).toEqual({
      kind: 'Call',
      callee: ['std', 'load_balance'],
      args: [{ kind: 'ConfigRef', name: 'backends' }],
      parens: true,
    });
    expect(shape(expr('/api/v1'))).toEqual({ kind: 'BareWord', text: '/api/v1' });
    expect(shape(expr('text/html'))).toEqual({ kind: 'BareWord', text: 'text/html' });
    const ctx = expr('ctx.request_id');
    expect(ctx.kind === 'CtxRef' && [at(ctx.range), at(ctx.keyRange)]).toEqual(['3:15-3:29', '3:19-3:29']);
    const ref = expr('$greeting');
    expect(ref.kind === 'ConfigRef' && [at(ref.range), at(ref.nameRange)]).toEqual([
      '3:15-3:24',
      '3:16-3:24',
    ]);
  });

  it('normalises quantities to seconds and bytes', () => {
    const cases: Array<[string, 'duration' | 'size', number]> = [
      ['30s', 'duration', 30],
      ['500ms', 'duration', 0.5],
      ['2m', 'duration', 120],
      ['1h', 'duration', 3600],
      ['1d', 'duration', 86400],
      ['512B', 'size', 512],
      ['16KB', 'size', 16000],
      ['16KiB', 'size', 16384],
      ['16MiB', 'size', 16 * 1024 * 1024],
      ['1GiB', 'size', 1024 ** 3],
      ['2MB', 'size', 2e6],
      ['1GB', 'size', 1e9],
    ];
    for (const [text, quantity, value] of cases)
      expect(shape(expr(text))).toEqual({ kind: 'QuantityLiteral', quantity, value, text });
  });

  it('decodes strings and interpolations with absolute ranges', () => {
    expect(shape(expr('"a\\\\b\\"c\\nd\\te\\rf\\$g"'))).toEqual({
      kind: 'StringLiteral',
      value: 'a\\b"c\nd\te\rf$g',
    });
    expect(shape(expr('"cost: $ 5 and 100%$"'))).toEqual({
      kind: 'StringLiteral',
      value: 'cost: $ 5 and 100%$',
    });
    expect(shape(expr('"# not a comment"'))).toEqual({ kind: 'StringLiteral', value: '# not a comment' });
    const node = expr('"id=${header("X-Id")}, n=$name!"');
    expect(shape(node)).toEqual({
      kind: 'InterpolatedString',
      parts: [
        { kind: 'Text', value: 'id=' },
        { kind: 'Call', callee: ['header'], args: [{ kind: 'StringLiteral', value: 'X-Id' }], parens: true },
        { kind: 'Text', value: ', n=' },
        { kind: 'ConfigRef', name: 'name' },
        { kind: 'Text', value: '!' },
      ],
    });
    if (node.kind !== 'InterpolatedString') throw new Error('expected InterpolatedString');
    // `  respond 200 "id=${header("X-Id")}…`: the string starts at column 15.
    expect(node.parts.map((p) => at(p.range))).toEqual([
      '3:16-3:19',
      '3:21-3:35',
      '3:36-3:40',
      '3:40-3:45',
      '3:45-3:46',
    ]);
    const call = node.parts[1]!;
    expect(call.kind === 'Call' && call.args[0]!.range).toEqual({
      start: { line: 3, column: 28, offset: 46 },
      end: { line: 3, column: 34, offset: 52 },
    });
  });

  it('parses interpolations inside interpolations', () => {
    expect(shape(expr('"a ${ctx.b == "${$c}"} d"'))).toEqual({
      kind: 'InterpolatedString',
      parts: [
        { kind: 'Text', value: 'a ' },
        {
          kind: 'Binary',
          operator: '==',
          left: { kind: 'CtxRef', key: 'b' },
          right: { kind: 'InterpolatedString', parts: [{ kind: 'ConfigRef', name: 'c' }] },
        },
        { kind: 'Text', value: ' d' },
      ],
    });
  });
});
