// biome-ignore-all lint/suspicious/noTemplateCurlyInString: pcmod sources and payloads spell ${…} on purpose.
/**
 * `compile` never throws: a failure inside a phase becomes one PCM1001 "internal compiler error"
 * diagnostic, and arbitrary input yields diagnostics or a module, never an exception.
 */
import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import { compile } from '../../src/compile.js';
import { FakeBindings, FakeExchange } from './fakes.js';

const failEmit = vi.hoisted(() => ({ on: false }));

vi.mock('../../src/emit/emit.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/emit/emit.js')>();
  return {
    ...original,
    emit: (...args: Parameters<typeof original.emit>) => {
      if (failEmit.on) throw new Error('emitter exploded');
      return original.emit(...args);
    },
  };
});

describe('compile never throws', () => {
  test('an exception inside the compiler becomes PCM1001 at the start of the file', () => {
    failEmit.on = true;
    try {
      const result = compile('mod t\non_request {\n  pass\n}\n', 'x.pcmod');
      expect(result.module).toBeUndefined();
      expect(result.diagnostics).toEqual([
        {
          code: 'PCM1001',
          severity: 'error',
          message: 'internal compiler error: emitter exploded',
          file: 'x.pcmod',
          range: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } },
        },
      ]);
    } finally {
      failEmit.on = false;
    }
  });

  const pieces = [
    'mod t\n',
    'on_request {\n',
    'on_response {\n',
    'on_start {\n',
    'config {\n',
    '}\n',
    'if ',
    'else ',
    '{',
    '}',
    'respond 200 ',
    'json ',
    '"x" ',
    '"${path}" ',
    '"$f" ',
    'set_header ',
    'set_ctx k ',
    'let a = ',
    'a ',
    'log info ',
    'pass\n',
    'std.proxy.forward\n',
    'std.cache.check()\n',
    'header("X") ',
    'path ',
    '== ',
    'matches ',
    '"[" ',
    'in ',
    '["a", "b"] ',
    '&& ',
    '!',
    '(',
    ')',
    'f str "v"\n',
    'n int 3\n',
    '$f ',
    '$n ',
    'ctx.k ',
    '30s ',
    '\n',
  ];

  test('token soup compiles to diagnostics or a runnable module without an internal error', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const result = compile(parts.join(''), 'soup.pcmod');
        expect(result.diagnostics.filter((d) => d.message.startsWith('internal compiler error'))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  const simple = [
    'set_header "X-A" "${path}|$n|$list"',
    'remove_header "Server"',
    'set_ctx k "v"',
    'log info "m ${ctx.k} ${len(path)}"',
    'std.cache.check()',
    'let v = lower(path)',
    'respond 200 json "{}"',
    'pass',
    'std.proxy.forward',
  ];
  const conditions = [
    'path == "/a"',
    'path matches "^/x" && method in ["GET"]',
    '!(query contains "q") || $n > 2',
    'path in $list',
  ];
  const statement: fc.Arbitrary<string> = fc.letrec<{ stmt: string }>((tie) => ({
    stmt: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...simple),
      fc
        .tuple(
          fc.constantFrom(...conditions),
          fc.array(tie('stmt'), { maxLength: 3 }),
          fc.array(tie('stmt'), { maxLength: 2 }),
        )
        .map(([c, a, b]) => `if ${c} {\n${a.join('\n')}\n} else {\n${b.join('\n')}\n}`),
    ),
  })).stmt;

  test('generated programs compile, and their handlers run without throwing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(statement, { maxLength: 8 }), async (stmts) => {
        const text = `mod t\nconfig {\n  n int 3\n  list list ["/a"]\n}\non_request {\n${stmts.join('\n')}\n}\n`;
        const result = compile(text, 'gen.pcmod');
        expect(result.diagnostics.filter((d) => d.message.startsWith('internal compiler error'))).toEqual([]);
        if (!result.module) return;
        const i = result.module.instantiate(new FakeBindings(), {});
        for (const path of ['/a', '/x', '/b']) await i.onRequest?.(new FakeExchange({ path }));
      }),
      { numRuns: 200 },
    );
  });
});
