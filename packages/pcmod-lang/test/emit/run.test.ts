// biome-ignore-all lint/suspicious/noTemplateCurlyInString: pcmod sources and payloads spell ${…} on purpose.
/**
 * Compile-and-run: `.pcmod` text goes through `compile`, and the generated handlers run against a
 * recording `Exchange` and `Bindings`. Each test asserts exactly what the handler did.
 */
import { describe, expect, test } from 'vitest';
import { compile } from '../../src/compile.js';
import type { CompiledModule, ConfigValue, ModuleInstance } from '../../src/runtime/contract.js';
import { FakeBindings, FakeExchange } from './fakes.js';

const TEXT = 'text/plain; charset=utf-8';

function compileOk(text: string, file = 'test.pcmod'): CompiledModule {
  const result = compile(text, file);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  if (!result.module) throw new Error('no module');
  return result.module;
}

/** `mod t` plus the given blocks. */
function instance(
  blocks: string,
  b = new FakeBindings(),
  config: Record<string, ConfigValue> = {},
): ModuleInstance {
  return compileOk(`mod t\n${blocks}`).instantiate(b, config);
}

/** Runs on_request (and awaits it when it is async) and returns what it did to the exchange. */
async function request(i: ModuleInstance, fields: ConstructorParameters<typeof FakeExchange>[0] = {}) {
  const x = new FakeExchange(fields);
  await i.onRequest?.(x);
  return x.events;
}

describe('respond', () => {
  test.each([
    ['respond 200 text "hi"', [200, TEXT, 'hi']],
    ['respond 201 json "{}"', [201, 'application/json', '{}']],
    ['respond 200 html "<b>x</b>"', [200, 'text/html; charset=utf-8', '<b>x</b>']],
    ['respond 200 "image/svg+xml" "<svg/>"', [200, 'image/svg+xml', '<svg/>']],
    ['respond 200 "plain body"', [200, TEXT, 'plain body']],
    ['respond 204', [204, undefined, undefined]],
  ])('%s', async (statement, expected) => {
    const i = instance(`on_request {\n  ${statement}\n}\n`);
    expect(await request(i)).toEqual([['respond', ...expected]]);
  });

  test('respond ends the handler', async () => {
    const i = instance(
      'on_request {\n  if path == "/a" {\n    respond 200 "a"\n  }\n  set_header "X-After" "1"\n}\n',
    );
    expect(await request(i, { path: '/a' })).toEqual([['respond', 200, TEXT, 'a']]);
    expect(await request(i, { path: '/b' })).toEqual([['setHeader', 'on_request', 'X-After', '1']]);
  });

  test('pass ends the handler without a response', async () => {
    const i = instance('on_request {\n  if method == "POST" {\n    pass\n  }\n  respond 200 "get"\n}\n');
    expect(await request(i, { method: 'POST' })).toEqual([]);
    expect(await request(i, { method: 'GET' })).toEqual([['respond', 200, TEXT, 'get']]);
  });
});

describe('control flow and expressions', () => {
  test('if / else if / else picks one branch', async () => {
    const i = instance(
      [
        'on_request {',
        '  if path == "/a" {',
        '    set_ctx branch "a"',
        '  } else if path starts_with "/b" && !(method == "POST") {',
        '    set_ctx branch "b"',
        '  } else if path ends_with ".css" || query contains "css" {',
        '    set_ctx branch "css"',
        '  } else {',
        '    set_ctx branch "else"',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(await request(i, { path: '/a' })).toEqual([['ctxSet', 'branch', 'a']]);
    expect(await request(i, { path: '/bcd' })).toEqual([['ctxSet', 'branch', 'b']]);
    expect(await request(i, { path: '/bcd', method: 'POST' })).toEqual([['ctxSet', 'branch', 'else']]);
    expect(await request(i, { path: '/x.css' })).toEqual([['ctxSet', 'branch', 'css']]);
    expect(await request(i, { path: '/x', query: 'v=css' })).toEqual([['ctxSet', 'branch', 'css']]);
    expect(await request(i, { path: '/x' })).toEqual([['ctxSet', 'branch', 'else']]);
  });

  test('interpolation stringifies every type', async () => {
    const i = instance(
      [
        'config {',
        '  greeting str "hello"',
        '  n int 42',
        '  on bool true',
        '  ttl duration 30s',
        '  limit size 1KiB',
        '  hosts list ["a", "b"]',
        '  ports list<int> [80, 443]',
        '  rules map { "/old" = "/new", "/v1" = "/v2" }',
        '}',
        'on_request {',
        '  respond 200 "$greeting|$n|$on|$ttl|$limit|$hosts|$ports|$rules|${path}|${len(path)}"',
        '}',
        '',
      ].join('\n'),
      new FakeBindings({ len: (_x, s) => String(s).length }),
    );
    expect(await request(i, { path: '/abc' })).toEqual([
      ['respond', 200, TEXT, 'hello|42|true|30|1024|a,b|80,443|{"/old":"/new","/v1":"/v2"}|/abc|4'],
    ]);
  });

  test('config values from the host override defaults', async () => {
    const m = compileOk(
      'mod t\nconfig {\n  greeting str "hello"\n}\non_request {\n  respond 200 "Hello, $greeting!"\n}\n',
    );
    expect(await request(m.instantiate(new FakeBindings(), {}))).toEqual([
      ['respond', 200, TEXT, 'Hello, hello!'],
    ]);
    expect(await request(m.instantiate(new FakeBindings(), { greeting: 'hi' }))).toEqual([
      ['respond', 200, TEXT, 'Hello, hi!'],
    ]);
  });

  test('ctx values are set and read back; a missing key reads as ""', async () => {
    const i = instance(
      'on_request {\n  set_ctx kind "static"\n  respond 200 "${ctx.kind}|${ctx.missing}|"\n}\n',
    );
    expect(await request(i)).toEqual([
      ['ctxSet', 'kind', 'static'],
      ['respond', 200, TEXT, 'static||'],
    ]);
  });

  test('let binds a value once, scoped to its block', async () => {
    const b = new FakeBindings({ header: (_x, name) => (name === 'User-Agent' ? 'curl/8.0' : '') });
    const i = instance(
      'on_request {\n  let ua = header("User-Agent")\n  if ua contains "curl" {\n    let kind = "cli"\n    set_header "X-Client" "${kind}:${ua}"\n  }\n}\n',
      b,
    );
    expect(await request(i)).toEqual([['setHeader', 'on_request', 'X-Client', 'cli:curl/8.0']]);
    expect(b.calls).toEqual([['header', 'User-Agent']]);
  });

  test('matches uses regexes from literals and config', async () => {
    const i = instance(
      'config {\n  pattern str "^/static/[a-z]+$"\n}\non_request {\n  if path matches "^/api/v[0-9]+/" {\n    set_ctx m "literal"\n  }\n  if path matches $pattern {\n    set_ctx m "config"\n  }\n}\n',
    );
    expect(await request(i, { path: '/api/v2/x' })).toEqual([['ctxSet', 'm', 'literal']]);
    expect(await request(i, { path: '/static/abc' })).toEqual([['ctxSet', 'm', 'config']]);
    expect(await request(i, { path: '/static/ABC' })).toEqual([]);
  });

  test('in tests membership of list literals and config lists', async () => {
    const i = instance(
      'config {\n  blocked list ["/admin", "/.git"]\n}\non_request {\n  if path in $blocked {\n    respond 403 "no"\n  }\n  if method in ["GET", "HEAD"] {\n    respond 200 "read"\n  }\n}\n',
    );
    expect(await request(i, { path: '/.git' })).toEqual([['respond', 403, TEXT, 'no']]);
    expect(await request(i, { path: '/x', method: 'HEAD' })).toEqual([['respond', 200, TEXT, 'read']]);
    expect(await request(i, { path: '/x', method: 'PUT' })).toEqual([]);
  });

  test('on_response sets and removes response headers and reads status', async () => {
    const i = instance(
      'on_response {\n  if status >= 500 {\n    set_header "Cache-Control" "no-store"\n  }\n  set_header X-Processed true\n  remove_header "Server"\n}\n',
    );
    const x = new FakeExchange({ status: 503 });
    expect(i.onResponse?.(x)).toBeUndefined();
    expect(x.events).toEqual([
      ['setHeader', 'on_response', 'Cache-Control', 'no-store'],
      ['setHeader', 'on_response', 'X-Processed', 'true'],
      ['removeHeader', 'on_response', 'Server'],
    ]);
  });

  test('log passes level, message and the statement location', async () => {
    const b = new FakeBindings();
    const m = compileOk('mod t\non_request {\n  log info "hello ${path}"\n}\n', 'mods/t.pcmod');
    await request(m.instantiate(b, {}), { path: '/p' });
    expect(b.logs).toEqual([
      { level: 'info', message: 'hello /p', where: { file: 'mods/t.pcmod', line: 3, column: 3 } },
    ]);
  });

  test('on_start receives the start scope as the exchange argument', () => {
    const b = new FakeBindings();
    const i = instance('config {\n  urls list ["/a", "/b"]\n}\non_start {\n  std.cache.warm($urls)\n}\n', b);
    const scope = new FakeExchange();
    expect(i.onStart?.(scope)).toBeUndefined();
    expect(b.calls).toEqual([['std.cache.warm', ['/a', '/b']]]);
  });
});

describe('sync and async handlers', () => {
  const text =
    'on_request {\n  if path == "/sync" {\n    respond 200 "sync"\n  }\n  std.proxy.forward("127.0.0.1:8080")\n}\non_response {\n  set_header "X-Status" "${status}"\n}\n';

  test('a handler without async calls is a plain function returning undefined', () => {
    const i = instance(text);
    const x = new FakeExchange({ status: 200 });
    expect(i.onResponse?.(x)).toBeUndefined();
    expect(x.events).toEqual([['setHeader', 'on_response', 'X-Status', '200']]);
  });

  test('a handler with an async call returns a promise and awaits the call', async () => {
    let resolveForward: () => void = () => {};
    const b = new FakeBindings({
      'std.proxy.forward': (x: FakeExchange) =>
        new Promise<void>((resolve) => {
          resolveForward = () => {
            x.respond(200, TEXT, 'upstream');
            resolve();
          };
        }),
    });
    const i = instance(text, b);
    const x = new FakeExchange({ path: '/other' });
    const result = i.onRequest?.(x);
    expect(result).toBeInstanceOf(Promise);
    expect(b.calls).toEqual([['std.proxy.forward', '127.0.0.1:8080']]);
    resolveForward();
    await result;
    expect(x.events).toEqual([['respond', 200, TEXT, 'upstream']]);
  });
});

describe('responding calls', () => {
  const text =
    'on_request {\n  std.cache.check()\n  set_header "X-Cache" "MISS"\n  std.proxy.forward\n  set_header "X-After" "1"\n}\n';

  test("after a 'maybe' call the handler stops once a response exists", async () => {
    const b = new FakeBindings({ 'std.cache.check': (x: FakeExchange) => x.respond(200, TEXT, 'cached') });
    expect(await request(instance(text, b))).toEqual([['respond', 200, TEXT, 'cached']]);
    expect(b.calls).toEqual([['std.cache.check']]);
  });

  test("after a 'maybe' call without a response the handler goes on; an 'always' call ends it", async () => {
    const b = new FakeBindings();
    expect(await request(instance(text, b))).toEqual([['setHeader', 'on_request', 'X-Cache', 'MISS']]);
    expect(b.calls).toEqual([['std.cache.check'], ['std.proxy.forward']]);
  });
});

describe('runtime errors', () => {
  const text = [
    'mod t',
    'on_request {',
    '  set_header "X-A" "1"',
    '  if path == "/boom" {',
    '    set_header "X-N" "${to_int(query)}"',
    '  }',
    '  std.proxy.forward',
    '}',
    '',
  ].join('\n');

  test('an exception in a sync handler names the .pcmod statement', () => {
    const boom = new TypeError('boom');
    const b = new FakeBindings({
      to_int: () => {
        throw boom;
      },
    });
    const i = compileOk(text.replace('  std.proxy.forward\n', ''), 'mods/t.pcmod').instantiate(b, {});
    let caught: unknown;
    try {
      i.onRequest?.(new FakeExchange({ path: '/boom' }));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toMatchObject({ code: 'PC_ERR_SCRIPT', message: 'mods/t.pcmod:5:5: boom', cause: boom });
  });

  test('an exception in an else-if condition names the else-if line', () => {
    const b = new FakeBindings({
      to_int: () => {
        throw new Error('bad int');
      },
    });
    const m = compileOk(
      'mod t\non_request {\n  if path == "/a" {\n    pass\n  } else if to_int(query) > 1 {\n    pass\n  }\n}\n',
    );
    expect(() => m.instantiate(b, {}).onRequest?.(new FakeExchange())).toThrow(
      expect.objectContaining({ code: 'PC_ERR_SCRIPT', location: expect.objectContaining({ line: 5 }) }),
    );
  });

  test('a rejection in an async handler names the .pcmod statement', async () => {
    const b = new FakeBindings({ 'std.proxy.forward': () => Promise.reject(new Error('upstream down')) });
    const i = compileOk(text, 'mods/t.pcmod').instantiate(b, {});
    await expect(i.onRequest?.(new FakeExchange())).rejects.toMatchObject({
      code: 'PC_ERR_SCRIPT',
      message: 'mods/t.pcmod:7:3: upstream down',
    });
  });

  test('a missing host binding fails instantiation with a coded error', () => {
    const m = compileOk(text, 'mods/t.pcmod');
    const b = new FakeBindings();
    const { 'std.proxy.forward': _dropped, ...fns } = b.fns;
    expect(() => m.instantiate({ fns, log: () => {} }, {})).toThrow(
      expect.objectContaining({
        code: 'PC_ERR_SCRIPT',
        message: "mods/t.pcmod: the host provides no binding for 'std.proxy.forward'",
      }),
    );
  });
});

describe('source map', () => {
  test("a statement's generated position maps back to its .pcmod line and column", () => {
    const m = compileOk('mod t\n\non_request {\n  set_header "X-A" "1"\n  respond 200 "ok"\n}\n');
    const lines = m.js.split('\n');
    const respondLine = lines.findIndex((l) => l.includes('x.respond(')) + 1;
    const respondColumn = (lines[respondLine - 1] ?? '').indexOf('x.respond(') + 1;
    expect(m.sourceMap.originalFor(respondLine, respondColumn)).toEqual({
      file: 'test.pcmod',
      line: 5,
      column: 3,
    });
    const headerLine = lines.findIndex((l) => l.includes('x.setHeader(')) + 1;
    expect(m.sourceMap.originalFor(headerLine, 80)?.line).toBe(4);
  });
});

describe('compile', () => {
  test('returns sorted diagnostics and no module when there are errors', () => {
    const result = compile('mod t\non_request {\n  log loud "x"\n  set_header "X-A" $nope\n}\n', 'bad.pcmod');
    expect(result.module).toBeUndefined();
    expect(result.diagnostics.map((d) => [d.code, d.range.start.line])).toEqual([
      ['PCM2015', 3],
      ['PCM2002', 4],
    ]);
  });

  test('module metadata comes from the header', () => {
    const m = compileOk(
      'mod my_module\nversion 1.0\npriority 75\noverrides health_check\non_request {\n  pass\n}\n',
      'm.pcmod',
    );
    expect([m.name, m.version, m.priority, m.overrides, m.file]).toEqual([
      'my_module',
      '1.0',
      75,
      ['health_check'],
      'm.pcmod',
    ]);
  });

  test('the design brief example compiles and runs', async () => {
    const text = [
      'mod my_module',
      'version 1.0',
      'priority 75',
      'overrides health_check',
      '',
      'config {',
      '  enabled bool true',
      '  greeting str "hello"',
      '}',
      '',
      'on_request {',
      '  if path == "/hello" {',
      '    set_header "X-Greeting" $greeting',
      '    respond 200 text "Hello, $greeting!"',
      '  }',
      '  if path == /health {',
      '    respond 200 json "{}"',
      '  }',
      '  log info "hello world"',
      '  std.proxy.forward',
      '}',
      '',
    ].join('\n');
    const i = compileOk(text).instantiate(new FakeBindings(), {});
    expect(await request(i, { path: '/hello' })).toEqual([
      ['setHeader', 'on_request', 'X-Greeting', 'hello'],
      ['respond', 200, TEXT, 'Hello, hello!'],
    ]);
    expect(await request(i, { path: '/health' })).toEqual([['respond', 200, 'application/json', '{}']]);
  });
});
