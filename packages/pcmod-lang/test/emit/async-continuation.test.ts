// biome-ignore-all lint/suspicious/noTemplateCurlyInString: pcmod sources spell ${…} on purpose.
/**
 * Handlers are plain functions that allocate a promise only on the paths that make an async call:
 * a path without one returns `undefined`, a path with one returns a promise, and the statements
 * after the enclosing `if`s run exactly once, in source order, either way. Errors on both paths
 * name the `.pcmod` statement.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compile } from '../../src/compile.js';
import type { ModuleInstance } from '../../src/runtime/contract.js';
import { FakeBindings, FakeExchange } from './fakes.js';

const TEXT = 'text/plain; charset=utf-8';
/** An async stdlib function returning `str` and never responding. */
const VERIFY = 'std.admin.config_verify';

/** A promise resolved from outside. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (e: unknown) => void } {
  let resolve: (value: T) => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function instance(lines: readonly string[], b: FakeBindings, file = 'mods/t.pcmod'): ModuleInstance {
  const result = compile(`mod t\n${lines.join('\n')}\n`, file);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  if (!result.module) throw new Error('no module');
  return result.module.instantiate(b, {});
}

/** Bindings whose async `VERIFY` returns the next promise of `pending` (recorded as `verify:start`). */
function controlled(): { b: FakeBindings; pending: Array<ReturnType<typeof deferred<string>>> } {
  const pending: Array<ReturnType<typeof deferred<string>>> = [];
  const b = new FakeBindings({
    [VERIFY]: () => {
      const d = deferred<string>();
      pending.push(d);
      return d.promise;
    },
  });
  return { b, pending };
}

function ctxEvents(x: FakeExchange): unknown[] {
  return x.events.map((e) => (e[0] === 'ctxSet' ? `${e[1]}=${e[2]}` : e));
}

describe('an async call inside a branch', () => {
  const source = [
    'on_request {',
    '  set_ctx step "before"',
    '  if path == "/async" {',
    '    set_ctx v std.admin.config_verify()',
    '  }',
    '  set_ctx step "after"',
    '  set_header "X-After" "${ctx.v}"',
    '}',
  ];

  test('the untaken branch leaves the handler synchronous; what follows the if runs once', () => {
    const { b } = controlled();
    const x = new FakeExchange({ path: '/sync' });
    expect(instance(source, b).onRequest?.(x)).toBeUndefined();
    expect(ctxEvents(x)).toEqual(['step=before', 'step=after', ['setHeader', 'on_request', 'X-After', '']]);
    expect(b.calls).toEqual([]);
  });

  test('the taken branch returns a promise; what follows the if waits for the call and runs once', async () => {
    const { b, pending } = controlled();
    const x = new FakeExchange({ path: '/async' });
    const result = instance(source, b).onRequest?.(x);
    expect(result).toBeInstanceOf(Promise);
    expect(ctxEvents(x)).toEqual(['step=before']);
    await Promise.resolve();
    expect(ctxEvents(x)).toEqual(['step=before']);
    pending[0]?.resolve('ok');
    await result;
    expect(ctxEvents(x)).toEqual([
      'step=before',
      'v=ok',
      'step=after',
      ['setHeader', 'on_request', 'X-After', 'ok'],
    ]);
    expect(b.calls).toEqual([[VERIFY]]);
  });
});

describe('nested ifs', () => {
  // Both `let`s are read after the inner and the outer `if`, so they reach the continuations.
  const source = [
    'on_request {',
    '  let a = header("A")',
    '  if path starts_with "/n" {',
    '    let c = header("C")',
    '    if path == "/n/async" {',
    '      set_ctx inner std.admin.config_verify()',
    '    } else if path == "/n/respond" {',
    '      respond 200 std.admin.config_verify()',
    '    } else {',
    '      set_ctx inner "sync"',
    '    }',
    '    set_ctx after_inner "${a}${c}"',
    '  }',
    '  set_ctx after_outer a',
    '}',
  ];

  const bindings = () =>
    new FakeBindings({ header: (_x, name) => `<${String(name)}>`, [VERIFY]: async () => 'v' });

  test.each([
    ['/n/sync', false, ['inner=sync', 'after_inner=<A><C>', 'after_outer=<A>']],
    ['/n/async', true, ['inner=v', 'after_inner=<A><C>', 'after_outer=<A>']],
    ['/n/respond', true, [['respond', 200, TEXT, 'v']]],
    ['/other', false, ['after_outer=<A>']],
  ])('%s (promise: %s)', async (path, isPromise, expected) => {
    const x = new FakeExchange({ path });
    const result = instance(source, bindings()).onRequest?.(x);
    expect(result instanceof Promise).toBe(isPromise);
    await result;
    expect(ctxEvents(x)).toEqual(expected);
  });

  test('an async call two levels down, with more statements after each level', async () => {
    const lines = [
      'on_request {',
      '  if path starts_with "/a" {',
      '    if path starts_with "/a/b" {',
      '      if path == "/a/b/c" {',
      '        set_ctx deep std.admin.config_verify()',
      '      }',
      '      set_ctx level "2"',
      '    }',
      '    set_ctx level "1"',
      '  }',
      '  set_ctx level "0"',
      '}',
    ];
    for (const [path, isPromise, expected] of [
      ['/a/b/c', true, ['deep=v', 'level=2', 'level=1', 'level=0']],
      ['/a/b/x', false, ['level=2', 'level=1', 'level=0']],
      ['/a/x', false, ['level=1', 'level=0']],
      ['/x', false, ['level=0']],
    ] as const) {
      const x = new FakeExchange({ path });
      const result = instance(lines, bindings()).onRequest?.(x);
      expect(result instanceof Promise, path).toBe(isPromise);
      await result;
      expect(ctxEvents(x), path).toEqual(expected);
    }
  });
});

describe('an async call in an else-if condition', () => {
  const source = [
    'on_request {',
    '  if path == "/first" {',
    '    set_ctx branch "first"',
    '  } else if std.admin.config_verify() == "yes" {',
    '    set_ctx branch "verified"',
    '  } else {',
    '    set_ctx branch "else"',
    '  }',
    '  set_ctx after "1"',
    '}',
  ];

  test('a branch before it is taken synchronously', () => {
    const { b } = controlled();
    const x = new FakeExchange({ path: '/first' });
    expect(instance(source, b).onRequest?.(x)).toBeUndefined();
    expect(ctxEvents(x)).toEqual(['branch=first', 'after=1']);
    expect(b.calls).toEqual([]);
  });

  test.each([
    ['yes', 'verified'],
    ['no', 'else'],
  ])('its condition is awaited (%s → %s), then what follows the if runs once', async (answer, branch) => {
    const { b, pending } = controlled();
    const x = new FakeExchange({ path: '/other' });
    const result = instance(source, b).onRequest?.(x);
    expect(result).toBeInstanceOf(Promise);
    expect(ctxEvents(x)).toEqual([]);
    pending[0]?.resolve(answer);
    await result;
    expect(ctxEvents(x)).toEqual([`branch=${branch}`, 'after=1']);
    expect(b.calls).toEqual([[VERIFY]]);
  });

  test('a rejection of the condition names the else-if line', async () => {
    const b = new FakeBindings({ [VERIFY]: () => Promise.reject(new Error('disk gone')) });
    await expect(instance(source, b).onRequest?.(new FakeExchange())).rejects.toMatchObject({
      code: 'PC_ERR_SCRIPT',
      message: 'mods/t.pcmod:5:5: disk gone',
    });
  });
});

describe('runtime errors on both paths', () => {
  const source = [
    'on_request {',
    '  if path starts_with "/a" {',
    '    set_ctx v std.admin.config_verify()',
    '    set_ctx n "${to_int(query)}"',
    '  }',
    '  set_ctx m "${len(query)}"',
    '}',
  ];
  const boom = (): never => {
    throw new Error('boom');
  };

  test('a throw after the await names its own line, not the awaited one', async () => {
    const b = new FakeBindings({ to_int: boom });
    const x = new FakeExchange({ path: '/a' });
    await expect(instance(source, b).onRequest?.(x)).rejects.toMatchObject({
      code: 'PC_ERR_SCRIPT',
      message: 'mods/t.pcmod:5:5: boom',
      location: { file: 'mods/t.pcmod', line: 5, column: 5 },
    });
  });

  test('a throw in the statements after the if is mapped once, on the async and the sync path', async () => {
    const b = new FakeBindings({ len: boom });
    const failure = { code: 'PC_ERR_SCRIPT', message: 'mods/t.pcmod:7:3: boom' };
    await expect(instance(source, b).onRequest?.(new FakeExchange({ path: '/a' }))).rejects.toMatchObject(
      failure,
    );
    let caught: unknown;
    try {
      instance(source, b).onRequest?.(new FakeExchange({ path: '/b' }));
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject(failure);
    expect((caught as Error).cause).toMatchObject({ message: 'boom' });
  });

  test('a throw before the first await is a rejection of the handler, not a synchronous throw', async () => {
    const b = new FakeBindings({ to_int: boom });
    const lines = [
      'on_request {',
      '  if path == "/a" {',
      '    respond to_int(query) std.admin.config_verify()',
      '  }',
      '}',
    ];
    const result = instance(lines, b).onRequest?.(new FakeExchange({ path: '/a' }));
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toMatchObject({ code: 'PC_ERR_SCRIPT', message: 'mods/t.pcmod:4:5: boom' });
    expect(b.calls).toEqual([['to_int', '']]);
  });
});

describe('a call that always responds', () => {
  const source = [
    'on_request {',
    '  if path == "/local" {',
    '    respond 200 "local"',
    '  }',
    '  std.proxy.forward("${to_int(query)}")',
    '}',
  ];

  test('its promise is the result; a rejection names its line', async () => {
    const b = new FakeBindings({ 'std.proxy.forward': () => Promise.reject(new Error('refused')) });
    const i = instance(source, b);
    expect(i.onRequest?.(new FakeExchange({ path: '/local' }))).toBeUndefined();
    const result = i.onRequest?.(new FakeExchange({ path: '/up', query: '7' }));
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toMatchObject({
      code: 'PC_ERR_SCRIPT',
      message: 'mods/t.pcmod:6:3: refused',
    });
    expect(b.calls).toEqual([
      ['to_int', '7'],
      ['std.proxy.forward', '0'],
    ]);
  });

  test('its promise resolves to undefined once the call has responded', async () => {
    const b = new FakeBindings({
      'std.proxy.forward': async (x: FakeExchange) => {
        x.respond(502, TEXT, 'bad gateway');
        return 'ignored';
      },
    });
    const x = new FakeExchange({ path: '/up' });
    expect(await instance(source, b).onRequest?.(x)).toBeUndefined();
    expect(x.events).toEqual([['respond', 502, TEXT, 'bad gateway']]);
  });

  test('a throw while evaluating its arguments is synchronous and names its line', () => {
    const b = new FakeBindings({
      to_int: () => {
        throw new Error('bad');
      },
    });
    expect(() => instance(source, b).onRequest?.(new FakeExchange({ path: '/up' }))).toThrow(
      expect.objectContaining({ code: 'PC_ERR_SCRIPT', message: 'mods/t.pcmod:6:3: bad' }),
    );
    expect(b.calls).toEqual([['to_int', '']]);
  });
});

describe('generated code', () => {
  test('each continuation is written once, however many branches reach it', () => {
    const body: string[] = [];
    for (let i = 0; i < 12; i++) {
      body.push(`  if path == "/${i}" {`, `    set_ctx k${i} std.admin.config_verify()`, '  }');
      body.push(`  set_ctx after${i} "x"`);
    }
    const result = compile(`mod t\non_request {\n${body.join('\n')}\n}\n`, 't.pcmod');
    const js = result.module?.js ?? '';
    expect(js.match(/^function next\d+\(/gm)).toHaveLength(12);
    expect(js.match(/x\.ctxSet\("after11"/g)).toHaveLength(1);
    expect(js.split('\n').length).toBeLessThan(400);
  });

  test('a handler without async calls has no continuation or promise', () => {
    const js =
      compile(
        'mod t\non_request {\n  if path == "/a" {\n    set_ctx a "1"\n  }\n  set_ctx b "2"\n}\n',
        't.pcmod',
      ).module?.js ?? '';
    expect(js).not.toMatch(/async|await|next\d|guard|Promise/);
  });
});

describe('random programs', () => {
  // Each program runs against its "sync twin", where every async call is replaced by a sync one
  // with the same value and record (straight-line code): the recorded effects must be identical,
  // and a promise must come back exactly when the path made an async call.
  const simple = [
    'set_ctx k std.admin.config_verify()',
    'set_ctx k "s"',
    'set_header "X-P" "${path}"',
    'let v = std.admin.config_verify()',
    'set_header "X-V" "${v}"',
    'respond 200 std.admin.config_verify()',
    'respond 204',
    'pass',
    'std.proxy.forward',
    'log info "l"',
  ];
  const conditions = ['path == "/a"', 'path != "/b"', 'std.admin.config_verify() == "ok"', 'method == "GET"'];
  const statement: fc.Arbitrary<string> = fc.letrec<{ stmt: string }>((tie) => ({
    stmt: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...simple),
      fc
        .tuple(
          fc.array(fc.tuple(fc.constantFrom(...conditions), fc.array(tie('stmt'), { maxLength: 3 })), {
            minLength: 1,
            maxLength: 3,
          }),
          fc.option(fc.array(tie('stmt'), { maxLength: 2 })),
        )
        .map(([branches, otherwise]) => {
          const chain = branches.map(([c, body]) => `if ${c} {\n${body.join('\n')}\n}`).join(' else ');
          return otherwise === null ? chain : `${chain} else {\n${otherwise.join('\n')}\n}`;
        }),
    ),
  })).stmt;

  function twin(text: string): string {
    return text
      .replaceAll('std.admin.config_verify()', 'header("V")')
      .replaceAll('std.proxy.forward', 'log info "FORWARD"\npass');
  }

  function bindings(): FakeBindings {
    const value = (x: FakeExchange) => (x.path === '/a' ? 'ok' : 'no');
    const b = new FakeBindings({
      [VERIFY]: async (x: FakeExchange) => {
        x.events.push(['verify']);
        await new Promise((resolve) => setImmediate(resolve));
        return value(x);
      },
      'std.proxy.forward': async (x: FakeExchange) => {
        x.events.push(['log', 'FORWARD']);
      },
      header: (x: FakeExchange, name) => {
        if (name !== 'V') return '';
        x.events.push(['verify']);
        return value(x);
      },
    });
    return Object.assign(b, {
      log: (_level: string, message: string, _where: unknown, x: FakeExchange) =>
        x.events.push(['log', message]),
    });
  }

  test('behave like their synchronous twins and return a promise only on async paths', async () => {
    let runnable = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(statement, { minLength: 1, maxLength: 6 }), async (stmts) => {
        const text = `mod t\non_request {\n${stmts.join('\n')}\n}\n`;
        const compiled = compile(text, 'gen.pcmod');
        const reference = compile(twin(text), 'gen.pcmod');
        expect(compiled.diagnostics.filter((d) => d.message.startsWith('internal compiler error'))).toEqual(
          [],
        );
        if (!compiled.module || !reference.module) return;
        runnable++;
        const i = compiled.module.instantiate(bindings(), {});
        const r = reference.module.instantiate(bindings(), {});
        for (const [path, method] of [
          ['/a', 'GET'],
          ['/b', 'GET'],
          ['/c', 'POST'],
        ] as const) {
          const x = new FakeExchange({ path, method });
          const y = new FakeExchange({ path, method });
          const result = i.onRequest?.(x);
          expect(r.onRequest?.(y)).toBeUndefined();
          await result;
          expect(x.events).toEqual(y.events);
          const madeAsyncCall = y.events.some((e) => e[0] === 'verify' || e[1] === 'FORWARD');
          expect(result instanceof Promise).toBe(madeAsyncCall);
        }
      }),
      { numRuns: 300 },
    );
    expect(runnable).toBeGreaterThan(50);
  }, 60_000);
});
