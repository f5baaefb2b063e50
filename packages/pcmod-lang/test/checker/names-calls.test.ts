import { check } from '@proxycache/pcmod-lang';
import { describe, expect, test } from 'vitest';
import { parse } from '../../src/parser/parse.js';
import { checkSource, expectOnly, found, inHandler, rangeOf } from './helpers.js';

describe('handlers', () => {
  test('PCM2019: a second handler for the same event, at its keyword', () => {
    const src = 'mod t\n\non_request {\n  pass\n}\n\non_request {\n  pass\n}\n';
    const d = expectOnly(src, 'PCM2019', 'on_request', 1);
    expect(d.related?.[0]?.range).toEqual(rangeOf(src, 'on_request', 0));
  });

  test('PCM4003: an empty handler warns', () => {
    const d = expectOnly('mod t\n\non_request {\n}\n', 'PCM4003', 'on_request');
    expect(d).toMatchObject({ severity: 'warning', message: 'Empty on_request block.' });
  });
});

test('PCM4003 is not reported for a handler the parser could not read', () => {
  // Nesting beyond the limit makes the parser drop the handler's body.
  const deep = `${'('.repeat(70)}true${')'.repeat(70)}`;
  const parsed = parse(`mod t\n\non_request {\n  if ${deep} {\n    pass\n  }\n}\n`, 'test.pcmod');
  expect(parsed.diagnostics.map((d) => d.code)).toEqual(['PCM1011']);
  expect(parsed.ast.handlers[0]?.body.statements).toEqual([]);
  expect(check(parsed).diagnostics.filter((d) => d.code === 'PCM4003')).toEqual([]);
});

describe('names', () => {
  test('PCM2002: $field must be declared in config', () => {
    const src = inHandler('on_request', '  respond 200 $greting', '  greeting str "hi"');
    const d = expectOnly(src, 'PCM2002', '$greting');
    expect(d.message).toBe("Unknown config field '$greting'.");
  });

  test('PCM2002 inside an interpolated string', () => {
    const src = inHandler('on_request', '  respond 200 "hello $greting!"', '  greeting str "hi"');
    expectOnly(src, 'PCM2002', '$greting');
  });

  test('PCM2002: "$a" naming a let offers ${a} and counts as a use of the let', () => {
    const src = inHandler('on_request', '  let a = path\n  respond 200 "$a"');
    const d = expectOnly(src, 'PCM2002', '$a');
    expect(d.fix).toEqual({
      title: 'Change to ${a}',
      edits: [{ range: rangeOf(src, '$a'), newText: '${a}' }],
    });
    expect(d.related?.[0]?.range).toEqual(rangeOf(src, 'let «a»'));
  });

  test('PCM2001: unknown name, with the closest name suggested as a fix', () => {
    const src = inHandler('on_request', '  if pathh == "/" {\n    pass\n  }');
    const d = expectOnly(src, 'PCM2001', 'pathh');
    expect(d.message).toBe("Unknown name 'pathh'.");
    expect(d.fix?.edits).toEqual([{ range: rangeOf(src, 'pathh'), newText: 'path' }]);
  });

  test('a let is resolved where it is used', () => {
    const src = inHandler('on_request', '  let p = path\n  respond 200 p');
    const result = checkSource(src);
    expect(result.diagnostics).toEqual([]);
  });

  test('lets are block-scoped: not visible after their block', () => {
    const src = inHandler(
      'on_request',
      '  if true {\n    let inner = "x"\n    log info inner\n  }\n  log info inner',
    );
    expectOnly(src, 'PCM2001', '}\n  log info «inner»');
  });

  test('a let is not visible in its own initializer or before it', () => {
    const src = inHandler('on_request', '  log info later\n  let later = "x"\n  log info later');
    expectOnly(src, 'PCM2001', 'log info «later»');
  });

  test('PCM2011: redeclaring a name in scope (also from an inner block)', () => {
    const src = inHandler(
      'on_request',
      '  let a = path\n  if true {\n    let a = host\n    log info a\n  }\n  log info a',
    );
    const d = expectOnly(src, 'PCM2011', 'let «a» = host');
    expect(d.message).toBe("'a' is already defined in this handler.");
    expect(d.related?.[0]?.range).toEqual(rangeOf(src, 'let «a» = path'));
  });

  test('sibling blocks may reuse a name', () => {
    const src = inHandler(
      'on_request',
      '  if true {\n    let a = 1\n    log info a\n  } else {\n    let a = 2\n    log info a\n  }',
    );
    expect(found(src)).toEqual([]);
  });

  test('PCM4002: an unused let warns at its name', () => {
    const src = inHandler('on_request', '  let unused = path\n  pass');
    const d = expectOnly(src, 'PCM4002', 'unused');
    expect(d.severity).toBe('warning');
  });

  test('no PCM4002 for a let whose initializer is already an error', () => {
    expectOnly(inHandler('on_request', '  let x = std.cache.check()'), 'PCM2018', 'std.cache.check()');
  });

  test('PCM4002 is not reported for names starting with _', () => {
    expect(found(inHandler('on_request', '  let _unused = path'))).toEqual([]);
  });

  test('PCM3001: status is not available in on_request', () => {
    const src = inHandler('on_request', '  if status == 200 {\n    pass\n  }');
    const d = expectOnly(src, 'PCM3001', 'status');
    expect(d.message).toBe("'status' is not available in on_request.");
  });

  test('PCM3001: no request field in on_start', () => {
    const src = inHandler('on_start', '  log info path');
    expectOnly(src, 'PCM3001', 'path');
  });

  test('status and content_type are available in on_response', () => {
    expect(
      found(inHandler('on_response', '  if status >= 500 && content_type == "text/html" {\n    pass\n  }')),
    ).toEqual([]);
  });
});

describe('calls', () => {
  test('PCM2003: unknown function with the closest name offered', () => {
    const src = inHandler('on_request', '  std.cache.chek()');
    const d = expectOnly(src, 'PCM2003', 'std.cache.chek');
    expect(d.message).toBe("Unknown function 'std.cache.chek'.");
    expect(d.related?.[0]?.message).toBe("Did you mean 'std.cache.check'?");
    expect(d.fix?.edits).toEqual([{ range: rangeOf(src, 'std.cache.chek'), newText: 'std.cache.check' }]);
  });

  test('PCM2004: too few arguments (optional parameters counted)', () => {
    const src = inHandler('on_request', '  if std.rate_limit(10) {\n    pass\n  }');
    const d = expectOnly(src, 'PCM2004', 'std.rate_limit(10)');
    expect(d.message).toBe("'std.rate_limit' expects 2 to 3 argument(s) but got 1.");
  });

  test('PCM2004: too many arguments', () => {
    const src = inHandler('on_request', '  log info lower("a", "b")');
    const d = expectOnly(src, 'PCM2004', 'lower("a", "b")');
    expect(d.message).toBe("'lower' expects 1 argument(s) but got 2.");
  });

  test('optional arguments may be given or left out', () => {
    const src = inHandler(
      'on_request',
      '  if std.rate_limit(10, 20) && std.rate_limit(10, 20, client_ip) {\n    pass\n  }',
    );
    expect(found(src)).toEqual([]);
  });

  test('a call without parentheses is fine for zero required arguments', () => {
    expect(found(inHandler('on_request', '  std.proxy.forward'))).toEqual([]);
  });

  test('PCM2004: a call without parentheses to a function that needs arguments', () => {
    const src = inHandler('on_request', '  std.cache.purge');
    const d = expectOnly(src, 'PCM2004', 'std.cache.purge');
    expect(d.message).toBe("'std.cache.purge' expects 1 argument(s) but got 0.");
  });

  test('PCM2005: argument type, at the argument', () => {
    const src = inHandler('on_request', '  if std.rate_limit("ten", 20) {\n    pass\n  }');
    const d = expectOnly(src, 'PCM2005', '"ten"');
    expect(d.message).toBe("Argument 1 of 'std.rate_limit' must be int, got str.");
  });

  test('ints are accepted for duration and size parameters', () => {
    expect(found(inHandler('on_response', '  std.cache.store(60, 100)'))).toEqual([]);
  });

  test('PCM3002: a call in a phase the table does not allow', () => {
    const src = inHandler('on_request', '  std.cache.store(60, 100)');
    const d = expectOnly(src, 'PCM3002', 'std.cache.store');
    expect(d.message).toBe("'std.cache.store' cannot be called in on_request; allowed in on_response.");
  });

  test('PCM2018: a void call used as a value', () => {
    const src = inHandler('on_request', '  let x = std.cache.check()\n  log info x');
    const d = expectOnly(src, 'PCM2018', 'std.cache.check()');
    expect(d.message).toBe("'std.cache.check' returns no value and cannot be used in an expression.");
  });

  test('a value-returning call may stand as a statement', () => {
    expect(found(inHandler('on_request', '  std.request_id.inject("X-Request-Id")'))).toEqual([]);
  });
});
