import { describe, expect, test } from 'vitest';
import { checkSource, expectOnly, found, rangeOf } from './helpers.js';

describe('header', () => {
  test('PCM2012: a module without mod is reported at 1:1, zero width', () => {
    const src = 'priority 10\n\non_request {\n  pass\n}\n';
    expect(found(src)).toEqual([
      {
        code: 'PCM2012',
        range: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } },
      },
    ]);
  });

  test('PCM2013: a second mod, version or priority header, with the first as related information', () => {
    const src = 'mod a\nversion 1.0\npriority 10\nmod b\nversion 2.0\npriority 20\n';
    const result = checkSource(src);
    expect(result.diagnostics.map((d) => [d.code, d.message, d.range])).toEqual([
      ['PCM2013', "Duplicate 'mod' header.", rangeOf(src, 'mod b')],
      ['PCM2013', "Duplicate 'version' header.", rangeOf(src, 'version 2.0')],
      ['PCM2013', "Duplicate 'priority' header.", rangeOf(src, 'priority 20')],
    ]);
    expect(result.diagnostics[0]?.related?.[0]?.range).toEqual(rangeOf(src, 'mod a'));
    // The first occurrence wins.
    expect(result.header).toMatchObject({ name: 'a', version: '1.0', priority: 10 });
  });

  test('PCM2014: module names are lower-case identifiers', () => {
    const d = expectOnly('mod BadName\n', 'PCM2014', 'BadName');
    expect(d.message).toBe("Invalid module name 'BadName'.");
  });

  test('header defaults: version 0.0.0, priority 100, no overrides', () => {
    expect(checkSource('mod plain\n').header).toEqual({
      name: 'plain',
      version: '0.0.0',
      priority: 100,
      overrides: [],
    });
  });

  test('overrides are collected in order', () => {
    const src = 'mod m\nversion 1.2.3\npriority 75\noverrides health_check\noverrides cache\n';
    expect(checkSource(src).header).toEqual({
      name: 'm',
      version: '1.2.3',
      priority: 75,
      overrides: ['health_check', 'cache'],
    });
  });
});

describe('config', () => {
  const withConfig = (fields: string): string => `mod t\n\nconfig {\n${fields}\n}\n`;

  test('PCM2009: unknown field type', () => {
    const d = expectOnly(withConfig('  ratio float 1'), 'PCM2009', 'float');
    expect(d.message).toBe("Unknown type 'float'.");
  });

  test('PCM2009: list of an unsupported element type', () => {
    const src = withConfig('  flags list<bool> [true]');
    expectOnly(src, 'PCM2009', 'list<bool>');
  });

  test('PCM2010: duplicate field, related to the first declaration', () => {
    const src = withConfig('  limit int 1\n  limit int 2');
    const d = expectOnly(src, 'PCM2010', 'limit', 1);
    expect(d.related).toEqual([
      { message: "'limit' is first declared here.", file: 'test.pcmod', range: rangeOf(src, 'limit', 0) },
    ]);
    expect(checkSource(src).configSchema.find((f) => f.name === 'limit')?.default).toBe(1);
  });

  test('PCM2021: a field without a default', () => {
    expectOnly(withConfig('  limit int'), 'PCM2021', 'limit int');
  });

  test('PCM2008: default of the wrong type', () => {
    const d = expectOnly(withConfig('  retries int "three"'), 'PCM2008', '"three"');
    expect(d.message).toBe("Default of 'retries' must be int, got str.");
  });

  test('PCM2008: a duration is not an int, but an int is a duration and a size', () => {
    expectOnly(withConfig('  n int 30s'), 'PCM2008', '30s');
    expect(found(withConfig('  t duration 30\n  s size 1024'))).toEqual([]);
  });

  test('PCM2008: a list for a scalar and a scalar for a list', () => {
    const src = withConfig('  a str ["x"]\n  b list "x"');
    expect(found(src)).toEqual([
      { code: 'PCM2008', range: rangeOf(src, '["x"]') },
      { code: 'PCM2008', range: rangeOf(src, '"x"', 1) },
    ]);
  });

  test('PCM2027: list elements are typed against the declared element type', () => {
    const src = withConfig('  names list ["a", 2]\n  ports list<int> [80, "443"]');
    const diagnostics = checkSource(src).diagnostics;
    expect(diagnostics.map((d) => [d.code, d.range, d.message])).toEqual([
      ['PCM2027', rangeOf(src, '2'), 'List elements must all be str, got int.'],
      ['PCM2027', rangeOf(src, '"443"'), 'List elements must all be int, got str.'],
    ]);
  });

  test('PCM2029: map keys and values must be strings', () => {
    expectOnly(withConfig('  rules map { "/a" = 1 }'), 'PCM2029', '1');
  });

  test('PCM2028: a default must be a constant', () => {
    const d = expectOnly(withConfig('  a str "x"\n  b str $a'), 'PCM2028', '$a');
    expect(d.message).toBe("Default of 'b' must be a constant value.");
  });

  test('PCM4001: a bare word default for a str field warns with a quote fix and keeps its text', () => {
    const src = withConfig('  name str hello');
    const d = expectOnly(src, 'PCM4001', 'hello');
    expect(d.severity).toBe('warning');
    expect(d.fix).toEqual({
      title: 'Quote as "hello"',
      edits: [{ range: rangeOf(src, 'hello'), newText: '"hello"' }],
    });
    expect(checkSource(src).configSchema.find((f) => f.name === 'name')?.default).toBe('hello');
  });

  test('a bare word default for a non-str field is a type error only', () => {
    expectOnly(withConfig('  n int hello'), 'PCM2008', 'hello');
  });

  test('PCM2022: enabled must be bool (one diagnostic, not two)', () => {
    expectOnly(withConfig('  enabled str "yes"'), 'PCM2022', 'str');
  });

  test('PCM2020: a second config block, at its keyword', () => {
    const src = 'mod t\n\nconfig {\n  a int 1\n}\n\nconfig {\n  b int 2\n}\n';
    expectOnly(src, 'PCM2020', 'config', 1);
    // Fields of every block still count.
    expect(checkSource(src).configSchema.map((f) => f.name)).toEqual(['enabled', 'a', 'b']);
  });

  test('configSchema holds evaluated defaults with their lines', () => {
    const src = withConfig(
      [
        '  enabled bool false',
        '  greeting str "hi"',
        '  retries int -3',
        '  ttl duration 500ms',
        '  limit size 16MiB',
        '  paths list ["/a", "/b"]',
        '  ports list<int> [80, 443]',
        '  rules map { "/old" = "/new", "/v1" = "/v2" }',
      ].join('\n'),
    );
    expect(found(src)).toEqual([]);
    expect(checkSource(src).configSchema).toEqual([
      { name: 'enabled', type: 'bool', default: false, line: 4 },
      { name: 'greeting', type: 'str', default: 'hi', line: 5 },
      { name: 'retries', type: 'int', default: -3, line: 6 },
      { name: 'ttl', type: 'duration', default: 0.5, line: 7 },
      { name: 'limit', type: 'size', default: 16 * 1024 * 1024, line: 8 },
      { name: 'paths', type: 'list<str>', default: ['/a', '/b'], line: 9 },
      { name: 'ports', type: 'list<int>', default: [80, 443], line: 10 },
      {
        name: 'rules',
        type: 'map',
        default: new Map([
          ['/old', '/new'],
          ['/v1', '/v2'],
        ]),
        line: 11,
      },
    ]);
  });

  test('every module has enabled: bool true at line 0 when it does not declare it', () => {
    expect(checkSource('mod t\n').configSchema).toEqual([
      { name: 'enabled', type: 'bool', default: true, line: 0 },
    ]);
    expect(checkSource(withConfig('  a int 1')).configSchema.map((f) => f.name)).toEqual(['enabled', 'a']);
  });
});
