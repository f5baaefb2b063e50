import { expect, it } from 'vitest';
import { tokenize } from '../../src/parser/parse.js';
import { at } from './helpers.js';

it('tokenize gives every token a highlighting category and its range', () => {
  const tokens = tokenize(
    'mod m # c\nconfig {\n  ttl duration 30s\n}\non_request {\n  if ctx.id == $x { std.cache.check() }\n  log info "hi"\n}\n',
  );
  expect(tokens.map((t) => `${t.category}:${t.text}`)).toEqual([
    'keyword:mod',
    'variable:m',
    'comment:# c',
    'keyword:config',
    'punctuation:{',
    'property:ttl',
    'type:duration',
    'number:30s',
    'punctuation:}',
    'keyword:on_request',
    'punctuation:{',
    'keyword:if',
    'variable:ctx',
    'punctuation:.',
    'property:id',
    'operator:==',
    'variable:$x',
    'punctuation:{',
    'function:std',
    'punctuation:.',
    'function:cache',
    'punctuation:.',
    'function:check',
    'punctuation:(',
    'punctuation:)',
    'punctuation:}',
    'keyword:log',
    'variable:info',
    'string:"hi"',
    'punctuation:}',
  ]);
  expect(at(tokens[2]!.range)).toBe('1:7-1:10');
  expect(at(tokens[7]!.range)).toBe('3:16-3:19');
});

it('tokenize never throws on garbage', () => {
  expect(tokenize('@@@ "unterminated\n$').map((t) => t.category)).toEqual(['string']);
});
