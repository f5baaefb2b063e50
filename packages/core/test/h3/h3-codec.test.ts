/**
 * The HTTP/3 codecs against the RFC examples: QUIC varints (RFC 9000 §A.1), the Huffman code (RFC 7541
 * Appendix C.4/C.6), QPACK field sections (RFC 9204 Appendix B.1, static table only), and HTTP/3 frames.
 */
import { describe, expect, it } from 'vitest';
import { decodeSettings, encodeFrame, encodeSettings, FrameReader, H3Error } from '../../src/h3/h3-frames.js';
import { huffmanDecode, huffmanEncode } from '../../src/h3/huffman.js';
import { decodeFieldSection, encodeFieldSection, QPACK_DECOMPRESSION_FAILED } from '../../src/h3/qpack.js';
import { staticTable } from '../../src/h3/qpack-static-table.js';
import { encodeVarInt, readVarInt } from '../../src/h3/varint.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('QUIC varints (RFC 9000 §A.1)', () => {
  it.each([
    ['9d7f3e7d', 494878333],
    ['7bbd', 15293],
    ['25', 37],
    ['4025', 37],
  ])('%s decodes to %d', (h, value) => {
    expect(readVarInt(hex(h), 0)).toEqual({ value, next: h.length / 2 });
  });

  it('encodes in the shortest form and round-trips at each length boundary', () => {
    expect(encodeVarInt(37).toString('hex')).toBe('25');
    expect(encodeVarInt(15293).toString('hex')).toBe('7bbd');
    expect(encodeVarInt(494878333).toString('hex')).toBe('9d7f3e7d');
    for (const v of [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, 2 ** 40])
      expect(readVarInt(encodeVarInt(v), 0)?.value).toBe(v);
  });

  it('reports truncation as undefined', () => {
    expect(readVarInt(hex('9d7f3e'), 0)).toBeUndefined();
    expect(readVarInt(Buffer.alloc(0), 0)).toBeUndefined();
  });
});

describe('Huffman code (RFC 7541 Appendix C)', () => {
  it.each([
    ['www.example.com', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff'],
    ['no-cache', 'a8eb 1064 9cbf'],
    ['custom-key', '25a8 49e9 5ba9 7d7f'],
    ['custom-value', '25a8 49e9 5bb8 e8b4 bf'],
    ['302', '6402'],
    ['private', 'aec3 771a 4b'],
    ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'],
    ['https://www.example.com', '9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'],
  ])('%s', (text, code) => {
    expect(huffmanEncode(Buffer.from(text)).toString('hex')).toBe(hex(code).toString('hex'));
    expect(huffmanDecode(hex(code))?.toString()).toBe(text);
  });

  it('rejects EOS, padding over 7 bits, and padding that is not all ones', () => {
    expect(huffmanDecode(hex('ffffffff'))).toBeUndefined(); // EOS (30 ones) in the data
    expect(huffmanDecode(hex('ff'))).toBeUndefined(); // 8 bits of padding
    expect(huffmanDecode(hex('00'))).toBeUndefined(); // '0' (00000) then padding 000
    expect(huffmanDecode(hex('07'))?.toString()).toBe('0'); // '0' (00000) then padding 111
  });

  it('round-trips every byte value', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(huffmanDecode(huffmanEncode(all))).toEqual(all);
  });
});

describe('QPACK field sections (RFC 9204, zero-capacity dynamic table)', () => {
  it('has the 99 static entries of Appendix A', () => {
    expect(staticTable).toHaveLength(99);
    expect(staticTable[0]).toEqual([':authority', '']);
    expect(staticTable[17]).toEqual([':method', 'GET']);
    expect(staticTable[25]).toEqual([':status', '200']);
    expect(staticTable[98]).toEqual(['x-frame-options', 'sameorigin']);
  });

  it('B.1: literal field line with static name reference', () => {
    const r = decodeFieldSection(hex('0000 510b 2f69 6e64 6578 2e68 746d 6c'), 4096);
    expect(r).toEqual({ ok: true, fields: [[':path', '/index.html']], size: 5 + 11 + 32 });
  });

  it('indexed static lines, literal names and Huffman values decode', () => {
    // :method GET (17), :scheme https (23), literal name "x-a" with Huffman value "no-cache".
    const r = decodeFieldSection(hex('0000 d1 d7 23 782d61 86 a8eb10649cbf'), 4096);
    expect(r.ok && r.fields).toEqual([
      [':method', 'GET'],
      [':scheme', 'https'],
      ['x-a', 'no-cache'],
    ]);
  });

  it('encodes with static references and literals; the decoder reads it back', () => {
    const fields = [
      [':status', '200'],
      ['content-type', 'text/plain; charset=utf-8'],
      ['content-length', '12'],
      ['x-custom', 'Some Value'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ] as const;
    const enc = encodeFieldSection(fields);
    expect(enc.subarray(0, 3).toString('hex')).toBe('0000d9'); // prefix, then :status 200 = static 25
    const dec = decodeFieldSection(enc, 4096);
    expect(dec.ok && dec.fields).toEqual(fields);
  });

  it('rejects dynamic-table use with QPACK_DECOMPRESSION_FAILED', () => {
    for (const bad of ['0281 10', '0000 80', '0000 5f00', '0000 10', '0000 00']) {
      const r = decodeFieldSection(hex(bad), 4096);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.code).toBe(QPACK_DECOMPRESSION_FAILED);
    }
  });

  it('rejects truncated input, bad static indexes and bad Huffman', () => {
    for (const bad of ['', '00', '0000 510b 2f69', '0000 ff7f', '0000 5181 ff']) {
      const r = decodeFieldSection(hex(bad), 4096);
      expect(r.ok).toBe(false);
    }
  });

  it('bounds the decoded size (code 0: answer 431)', () => {
    const enc = encodeFieldSection([['x-big', 'v'.repeat(5000)]]);
    const r = decodeFieldSection(enc, 4096);
    expect(r).toMatchObject({ ok: false, code: 0 });
  });
});

describe('HTTP/3 frames (RFC 9114 §7)', () => {
  it('reads frames split at every byte and streams DATA payloads', () => {
    const wire = Buffer.concat([
      encodeFrame(0x1, Buffer.from('head')),
      encodeFrame(0x0, Buffer.from('hello world')),
      encodeFrame(0x21, Buffer.from('grease')),
    ]);
    const reader = new FrameReader(1024);
    const frames: string[] = [];
    let data = '';
    for (let i = 0; i < wire.length; i++) {
      for (const ev of reader.push(wire.subarray(i, i + 1))) {
        if (ev.kind === 'data') data += ev.chunk.toString();
        else if (ev.kind === 'frame') frames.push(`${ev.type}:${ev.payload.toString()}`);
      }
    }
    expect(frames).toEqual(['1:head', '33:grease']);
    expect(data).toBe('hello world');
    expect(reader.idle).toBe(true);
  });

  it('refuses a non-DATA frame over the limit with H3_EXCESSIVE_LOAD', () => {
    const reader = new FrameReader(16);
    const events = reader.push(encodeFrame(0x1, Buffer.alloc(17)));
    expect(events).toEqual([{ kind: 'error', code: H3Error.EXCESSIVE_LOAD, reason: 'frame of 17 bytes' }]);
  });

  it('SETTINGS round-trip; duplicates and HTTP/2 identifiers are SETTINGS_ERROR', () => {
    const frame = encodeSettings([
      [0x1, 0],
      [0x6, 65536],
    ]);
    const payload = frame.subarray(2);
    const ok = decodeSettings(payload);
    expect(ok.ok && [...ok.settings]).toEqual([
      [1, 0],
      [6, 65536],
    ]);
    expect(decodeSettings(hex('0100 0100'))).toMatchObject({ ok: false, code: H3Error.SETTINGS_ERROR });
    expect(decodeSettings(hex('0200'))).toMatchObject({ ok: false, code: H3Error.SETTINGS_ERROR });
    expect(decodeSettings(hex('01'))).toMatchObject({ ok: false, code: H3Error.FRAME_ERROR });
  });
});
