import { expect, describe as group, it } from 'vitest';
import { parse } from '../../src/parser/parse.js';
import { at, diagnosticsOf } from './helpers.js';

/** `mod m` + `on_request { LINE }`: LINE is line 3 and starts at column 3. */
function inHandler(line: string): string[] {
  return diagnosticsOf(`mod m\non_request {\n  ${line}\n}\n`);
}

group('lexical diagnostics', () => {
  it('PCM1002: an unterminated string ends at the line end and parsing continues', () => {
    const result = parse('mod m\non_request {\n  respond 200 "abc\n  pass\n}\n', 'f.pcmod');
    expect(result.diagnostics.map((d) => `${d.code} ${at(d.range)}`)).toEqual(['PCM1002 3:15-3:19']);
    const statements = result.ast.handlers[0]!.body.statements;
    expect(statements.map((s) => s.kind)).toEqual(['Respond', 'Pass']);
    expect(statements[0]!.kind === 'Respond' && statements[0]!.body).toMatchObject({
      kind: 'StringLiteral',
      value: 'abc',
    });
  });

  it('PCM1003: a character that starts no token', () => {
    expect(inHandler('respond 200 @ "x"')).toEqual(["PCM1003 3:15-3:16 Unexpected character '@'."]);
    expect(inHandler('respond 200 "x" ~~~')).toEqual(["PCM1003 3:19-3:22 Unexpected character '~'."]);
  });

  it('PCM1004: an unknown escape', () => {
    expect(inHandler('respond 200 "a\\qb"')).toEqual([
      "PCM1004 3:17-3:19 Invalid escape sequence '\\q' in string.",
    ]);
  });

  it('PCM1005: empty, unterminated or invalid interpolations', () => {
    expect(inHandler('respond 200 "a ${} b"')).toEqual([
      "PCM1005 3:18-3:21 Invalid interpolation: '${}' is empty.",
    ]);
    expect(inHandler('respond 200 "a ${x"')).toEqual([
      "PCM1005 3:18-3:21 Invalid interpolation: '${' is not closed by '}'.",
    ]);
    expect(inHandler('respond 200 "a ${x == } b"')).toEqual([
      "PCM1005 3:22-3:24 Invalid interpolation: Expected an expression after '=='",
    ]);
    expect(inHandler('respond 200 "a ${x y} b"')).toEqual([
      "PCM1005 3:22-3:23 Invalid interpolation: Unexpected 'y'",
    ]);
  });

  it('PCM1006: an integer beyond MAX_SAFE_INTEGER', () => {
    expect(inHandler('respond 99999999999999999999')).toEqual([
      "PCM1006 3:11-3:31 Integer literal '99999999999999999999' is out of range.",
    ]);
    expect(inHandler(`respond ${Number.MAX_SAFE_INTEGER}`)).toEqual([]);
  });

  it('PCM1007: an unknown unit, ranged on the unit', () => {
    expect(diagnosticsOf('mod m\nconfig {\n  t duration 5parsecs\n}\n')).toEqual([
      "PCM1007 3:15-3:22 Unknown unit 'parsecs' in quantity literal.",
    ]);
  });
});

group('syntax diagnostics (PCM1001)', () => {
  it('names what is missing', () => {
    expect(inHandler('if path == {\n  }')).toEqual(["PCM1001 3:14-3:15 Expected an expression after '=='"]);
    expect(inHandler('respond')).toEqual(["PCM1001 3:3-3:10 Expected an expression after 'respond'"]);
    expect(inHandler('let x 1')).toEqual(["PCM1001 3:9-3:10 Expected '=' after the variable name"]);
    expect(inHandler('log "m"')).toEqual([
      "PCM1001 3:7-3:10 Expected a log level after 'log' (debug, info, warn or error)",
    ]);
    expect(inHandler('respond 200 (1')).toEqual(["PCM1001 3:16-3:17 Expected ')' to close '('"]);
    expect(inHandler('std.x(1, 2')).toEqual([
      "PCM1001 3:12-3:13 Expected ')' to close the arguments of 'std.x'",
    ]);
    expect(inHandler('respond 200 [1')).toEqual(["PCM1001 3:16-3:17 Expected ']' to close the list"]);
    expect(inHandler('if a == b == c {\n  }')).toEqual([
      "PCM1001 3:13-3:15 Comparison operators cannot be chained; add parentheses before '=='",
    ]);
    expect(inHandler('respond 200 text "a" extra words')).toEqual([
      "PCM1001 3:24-3:29 Unexpected 'extra'; expected end of line",
    ]);
    expect(inHandler('iff path == "/x" {\n    pass\n  }')).toEqual([
      "PCM1001 3:3-3:6 Unknown statement 'iff'",
    ]);
    expect(diagnosticsOf('mod\n')).toEqual(["PCM1001 1:1-1:4 Expected a module name after 'mod'"]);
    expect(diagnosticsOf('mod m\nconfig {\n  a\n}\n')).toEqual([
      'PCM1001 3:3-3:4 Expected a type (bool, int, str, duration, size, list or map)',
    ]);
    expect(diagnosticsOf('}\n')).toEqual([
      "PCM1001 1:1-1:2 Unexpected '}'; expected a header (mod, version, priority, overrides), config block or handler",
    ]);
  });

  it("reports a missing '}' once, naming the block, with the opening brace as related information", () => {
    const result = parse('mod m\non_request {\n  pass\n\non_response {\n  pass\n}\n', 'f.pcmod');
    expect(result.diagnostics.map((d) => `${d.code} ${at(d.range)} ${d.message}`)).toEqual([
      "PCM1001 5:1-5:12 Expected '}' to close on_request block",
    ]);
    expect(result.diagnostics[0]!.related?.map((r) => [r.message, at(r.range)])).toEqual([
      ['on_request block opened here', '2:12-2:13'],
    ]);
    expect(result.ast.handlers.map((h) => h.event)).toEqual(['on_request', 'on_response']);
    expect(diagnosticsOf('mod m\non_request {\n  pass\n')).toEqual([
      "PCM1001 3:3-3:7 Expected '}' to close on_request block",
    ]);
  });

  it('recovers from one typo in the middle with exactly one diagnostic', () => {
    const source = [
      'mod m',
      'config {',
      '  a int 1',
      '  b int = 2',
      '  c int 3',
      '}',
      'on_request {',
      '  let x = 1',
      '  set_header "X" = "y"',
      '  if x == 1 {',
      '    respond 200 text "one"',
      '  }',
      '}',
      'on_response {',
      '  set_header "X-Done" "yes"',
      '}',
      '',
    ].join('\n');
    const withTypo = (line: number, text: string) =>
      source
        .split('\n')
        .map((l, i) => (i === line - 1 ? text : l))
        .join('\n');
    const result = parse(source, 'f.pcmod');
    expect(result.diagnostics.map((d) => `${d.code} ${at(d.range)}`)).toEqual([
      'PCM1001 4:9-4:10',
      'PCM1001 9:18-9:19',
    ]);
    expect(result.ast.configs[0]!.fields.map((f) => f.name.name)).toEqual(['a', 'b', 'c']);
    for (const [line, typo] of [
      [8, '  let x == 1'],
      [8, '  lett x = 1'],
      [10, '  if x = 1 {'],
      [10, '  if x == ) {'],
      [11, '    respond 200 text "one'],
      [11, '    respond 200 text ("one"'],
      [12, '  }}'],
    ] as const) {
      const broken = parse(
        withTypo(line, typo).replace('  b int = 2', '  b int 2').replace('"X" = "y"', '"X" "y"'),
        'f.pcmod',
      );
      expect(broken.diagnostics, typo).toHaveLength(1);
      expect(
        broken.ast.handlers.map((h) => h.event),
        typo,
      ).toEqual(['on_request', 'on_response']);
      expect(
        broken.ast.handlers[1]!.body.statements.map((s) => s.kind),
        typo,
      ).toEqual(['SetHeader']);
    }
  });

  it('anchors errors at the end of input to the last real token', () => {
    expect(diagnosticsOf('mod m\non_request {\n  respond 200 (')).toEqual([
      "PCM1001 3:15-3:16 Expected an expression after '('",
    ]);
  });
});
