import { expect, describe as group, it } from 'vitest';
import { parse } from '../../src/parser/parse.js';
import { at, diagnosticsOf } from './helpers.js';

const handler =
  'on_request {\n  if path == "/x" && method == "GET" {\n    set_header "X-A" "v ${ctx.a} $b"\n    respond 200 text "hello"\n  } else {\n    std.proxy.forward\n  }\n}\n';

group('limits', () => {
  it('accepts 10,000 lines and parses them quickly', () => {
    const text = `mod big\n${handler.repeat(1249)}${'# pad\n'.repeat(10_000 - 1 - 1249 * 8)}`;
    expect(text.split('\n').length - 1).toBe(10_000);
    const started = performance.now();
    const result = parse(text, 'big.pcmod');
    const elapsed = performance.now() - started;
    expect(result.diagnostics).toEqual([]);
    expect(result.ast.handlers).toHaveLength(1249);
    // No timing assertion (shared CI machines); the number is printed for whoever looks.
    console.info(`parsed 10,000 lines in ${elapsed.toFixed(0)} ms`);
  });

  it('PCM1010: more than 10,000 lines is reported on the first extra line and the rest is not parsed', () => {
    const text = `mod big\n${'\n'.repeat(9_999)}on_request {\n  pass\n}\n`;
    const result = parse(text, 'big.pcmod');
    expect(result.diagnostics.map((d) => `${d.code} ${at(d.range)} ${d.message}`)).toEqual([
      'PCM1010 10001:1-10001:13 Script has 10003 lines; the limit is 10000.',
    ]);
    expect(result.ast.headers).toHaveLength(1);
    expect(result.ast.handlers).toEqual([]);
    expect(at(result.ast.range)).toBe('1:1-10004:1');
  });

  it('PCM1011: nesting deeper than 64 is reported at the first token beyond the limit', () => {
    const deep = `${'('.repeat(70)}1${')'.repeat(70)}`;
    expect(diagnosticsOf(`mod m\non_request {\n  respond 200 ${deep}\n}\n`)).toEqual([
      'PCM1011 3:78-3:79 Nesting is 71 levels deep; the limit is 64.',
    ]);
    const nestedIfs = `mod m\non_request {\n${'if a {\n'.repeat(70)}${'}\n'.repeat(70)}}\n`;
    expect(diagnosticsOf(nestedIfs)).toEqual([
      'PCM1011 66:6-66:7 Nesting is 71 levels deep; the limit is 64.',
    ]);
    expect(diagnosticsOf(`mod m\non_request {\n  respond 200 ${'!'.repeat(70)}true\n}\n`)).toEqual([
      'PCM1011 3:78-3:79 Nesting is 71 levels deep; the limit is 64.',
    ]);
    const inside = `mod m\non_request {\n  respond 200 "\${${'('.repeat(70)}1${')'.repeat(70)}}"\n}\n`;
    expect(diagnosticsOf(inside)).toEqual(['PCM1011 3:81-3:82 Nesting is 71 levels deep; the limit is 64.']);
    // The lines before the violation still parse.
    const result = parse(`mod m\non_start {\n  pass\n}\non_request {\n  respond 200 ${deep}\n}\n`, 'f');
    expect(result.ast.handlers.map((h) => [h.event, h.body.statements.length])).toEqual([
      ['on_start', 1],
      ['on_request', 0],
    ]);
  });

  it('never throws on pathological input', () => {
    const inputs = [
      `on_request {\n  respond 200 ${'('.repeat(100_000)}1${')'.repeat(100_000)}\n}\n`,
      `on_request {\n  respond 200 ${'!'.repeat(100_000)}true\n}\n`,
      '{'.repeat(100_000),
      '['.repeat(100_000),
      `on_request {\n  respond 200 "${'${"'.repeat(20_000)}"\n}\n`,
      `on_request {\n  respond 200 ${'"${"}'.repeat(20_000)}\n}\n`,
      `on_request {\n  log info ${'"a" '.repeat(50_000)}\n}\n`,
      `on_request {\n  if ${'a == 1 || '.repeat(5_000)}b { pass }\n}\n`,
      '@#%^&*~`'.repeat(5_000),
      '"'.repeat(50_000),
      '\\'.repeat(1000),
      '',
      '\n\n\n',
      '\r\r\r',
      'mod',
      '}',
    ];
    for (const input of inputs) {
      const result = parse(input, 'evil.pcmod');
      expect(result.ast.kind).toBe('Module');
      expect(result.diagnostics.every((d) => !d.message.startsWith('Internal parser error'))).toBe(true);
    }
  });
});
