import fc from 'fast-check';
import { expect, it } from 'vitest';
import { parse } from '../../src/parser/parse.js';
import { designExample } from './fixtures.js';

/** Characters that matter to the lexer, so random strings hit interesting paths often. */
const pcmodChar = fc.constantFrom(
  ...'{}()[]"$\\#\n\r =!<>&|-,.:/0123456789abcdefghijklmnopqrstuvwxyzKMGiBs_@'.split(''),
);

function assertWellFormed(text: string): void {
  const result = parse(text, 'fuzz.pcmod');
  expect(result.ast.kind).toBe('Module');
  for (const d of result.diagnostics) {
    expect(d.code.startsWith('PCM1')).toBe(true);
    expect(d.message.startsWith('Internal parser error')).toBe(false);
    expect(Number.isFinite(d.range.start.offset) && Number.isFinite(d.range.end.offset)).toBe(true);
    expect(d.range.start.offset <= d.range.end.offset).toBe(true);
    expect(d.range.end.offset <= text.length).toBe(true);
  }
}

it('never throws and always terminates on random strings', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: pcmodChar, maxLength: 300 })),
      (text) => assertWellFormed(text),
    ),
    { numRuns: 400 },
  );
});

it('never throws on mutated valid modules', () => {
  const mutation = fc.record({
    at: fc.nat({ max: designExample.length }),
    remove: fc.nat({ max: 8 }),
    insert: fc.string({ unit: pcmodChar, maxLength: 8 }),
  });
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
      let text = designExample;
      for (const m of mutations) text = text.slice(0, m.at) + m.insert + text.slice(m.at + m.remove);
      assertWellFormed(text);
    }),
    { numRuns: 400 },
  );
});
