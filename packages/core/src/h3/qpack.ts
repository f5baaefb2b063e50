/**
 * QPACK field sections (RFC 9204) with a zero-capacity dynamic table: the server advertises
 * SETTINGS_QPACK_MAX_TABLE_CAPACITY = 0 and SETTINGS_QPACK_BLOCKED_STREAMS = 0, so a peer may only use
 * the static table and literals. Decoding validates every representation, bounds the decoded size, and
 * reports a dynamic-table reference as QPACK_DECOMPRESSION_FAILED. Encoding uses static references and
 * literals (Huffman-coded when that is shorter), never the dynamic table.
 */
import { huffmanDecode, huffmanEncode, huffmanLength } from './huffman.js';
import { staticExact, staticName, staticTable } from './qpack-static-table.js';

/** RFC 9204 §6 error codes. */
export const QPACK_DECOMPRESSION_FAILED = 0x200;
export const QPACK_ENCODER_STREAM_ERROR = 0x201;
export const QPACK_DECODER_STREAM_ERROR = 0x202;

/** A decoded field line (names as sent: HTTP/3 requires them lower-case, checked by the caller). */
export type FieldLine = readonly [name: string, value: string];

export type DecodeResult =
  | { readonly ok: true; readonly fields: FieldLine[]; readonly size: number }
  | { readonly ok: false; readonly code: number; readonly reason: string };

/** Prefixed integer (RFC 7541 §5.1): value and next offset, undefined when truncated or over 2^32. */
export function readPrefixInt(
  buf: Uint8Array,
  offset: number,
  prefixBits: number,
): { value: number; next: number } | undefined {
  if (offset >= buf.length) return undefined;
  const max = (1 << prefixBits) - 1;
  let value = (buf[offset] as number) & max;
  let i = offset + 1;
  if (value < max) return { value, next: i };
  let shift = 0;
  for (;;) {
    if (i >= buf.length || shift > 28) return undefined;
    const b = buf[i++] as number;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) break;
  }
  return value > 0xffffffff ? undefined : { value, next: i };
}

/** Appends a prefixed integer whose first byte carries `flags` in the bits above the prefix. */
export function pushPrefixInt(out: number[], flags: number, prefixBits: number, value: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(flags | value);
    return;
  }
  out.push(flags | max);
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

const fail = (reason: string): DecodeResult => ({ ok: false, code: QPACK_DECOMPRESSION_FAILED, reason });

/**
 * Reads a string literal whose length prefix is `prefixBits` wide with the H flag just above it. Its size
 * is bounded by the frame it came in (the caller checks the decoded field section size afterwards).
 */
function readString(
  buf: Uint8Array,
  offset: number,
  prefixBits: number,
): { text: string; next: number } | undefined {
  if (offset >= buf.length) return undefined;
  const huffman = ((buf[offset] as number) & (1 << prefixBits)) !== 0;
  const len = readPrefixInt(buf, offset, prefixBits);
  if (len === undefined || len.next + len.value > buf.length) return undefined;
  const raw = buf.subarray(len.next, len.next + len.value);
  const next = len.next + len.value;
  if (!huffman) return { text: Buffer.from(raw).toString('latin1'), next };
  // The shortest code is 5 bits: the output is at most 8/5 of the input.
  const decoded = huffmanDecode(raw, Math.ceil((raw.length * 8) / 5));
  return decoded === undefined ? undefined : { text: decoded.toString('latin1'), next };
}

/**
 * Decodes one encoded field section. `maxSize` bounds the field section size as RFC 9114 §4.2.2 counts it
 * (name + value + 32 per line); exceeding it is reported with `code` 0 so the caller can answer 431.
 */
export function decodeFieldSection(buf: Uint8Array, maxSize: number): DecodeResult {
  const ric = readPrefixInt(buf, 0, 8);
  if (ric === undefined) return fail('truncated field section prefix');
  if (ric.value !== 0) return fail('dynamic table reference (required insert count > 0)');
  const base = readPrefixInt(buf, ric.next, 7);
  if (base === undefined) return fail('truncated field section prefix');
  const fields: FieldLine[] = [];
  let size = 0;
  let i = base.next;
  while (i < buf.length) {
    const b = buf[i] as number;
    let name: string;
    let value: string;
    if ((b & 0x80) !== 0) {
      // Indexed field line: 1 T index(6)
      if ((b & 0x40) === 0) return fail('dynamic table reference (indexed field line)');
      const idx = readPrefixInt(buf, i, 6);
      if (idx === undefined) return fail('truncated indexed field line');
      const entry = staticTable[idx.value];
      if (entry === undefined) return fail(`static index ${idx.value} out of range`);
      [name, value] = entry;
      i = idx.next;
    } else if ((b & 0x40) !== 0) {
      // Literal with name reference: 0 1 N T index(4), then the value.
      if ((b & 0x10) === 0) return fail('dynamic table reference (literal with name reference)');
      const idx = readPrefixInt(buf, i, 4);
      if (idx === undefined) return fail('truncated literal with name reference');
      const entry = staticTable[idx.value];
      if (entry === undefined) return fail(`static index ${idx.value} out of range`);
      name = entry[0];
      const v = readString(buf, idx.next, 7);
      if (v === undefined) return fail('malformed field value');
      value = v.text;
      i = v.next;
    } else if ((b & 0x20) !== 0) {
      // Literal with literal name: 0 0 1 N H nameLen(3), name, then the value.
      const n = readString(buf, i, 3);
      if (n === undefined) return fail('malformed field name');
      const v = readString(buf, n.next, 7);
      if (v === undefined) return fail('malformed field value');
      name = n.text;
      value = v.text;
      i = v.next;
    } else {
      // 0001xxxx and 0000xxxx: post-base references, which need a dynamic table.
      return fail('dynamic table reference (post-base)');
    }
    size += name.length + value.length + 32;
    if (size > maxSize) return { ok: false, code: 0, reason: 'field section too large' };
    fields.push([name, value]);
  }
  return { ok: true, fields, size };
}

function pushString(out: number[], flags: number, prefixBits: number, text: string): void {
  const raw = Buffer.from(text, 'latin1');
  const hlen = huffmanLength(raw);
  if (hlen < raw.length) {
    pushPrefixInt(out, flags | (1 << prefixBits), prefixBits, hlen);
    for (const byte of huffmanEncode(raw)) out.push(byte);
  } else {
    pushPrefixInt(out, flags, prefixBits, raw.length);
    for (const byte of raw) out.push(byte);
  }
}

/** Encodes field lines (names lower-case) with static references and literals only. */
export function encodeFieldSection(fields: readonly FieldLine[]): Buffer {
  // Required Insert Count 0, Delta Base 0.
  const out: number[] = [0, 0];
  for (const [name, value] of fields) {
    const exact = staticExact(name, value);
    if (exact !== -1) {
      pushPrefixInt(out, 0xc0, 6, exact);
      continue;
    }
    const named = staticName(name);
    if (named !== -1) {
      pushPrefixInt(out, 0x50, 4, named);
    } else {
      pushString(out, 0x20, 3, name);
    }
    pushString(out, 0x00, 7, value);
  }
  return Buffer.from(out);
}
