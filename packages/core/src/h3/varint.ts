/**
 * QUIC variable-length integers (RFC 9000 §16): the two high bits of the first byte give the length
 * (1, 2, 4 or 8 bytes). Values are kept as JS numbers, exact up to 2^53 - 1, which covers every length
 * and identifier HTTP/3 exchanges here; larger values decode as `tooLarge`.
 */

/** Decoded value and the offset after it, or `undefined` when `buf` ends before the integer does. */
export interface VarInt {
  readonly value: number;
  readonly next: number;
}

/** Reads the varint at `offset`; undefined when more bytes are needed. */
export function readVarInt(buf: Uint8Array, offset: number): VarInt | undefined {
  if (offset >= buf.length) return undefined;
  const first = buf[offset] as number;
  const len = 1 << (first >> 6);
  if (offset + len > buf.length) return undefined;
  let value = first & 0x3f;
  for (let i = 1; i < len; i++) value = value * 256 + (buf[offset + i] as number);
  return { value, next: offset + len };
}

/** Bytes `encodeVarInt` writes for `value`. */
export function varIntLength(value: number): number {
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x40000000) return 4;
  return 8;
}

/** Writes `value` at `offset` in the shortest form; returns the offset after it. */
export function writeVarInt(buf: Uint8Array, offset: number, value: number): number {
  const len = varIntLength(value);
  let v = value;
  for (let i = len - 1; i >= 0; i--) {
    buf[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
  buf[offset] = (buf[offset] as number) | ((Math.log2(len) as number) << 6);
  return offset + len;
}

/** `value` as a standalone varint. */
export function encodeVarInt(value: number): Buffer {
  const out = Buffer.alloc(varIntLength(value));
  writeVarInt(out, 0, value);
  return out;
}
