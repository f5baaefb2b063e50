import fc from 'fast-check';
import { stringify } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { scanTomlPositions } from '../../src/config/toml-positions.js';

describe('scanTomlPositions', () => {
  it('positions headers, dotted and quoted keys, inline tables and array tables', () => {
    const text = [
      '# comment [not.a.table]',
      '[server]',
      'listen_addr = "127.0.0.1:3000" # trailing',
      '  "quoted.key" = \'v\'',
      'a.b.c = [1,',
      '  2, { x = 1 }, """',
      '[fake]',
      'y = 2',
      '"""]',
      '[url_rewriter]',
      'rules = { "/old" = "/new", b = { c = 1 } }',
      '[[arr.t]]',
      'k = 1',
      '[[arr.t]]',
      'k = 2',
    ].join('\r\n');
    const p = scanTomlPositions(text);
    expect(p.get(['server'])).toEqual({ key: { line: 2, column: 1 }, value: { line: 2, column: 1 } });
    expect(p.get(['server', 'listen_addr'])).toEqual({
      key: { line: 3, column: 1 },
      value: { line: 3, column: 15 },
    });
    expect(p.get(['server', 'quoted.key'])).toEqual({
      key: { line: 4, column: 3 },
      value: { line: 4, column: 18 },
    });
    expect(p.get(['server', 'a'])?.key).toEqual({ line: 5, column: 1 });
    expect(p.get(['server', 'a', 'b', 'c'])?.value).toEqual({ line: 5, column: 9 });
    expect(p.get(['fake'])).toBeUndefined();
    expect(p.get(['server', 'y'])).toBeUndefined();
    expect(p.get(['url_rewriter', 'rules', '/old'])).toEqual({
      key: { line: 11, column: 11 },
      value: { line: 11, column: 20 },
    });
    expect(p.get(['url_rewriter', 'rules', 'b', 'c'])?.key).toEqual({ line: 11, column: 34 });
    expect(p.get(['arr', 't', '1', 'k'])?.key).toEqual({ line: 15, column: 1 });
    expect(p.find(['server', 'missing'])?.key).toEqual({ line: 2, column: 1 });
  });

  it('finds every key smol-toml writes, wherever the document puts it', () => {
    const key = fc.oneof(
      fc.stringMatching(/^[a-z_][a-z0-9_-]{0,8}$/),
      fc.string({ minLength: 1, maxLength: 6 }),
    );
    const scalar = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.boolean(),
      fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 3 }),
    );
    const table = fc.dictionary(key, scalar, { maxKeys: 4 });
    const doc = fc.dictionary(key, fc.oneof(scalar, table, fc.dictionary(key, table, { maxKeys: 2 })), {
      maxKeys: 5,
    });
    fc.assert(
      fc.property(doc, (d) => {
        let text: string;
        try {
          text = stringify(d);
        } catch {
          return; // mixed-type arrays etc. that smol-toml refuses to write
        }
        const positions = scanTomlPositions(text);
        const lines = text.split('\n');
        const walk = (obj: Record<string, unknown>, path: string[]): void => {
          for (const [k, v] of Object.entries(obj)) {
            const at = positions.get([...path, k]);
            expect(at, JSON.stringify([...path, k])).toBeDefined();
            if (at && typeof v !== 'object') {
              const line = lines[at.key.line - 1] ?? '';
              expect(line.length).toBeGreaterThanOrEqual(at.key.column - 1);
            }
            if (v && typeof v === 'object' && !Array.isArray(v))
              walk(v as Record<string, unknown>, [...path, k]);
          }
        };
        walk(d, []);
      }),
      { numRuns: 300 },
    );
  });
});
