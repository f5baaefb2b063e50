import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Range } from '../../src/ast/nodes.js';
import { createDiagnostic } from '../../src/diagnostics/diagnostic.js';
import { renderDiagnostic, renderJson, shouldUseColor } from '../../src/diagnostics/render.js';

const source = ['mod demo', 'on_request {', '  if path == /health {', '    pass', '  }', '}', ''].join('\n');

function range(line: number, column: number, endLine: number, endColumn: number): Range {
  const offsetOf = (l: number, c: number) =>
    source
      .split('\n')
      .slice(0, l - 1)
      .reduce((n, s) => n + s.length + 1, 0) +
    c -
    1;
  return {
    start: { line, column, offset: offsetOf(line, column) },
    end: { line: endLine, column: endColumn, offset: offsetOf(endLine, endColumn) },
  };
}

describe('renderDiagnostic', () => {
  it('prints the heading, the source line and a caret/tilde underline of the range', () => {
    const d = createDiagnostic('PCM2001', 'mods/demo.pcmod', range(3, 6, 3, 10), ['path']);
    expect(renderDiagnostic(d, source)).toBe(
      [
        "mods/demo.pcmod:3:6 - error PCM2001: Unknown name 'path'.",
        '  3 |   if path == /health {',
        '    |      ^~~~',
      ].join('\n'),
    );
  });

  it('prints the fix title under the excerpt', () => {
    const r = range(3, 14, 3, 21);
    const d = createDiagnostic('PCM4001', 'demo.pcmod', r, ['/health'], {
      fix: { title: 'Quote the value', edits: [{ range: r, newText: '"/health"' }] },
    });
    expect(renderDiagnostic(d, source)).toBe(
      [
        "demo.pcmod:3:14 - warning PCM4001: Legacy unquoted value '/health'; quote it.",
        '  3 |   if path == /health {',
        '    |              ^~~~~~~',
        '  fix: Quote the value',
      ].join('\n'),
    );
  });

  it('underlines a multi-line range to the end of its first line', () => {
    const d = createDiagnostic('PCM4003', 'demo.pcmod', range(2, 1, 6, 2), ['on_request']);
    expect(renderDiagnostic(d, source)).toBe(
      [
        'demo.pcmod:2:1 - warning PCM4003: Empty on_request block.',
        '  2 | on_request {',
        '    | ^~~~~~~~~~~~',
      ].join('\n'),
    );
  });

  it('puts a single caret under an empty range at the end of a line', () => {
    const d = createDiagnostic('PCM1001', 'demo.pcmod', range(1, 9, 1, 9), ["Expected '{'."]);
    expect(renderDiagnostic(d, source)).toBe(
      ["demo.pcmod:1:9 - error PCM1001: Expected '{'.", '  1 | mod demo', '    |         ^'].join('\n'),
    );
  });

  it('keeps tabs in the padding so the underline lines up', () => {
    const text = '\tlog info x\n';
    const d = createDiagnostic(
      'PCM2001',
      'demo.pcmod',
      {
        start: { line: 1, column: 11, offset: 10 },
        end: { line: 1, column: 12, offset: 11 },
      },
      ['x'],
    );
    expect(renderDiagnostic(d, text).split('\n')[2]).toBe('    | \t         ^');
  });

  it('prints only the heading when the line is not in the text', () => {
    const d = createDiagnostic('PCM2012', 'demo.pcmod', range(40, 1, 40, 1));
    expect(renderDiagnostic(d, source)).toBe("demo.pcmod:40:1 - error PCM2012: Missing 'mod NAME' header.");
  });

  it('colours severity, location and underline when asked', () => {
    const d = createDiagnostic('PCM2001', 'demo.pcmod', range(3, 6, 3, 10), ['path']);
    const coloured = renderDiagnostic(d, source, { color: true });
    expect(coloured).toContain('\u001b[31merror\u001b[0m');
    expect(coloured).toContain('\u001b[31m^~~~\u001b[0m');
    expect(stripVTControlCharacters(coloured)).toBe(renderDiagnostic(d, source));
  });
});

describe('renderJson', () => {
  it('emits the diagnostic objects with a stable key order, whatever order they were built in', () => {
    const r = range(3, 14, 3, 21);
    const built = createDiagnostic('PCM4001', 'demo.pcmod', r, ['/health'], {
      fix: { title: 'Quote the value', edits: [{ newText: '"/health"', range: r } as never] },
    });
    const shuffled = {
      fix: built.fix,
      range: built.range,
      file: built.file,
      message: built.message,
      severity: built.severity,
      code: built.code,
    };
    const json = renderJson([shuffled]);
    expect(json).toBe(renderJson([built]));
    const parsed = JSON.parse(json) as Array<Record<string, unknown>>;
    expect(Object.keys(parsed[0] ?? {})).toEqual(['code', 'severity', 'message', 'file', 'range', 'fix']);
    expect(parsed[0]).toEqual({
      code: 'PCM4001',
      severity: 'warning',
      message: "Legacy unquoted value '/health'; quote it.",
      file: 'demo.pcmod',
      range: { start: { line: 3, column: 14, offset: 35 }, end: { line: 3, column: 21, offset: 42 } },
      fix: { title: 'Quote the value', edits: [{ range: r, newText: '"/health"' }] },
    });
  });

  it('renders an empty list as an empty array', () => {
    expect(JSON.parse(renderJson([]))).toEqual([]);
  });
});

describe('shouldUseColor', () => {
  it('colours a TTY unless NO_COLOR is set to a non-empty value', () => {
    expect(shouldUseColor({ isTTY: true }, {})).toBe(true);
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(shouldUseColor({ isTTY: false }, {})).toBe(false);
    expect(shouldUseColor({}, {})).toBe(false);
  });
});
