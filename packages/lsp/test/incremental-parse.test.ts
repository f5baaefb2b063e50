/**
 * The incremental re-parse behind diagnostics-as-you-type must give exactly the AST a full parse gives,
 * or decline (undefined) so that the caller parses in full.
 */
import { parse } from '@proxycache/pcmod-lang';
import { describe, expect, it } from 'vitest';
import { reparse } from '../src/analysis/incremental-parse.js';

const module = [
  'mod sample', //                                         0
  'version 1.0.0', //                                      1
  '', //                                                   2
  'config {', //                                           3
  '  prefix str "/api/"', //                               4
  '}', //                                                  5
  '', //                                                   6
  'on_request {', //                                       7
  '  # first comment', //                                  8
  '  let who = header("X-Who")', //                        9
  '  if path starts_with $prefix && method == "GET" {', // 10
  '    set_header "X-Branch" "for ${client_ip}"', //       11
  '  } else {', //                                         12
  '    log debug "skipped ${who}"', //                     13
  '  }', //                                                14
  '  set_header "X-Done" "1"', //                          15
  '}', //                                                  16
  '', //                                                   17
  'on_response {', //                                      18
  '  if status >= 500 {', //                               19
  '    set_header "X-Failed" "1"', //                      20
  '  }', //                                                21
  '}', //                                                  22
  '',
].join('\n');

const lines = module.split('\n');
/** `module` with line `line` replaced by `replacement` lines. */
const edit = (line: number, ...replacement: string[]) =>
  [...lines.slice(0, line), ...replacement, ...lines.slice(line + 1)].join('\n');

describe('reparse', () => {
  const previous = parse(module, 'sample.pcmod');

  const cases: Array<[string, string]> = [
    ['a character typed in a string', edit(15, '  set_header "X-Done" "12"')],
    ['a statement added', edit(9, '  let who = header("X-Who")', '  log info "new ${who}"')],
    ['a statement removed', edit(15)],
    ['a line inside an if changed', edit(11, '    set_header "X-Branch" "for ${client_ip} ${path}"')],
    ['a statement added at the end of a handler', edit(15, '  set_header "X-Done" "1"', '  pass')],
    ['a blank line added', edit(15, '  set_header "X-Done" "1"', '')],
    ['a comment added', edit(15, '  # a note', '  set_header "X-Done" "1"')],
    ['the second handler edited', edit(20, '    set_header "X-Failed" "yes"', '    log warn "failed"')],
    ['an interpolation added', edit(13, '    log debug "skipped ${who} at ${path}"')],
  ];
  for (const [name, text] of cases) {
    it(`gives the full parse's AST: ${name}`, () => {
      const incremental = reparse(previous, text);
      expect(incremental).toBeDefined();
      const full = parse(text, 'sample.pcmod');
      expect(full.diagnostics).toEqual([]);
      expect(incremental?.ast).toEqual(full.ast);
      expect(incremental?.diagnostics).toEqual([]);
      expect(incremental?.text).toBe(text);
    });
  }

  const declined: Array<[string, string]> = [
    ['a syntax error in the edited lines', edit(15, '  set_header "X-Done" (')],
    ['an unbalanced brace', edit(12, '  }')],
    ['an edit in a header', edit(1, 'version 1.0.1')],
    ['an edit in the config block', edit(4, '  prefix str "/v2/"')],
    ['an edit on the handler line', edit(7, 'on_request  {')],
  ];
  for (const [name, text] of declined) {
    it(`declines, so that the caller parses in full: ${name}`, () => {
      expect(reparse(previous, text)).toBeUndefined();
    });
  }

  it('never differs from a full parse for one-character edits anywhere in the module', () => {
    let reparsed = 0;
    for (let at = 0; at < module.length; at += 3) {
      for (const text of [
        `${module.slice(0, at)}x${module.slice(at)}`,
        `${module.slice(0, at)}${module.slice(at + 1)}`,
        `${module.slice(0, at)}\n${module.slice(at)}`,
      ]) {
        const incremental = reparse(previous, text);
        if (!incremental) continue;
        reparsed++;
        const full = parse(text, 'sample.pcmod');
        expect({ at, diagnostics: full.diagnostics, ast: full.ast }).toEqual({
          at,
          diagnostics: [],
          ast: incremental.ast,
        });
      }
    }
    expect(reparsed).toBeGreaterThan(100);
  });

  it('declines after a previous parse with diagnostics', () => {
    const broken = parse(edit(15, '  set_header "X-Done" ('), 'sample.pcmod');
    expect(broken.diagnostics.map((d) => d.code)).toEqual(['PCM1001']);
    expect(reparse(broken, module)).toBeUndefined();
  });
});
