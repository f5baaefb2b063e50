import { describe, expect, test } from 'vitest';
import { checkSource, expectOnly, found, inHandler, rangeOf } from './helpers.js';

/** A module whose on_request logs `expr` (any value type may be logged). */
const logged = (expr: string, config = ''): string => inHandler('on_request', `  log info ${expr}`, config);
/** A module whose on_request tests `cond`. */
const tested = (cond: string, config = '', event: 'on_request' | 'on_response' = 'on_request'): string =>
  inHandler(event, `  if ${cond} {\n    pass\n  }`, config);

describe('operators', () => {
  test('PCM2006: == needs equal types, over the whole comparison', () => {
    const src = tested('path == 1');
    const d = expectOnly(src, 'PCM2006', 'path == 1');
    expect(d.message).toBe("Operator '==' cannot be applied to str and int.");
  });

  test('int, duration and size compare with each other, but duration never with size', () => {
    expect(found(tested('30s == 30 && 1KiB > 10 && 5 < 1m'))).toEqual([]);
    expectOnly(tested('30s == 1KiB'), 'PCM2006', '30s == 1KiB');
  });

  test('PCM2006: ordering needs numbers', () => {
    const d = expectOnly(tested('path < 3'), 'PCM2006', 'path < 3');
    expect(d.message).toBe("Operator '<' cannot be applied to str and int.");
  });

  test('PCM2006: && and || need bool', () => {
    expectOnly(tested('true && path'), 'PCM2006', 'true && path');
    expectOnly(tested('1 || true'), 'PCM2006', '1 || true');
  });

  test('PCM2030: ! needs bool, unary - needs int', () => {
    const d = expectOnly(tested('!path'), 'PCM2030', '!path');
    expect(d.message).toBe("Operator '!' cannot be applied to str.");
    expectOnly(logged('-path'), 'PCM2030', '-path');
    expect(found(logged('-3'))).toEqual([]);
  });

  test('starts_with and ends_with need str on both sides', () => {
    expect(found(tested('path starts_with "/a" && host ends_with ".com"'))).toEqual([]);
    expectOnly(tested('path starts_with 1'), 'PCM2006', 'path starts_with 1');
  });

  test('contains: str in str, or an element in a list', () => {
    const config = '  paths list ["/a"]\n  ports list<int> [80]';
    expect(found(tested('path contains "x" && $paths contains path && $ports contains 80', config))).toEqual(
      [],
    );
    expectOnly(tested('$ports contains "80"', config), 'PCM2006', '$ports contains "80"');
  });

  test('in: an element in a list', () => {
    expect(found(tested('method in ["GET", "HEAD"]'))).toEqual([]);
    expect(found(tested('method in []'))).toEqual([]);
    const d = expectOnly(tested('1 in ["a"]'), 'PCM2006', '1 in ["a"]');
    expect(d.message).toBe("Operator 'in' cannot be applied to int and list<str>.");
    expectOnly(tested('path in "abc"'), 'PCM2006', 'path in "abc"');
  });

  test('PCM2027: a list literal mixing element types', () => {
    const d = expectOnly(tested('method in ["GET", 1]'), 'PCM2027', '"GET", «1»');
    expect(d.message).toBe('List elements must all be str, got int.');
  });

  test('matches: a literal pattern is validated now (PCM2017)', () => {
    expect(found(tested('path matches "^/a[0-9]+$"'))).toEqual([]);
    const d = expectOnly(tested('path matches "([a-z"'), 'PCM2017', '"([a-z"');
    expect(d.message).toBe('Invalid regular expression: Unterminated character class');
  });

  test('matches: a str config field is accepted as the pattern', () => {
    expect(found(tested('path matches $pattern', '  pattern str "^/x"'))).toEqual([]);
  });

  test('PCM2024: the pattern of matches must be constant', () => {
    const d = expectOnly(tested('path matches host'), 'PCM2024', 'matches «host»');
    expect(d.message).toBe("The pattern of 'matches' must be a string literal or a config field.");
    expectOnly(tested('path matches "${host}"'), 'PCM2024', '"${host}"');
  });

  test('matches needs a str on the left', () => {
    expectOnly(tested('1 matches "x"'), 'PCM2006', '1 matches "x"');
  });

  test('PCM2007: if conditions must be bool', () => {
    const d = expectOnly(tested('path'), 'PCM2007', 'if «path»');
    expect(d.message).toBe('Condition must be bool, got str.');
  });

  test('PCM2007 for else if conditions too', () => {
    const src = inHandler('on_request', '  if true {\n    pass\n  } else if 3 {\n    pass\n  }');
    expectOnly(src, 'PCM2007', 'else if «3»');
  });

  test('interpolation parts may be any value type', () => {
    const src = inHandler('on_response', '  log info "s=${status} t=${30s} l=${[1, 2]} b=${status == 200}"');
    expect(found(src)).toEqual([]);
  });

  test('PCM4001: a bare word in an expression is a str with a quote fix', () => {
    const src = tested('path == /health');
    const d = expectOnly(src, 'PCM4001', '/health');
    expect(d.message).toBe("Legacy unquoted value '/health'; quote it.");
    expect(d.fix?.edits).toEqual([{ range: rangeOf(src, '/health'), newText: '"/health"' }]);
  });

  test('ctx.key is a str', () => {
    expect(found(tested('ctx.kind == "static"'))).toEqual([]);
    expectOnly(tested('ctx.kind == 1'), 'PCM2006', 'ctx.kind == 1');
  });

  test('one mistake, one diagnostic: an unknown name does not also break the comparison or the if', () => {
    expectOnly(tested('nope == 1 && true'), 'PCM2001', 'nope');
    expectOnly(tested('std.nope() == 1'), 'PCM2003', 'std.nope');
  });

  test('a let holding a mistake does not cascade where it is used', () => {
    const src = inHandler('on_request', '  let x = nope\n  if x {\n    pass\n  }');
    expect(checkSource(src).diagnostics.map((d) => d.code)).toEqual(['PCM2001']);
  });
});
