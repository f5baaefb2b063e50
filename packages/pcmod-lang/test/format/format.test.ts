// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` is pcmod interpolation syntax in these sources.
import { describe, expect, it } from 'vitest';
import { format } from '../../src/format/format.js';
import { parse } from '../../src/parser/parse.js';
import { shapeOf } from './ast-shape.js';

/** Formats, and checks the two promises every golden case must keep: idempotence and meaning. */
function fmt(input: string): string {
  const result = format(input, 'case.pcmod');
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(format(result.text, 'case.pcmod').text).toBe(result.text);
  expect(shapeOf(parse(result.text, 'case.pcmod').ast)).toEqual(shapeOf(parse(input, 'case.pcmod').ast));
  return result.text;
}

const lines = (...ls: string[]) => `${ls.join('\n')}\n`;

describe('format: layout', () => {
  it('formats the example module of the design brief', () => {
    const input = lines(
      'mod my_module',
      'version 1.0',
      'priority 75',
      'overrides health_check',
      '',
      'config {',
      '  enabled bool true',
      '  greeting str "hello"',
      '  name str hello          # legacy unquoted value: accepted, warns, `pcmod fmt` quotes it',
      '}',
      '',
      'on_request {',
      '  if path == "/hello" {',
      '    set_header "X-Greeting" $greeting',
      '    respond 200 text "Hello, $greeting!"',
      '  }',
      '  if path == /health {    # legacy bare word',
      '    respond 200 json "{}"',
      '  }',
      '  log info "hello world"',
      '  std.proxy.forward       # call without parentheses when it takes no arguments',
      '}',
      '',
      'on_response {',
      '  set_header X-Processed true',
      '}',
    );
    expect(fmt(input)).toBe(
      lines(
        'mod my_module',
        'version 1.0',
        'priority 75',
        'overrides health_check',
        '',
        'config {',
        '  enabled bool true',
        '  greeting str "hello"',
        '  name str "hello" # legacy unquoted value: accepted, warns, `pcmod fmt` quotes it',
        '}',
        '',
        'on_request {',
        '  if path == "/hello" {',
        '    set_header "X-Greeting" $greeting',
        '    respond 200 text "Hello, $greeting!"',
        '  }',
        '  if path == "/health" { # legacy bare word',
        '    respond 200 json "{}"',
        '  }',
        '  log info "hello world"',
        '  std.proxy.forward # call without parentheses when it takes no arguments',
        '}',
        '',
        'on_response {',
        '  set_header "X-Processed" true',
        '}',
      ),
    );
  });

  it('normalises indentation, spacing, else placement and blank lines', () => {
    const input = lines(
      'mod   demo',
      'priority -5',
      'version "1.0-beta"',
      '   config{',
      '\tlimit   int 5',
      '    tags list<int> [1,2 ,3]',
      '}',
      'on_request{',
      'if method=="GET"&&path starts_with "/api"{',
      'pass',
      '}',
      '   else if !(host=="x")||ctx.user!=""{',
      '  respond 404',
      '}else{',
      'log warn "x"',
      '}',
      '',
      '',
      '',
      'let  x=[ "a","b" ]',
      '   let y = -1',
      '}',
      'on_start {',
      '}',
    );
    expect(fmt(input)).toBe(
      lines(
        'mod demo',
        'priority -5',
        'version "1.0-beta"',
        '',
        'config {',
        '  limit int 5',
        '  tags list<int> [1, 2, 3]',
        '}',
        '',
        'on_request {',
        '  if method == "GET" && path starts_with "/api" {',
        '    pass',
        '  } else if !(host == "x") || ctx.user != "" {',
        '    respond 404',
        '  } else {',
        '    log warn "x"',
        '  }',
        '',
        '  let x = ["a", "b"]',
        '  let y = -1',
        '}',
        '',
        'on_start {}',
      ),
    );
  });

  it('moves headers first and keeps sections in source order', () => {
    const input = lines('on_response {', '  pass', '}', 'mod late', 'config {', '  a bool true', '}');
    expect(fmt(input)).toBe(
      lines('mod late', '', 'on_response {', '  pass', '}', '', 'config {', '  a bool true', '}'),
    );
  });

  it('keeps calls without parentheses as written and prints calls with arguments canonically', () => {
    const input = lines(
      'mod demo',
      'on_request {',
      '  std.proxy.forward',
      '  std.cache.check( )',
      '  if std.rate_limit( 10 ,20,client_ip ) {',
      '    std.request_id.inject("X-Request-Id")',
      '  }',
      '}',
    );
    expect(fmt(input)).toBe(
      lines(
        'mod demo',
        '',
        'on_request {',
        '  std.proxy.forward',
        '  std.cache.check()',
        '  if std.rate_limit(10, 20, client_ip) {',
        '    std.request_id.inject("X-Request-Id")',
        '  }',
        '}',
      ),
    );
  });

  it('prints respond with every kind of content type', () => {
    const input = lines(
      'mod demo',
      'on_request {',
      '  respond  204',
      '  respond 200   html "<p>"',
      '  respond 200 "text/css"   "a {}"',
      '  respond 500 "oops"',
      '}',
    );
    expect(fmt(input)).toBe(
      lines(
        'mod demo',
        '',
        'on_request {',
        '  respond 204',
        '  respond 200 html "<p>"',
        '  respond 200 "text/css" "a {}"',
        '  respond 500 "oops"',
        '}',
      ),
    );
  });
});

describe('format: literals', () => {
  it('quotes legacy bare words in every position', () => {
    const input = lines(
      'mod demo',
      'config {',
      '  name str hello',
      '  endpoint str /health',
      '}',
      'on_request {',
      '  if path == /health {',
      '    remove_header X-Secret',
      '  }',
      '}',
      'on_response {',
      '  set_header X-Processed true',
      '}',
    );
    expect(fmt(input)).toBe(
      lines(
        'mod demo',
        '',
        'config {',
        '  name str "hello"',
        '  endpoint str "/health"',
        '}',
        '',
        'on_request {',
        '  if path == "/health" {',
        '    remove_header "X-Secret"',
        '  }',
        '}',
        '',
        'on_response {',
        '  set_header "X-Processed" true',
        '}',
      ),
    );
  });

  it('re-escapes strings canonically', () => {
    const input = lines(
      'mod demo',
      'on_request {',
      '  log info "tab\there \\$x \\$ {y} \\${z} a\\\\b \\"q\\" \\t"',
      '}',
    );
    expect(fmt(input)).toBe(
      lines(
        'mod demo',
        '',
        'on_request {',
        '  log info "tab\\there \\$x $ {y} \\${z} a\\\\b \\"q\\" \\t"',
        '}',
      ),
    );
  });

  it('prints interpolations in their shortest unambiguous form', () => {
    const input = lines(
      'mod demo',
      'on_request {',
      '  log info "${ $greeting }, $greeting${$a}b ${ header( "X" ) } \\$${path}"',
      '}',
    );
    expect(fmt(input)).toBe(
      lines(
        'mod demo',
        '',
        'on_request {',
        '  log info "$greeting, $greeting${$a}b ${header("X")} $${path}"',
        '}',
      ),
    );
  });

  it('keeps short maps on one line and splits long or multi-line ones, one entry per line', () => {
    const long = Array.from({ length: 6 }, (_, i) => `"/old/path/${i}" = "/new/path/${i}"`).join(', ');
    const input = lines(
      'mod demo',
      'config {',
      '  rules map {"/old"="/new" , "/a" = "/b"}',
      '  empty map {}',
      `  long map { ${long} }`,
      '  written map {',
      '    "/x" = "/y", "/z" = "/w"',
      '  }',
      '}',
    );
    expect(fmt(input)).toBe(
      lines(
        'mod demo',
        '',
        'config {',
        '  rules map { "/old" = "/new", "/a" = "/b" }',
        '  empty map {}',
        '  long map {',
        ...Array.from({ length: 6 }, (_, i) => `    "/old/path/${i}" = "/new/path/${i}"`),
        '  }',
        '  written map {',
        '    "/x" = "/y"',
        '    "/z" = "/w"',
        '  }',
        '}',
      ),
    );
  });

  it('splits long, multi-line or commented list defaults one element per line with trailing commas', () => {
    const input = lines(
      'mod demo',
      'config {',
      '  short list ["a","b"]',
      `  long list [${Array.from({ length: 8 }, (_, i) => `"/warm/url/${i}"`).join(', ')}]`,
      '  written list<int> [1,',
      '     2]',
      '  commented list [ "/a" ] # stays on the line',
      '}',
    );
    expect(fmt(input)).toBe(
      lines(
        'mod demo',
        '',
        'config {',
        '  short list ["a", "b"]',
        '  long list [',
        ...Array.from({ length: 8 }, (_, i) => `    "/warm/url/${i}",`),
        '  ]',
        '  written list<int> [',
        '    1,',
        '    2,',
        '  ]',
        '  commented list ["/a"] # stays on the line',
        '}',
      ),
    );
  });

  it('moves a comment out of an expression that is joined onto one line, keeping its text', () => {
    const input = lines(
      'mod demo',
      'on_start {',
      '  std.cache.warm([',
      '    "/a", # first',
      '    "/b"])',
      '  pass',
      '}',
    );
    expect(fmt(input)).toBe(
      lines('mod demo', '', 'on_start {', '  std.cache.warm(["/a", "/b"])', '  # first', '  pass', '}'),
    );
  });

  it('prints quantities, type arguments and versions as written', () => {
    const input = lines(
      'mod demo',
      'version 2.1.3',
      'config {',
      '  t duration 500ms',
      '  s size 16MiB',
      '  l list<str> []',
      '}',
    );
    expect(fmt(input)).toBe(
      lines(
        'mod demo',
        'version 2.1.3',
        '',
        'config {',
        '  t duration 500ms',
        '  s size 16MiB',
        '  l list []',
        '}',
      ),
    );
  });
});

describe('format: comments', () => {
  it('keeps own-line comments above the next node at its indent and trailing comments at line end', () => {
    const input = lines(
      '# File header comment',
      '',
      'mod demo   # trailing on header',
      '# Before config',
      'config {',
      '      # inside config',
      '  a int 1 # after a',
      '',
      '',
      '# before b, after blank lines',
      '  b str "x"',
      '  # at end of config',
      '}',
      'on_request { # after brace',
      '  # first',
      '  pass',
      '      # last',
      '}',
      '# end of file   ',
    );
    expect(fmt(input)).toBe(
      lines(
        '# File header comment',
        '',
        'mod demo # trailing on header',
        '',
        '# Before config',
        'config {',
        '  # inside config',
        '  a int 1 # after a',
        '',
        '  # before b, after blank lines',
        '  b str "x"',
        '  # at end of config',
        '}',
        '',
        'on_request { # after brace',
        '  # first',
        '  pass',
        '  # last',
        '}',
        '# end of file',
      ),
    );
  });

  it('keeps comments around else branches and inside nested blocks', () => {
    const input = lines(
      'mod demo',
      'on_request {',
      '  if a { # on if',
      '    # in if',
      '    pass',
      '  } else if b { # on else if',
      '  pass',
      '  # end of else-if',
      '  } else {',
      '    pass # in else',
      '  } # after if',
      '}',
    );
    expect(fmt(input)).toBe(
      lines(
        'mod demo',
        '',
        'on_request {',
        '  if a { # on if',
        '    # in if',
        '    pass',
        '  } else if b { # on else if',
        '    pass',
        '    # end of else-if',
        '  } else {',
        '    pass # in else',
        '  } # after if',
        '}',
      ),
    );
  });

  it('keeps comments inside an empty block and inside multi-line maps', () => {
    const input = lines(
      'mod demo',
      'config {',
      '  rules map {',
      '    # first rule',
      '    "/a" = "/b" # trailing',
      '    "/c" = "/d"',
      '  }',
      '}',
      'on_start {',
      '  # nothing yet',
      '}',
    );
    expect(fmt(input)).toBe(
      lines(
        'mod demo',
        '',
        'config {',
        '  rules map {',
        '    # first rule',
        '    "/a" = "/b" # trailing',
        '    "/c" = "/d"',
        '  }',
        '}',
        '',
        'on_start {',
        '  # nothing yet',
        '}',
      ),
    );
  });

  it('expands a one-line block and keeps a comment that ends it', () => {
    const input = lines('mod demo', 'on_request {', '  if a { pass } # done', '}');
    expect(fmt(input)).toBe(lines('mod demo', '', 'on_request {', '  if a {', '    pass', '  } # done', '}'));
  });
});

describe('format: results', () => {
  it('returns the text unchanged with the diagnostics when it has syntax errors', () => {
    const input = lines('mod demo', 'on_request {', '  if path == {', '    pass', '}');
    const result = format(input, 'broken.pcmod');
    expect(result.text).toBe(input);
    expect(result.changed).toBe(false);
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics.every((d) => d.code.startsWith('PCM1') && d.file === 'broken.pcmod')).toBe(
      true,
    );
  });

  it('reports changed only when the text differs', () => {
    const canonical = lines('mod demo', '', 'on_request {', '  pass', '}');
    expect(format(canonical, 'a.pcmod')).toEqual({ text: canonical, changed: false, diagnostics: [] });
    expect(format(canonical.replace('  pass', '    pass'), 'a.pcmod').changed).toBe(true);
  });

  it('turns CRLF line endings into LF', () => {
    expect(fmt('mod demo\r\non_request {\r\n  pass\r\n}\r\n')).toBe(
      lines('mod demo', '', 'on_request {', '  pass', '}'),
    );
  });

  it('formats an empty file and a comment-only file', () => {
    expect(fmt('')).toBe('');
    expect(fmt('\n\n# only a comment\n\n')).toBe('# only a comment\n');
  });
});
