import { describe, expect, test } from 'vitest';
import { expectOnly, found, inHandler, rangeOf } from './helpers.js';

const req = (body: string, config = ''): string => inHandler('on_request', body, config);

describe('respond', () => {
  test('PCM2026: the status must be an int', () => {
    const d = expectOnly(req('  respond "200" "body"'), 'PCM2026', '"200"');
    expect(d.message).toBe("'status' must be int, got str.");
  });

  test('PCM2016: a literal status outside 100-599', () => {
    const d = expectOnly(req('  respond 999 "nope"'), 'PCM2016', '999');
    expect(d.message).toBe('Status 999 is not a valid HTTP status (100–599).');
    expectOnly(req('  respond 99'), 'PCM2016', '99');
  });

  test('a computed status is not range-checked', () => {
    expect(found(req('  respond $code', '  code int 200'))).toEqual([]);
  });

  test('PCM2025: a literal content type must be type/subtype', () => {
    const d = expectOnly(req('  respond 200 "notatype" "body"'), 'PCM2025', '"notatype"');
    expect(d.message).toBe("Invalid content type 'notatype'.");
    expect(found(req('  respond 200 "text/css; charset=utf-8" "body"'))).toEqual([]);
  });

  test('the body may be any value type; keyword kinds need no check', () => {
    expect(found(req('  respond 200 json 42'))).toEqual([]);
    expect(found(req('  respond 204'))).toEqual([]);
  });

  test('PCM3003: respond in on_start and on_response, at the keyword', () => {
    const d = expectOnly(inHandler('on_start', '  respond 200 "too early"'), 'PCM3003', 'respond');
    expect(d.message).toBe("'respond' is not allowed in on_start.");
    expectOnly(inHandler('on_response', '  respond 200 "late"'), 'PCM3003', 'respond');
  });
});

describe('headers, ctx and log', () => {
  test('PCM2023: a literal header name must be an HTTP token', () => {
    const d = expectOnly(
      inHandler('on_response', '  set_header "X Bad Name" "v"'),
      'PCM2023',
      '"X Bad Name"',
    );
    expect(d.message).toBe("Invalid header name 'X Bad Name'.");
    expectOnly(inHandler('on_response', '  remove_header "a:b"'), 'PCM2023', '"a:b"');
  });

  test('PCM2026: a header name must be a str', () => {
    const d = expectOnly(req('  set_header 1 "v"'), 'PCM2026', '1');
    expect(d.message).toBe("'header name' must be str, got int.");
  });

  test('header values may be str, int or bool; not lists', () => {
    expect(found(req('  set_header "X-A" "v"\n  set_header "X-B" 1\n  set_header "X-C" true'))).toEqual([]);
    const d = expectOnly(req('  set_header "X-A" ["v"]'), 'PCM2026', '["v"]');
    expect(d.message).toBe("'header value' must be str, int or bool, got list<str>.");
  });

  test('legacy bare words as header name: one warning each, no error', () => {
    const src = inHandler('on_response', '  set_header X-Processed true');
    expectOnly(src, 'PCM4001', 'X-Processed');
  });

  test('PCM3003: set_header and remove_header are not allowed in on_start', () => {
    const src = inHandler('on_start', '  set_header "X-A" "v"\n  remove_header "X-B"');
    expect(found(src)).toEqual([
      { code: 'PCM3003', range: rangeOf(src, 'set_header') },
      { code: 'PCM3003', range: rangeOf(src, 'remove_header') },
    ]);
  });

  test('set_ctx takes any scalar, not a list', () => {
    expect(found(req('  set_ctx kind "static"\n  set_ctx "n" 3\n  set_ctx t 30s'))).toEqual([]);
    expectOnly(req('  set_ctx k ["a"]'), 'PCM2026', '["a"]');
  });

  test('PCM2015: unknown log level, with the closest level offered', () => {
    const src = req('  log inf "hello"');
    const d = expectOnly(src, 'PCM2015', 'inf');
    expect(d.message).toBe("Unknown log level 'inf'; expected one of trace, debug, info, warn, error.");
    expect(d.fix?.edits).toEqual([{ range: rangeOf(src, 'inf'), newText: 'info' }]);
  });
});

describe('reachability (PCM3004)', () => {
  test('statements after respond: one warning over all of them', () => {
    const src = req('  respond 200 "done"\n  log info "a"\n  log info "b"');
    const d = expectOnly(src, 'PCM3004', 'log info "a"\n  log info "b"');
    expect(d.severity).toBe('warning');
  });

  test('after pass', () => {
    expectOnly(req('  pass\n  log info "never"'), 'PCM3004', 'log info "never"');
  });

  test('after a call that always responds', () => {
    expectOnly(req('  std.proxy.forward\n  log info "never"'), 'PCM3004', 'log info "never"');
  });

  test('not after a call that only may respond', () => {
    expect(found(req('  std.cache.check()\n  log info "miss"'))).toEqual([]);
  });

  test('after an if/else whose every branch ends the handler', () => {
    const src = req(
      '  if path == "/" {\n    respond 200 "a"\n  } else if true {\n    pass\n  } else {\n    std.proxy.forward\n  }\n  log info "never"',
    );
    expectOnly(src, 'PCM3004', 'log info "never"');
  });

  test('not after an if without else, or with a branch that falls through', () => {
    expect(found(req('  if true {\n    pass\n  }\n  log info "maybe"'))).toEqual([]);
    expect(
      found(req('  if true {\n    pass\n  } else {\n    log info "x"\n  }\n  log info "maybe"')),
    ).toEqual([]);
  });

  test('inside a nested block, and reported once even when nested code is unreachable too', () => {
    const src = req(
      '  if true {\n    pass\n    log info "a"\n  }\n  pass\n  if true {\n    pass\n    log info "b"\n  }',
    );
    expect(found(src)).toEqual([
      { code: 'PCM3004', range: rangeOf(src, 'log info "a"') },
      { code: 'PCM3004', range: rangeOf(src, 'if true {\n    pass\n    log info "b"\n  }') },
    ]);
  });
});
