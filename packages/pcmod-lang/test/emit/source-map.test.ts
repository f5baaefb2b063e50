/**
 * The source map encoder: base64 VLQ, v3 `mappings`, and `originalFor` lookups.
 */
import { describe, expect, test } from 'vitest';
import { encodeMappings, type MappingSegment, PcmodSourceMap } from '../../src/emit/source-map.js';
import { encodeVlq } from '../../src/emit/vlq.js';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Reference decoder for one VLQ group sequence. */
function decodeVlqs(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of text) {
    const digit = BASE64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** Reference decoder for `mappings` back to absolute 1-based segments. */
function decodeMappings(mappings: string): MappingSegment[] {
  const out: MappingSegment[] = [];
  let originalLine = 0;
  let originalColumn = 0;
  mappings.split(';').forEach((line, index) => {
    let generatedColumn = 0;
    for (const segment of line === '' ? [] : line.split(',')) {
      const [col = 0, , lineDelta = 0, colDelta = 0] = decodeVlqs(segment);
      generatedColumn += col;
      originalLine += lineDelta;
      originalColumn += colDelta;
      out.push({
        generatedLine: index + 1,
        generatedColumn,
        originalLine: originalLine + 1,
        originalColumn: originalColumn + 1,
      });
    }
  });
  return out;
}

describe('vlq', () => {
  test.each([
    [0, 'A'],
    [1, 'C'],
    [-1, 'D'],
    [15, 'e'],
    [16, 'gB'],
    [-16, 'hB'],
    [123, '2H'],
    [1000, 'w+B'],
  ])('encodes %i as %s', (n, text) => {
    expect(encodeVlq(n)).toBe(text);
    expect(decodeVlqs(text)).toEqual([n]);
  });
});

describe('source map', () => {
  const segments: MappingSegment[] = [
    { generatedLine: 3, generatedColumn: 4, originalLine: 10, originalColumn: 3 },
    { generatedLine: 3, generatedColumn: 20, originalLine: 10, originalColumn: 15 },
    { generatedLine: 5, generatedColumn: 6, originalLine: 2, originalColumn: 1 },
  ];

  test('mappings decode back to the segments', () => {
    expect(encodeMappings(segments)).toBe(';;IASE,gBAAY;;MARd');
    expect(decodeMappings(encodeMappings(segments))).toEqual(segments);
  });

  test('toJSON is a v3 map naming the .pcmod file', () => {
    expect(new PcmodSourceMap('mods/a.pcmod', segments).toJSON()).toEqual({
      version: 3,
      file: 'mods/a.pcmod.js',
      sources: ['mods/a.pcmod'],
      names: [],
      mappings: ';;IASE,gBAAY;;MARd',
    });
  });

  test('originalFor takes the last mapping at or before the 1-based column', () => {
    const map = new PcmodSourceMap('a.pcmod', segments);
    expect(map.originalFor(3, 5)).toEqual({ file: 'a.pcmod', line: 10, column: 3 });
    expect(map.originalFor(3, 20)).toEqual({ file: 'a.pcmod', line: 10, column: 3 });
    expect(map.originalFor(3, 21)).toEqual({ file: 'a.pcmod', line: 10, column: 15 });
    expect(map.originalFor(3, 99)).toEqual({ file: 'a.pcmod', line: 10, column: 15 });
    expect(map.originalFor(3, 4)).toBeUndefined();
    expect(map.originalFor(4, 1)).toBeUndefined();
  });
});
