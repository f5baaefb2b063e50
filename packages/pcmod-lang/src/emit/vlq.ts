/**
 * Base64 VLQ, the number encoding of source map v3 `mappings`.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Encodes one signed integer: sign in the lowest bit, then 5-bit groups with a continuation bit. */
export function encodeVlq(value: number): string {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = '';
  do {
    let digit = rest & 0b11111;
    rest >>>= 5;
    if (rest > 0) digit |= 0b100000;
    out += BASE64[digit];
  } while (rest > 0);
  return out;
}
