// biome-ignore-all lint/suspicious/noTemplateCurlyInString: pcmod sources and payloads spell ${…} on purpose.
/**
 * Generated code is injection-proof: script strings, header names, ctx keys, config field names,
 * variable names, regex sources and file names that look like JavaScript arrive at the runtime
 * unchanged, as data, and nothing in them executes.
 */
import { afterEach, beforeEach, describe, expect, type MockInstance, test, vi } from 'vitest';
import { compile } from '../../src/compile.js';
import { emit } from '../../src/emit/emit.js';
import { jsString } from '../../src/emit/js-literal.js';
import {
  at,
  binary,
  block,
  call,
  cfg,
  checked,
  ctxRef,
  handler,
  interp,
  ref,
  stmt,
  str,
} from './ast-builder.js';
import { FakeBindings, FakeExchange } from './fakes.js';

const payloads = [
  '"',
  "'",
  '`',
  '\\',
  '${globalThis.pwned = 1}',
  '`; globalThis.pwned = 1; `',
  '*/ globalThis.pwned = 1; /*',
  '// comment',
  'line\nbreak',
  'cr\r\nlf',
  'ls\u2028ps\u2029end',
  '</script><script>globalThis.pwned = 1</script>',
  '<!-- html comment',
  '"); process.exit(1); ("',
  "'); process.exit(1); ('",
  '"; globalThis.pwned = 1; "',
  '}); globalThis.pwned = 1; ({',
  'nul\u0000byte',
  'lone \ud800 surrogate',
  '__proto__',
  'constructor',
];

const g = globalThis as { pwned?: unknown };

let exit: MockInstance<typeof process.exit>;

beforeEach(() => {
  exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
});

// Every test doubles as a check that no payload executed.
afterEach(() => {
  expect(exit).not.toHaveBeenCalled();
  expect(g.pwned).toBeUndefined();
  vi.restoreAllMocks();
  delete g.pwned;
});

describe('injection', () => {
  test.each(payloads)('jsString(%j) evaluates back to the same string', (p) => {
    const literal = jsString(p);
    expect(literal).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(literal).not.toContain('</');
    expect(new Function(`return ${literal};`)()).toBe(p);
  });

  test.each(payloads)('string, header name, header value and ctx key %j stay data', (p) => {
    const module = emit(
      checked([
        handler(
          'on_request',
          stmt.setHeader(str(p), str(p)),
          stmt.removeHeader(str(p)),
          stmt.setCtx(p, str(p)),
          stmt.call(call('lower', [ctxRef(p)])),
          stmt.log('info', interp(p, ctxRef(p), p)),
          stmt.respond(200, interp('[', str(p), ']')),
        ),
      ]),
    );
    const b = new FakeBindings();
    const x = new FakeExchange();
    module.instantiate(b, {}).onRequest?.(x);
    expect(x.events).toEqual([
      ['setHeader', 'on_request', p, p],
      ['removeHeader', 'on_request', p],
      ['ctxSet', p, p],
      ['respond', 200, 'text/plain; charset=utf-8', `[${p}]`],
    ]);
    expect(b.calls).toEqual([['lower', p]]);
    expect(b.logs.map((l) => l.message)).toEqual([p + p + p]);
    expect(module.js).not.toMatch(/[\u2028\u2029]/);
  });

  test.each(payloads)('config field name and value %j stay data', (p) => {
    const module = emit(
      checked(
        [
          handler(
            'on_request',
            stmt.call(call('lower', [cfg(p)])),
            stmt.call(call('lower', [interp('<', cfg(p), '>')])),
          ),
        ],
        [{ name: p, type: 'str', default: p, line: 1 }],
      ),
    );
    const b = new FakeBindings();
    module.instantiate(b, {}).onRequest?.(new FakeExchange());
    module.instantiate(b, { [p]: `${p}!` }).onRequest?.(new FakeExchange());
    expect(b.calls).toEqual([
      ['lower', p],
      ['lower', `<${p}>`],
      ['lower', `${p}!`],
      ['lower', `<${p}!>`],
    ]);
  });

  test.each(payloads)('let name %j is mangled and never reaches the source', (p) => {
    const module = emit(
      checked([handler('on_request', stmt.let(p, str('value')), stmt.respond(200, ref(p)))]),
    );
    const x = new FakeExchange();
    module.instantiate(new FakeBindings(), {}).onRequest?.(x);
    expect(x.events).toEqual([['respond', 200, 'text/plain; charset=utf-8', 'value']]);
    if (p.length > 2) expect(module.js).not.toContain(p);
  });

  test.each(payloads)('regex source %j is compiled as a pattern, literal and from config', (p) => {
    const pattern = `^${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`;
    const module = emit(
      checked(
        [
          handler(
            'on_request',
            stmt.if(binary(ref('path'), 'matches', str(pattern)), block(stmt.setCtx('literal', str('yes')))),
            stmt.if(binary(ref('path'), 'matches', cfg('pattern')), block(stmt.setCtx('config', str('yes')))),
          ),
        ],
        [{ name: 'pattern', type: 'str', default: pattern, line: 1 }],
      ),
    );
    const instance = module.instantiate(new FakeBindings(), {});
    const hit = new FakeExchange({ path: p });
    instance.onRequest?.(hit);
    expect(hit.events).toEqual([
      ['ctxSet', 'literal', 'yes'],
      ['ctxSet', 'config', 'yes'],
    ]);
    const miss = new FakeExchange({ path: `${p}x` });
    instance.onRequest?.(miss);
    expect(miss.events).toEqual([]);
  });

  test.each(payloads)('file name %j reaches log locations and errors unchanged', (p) => {
    const module = emit(
      checked(
        [handler('on_request', stmt.log('warn', str('m'), 3), stmt.call(call('to_int', [str('x')]), 4))],
        [],
        p,
      ),
    );
    const b = new FakeBindings({
      to_int: () => {
        throw new Error('boom');
      },
    });
    expect(() => module.instantiate(b, {}).onRequest?.(new FakeExchange())).toThrow(
      expect.objectContaining({ code: 'PC_ERR_SCRIPT', message: `${p}:4:1: boom` }),
    );
    expect(b.logs).toEqual([{ level: 'warn', message: 'm', where: { file: p, line: 3, column: 1 } }]);
  });

  test('an invalid regex from config fails instantiation with a coded error naming the pattern', () => {
    const module = emit(
      checked(
        [handler('on_request', stmt.if(binary(ref('path'), 'matches', cfg('pattern', at(7, 19))), block()))],
        [{ name: 'pattern', type: 'str', default: '^ok$', line: 1 }],
        'bad.pcmod',
      ),
    );
    expect(() => module.instantiate(new FakeBindings(), { pattern: '"); process.exit(1); ("' })).toThrow(
      expect.objectContaining({
        code: 'PC_ERR_SCRIPT',
        message: expect.stringMatching(/^bad\.pcmod:7:19: Invalid regular expression/),
      }),
    );
  });

  /** A pcmod string literal for `text` (escapes as the lexer defines them). */
  function pcmodString(text: string): string {
    const escapes: Record<string, string> = {
      '\\': '\\\\',
      '"': '\\"',
      '\n': '\\n',
      '\r': '\\r',
      '\t': '\\t',
      $: '\\$',
    };
    return `"${text.replace(/[\\"\n\r\t$]/g, (c) => escapes[c] ?? c)}"`;
  }

  const lexable = payloads.filter((p) => !p.includes('\u0000') && !p.includes('\ud800'));

  test.each(lexable)(
    'through compile: %j in strings, ctx keys, config defaults and regexes stays data',
    (p) => {
      const pattern = `^${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`;
      const text = [
        'mod t',
        'config {',
        `  s str ${pcmodString(p)}`,
        `  pattern str ${pcmodString(pattern)}`,
        '}',
        'on_request {',
        `  set_ctx ${pcmodString(p)} ${pcmodString(p)}`,
        `  set_header "X-V" ${pcmodString(p)}`,
        `  if path matches ${pcmodString(pattern)} && path matches $pattern {`,
        `    log info ${pcmodString(p)}`,
        `    respond 200 "[${pcmodString(p).slice(1, -1)}|$s]"`,
        '  }',
        '}',
        '',
      ].join('\n');
      const result = compile(text, 'inject.pcmod');
      expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const b = new FakeBindings();
      const x = new FakeExchange({ path: p });
      result.module?.instantiate(b, {}).onRequest?.(x);
      expect(x.events).toEqual([
        ['ctxSet', p, p],
        ['setHeader', 'on_request', 'X-V', p],
        ['respond', 200, 'text/plain; charset=utf-8', `[${p}|${p}]`],
      ]);
      expect(b.logs.map((l) => l.message)).toEqual([p]);
    },
  );
});
