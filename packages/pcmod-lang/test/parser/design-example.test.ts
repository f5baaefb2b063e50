import { expect, describe as group, it } from 'vitest';
import { parse } from '../../src/parser/parse.js';
import { designExample } from './fixtures.js';
import { at, parseClean, shape } from './helpers.js';

group('the DESIGN §4 example', () => {
  it('parses without diagnostics', () => {
    expect(parse(designExample, 'my_module.pcmod').diagnostics).toEqual([]);
  });

  it('has the expected headers, config and handlers', () => {
    const ast = parseClean(designExample);
    expect(shape(ast.headers)).toEqual([
      { kind: 'ModHeader', name: { kind: 'Identifier', name: 'my_module' } },
      { kind: 'VersionHeader', value: '1.0' },
      { kind: 'PriorityHeader', value: 75 },
      { kind: 'OverridesHeader', name: { kind: 'Identifier', name: 'health_check' } },
    ]);
    expect(shape(ast.configs)).toEqual([
      {
        kind: 'ConfigBlock',
        fields: [
          {
            kind: 'ConfigField',
            name: { kind: 'Identifier', name: 'enabled' },
            type: { kind: 'TypeRef', name: 'bool' },
            default: { kind: 'BoolLiteral', value: true },
          },
          {
            kind: 'ConfigField',
            name: { kind: 'Identifier', name: 'greeting' },
            type: { kind: 'TypeRef', name: 'str' },
            default: { kind: 'StringLiteral', value: 'hello' },
          },
          {
            kind: 'ConfigField',
            name: { kind: 'Identifier', name: 'name' },
            type: { kind: 'TypeRef', name: 'str' },
            default: { kind: 'BareWord', text: 'hello' },
          },
        ],
      },
    ]);
    expect(ast.handlers.map((h) => h.event)).toEqual(['on_request', 'on_response']);
    expect(shape(ast.handlers[0]?.body.statements)).toEqual([
      {
        kind: 'If',
        branches: [
          {
            kind: 'IfBranch',
            condition: {
              kind: 'Binary',
              operator: '==',
              left: { kind: 'NameRef', name: 'path' },
              right: { kind: 'StringLiteral', value: '/hello' },
            },
            body: {
              kind: 'Block',
              statements: [
                {
                  kind: 'SetHeader',
                  name: { kind: 'StringLiteral', value: 'X-Greeting' },
                  value: { kind: 'ConfigRef', name: 'greeting' },
                },
                {
                  kind: 'Respond',
                  status: { kind: 'IntLiteral', value: 200 },
                  contentType: { keyword: 'text' },
                  body: {
                    kind: 'InterpolatedString',
                    parts: [
                      { kind: 'Text', value: 'Hello, ' },
                      { kind: 'ConfigRef', name: 'greeting' },
                      { kind: 'Text', value: '!' },
                    ],
                  },
                },
              ],
            },
          },
        ],
      },
      {
        kind: 'If',
        branches: [
          {
            kind: 'IfBranch',
            condition: {
              kind: 'Binary',
              operator: '==',
              left: { kind: 'NameRef', name: 'path' },
              right: { kind: 'BareWord', text: '/health' },
            },
            body: {
              kind: 'Block',
              statements: [
                {
                  kind: 'Respond',
                  status: { kind: 'IntLiteral', value: 200 },
                  contentType: { keyword: 'json' },
                  body: { kind: 'StringLiteral', value: '{}' },
                },
              ],
            },
          },
        ],
      },
      {
        kind: 'Log',
        level: { kind: 'Identifier', name: 'info' },
        message: { kind: 'StringLiteral', value: 'hello world' },
      },
      {
        kind: 'CallStatement',
        call: { kind: 'Call', callee: ['std', 'proxy', 'forward'], args: [], parens: false },
      },
    ]);
    expect(shape(ast.handlers[1]?.body.statements)).toEqual([
      {
        kind: 'SetHeader',
        name: { kind: 'BareWord', text: 'X-Processed' },
        value: { kind: 'BoolLiteral', value: true },
      },
    ]);
    expect(ast.comments.map((c) => [c.text, at(c.range)])).toEqual([
      [' legacy unquoted value: accepted, warns, `pcmod fmt` quotes it', '9:27-9:90'],
      [' legacy bare word', '17:27-17:45'],
      [' call without parentheses when it takes no arguments', '21:27-21:80'],
    ]);
  });

  it('gives every node its exact source range', () => {
    const ast = parseClean(designExample);
    expect(at(ast.range)).toBe('1:1-27:1');
    expect(ast.range.end.offset).toBe(designExample.length);
    const [mod, version, priority] = ast.headers;
    expect(at(mod!.range)).toBe('1:1-1:14');
    expect(mod!.range.start.offset).toBe(0);
    expect(mod!.range.end.offset).toBe(13);
    expect(version!.kind === 'VersionHeader' && at(version!.valueRange)).toBe('2:9-2:12');
    expect(priority!.kind === 'PriorityHeader' && at(priority!.valueRange)).toBe('3:10-3:12');
    const config = ast.configs[0]!;
    expect(at(config.range)).toBe('6:1-10:2');
    const greeting = config.fields[1]!;
    expect(at(greeting.range)).toBe('8:3-8:23');
    expect(at(greeting.type.range)).toBe('8:12-8:15');
    expect(at(greeting.default!.range)).toBe('8:16-8:23');
    const onRequest = ast.handlers[0]!;
    expect(at(onRequest.range)).toBe('12:1-22:2');
    expect(at(onRequest.eventRange)).toBe('12:1-12:11');
    expect(at(onRequest.body.range)).toBe('12:12-22:2');
    const firstIf = onRequest.body.statements[0]!;
    expect(at(firstIf.range)).toBe('13:3-16:4');
    if (firstIf.kind !== 'If') throw new Error('expected If');
    const condition = firstIf.branches[0]!.condition;
    expect(at(condition.range)).toBe('13:6-13:22');
    expect(condition.kind === 'Binary' && at(condition.operatorRange)).toBe('13:11-13:13');
    const respond = firstIf.branches[0]!.body.statements[1]!;
    expect(at(respond.range)).toBe('15:5-15:41');
    if (respond.kind !== 'Respond' || respond.body?.kind !== 'InterpolatedString')
      throw new Error('expected Respond');
    expect(respond.body.parts.map((p) => at(p.range))).toEqual(['15:23-15:30', '15:30-15:39', '15:39-15:40']);
    const ref = respond.body.parts[1]!;
    expect(ref.kind === 'ConfigRef' && at(ref.nameRange)).toBe('15:31-15:39');
    const forward = onRequest.body.statements[3]!;
    expect(forward.kind === 'CallStatement' && at(forward.call.calleeRange)).toBe('21:3-21:20');
  });
});
