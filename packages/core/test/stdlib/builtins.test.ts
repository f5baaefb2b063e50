import { describe, expect, it } from 'vitest';
import { createBindings } from '../../src/stdlib/bindings.js';
import { FakeExchange, FakeServices } from './fakes.js';

const fns = createBindings(new FakeServices(), 'builtins').fns;
const call = (name: string, ...args: unknown[]): unknown => fns[name]?.(...(args as [unknown, ...unknown[]]));

describe('expression helpers', () => {
  const x = new FakeExchange({
    query: 'a=1&b=two%20words&a=3',
    headers: { accept: 'text/html', 'x-multi': ['a', 'b'], cookie: 'sid=abc; theme="dark"; empty=' },
    response: { status: 200, headers: { 'content-type': 'text/plain' }, body: undefined },
  });

  it('header reads case-insensitively, joins repeats and gives "" when absent', () => {
    expect(call('header', x, 'Accept')).toBe('text/html');
    expect(call('header', x, 'X-Multi')).toBe('a, b');
    expect(call('header', x, 'X-Missing')).toBe('');
  });

  it('response_header reads the response, "" without one', () => {
    expect(call('response_header', x, 'Content-Type')).toBe('text/plain');
    expect(call('response_header', new FakeExchange(), 'Content-Type')).toBe('');
  });

  it('query_param returns the first decoded value', () => {
    expect(call('query_param', x, 'a')).toBe('1');
    expect(call('query_param', x, 'b')).toBe('two words');
    expect(call('query_param', x, 'c')).toBe('');
  });

  it('cookie finds a cookie by exact name and strips quotes', () => {
    expect(call('cookie', x, 'sid')).toBe('abc');
    expect(call('cookie', x, 'theme')).toBe('dark');
    expect(call('cookie', x, 'empty')).toBe('');
    expect(call('cookie', x, 'si')).toBe('');
  });

  it('converts strings and numbers', () => {
    expect(call('lower', undefined, 'MiXeD')).toBe('mixed');
    expect(call('upper', undefined, 'MiXeD')).toBe('MIXED');
    expect(call('len', undefined, 'héllo')).toBe(5);
    expect(call('to_int', undefined, ' -42 ')).toBe(-42);
    expect(call('to_int', undefined, '4.2')).toBe(0);
    expect(call('to_int', undefined, '12abc')).toBe(0);
    expect(call('to_int', undefined, '99999999999999999999')).toBe(0);
    expect(call('to_str', undefined, 7)).toBe('7');
  });
});
